"""Workspace: models kept in the store, their versions (canonical JSON with its SHA-256) and readings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_models",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_workspace_models"),
        sa.UniqueConstraint("model_id", name="uq_workspace_models_model_id"),
    )
    op.create_table(
        "workspace_versions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_workspace_versions"),
        sa.UniqueConstraint("model_id", "seq", name="uq_workspace_versions_model_seq"),
    )
    op.create_table(
        "workspace_readings",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("weight", sa.String(40), nullable=False),
        sa.Column("overrides", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_workspace_readings"),
        sa.UniqueConstraint("model_id", "name", name="uq_workspace_readings_model_name"),
    )


def downgrade() -> None:
    op.drop_table("workspace_readings")
    op.drop_table("workspace_versions")
    op.drop_table("workspace_models")
