"""The store under concurrency, with real processes (issue 10, part 3): several processes opening a new store at once
create it once; identical imports (and forecasts) at once are one write and no-ops for the rest; conflicting ones
are a clear conflict, never a UNIQUE error or "table already exists".

Every test starts :data:`PROCESSES` processes (``spawn``), lets each import Scenarist and load its input, and
releases them together from a barrier, on SQLite and — when ``SCENARIST_TEST_PG_URL`` is set — on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from collections import Counter
from pathlib import Path

import pytest

#: Processes started together in every test.
PROCESSES = 8
EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
PG = os.environ.get("SCENARIST_TEST_PG_URL")
# Each test starts 8 processes that import Scenarist (about 7 s a test on 2 cores): left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A URL of a store that does not exist yet: a new SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if not PG:
        pytest.skip("SCENARIST_TEST_PG_URL is not set (.ci/run starts a PostgreSQL server and sets it)")
    from test_evidence_store import pg_schema_url

    url, drop = pg_schema_url(PG)
    yield url
    drop()


def _worker(task: str, url: str, arg: str, barrier, results) -> None:
    """One process: get ready (imports, inputs), wait for the others, do ``task`` once, report the outcome."""
    try:
        from scenarist.evidence import EvidenceStore, load_evidence
        from scenarist.io.yaml_model import load_model

        model = load_model("example")
        evidence = load_evidence(arg, model) if task == "import" else None
        barrier.wait(timeout=120)
        if task == "open":
            EvidenceStore(url).close()
            results.put(("ok", None))
        elif task == "import":
            with EvidenceStore(url) as store:
                r = store.import_evidence(evidence, origin=arg)
            results.put(("ok", (len(r.added), len(r.unchanged), len(r.claims_added))))
        elif task == "forecast":
            import datetime as dt

            from scenarist.forecasts import make_forecast, record_forecast

            f = make_forecast(
                "f1", model, {"integration": 0.2, "truce": 0.5, "rupture": 0.3}, dt.date(2025, 1, 1),
                dt.date(2025, 6, 1), arg,
            )  # fmt: skip
            with EvidenceStore(url) as store:
                results.put(("ok", record_forecast(store, f)))
    except Exception as exc:  # reported to the test, which shows it
        name = type(exc).__name__
        results.put(("error", f"{name}: {exc}" if name == "StoreError" else traceback.format_exc()))


def race(task: str, url: str, args: list[str]) -> list[tuple[str, object]]:
    """Run ``task`` in one process per item of ``args``, all released at once; their outcomes."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(args))
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(task, url, a, barrier, results)) for a in args]
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_processes_opening_a_new_store_at_once_create_it_once(db_url):
    from scenarist.evidence import EvidenceStore, check_store
    from scenarist.evidence.store import schema_head

    outcomes = race("open", db_url, [""] * PROCESSES)
    assert outcomes == [("ok", None)] * PROCESSES, outcomes
    with EvidenceStore(db_url, create=False) as store:
        assert store.schema_revision() == schema_head()
    assert check_store(db_url).ok
    if db_url.startswith("sqlite"):
        folder = Path(db_url.removeprefix("sqlite:///")).parent
        assert sorted(p.name for p in folder.iterdir()) == ["store.db"]  # the lock file is gone


def test_identical_imports_at_once_add_once(db_url):
    """Eight processes import the same file into a store that does not exist yet: every one succeeds, each item
    is added exactly once, the others find it unchanged."""
    from scenarist.evidence import EvidenceStore, check_store

    outcomes = race("import", db_url, [str(EXAMPLE)] * PROCESSES)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    added = sum(n for _, (n, _, _) in outcomes)
    unchanged = sum(u for _, (_, u, _) in outcomes)
    assert added == 7 and unchanged == 7 * (PROCESSES - 1), outcomes
    assert sum(c for _, (_, _, c) in outcomes) == 1
    with EvidenceStore(db_url, create=False) as store:
        assert store.count() == 7 and len(store.claims()) == 1
    assert check_store(db_url).ok


def test_conflicting_imports_at_once_are_a_clear_conflict(db_url, tmp_path):
    """Half the processes import the example, half an edited copy: one version is stored whole; every other
    process either finds its own version unchanged or is refused with a conflict (never a UNIQUE error)."""
    from scenarist.evidence import EvidenceStore

    edited = tmp_path / "edited.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    edited.write_text(text.replace("    title: Forecasters", "    title: Edited Forecasters"), encoding="utf-8")
    assert edited.read_text(encoding="utf-8") != text
    outcomes = race("import", db_url, [str(EXAMPLE), str(edited)] * (PROCESSES // 2))
    errors = [msg for kind, msg in outcomes if kind == "error"]
    assert errors, outcomes  # one version lost
    assert all("with different content" in msg and "nothing was imported" in msg for msg in errors), errors
    assert not any("UNIQUE" in msg or "duplicate key" in msg or "already exists" in msg for msg in errors)
    with EvidenceStore(db_url, create=False) as store:
        titles = [it.title for it in store.items()]
    assert len(titles) == 7
    edited_titles = sum(t.startswith("Edited ") for t in titles)
    assert edited_titles in (0, 1), titles  # all of one version: the whole import or nothing


def test_identical_forecasts_at_once_are_recorded_once(db_url):
    from scenarist.evidence import EvidenceStore
    from scenarist.forecasts import list_forecasts

    outcomes = race("forecast", db_url, ["same criteria"] * PROCESSES)
    assert Counter(outcomes) == Counter({("ok", True): 1, ("ok", False): PROCESSES - 1}), outcomes
    with EvidenceStore(db_url, create=False) as store:
        assert [f.id for f in list_forecasts(store)] == ["f1"]


def test_different_forecasts_under_one_id_at_once(db_url):
    outcomes = race("forecast", db_url, ["criteria A", "criteria B"] * (PROCESSES // 2))
    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds["error"] >= 1 and ("ok", True) in outcomes, outcomes
    assert all("already recorded with different content" in str(msg) for kind, msg in outcomes if kind == "error"), (
        outcomes
    )
