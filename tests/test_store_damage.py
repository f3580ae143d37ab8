"""A damaged store (issue 10, part 3) and the validation gaps of the ledger.

Each kind of damage — a corrupt SQLite page, text that is not JSON, a date that is not a date, a dropped table or
column, NULL in a required column, an unknown schema revision — makes every command that reads the store exit 2
with one line naming the store and the table or row, never a traceback; ``scenarist store check`` lists it.
Reading commands refuse a store that does not exist and leave no file behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.evidence import EvidenceStore, StoreError, check_store

EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"


def run(*args, env=None):
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(app, [str(a) for a in args], env=env)


def ok(*args):
    r = run(*args)
    assert r.exit_code == 0, (args, r.stdout, r.stderr, r.exception)
    return r


@pytest.fixture(scope="module")
def healthy_template(tmp_path_factory) -> Path:
    """A store with the example's evidence (7 items, 1 contradicted claim) and one resolved forecast."""
    db = tmp_path_factory.mktemp("template") / "store.db"
    ok("evidence", "import", EXAMPLE, "--db", db)
    ok(
        "forecast",
        "record",
        "--id",
        "f1",
        "--criteria",
        "c",
        "--horizon",
        "2025-06-01",
        "-m",
        "example",
        "--from-assessments",
        "--db",
        db,
    )
    ok("forecast", "resolve", "f1", "--outcome", "truce", "--date", "2025-07-01", "--db", db)
    return db


@pytest.fixture
def healthy(healthy_template, tmp_path) -> Path:
    db = tmp_path / "store.db"
    shutil.copy(healthy_template, db)
    return db


def sql(db: Path, script: str) -> None:
    con = sqlite3.connect(db)
    try:
        con.executescript(script)
        con.commit()
    finally:
        con.close()


def without_not_null(table: str, then: str) -> str:
    """SQL that rebuilds ``table`` without its constraints (as a hand edit might) and then runs ``then``."""
    return (
        f"CREATE TABLE tmp_{table} AS SELECT * FROM {table}; DROP TABLE {table}; "
        f"ALTER TABLE tmp_{table} RENAME TO {table}; {then}"
    )


