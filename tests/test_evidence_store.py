"""The evidence store on SQLite and, when SCENARIST_TEST_PG_URL is set, PostgreSQL: migrations, idempotent
transactional imports, and the same results on both."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from scenarist.evidence import EvidenceStore, StoreError, load_evidence, resolve_db_url
from scenarist.evidence import store as store_module
from scenarist.evidence.replay import track
from scenarist.evidence.tables import metadata
from scenarist.io.yaml_model import load_model

EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
PG = os.environ.get("SCENARIST_TEST_PG_URL")


def pg_schema_url(base: str):
    """A URL whose connections use a fresh schema of the test server; returns (url, drop)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not PG:
        pytest.skip("SCENARIST_TEST_PG_URL is not set (.ci/run starts a PostgreSQL server and sets it)")
    url, drop = pg_schema_url(PG)
    yield url
    drop()


@pytest.fixture(scope="module")
def model():
    return load_model("example")


@pytest.fixture(scope="module")
def evidence(model):
    return load_evidence(EXAMPLE, model)


def test_migrated_schema_matches_the_tables(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with EvidenceStore(db_url) as store:
        assert store.schema_revision() == store_module.schema_head()
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_import_is_idempotent(db_url, evidence):
    with EvidenceStore(db_url) as store:
        first = store.import_evidence(evidence, origin="example.yaml")
        assert len(first.added) == 7 and first.unchanged == () and first.claims_added == ("steady-growth",)
        second = store.import_evidence(evidence)
        assert second.added == () and len(second.unchanged) == 7 and second.claims_unchanged == ("steady-growth",)
        assert store.count() == 7
        assert store.items("example-trade") == sorted(evidence.items, key=lambda it: (it.date, it.id))
        assert store.claims("example-trade") == list(evidence.contradicted_claims)
        assert store.model_ids() == ["example-trade"]
    with EvidenceStore(db_url) as again:  # reopening migrates nothing and keeps everything
        assert again.count("example-trade") == 7


def test_conflicting_import_writes_nothing(db_url, evidence):
    with EvidenceStore(db_url) as store:
        store.import_evidence(evidence.model_copy(update={"items": evidence.items[:3], "contradicted_claims": ()}))
        changed = evidence.items[0].model_copy(update={"title": "A different title"})
        # the new file holds a changed item plus four new ones: all refused together
        file = evidence.model_copy(update={"items": (changed,) + evidence.items[1:], "contradicted_claims": ()})
        with pytest.raises(StoreError, match="different content: ex-2024-12-outlook"):
            store.import_evidence(file)
        assert store.count() == 3
        assert store.items()[0].title == evidence.items[0].title
        res = store.import_evidence(file, replace=True)
        assert res.replaced == ("ex-2024-12-outlook",) and len(res.added) == 4
        assert store.items()[0].title == "A different title"


def test_failure_mid_import_leaves_store_unchanged(db_url, evidence, monkeypatch):
    with EvidenceStore(db_url) as store:
        store.import_evidence(evidence.model_copy(update={"items": evidence.items[:2], "contradicted_claims": ()}))
        real = EvidenceStore._upsert
        calls = []

        def failing(conn, table, key, model_id, rows, replace):
            calls.append(table.name)
            out = real(conn, table, key, model_id, rows, replace)  # the items are written ...
            if table.name == "contradicted_claims":
                conn.execute(text("INSERT INTO no_such_table VALUES (1)"))  # ... then the database fails
            return out

        monkeypatch.setattr(EvidenceStore, "_upsert", staticmethod(failing))
        with pytest.raises(StoreError, match="nothing written"):
            store.import_evidence(evidence)
        assert calls == ["evidence_items", "contradicted_claims"]
        monkeypatch.undo()
        assert store.count() == 2 and store.claims() == []


def test_model_id_rules(db_url, evidence):
    with EvidenceStore(db_url) as store:
        with pytest.raises(StoreError, match="names no model"):
            store.import_evidence(evidence.model_copy(update={"model": None}))
        with pytest.raises(StoreError, match="not 'other'"):
            store.import_evidence(evidence, "other")
        assert store.count() == 0


def test_track_from_store_equals_track_from_file(db_url, model, evidence):
    with EvidenceStore(db_url) as store:
        store.import_evidence(evidence)
        items, claims = store.items(model.metadata.id), store.claims(model.metadata.id)
    assert (
        track(model, items, claims=claims).to_dict()
        == track(model, evidence.items, claims=evidence.contradicted_claims).to_dict()
    )


@pytest.mark.postgres
@pytest.mark.skipif(not PG, reason="SCENARIST_TEST_PG_URL is not set")
def test_same_results_on_sqlite_and_postgresql(tmp_path, model, evidence):
    url, drop = pg_schema_url(PG)
    try:
        results = []
        for db in (f"sqlite:///{tmp_path / 's.db'}", url):
            with EvidenceStore(db) as store:
                added = store.import_evidence(evidence).added
                again = store.import_evidence(evidence).unchanged
                items = store.items(model.metadata.id)
                results.append(
                    (
                        added,
                        again,
                        [it.model_dump(mode="json") for it in items],
                        track(model, items, draws=2, seed=5).to_dict(),
                        store.evidence_file(model.metadata.id),
                    )
                )
        assert results[0] == results[1]
    finally:
        drop()


def test_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("SCENARIST_DB", raising=False)
    assert resolve_db_url(None) == "sqlite:///scenarist.db"
    assert resolve_db_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("SCENARIST_DB", "sqlite:///team.db")
    assert resolve_db_url(None) == "sqlite:///team.db"
    assert resolve_db_url("other.db") == "sqlite:///other.db"


def test_unopenable_store_is_a_clean_error(tmp_path):
    with pytest.raises(StoreError, match="missing-dir does not exist"):
        EvidenceStore(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    with pytest.raises(StoreError, match="cannot use this database URL"):
        EvidenceStore("nosuchdialect://x")
    assert store_module.DEFAULT_FILE == "scenarist.db"


def test_what_is_not_a_store_is_refused_untouched(tmp_path):
    """A text file, a directory, a device, a corrupt SQLite file and another program's SQLite database are each
    refused with 'not a Scenarist store', and left exactly as they were."""
    import sqlite3

    text_file = tmp_path / "x.txt"
    text_file.write_text("hi\n")
    corrupt = tmp_path / "y.db"
    corrupt.write_bytes(store_module.SQLITE_MAGIC + b"garbage" * 20)
    foreign = tmp_path / "z.db"
    with sqlite3.connect(foreign) as con:
        con.execute("create table foo (a)")
    before = {p: p.read_bytes() for p in (text_file, corrupt, foreign)}
    for path, why in (
        (text_file, "not a SQLite database"),
        (corrupt, "not a Scenarist store"),
        (foreign, "other tables: foo"),
        (tmp_path, "is a directory"),
        (Path("/dev/null"), "not a regular file"),
    ):
        with pytest.raises(StoreError, match=why) as info:
            EvidenceStore(path)
        assert str(info.value).startswith(f"{path}: ")
        assert "not a Scenarist store" in str(info.value)
    assert {p: p.read_bytes() for p in before} == before
    with sqlite3.connect(foreign) as con:
        assert [r[0] for r in con.execute("select name from sqlite_master where type='table'")] == ["foo"]


def test_an_empty_store_name_is_refused():
    with pytest.raises(StoreError, match="the store name is empty"):
        EvidenceStore("")


def test_an_empty_file_becomes_a_store(tmp_path):
    empty = tmp_path / "new.db"
    empty.touch()
    with EvidenceStore(empty) as store:
        assert store.schema_revision() == store_module.schema_head()
