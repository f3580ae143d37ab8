"""Forecast ledger hash chain: every forecast, resolution and un-resolution is an appended record carrying the
SHA-256 of its canonical content and of the previous record's hash. Existing forecasts and resolutions become the
chain's first records, in the order they were written (``created_at``, a forecast before a resolution written at the
same instant, then the row's key); from here on ``resolutions`` is no longer written (the chain holds them).

The hashing is written out here, not imported, so that this revision keeps computing what it computed when it was
written (it matches :mod:`scenarist.forecasts.chain`).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _time(value) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value) -> str:
    return str(value)[:10]


def _instant(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def upgrade() -> None:
    table = op.create_table(
        "ledger_records",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("forecast_id", sa.String(200), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_ledger_records"),
        sa.UniqueConstraint("seq", name="uq_ledger_records_seq"),
    )
    conn = op.get_bind()
    forecasts = (
        conn.execute(
            sa.text(
                "SELECT pk, forecast_id, model_id, outcome, forecaster, made_on, horizon, variants, probabilities, "
                "criteria, note, created_at FROM forecasts"
            )
        )
        .mappings()
        .all()
    )
    resolutions = (
        conn.execute(
            sa.text("SELECT pk, forecast_pk, resolved_on, outcome_variant, evidence, note, created_at FROM resolutions")
        )
        .mappings()
        .all()
    )
    try:
        events = _events(forecasts, resolutions)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a damaged row of the old tables
        from scenarist.evidence.store import StoreError

        raise StoreError(
            f"damaged store: a forecast or resolution cannot be carried into the hash chain ({exc}); "
            "`scenarist store check` lists every problem"
        ) from None
    _write_chain(table, events)


def _events(forecasts, resolutions) -> list:
    ids = {f["pk"]: f["forecast_id"] for f in forecasts}
    events = []
    for f in forecasts:
        content = {
            "kind": "forecast",
            "id": f["forecast_id"],
            "model": f["model_id"],
            "descriptor": f["outcome"],
            "forecaster": f["forecaster"],
            "made_on": _day(f["made_on"]),
            "horizon": _day(f["horizon"]),
            "variants": json.loads(f["variants"]),
            "probabilities": json.loads(f["probabilities"]),
            "criteria": f["criteria"],
            "note": f["note"],
            "retrodiction": None,
            "provenance": None,
            "recorded_at": _time(f["created_at"]),
        }
        events.append(((_instant(f["created_at"]), 0, f["pk"]), content, f["created_at"]))
    for r in resolutions:
        if r["forecast_pk"] not in ids:
            continue
        content = {
            "kind": "resolution",
            "id": ids[r["forecast_pk"]],
            "state": "resolved",
            "outcome": r["outcome_variant"],
            "resolved_on": _day(r["resolved_on"]),
            "resolver": None,
            "source": None,
            "evidence": json.loads(r["evidence"]),
            "note": r["note"],
            "recorded_at": _time(r["created_at"]),
        }
        events.append(((_instant(r["created_at"]), 1, r["pk"]), content, r["created_at"]))
    events.sort(key=lambda e: e[0])
    return events


def _write_chain(table, events) -> None:
    prev = GENESIS
    rows = []
    for seq, (_, content, created) in enumerate(events, start=1):
        h = hashlib.sha256((prev + "\n" + _canonical(content)).encode("utf-8")).hexdigest()
        rows.append(
            {
                "seq": seq,
                "kind": content["kind"],
                "forecast_id": content["id"],
                "content": _canonical(content),
                "prev_hash": prev,
                "hash": h,
                "created_at": _instant(created),
            }
        )
        prev = h
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("ledger_records")
