"""The store's Alembic migrations form one linear chain, and each one upgrades a populated store of the revision
before it without losing or changing a row (SQLite and, with SCENARIST_TEST_PG_URL, PostgreSQL)."""

from __future__ import annotations

from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text

import scenarist
from scenarist.evidence import EvidenceStore, load_evidence
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
    with EvidenceStore(db_url, migrate=False) as store:
        store.import_evidence(ev, model.metadata.id, origin="before the upgrade")
        with store.engine.connect() as conn:
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