def corrupt_table_page(db: Path, table: str) -> None:
    """Overwrite the first page of ``table``'s b-tree with garbage (a torn or bit-rotted page)."""
    con = sqlite3.connect(db)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    con.close()
    with open(db, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xa5" * page_size)


EVIDENCE_READERS = (("evidence", "list"), ("evidence", "export"), ("track", "example", "--draws", "0"))
LEDGER_READERS = (("forecast", "list"), ("forecast", "score"))

#: name → (how to damage the store, commands that must refuse it, what their one line says)
DAMAGE = {
    "items-bad-json": (
        "UPDATE evidence_items SET content = '{bad' WHERE pk = 2",
        EVIDENCE_READERS,
        "table evidence_items, row pk=2 (model 'example-trade', item 'ex-2025-02-imf'): content is not valid JSON",
    ),
    "items-not-an-item": (
        """UPDATE evidence_items SET content = '{"a": 1}' WHERE pk = 1""",
        EVIDENCE_READERS,
        "table evidence_items, row pk=1 (model 'example-trade', item 'ex-2024-12-outlook'): content is not a valid",
    ),
    "items-text-not-json-type": (
        "UPDATE evidence_items SET content = 42 WHERE pk = 3",
        EVIDENCE_READERS,
        "table evidence_items, row pk=3",
    ),
    "items-bad-date": (
        "UPDATE evidence_items SET date = '2025-13-45' WHERE pk = 1",
        EVIDENCE_READERS,
        "table evidence_items, row pk=1 (model 'example-trade', item 'ex-2024-12-outlook'): date '2025-13-45' is not",
    ),
    "items-null-content": (
        without_not_null("evidence_items", "UPDATE evidence_items SET content = NULL WHERE pk = 4;"),
        EVIDENCE_READERS,
        "table evidence_items, row pk=4 (model 'example-trade', item 'ex-2025-03-tariff-cut'): content is empty (NULL)",
    ),
    "claims-bad-json": (
        "UPDATE contradicted_claims SET content = '[' WHERE pk = 1",
        (("evidence", "export"), ("track", "example", "--draws", "0")),
        "table contradicted_claims, row pk=1 (model 'example-trade', claim 'steady-growth'): content is not valid JSON",
    ),
    # The ledger is read from its hash chain (ledger_records); the forecasts table is an index `forecast verify`
    # checks against it.
    "ledger-bad-json": (
        "UPDATE ledger_records SET content = '{bad' WHERE seq = 1",
        LEDGER_READERS,
        "table ledger_records, record #1: content is not JSON",
    ),
    "ledger-not-a-record": (
        """UPDATE ledger_records SET content = '{"kind": "forecast"}' WHERE seq = 1""",
        LEDGER_READERS,
        "table ledger_records",
    ),
    "dropped-forecasts": ("DROP TABLE resolutions; DROP TABLE forecasts", LEDGER_READERS, "table forecasts is missing"),
    "dropped-items": ("DROP TABLE evidence_items", EVIDENCE_READERS, "table evidence_items is missing"),
    "dropped-claims": ("DROP TABLE contradicted_claims", EVIDENCE_READERS, "table contradicted_claims is missing"),
    "missing-column": (
        "ALTER TABLE ledger_records DROP COLUMN content",
        LEDGER_READERS,
        "no such column",
    ),
    "missing-alembic-version": (
        "DROP TABLE alembic_version",
        EVIDENCE_READERS + LEDGER_READERS,
        "table alembic_version is missing",
    ),
    "unknown-revision": (
        "UPDATE alembic_version SET version_num = '9999'",
        EVIDENCE_READERS + LEDGER_READERS,
        "schema revision '9999' is not one this Scenarist knows",
    ),
    "corrupt-items-page": (corrupt_table_page, EVIDENCE_READERS, "database disk image is malformed"),
    "corrupt-forecasts-page": (corrupt_table_page, LEDGER_READERS, "database disk image is malformed"),
}


def damage(db: Path, name: str) -> None:
    how = DAMAGE[name][0]
    if callable(how):
        how(db, "evidence_items" if "items" in name else "forecasts")
    else:
        sql(db, how)


def one_line_naming(r, db: Path, expected: str) -> None:
    assert r.exit_code == 2, (r.stdout, r.stderr, r.exception)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"{db}: ") or lines[0].startswith(f"no such store: {db}"), lines[0]
    assert expected in lines[0], lines[0]
    assert "Traceback" not in r.stderr and "sqlalche.me" not in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_each_damage_is_one_line_naming_store_and_table_or_row(healthy, name):
    damage(healthy, name)
    _, commands, expected = DAMAGE[name]
    for args in commands:
        r = run(*args, "--db", healthy)
        one_line_naming(r, healthy, expected)


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_store_check_lists_each_damage(healthy, name):
    damage(healthy, name)
    r = run("store", "check", "--db", healthy)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{healthy}: ") for line in lines), lines
    result = check_store(healthy)
    assert not result.ok and result.problems
    doc = json.loads(run("store", "check", "--db", healthy, "--json").stdout)
    assert doc["ok"] is False and doc["problems"] == list(result.problems)


def test_store_check_on_a_healthy_store(healthy):
    r = run("store", "check", "--db", healthy)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"OK {healthy}: sqlite store at schema revision ")
    assert "7 evidence_items" in r.stdout and "1 forecasts" in r.stdout
    result = check_store(healthy)
    assert result.ok and result.revision_status == "current" and result.integrity == "ok"
    assert dict(result.rows)["evidence_items"] == 7
    assert repr(result).startswith("<StoreCheck ") and result.to_frame().empty
    assert run("store", "check", "--db", healthy, "--quick").exit_code == 0


