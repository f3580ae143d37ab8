"""The store's tables (SQLAlchemy Core metadata). The schema itself is created by the Alembic migrations in
``migrations/versions``; a test checks that these definitions and the migrated schema agree.

Items and contradicted claims keep their full content as canonical JSON (``content``) with a SHA-256 ``digest`` of
it, plus the columns one filters and sorts on. Forecasts keep their probability vector as JSON in variant order.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

evidence_items = Table(
    "evidence_items",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", Integer, nullable=False),
    Column("cluster", String(200), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("descriptor", String(200), nullable=True),
    Column("digest", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    # Since revision 0004: copies of the content's family and bearing variant, for queries (the content rules).
    Column("family", String(200), nullable=True),
    Column("variant", String(200), nullable=True),
    UniqueConstraint("model_id", "item_id", name="uq_evidence_items_model_item"),
    Index("ix_evidence_items_model_family", "model_id", "family"),
)

contradicted_claims = Table(
    "contradicted_claims",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False),
    Column("claim_id", String(200), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("model_id", "claim_id", name="uq_contradicted_claims_model_claim"),
)

imports = Table(
    "imports",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False),
    Column("origin", Text, nullable=False),
    Column("added", Integer, nullable=False),
    Column("replaced", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

forecasts = Table(
    "forecasts",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("forecast_id", String(200), nullable=False, unique=True),
    Column("model_id", String(200), nullable=False),
    Column("outcome", String(200), nullable=False),
    Column("forecaster", String(200), nullable=False),
    Column("made_on", Date, nullable=False),
    Column("horizon", Date, nullable=False),
    Column("variants", Text, nullable=False),
    Column("probabilities", Text, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

resolutions = Table(
    "resolutions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("forecast_pk", Integer, ForeignKey("forecasts.pk", ondelete="CASCADE"), nullable=False, unique=True),
    Column("resolved_on", Date, nullable=False),
    Column("outcome_variant", String(200), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# -- the forecast ledger's hash chain (scenarist.forecasts.chain) ---------------------------------------------
# Every forecast, resolution and un-resolution is one appended record: ``content`` (canonical JSON) and ``hash``, the
# SHA-256 of the previous record's hash followed by the content. ``seq`` numbers records 1, 2, ... in chain order.
# Rows are never updated or deleted; the chain is the ledger, ``forecasts`` and ``resolutions`` an index of it.

ledger_records = Table(
    "ledger_records",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("forecast_id", String(200), nullable=False),
    Column("content", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# -- the workspace (scenarist.workspace): models kept in the store, their versions and readings ---------------
# A version row holds the whole model as canonical JSON and its SHA-256 (``version``), the version's identity;
# restoring appends a row with an earlier digest again, so history is never rewritten. ``seq`` numbers saves 1, 2, ...

workspace_models = Table(
    "workspace_models",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

workspace_versions = Table(
    "workspace_versions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("version", String(64), nullable=False),
    Column("parent", String(64), nullable=True),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("model_id", "seq", name="uq_workspace_versions_model_seq"),
)

workspace_readings = Table(
    "workspace_readings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("version", String(64), nullable=False),
    Column("author", String(200), nullable=False),
    Column("weight", String(40), nullable=False),
    Column("overrides", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("model_id", "name", name="uq_workspace_readings_model_name"),
)

__all__ = [
    "contradicted_claims",
    "evidence_items",
    "forecasts",
    "imports",
    "ledger_records",
    "metadata",
    "resolutions",
    "workspace_models",
    "workspace_readings",
    "workspace_versions",
]
