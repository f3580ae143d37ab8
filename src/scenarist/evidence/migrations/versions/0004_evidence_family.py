"""Evidence on any descriptor: ``evidence_items`` gains ``family`` (the underlying development an item observes, for
dependent evidence) and ``variant`` (the variant an observation or an intervention holds), both filled from each
row's JSON content, which stays the item's record (its digest is unchanged), with an index on (model, family).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _derived(content: str) -> tuple[str | None, str | None]:
    # A row whose content is not an object is left for `store check` to report; the migration does not judge it.
    try:
        data = json.loads(content)
    except (TypeError, ValueError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    bearing = data.get("bearing") if isinstance(data.get("bearing"), dict) else {}
    family, variant = data.get("family"), bearing.get("variant")
    return (family if isinstance(family, str) else None), (variant if isinstance(variant, str) else None)


def upgrade() -> None:
    with op.batch_alter_table("evidence_items") as batch:
        batch.add_column(sa.Column("family", sa.String(200), nullable=True))
        batch.add_column(sa.Column("variant", sa.String(200), nullable=True))
        batch.create_index("ix_evidence_items_model_family", ["model_id", "family"])
    conn = op.get_bind()
    table = sa.table("evidence_items", sa.column("pk"), sa.column("content"), sa.column("family"), sa.column("variant"))
    for pk, content in conn.execute(sa.select(table.c.pk, table.c.content)).all():
        family, variant = _derived(content)
        if family is not None or variant is not None:
            conn.execute(table.update().where(table.c.pk == pk).values(family=family, variant=variant))


def downgrade() -> None:
    with op.batch_alter_table("evidence_items") as batch:
        batch.drop_index("ix_evidence_items_model_family")
        batch.drop_column("variant")
        batch.drop_column("family")