def test_store_check_finds_what_reads_let_pass(healthy):
    """A hand edit that still reads (valid content under an old digest), an out-of-range date, a bad timestamp."""
    con = sqlite3.connect(healthy)
    content = json.loads(con.execute("SELECT content FROM evidence_items WHERE pk = 5").fetchone()[0])
    content["title"] = "edited by hand"
    con.execute("UPDATE evidence_items SET content = ? WHERE pk = 5", (json.dumps(content),))
    con.execute("UPDATE forecasts SET horizon = '2999-01-01'")
    con.execute("UPDATE imports SET imported_at = 'noon'")
    con.execute("UPDATE evidence_items SET family = 'edited' WHERE pk = 3")  # a copy column out of step
    con.commit()
    con.close()
    assert run("evidence", "list", "--db", healthy).exit_code == 0  # reading stays possible
    problems = check_store(healthy).problems
    assert any("table evidence_items, row pk=5" in p and "digest does not match" in p for p in problems), problems
    assert any("table forecasts, row pk=1" in p and "horizon 2999-01-01 is outside" in p for p in problems)
    assert any("table imports, row pk=1" in p and "imported_at 'noon'" in p for p in problems)
    assert any("row pk=3" in p and "family 'edited' disagrees with the content's family None" in p for p in problems)


def test_store_check_reports_a_store_behind(healthy):
    sql(healthy, "UPDATE alembic_version SET version_num = '0001'")
    result = check_store(healthy)
    assert result.revision_status == "behind" and result.revision == "0001"
    assert any("behind the newest" in p for p in result.problems)


def test_store_check_changes_nothing(healthy):
    before = healthy.read_bytes()
    sql(healthy, "UPDATE alembic_version SET version_num = '0001'")
    before = healthy.read_bytes()
    check_store(healthy)
    assert healthy.read_bytes() == before  # no migration, no write


