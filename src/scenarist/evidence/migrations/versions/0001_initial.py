"""Initial schema: evidence items, contradicted claims, import log, forecasts and their resolutions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.Integer, nullable=False),
        sa.Column("cluster", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("descriptor", sa.String(200), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_evidence_items"),
        sa.UniqueConstraint("model_id", "item_id", name="uq_evidence_items_model_item"),
    )
    op.create_table(
        "contradicted_claims",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_contradicted_claims"),
        sa.UniqueConstraint("model_id", "claim_id", name="uq_contradicted_claims_model_claim"),
    )
    op.create_table(
        "imports",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("replaced", sa.Integer, nullable=False),
        sa.Column("unchanged", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_imports"),
    )
    op.create_table(
        "forecasts",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("forecast_id", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(200), nullable=False),
        sa.Column("forecaster", sa.String(200), nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("horizon", sa.Date, nullable=False),
        sa.Column("variants", sa.Text, nullable=False),
        sa.Column("probabilities", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_forecasts"),
        sa.UniqueConstraint("forecast_id", name="uq_forecasts_forecast_id"),
    )
    op.create_table(
        "resolutions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("forecast_pk", sa.Integer, nullable=False),
        sa.Column("resolved_on", sa.Date, nullable=False),
        sa.Column("outcome_variant", sa.String(200), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_resolutions"),
        sa.ForeignKeyConstraint(
            ["forecast_pk"], ["forecasts.pk"], name="fk_resolutions_forecast_pk_forecasts", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("forecast_pk", name="uq_resolutions_forecast_pk"),
    )


def downgrade() -> None:
    for name in ("resolutions", "forecasts", "imports", "contradicted_claims", "evidence_items"):
        op.drop_table(name)
