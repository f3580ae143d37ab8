"""The store's Alembic migrations form one linear chain, and each one upgrades a populated store of the revision
before it without losing or changing a row (SQLite and, with SCENARIST_TEST_PG_URL, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

import scenarist
from scenarist.evidence import EvidenceStore, load_evidence
from scenarist.evidence.store import _item_row
from scenarist.evidence.tables import evidence_items
from test_evidence_store import EXAMPLE, db_url  # noqa: F401  (the fixture: SQLite and PostgreSQL)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("scenarist.evidence") / "migrations"))
    return cfg


def _upgrade(url: str, revision: str) -> None:
    cfg = _config()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _insert_items(url: str, model_id: str, items) -> None:
    """Insert evidence rows with only the columns the store's current ``evidence_items`` table has."""
    engine = create_engine(url)
    present = {c["name"] for c in inspect(engine).get_columns("evidence_items")}
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [{k: v for k, v in _item_row(model_id, it, now).items() if k in present} for it in items]
    with engine.begin() as conn:
        conn.execute(evidence_items.insert(), rows)
    engine.dispose()


def test_the_migrations_are_one_linear_chain():
    script = ScriptDirectory.from_config(_config())
    heads = script.get_heads()
    assert len(heads) == 1, heads
    chain = [rev.revision for rev in script.walk_revisions()]  # newest first
    assert chain[-1] == "0001" and chain[0] == heads[0]
    for rev in script.walk_revisions():
        down = rev.down_revision
        assert down is None or isinstance(down, str), f"{rev.revision} merges several revisions"


def test_each_migration_upgrades_a_populated_store(db_url):  # noqa: F811
    script = ScriptDirectory.from_config(_config())
    chain = [rev.revision for rev in script.walk_revisions()][::-1]  # oldest first
    model = scenarist.load("example")
    ev = load_evidence(EXAMPLE, model)
    _upgrade(db_url, chain[0])
    # The rows as the oldest revision's table holds them: only the columns it has (later ones add columns).
    _insert_items(db_url, model.metadata.id, ev.items)
    with EvidenceStore(db_url, migrate=False) as store, store.engine.connect() as conn:
        before = sorted(conn.execute(select(evidence_items.c.item_id, evidence_items.c.digest)).all())
    assert len(before) == len(ev.items)
    # A forecast and its resolution as revision 0001's tables hold them (before the ledger became a hash chain).
    with create_engine(db_url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO forecasts (forecast_id, model_id, outcome, forecaster, made_on, horizon, variants, "
                "probabilities, criteria, note, created_at) VALUES ('old-1', 'example-trade', 'relationship', 'ana', "
                "'2025-01-01', '2026-01-01', '[\"integration\", \"truce\", \"rupture\"]', '[0.5, 0.3, 0.2]', "
                "'A free-trade agreement in force.', NULL, '2025-01-01 10:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO resolutions (forecast_pk, resolved_on, outcome_variant, evidence, note, created_at) "
                "SELECT pk, '2026-01-05', 'truce', '[]', NULL, '2026-01-05 09:00:00' FROM forecasts"
            )
        )
    for revision in chain[1:]:
        _upgrade(db_url, revision)
        with EvidenceStore(db_url, migrate=False) as store:
            assert store.schema_revision() == revision
            with store.engine.connect() as conn:
                after = sorted(conn.execute(select(evidence_items.c.item_id, evidence_items.c.digest)).all())
            assert after == before, revision
            assert store.items(model.metadata.id) == sorted(ev.items, key=lambda i: (i.date, i.id))
    # At the head the old forecast is in the ledger with its resolution, and the chain verifies.
    ledger = scenarist.forecasts.list_ledger(db_url)
    [old] = ledger.forecasts
    assert (old.id, old.probabilities, old.resolution.outcome) == ("old-1", (0.5, 0.3, 0.2), "truce")
    with EvidenceStore(db_url) as store:
        from scenarist.forecasts.chain import verify

        check = verify(store)
        assert check.ok and check.records == 2, check.problems
    # Brier of (0.5, 0.3, 0.2) resolved "truce", by hand: 0.25 + 0.49 + 0.04 = 0.78.
    assert scenarist.forecasts.scores(db_url).rows[0].brier == pytest.approx(0.78)
    # At the head, the workspace tables work beside the evidence.
    from scenarist.workspace import Workspace

    with Workspace(db_url) as ws:
        v = ws.add(model, author="tester", reason="after the upgrade")
        assert ws.get(model.metadata.id).metadata.id == model.metadata.id and v.seq == 1


def test_migration_0004_copies_family_and_variant_from_each_row(db_url):  # noqa: F811
    """A populated 0003 store (the flagship record: families, observations, interventions) upgraded to 0004: every
    row's new columns equal its content's family and bearing variant, digests are unchanged, and the store answers
    a query by family."""
    model = scenarist.load("iran-russia-pezeshkian")
    ev = load_evidence(resources.files("scenarist.data") / "iran-russia-2024-2026.yaml", model)
    _upgrade(db_url, "0003")
    _insert_items(db_url, model.metadata.id, ev.items)
    _upgrade(db_url, "0004")
    with EvidenceStore(db_url, migrate=False) as store:
        assert store.schema_revision() == "0004"
        with store.engine.connect() as conn:
            t = evidence_items
            rows = {r.item_id: r for r in conn.execute(select(t.c.item_id, t.c.family, t.c.variant, t.c.digest))}
        by_id = {it.id: it for it in ev.items}
        assert set(rows) == set(by_id)
        for item_id, r in rows.items():
            it = by_id[item_id]
            assert (r.family, r.variant) == (it.family, getattr(it.bearing, "variant", None)), item_id
        # the record's own counts, read from the file, not from the store
        family = "russia-will-not-fight"
        expected = sorted(i.id for i in ev.items if i.family == family)
        assert len(expected) >= 2
        assert [i.id for i in store.items(model.metadata.id, family=family)] == expected
        observed = [i.id for i in ev.items if i.bearing.kind in ("observation", "intervention")]
        assert observed and all(rows[i].variant for i in observed)
        assert scenarist.evidence.check_store(db_url).ok