def test_damage_through_a_real_process_shows_no_traceback(healthy):
    """The console script itself, not CliRunner: stderr is the one line and nothing else."""
    damage(healthy, "items-bad-json")
    exe = Path(sys.executable).with_name("scenarist")
    for args in (("evidence", "list"), ("store", "check")):
        r = subprocess.run([str(exe), *args, "--db", str(healthy)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "Traceback" not in r.stderr
        assert r.stderr.strip().splitlines() == [r.stderr.strip()]
        assert "table evidence_items, row pk=2" in r.stderr


def test_library_reads_raise_store_error(healthy):
    damage(healthy, "ledger-bad-json")
    import scenarist

    with pytest.raises(StoreError, match=r"table ledger_records, record #1: content is not JSON"):
        scenarist.forecasts.list_ledger(healthy)
    damage(healthy, "items-bad-json")
    with pytest.raises(StoreError, match=r"table evidence_items, row pk=2"):
        scenarist.evidence.stored_evidence(healthy)


# -- reading commands never create a store ---------------------------------------------------------------------

READERS = (
    ("evidence", "list"),
    ("evidence", "export"),
    ("evidence", "export", "-o", "out.yaml"),
    ("forecast", "list"),
    ("forecast", "score"),
    ("forecast", "resolve", "f1", "--outcome", "truce"),
    ("store", "check"),
    ("track", "example", "--draws", "0"),
    ("track", "example", "--draws", "0", "--report", "r.html"),
)


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_reading_commands_refuse_a_missing_store_and_leave_no_file(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    r = run(*args, "--db", "typo.db")
    one_line_naming(r, Path("typo.db"), "no such store: typo.db; create one with `scenarist evidence import")
    assert list(tmp_path.iterdir()) == []
    # the same through $SCENARIST_DB and through the default file
    r = run(*args, env={"SCENARIST_DB": "typo2.db"})
    assert r.exit_code == 2 and "no such store: typo2.db" in r.stderr
    monkeypatch.delenv("SCENARIST_DB", raising=False)
    r = run(*args, env={"SCENARIST_DB": ""})
    assert r.exit_code == 2 and "no such store: scenarist.db" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_empty_file_is_no_store_for_readers_but_becomes_one_for_writers(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    r = run("forecast", "list", "--db", empty)
    assert r.exit_code == 2 and "no such store" in r.stderr and empty.read_bytes() == b""
    ok("evidence", "import", EXAMPLE, "--db", empty)
    assert ok("forecast", "list", "--db", empty, "--json").stdout.strip().startswith("{")


def test_writing_commands_still_create_the_store_and_leave_no_lock_file(tmp_path):
    db = tmp_path / "new.db"
    ok("evidence", "import", EXAMPLE, "--db", db)
    assert db.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["new.db"]
    assert check_store(db).ok


def test_library_readers_do_not_create(tmp_path):
    import scenarist

    db = tmp_path / "nope.db"
    for call in (
        lambda: scenarist.forecasts.list_ledger(db),
        lambda: scenarist.forecasts.scores(db),
        lambda: scenarist.evidence.stored_evidence(db),
        lambda: scenarist.evidence.list_items(db=db),
        lambda: check_store(db),
        lambda: EvidenceStore(db, create=False),
    ):
        with pytest.raises(StoreError, match="no such store"):
            call()
    assert not db.exists()


def test_a_server_database_without_tables_is_no_store_for_readers(monkeypatch):
    """PostgreSQL: an empty database (or schema) is "no such store" for a reader and is left empty."""
    pg = os.environ.get("SCENARIST_TEST_PG_URL")
    if not pg:
        pytest.skip("SCENARIST_TEST_PG_URL is not set")
    from test_evidence_store import pg_schema_url

    url, drop = pg_schema_url(pg)
    try:
        with pytest.raises(StoreError, match="no such store"):
            EvidenceStore(url, create=False)
        with EvidenceStore(url) as store:  # a writer creates it
            assert store.schema_revision() is not None
        assert check_store(url).ok
    finally:
        drop()


# -- validation gaps of the ledger ---------------------------------------------------------------------------


def test_forecast_record_on_a_model_without_outcome_says_what_to_do(tmp_path):
    import yaml

    doc = yaml.safe_load((Path(__file__).parents[1] / "src/scenarist/models/example.yaml").read_text())
    for d in doc["descriptors"]:
        if d.get("role") == "outcome":
            d["role"] = "context"
    doc.pop("assessments", None)
    model = tmp_path / "no-outcome.yaml"
    model.write_text(yaml.safe_dump(doc, sort_keys=False))
    db = tmp_path / "s.db"
    for source in (["--from-model", "--draws", "0"], ["--from-assessments"], ["--p", "a=1"]):
        r = run(
            "forecast", "record", "--id", "x", "--criteria", "c", "--horizon", "2026-01-01", "-m", model, "--db", db,
            *source,
        )  # fmt: skip
        assert r.exit_code == 2, r.stderr
        assert "--outcome" not in r.stderr and "role: outcome" in r.stderr and "assessments.outcome" in r.stderr
    assert not db.exists()


@pytest.mark.parametrize(
    "extra, what",
    [
        (["--horizon", "9999-01-01"], "9999-01-01 is outside 1900-01-01 … 2100-12-31"),
        (["--horizon", "2026-01-01", "--date", "1800-01-01"], "1800-01-01 is outside 1900-01-01 … 2100-12-31"),
    ],
)
def test_forecast_dates_must_lie_in_range(tmp_path, extra, what):
    db = tmp_path / "s.db"
    r = run(
        "forecast", "record", "--id", "x", "--criteria", "c", "-m", "example",
        "--p", "integration=0.2,truce=0.5,rupture=0.3", "--db", db, *extra,
    )  # fmt: skip
    assert r.exit_code == 2 and what in r.stderr, r.stderr


def test_resolution_date_must_lie_in_range(healthy):
    r = run("forecast", "resolve", "f1", "--outcome", "rupture", "--date", "2200-01-01", "--replace", "--db", healthy)
    assert r.exit_code == 2 and "2200-01-01 is outside" in r.stderr, r.stderr


def test_the_library_never_creates_a_store_when_reading(tmp_path):
    import scenarist
    from scenarist.evidence import StoreError

    missing = tmp_path / "typo.db"
    with pytest.raises(StoreError, match="no such store"):
        scenarist.track("example", db=str(missing), draws=0)
    assert not missing.exists()
