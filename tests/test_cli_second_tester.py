"""Defects a second tester found: --self-impacts on the likelihood/evidence commands, infinite log scores explained,
resolving before the horizon, an empty track range, the --draws cap, and small messages (validate of a non-model,
contradicted claims order, ensemble with no members)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarist.cli import app

CIB = Path(__file__).parent / "data" / "cib"
NATL = CIB / "CIB_natl_regional.scw"  # non-zero blocks of a descriptor on itself


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(*args, env=None):
    return runner().invoke(app, [str(a) for a in args], env=env)


@pytest.mark.parametrize(
    "args",
    [
        ["likelihood", NATL, "--outcome", "nint", "--draws", "0"],
        ["sensitivity", NATL, "--outcome", "nint", "--top", "1"],
        ["ensemble", NATL, "--outcome", "nint", "--member", NATL],
        ["track", NATL, "--draws", "0", "--db", "{tmp}/s.db"],
        [
            "forecast",
            "record",
            "--model",
            NATL,
            "--id",
            "f1",
            "--criteria",
            "c",
            "--horizon",
            "2030-01-01",
            "--date",
            "2025-01-01",
            "--from-model",
            "--draws",
            "0",
            "--db",
            "{tmp}/s.db",
        ],
    ],
    ids=lambda a: a[0] if a[0] != "forecast" else "forecast-record",
)
def test_self_impacts_option_on_every_command_that_reads_a_scw(args, tmp_path):
    from scenarist.evidence import EvidenceStore

    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] == "track":  # a reading command: the store must exist (reading never creates one)
        EvidenceStore(tmp_path / "s.db").close()
    r = run(*args)
    warned = [line for line in r.stderr.splitlines() if "on itself" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: ") and "--self-impacts ignore" in warned[0]
    (tmp_path / "s.db").unlink(missing_ok=True)
    if args[0] == "track":
        EvidenceStore(tmp_path / "s.db").close()
    quiet = run(*args, "--self-impacts", "ignore")
    assert "on itself" not in quiet.stderr and "No such option" not in quiet.stderr
    if args[0] in ("track", "forecast"):  # this model names no outcome: both refuse it, after reading it
        assert r.exit_code == quiet.exit_code == 2 and "no outcome" in quiet.stderr
    else:
        assert r.exit_code == quiet.exit_code == 0, (quiet.stdout, quiet.stderr)


def test_self_impacts_ignore_changes_the_likelihood_kernel():
    # CIB_natl_regional.scw: 10 consistent scenarios with the self-blocks left out (see test_scw)
    docs = {
        o: json.loads(
            run("likelihood", NATL, "--outcome", "nint", "--draws", "0", "--self-impacts", o, "--json").stdout
        )
        for o in ("ignore", "count")
    }
    assert len(docs["ignore"]["consistent_scenarios"]) == 10
    assert len(docs["count"]["consistent_scenarios"]) != 10


# -- forecast scoring: an infinite log score explained; resolving before the horizon --


def test_infinite_log_score_is_explained_in_terminal_and_json(tmp_path):
    db = tmp_path / "s.db"
    # p(truce) = 0 and truce happens: log score −ln 0 = ∞; Brier (0.5² + 1² + 0.5²) = 1.5
    run(
        "forecast",
        "record",
        "--id",
        "sure",
        "--p",
        "integration=0.5,truce=0,rupture=0.5",
        "--horizon",
        "2026-01-01",
        "--criteria",
        "c",
        "--model",
        "example",
        "--db",
        db,
    )
    run("forecast", "resolve", "sure", "--outcome", "truce", "--date", "2026-01-01", "--db", db)
    text = run("forecast", "score", "--db", db)
    assert text.exit_code == 0
    assert "log score infinite: forecast sure (analyst) gave the observed variant truce probability 0" in text.stderr
    raw = run("forecast", "score", "--db", db, "--json").stdout
    assert "Infinity" not in raw and "NaN" not in raw
    doc = json.loads(raw)
    row = doc["scores"][0]
    assert row["log"] is None and row["log_infinite"] is True and row["brier"] == pytest.approx(1.5)
    assert doc["summary"]["analyst"]["log"] is None and doc["summary"]["analyst"]["log_infinite"] == ["sure"]
    assert any("forecast sure" in n and "probability 0" in n for n in doc["notes"])


def test_finite_log_score_has_no_infinity_note(tmp_path):
    db = tmp_path / "s.db"
    run(
        "forecast",
        "record",
        "--id",
        "f",
        "--p",
        "integration=0.5,truce=0.25,rupture=0.25",
        "--horizon",
        "2026-01-01",
        "--criteria",
        "c",
        "--model",
        "example",
        "--db",
        db,
    )
    run("forecast", "resolve", "f", "--outcome", "truce", "--date", "2026-01-01", "--db", db)
    doc = json.loads(run("forecast", "score", "--db", db, "--json").stdout)
    assert doc["scores"][0]["log"] == pytest.approx(math.log(4)) and doc["scores"][0]["log_infinite"] is False
    assert doc["summary"]["analyst"]["log_infinite"] == []
    assert not any("infinite" in n for n in doc["notes"])


def test_resolving_before_the_horizon_warns_on_one_line(tmp_path):
    db = tmp_path / "s.db"
    run(
        "forecast",
        "record",
        "--id",
        "f",
        "--p",
        "integration=0.5,truce=0.25,rupture=0.25",
        "--horizon",
        "2099-12-31",
        "--criteria",
        "c",
        "--model",
        "example",
        "--db",
        db,
    )
    r = run("forecast", "resolve", "f", "--outcome", "truce", "--db", db, "--json")  # default date: today
    assert r.exit_code == 0 and json.loads(r.stdout)["id"] == "f"
    warned = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(warned) == 1 and warned[0].startswith("warning: resolving f on ")
    assert "before its horizon 2099-12-31" in warned[0] and "today" in warned[0]
    on_time = run("forecast", "resolve", "f", "--outcome", "truce", "--date", "2099-12-31", "--replace", "--db", db)
    assert on_time.exit_code == 0 and "horizon" not in on_time.stderr


# -- track: an empty range says so; the starting row says what it is; the narrow evidence list fits --


def test_track_with_no_evidence_in_range_says_so():
    r = run("track", "-e", "iran-russia-2024-2026", "--from", "2030-01-01", "--draws", "0", "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert [p["date"] for p in doc["series"]] == ["2029-12-31"]  # the day before --from: all evidence counted
    assert doc["start_label"] == "before 2030-01-01: evidence up to 2029-12-31 counted"
    assert any(n.startswith("no evidence dated on or after 2030-01-01") for n in doc["notes"])
    both = json.loads(
        run(
            "track",
            "-e",
            "iran-russia-2024-2026",
            "--from",
            "2030-01-01",
            "--to",
            "2030-06-30",
            "--draws",
            "0",
            "--json",
        ).stdout
    )
    assert any(n.startswith("no evidence between 2030-01-01 and 2030-06-30") for n in both["notes"])
    text = run("track", "-e", "iran-russia-2024-2026", "--from", "2030-01-01", "--draws", "0", env={"COLUMNS": "80"})
    assert "2029-12-31  before 2030-01-01: evidence up to 2029-12-31 counted" in text.stdout
    assert "as of" not in text.stdout.split("Evidence by date:")[1].splitlines()[1]
    assert "note: no evidence dated on or after 2030-01-01" in text.stderr


def test_track_with_evidence_labels_the_as_of_row_and_has_no_empty_note():
    doc = json.loads(run("track", "-e", "iran-russia-2024-2026", "--draws", "0", "--json").stdout)
    assert doc["series"][0]["date"] == doc["as_of"] and len(doc["series"]) > 1
    assert doc["start_label"] == "model as of its date, before any evidence"
    assert not any(n.startswith("no evidence") for n in doc["notes"])


def test_track_narrow_evidence_list_fits_80_columns_without_wrapping():
    out = run("track", "-e", "iran-russia-2024-2026", "--draws", "0", env={"COLUMNS": "80"}).stdout
    listing = out.split("Evidence by date:\n")[1].split("Moved the outcome most")[0].splitlines()
    assert listing and all(len(line) <= 80 for line in listing)
    # every line is a dated item or a further item of the same date (14 spaces), never a wrapped fragment
    assert all(line[:2] == "  " and (line[2:12].count("-") == 2 or line.startswith(" " * 14)) for line in listing)
    assert not any("  " in line[14:] for line in listing)


# -- --draws has a cap, stated in the help and the refusal; long runs report progress --

CAPPED = [
    ["likelihood", "example"],
    ["track", "example", "-e", "{evidence}"],
    [
        "forecast",
        "record",
        "--id",
        "f",
        "--criteria",
        "c",
        "--horizon",
        "2030-01-01",
        "--from-model",
        "--model",
        "example",
        "--db",
        "{tmp}/s.db",
    ],
]


@pytest.mark.parametrize("args", CAPPED, ids=lambda a: a[0])
def test_draws_above_the_cap_are_refused_and_the_help_states_it(args, tmp_path):
    evidence = Path(__file__).parent / "data" / "evidence" / "example.yaml"
    args = [str(a).replace("{tmp}", str(tmp_path)).replace("{evidence}", str(evidence)) for a in args]
    r = run(*args, "--draws", "100000000")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert "--draws 100,000,000 is more than the limit of 100,000" in r.stderr
    assert not (tmp_path / "s.db").exists()  # refused before anything was written
    assert run(*args, "--draws", "100001").exit_code == 2
    helptext = run(*args[: 2 if args[0] == "forecast" else 1], "--help", env={"COLUMNS": "200"}).stdout
    assert "at most 100,000" in helptext


def test_forecast_from_model_reports_draw_progress(tmp_path, monkeypatch):
    import scenarist.probability as lik

    seen = []
    real = lik.outcome_distribution

    def spy(*a, progress=None, **kw):
        seen.append(progress)
        return real(*a, progress=progress, **kw)

    monkeypatch.setattr(lik, "outcome_distribution", spy)
    r = run(
        "forecast",
        "record",
        "--id",
        "f",
        "--criteria",
        "c",
        "--horizon",
        "2030-01-01",
        "--from-model",
        "--draws",
        "30",
        "--model",
        "example",
        "--db",
        tmp_path / "s.db",
    )
    assert r.exit_code == 0 and len(seen) == 1 and callable(seen[0])


# -- small messages: validate of a non-model, claims order, ensemble without members --


@pytest.mark.parametrize(
    "suffix, says",
    [(".sl", "a ScenarioWizard solution list"), (".csv", "scenarist import"), (".xlsx", "scenarist import")],
)
def test_validate_names_what_a_non_model_file_is(suffix, says, tmp_path):
    f = tmp_path / f"x{suffix}"
    f.write_bytes((CIB / "CIB_global.sl").read_bytes())
    for cmd in ("validate", "analyze"):
        r = run(cmd, f)
        assert r.exit_code == 2 and "Traceback" not in r.stderr
        assert says in r.stderr and "not a model" in r.stderr and "YAML mapping" not in r.stderr


def test_track_lists_contradicted_claims_in_file_order_from_file_and_store(tmp_path):
    from scenarist.evidence import load_evidence
    from scenarist.io.yaml_model import load_model

    db = tmp_path / "s.db"
    name = "iran-russia-2024-2026"
    in_file = [c.id for c in load_evidence(name, load_model(None)).contradicted_claims]
    assert in_file != sorted(in_file)  # file order differs from id order: the test can tell them apart
    run("evidence", "import", name, "--db", db)
    from_file = json.loads(run("track", "-e", name, "--draws", "0", "--json").stdout)["contradicted_claims"]
    from_db = json.loads(run("track", "--db", db, "--draws", "0", "--json").stdout)["contradicted_claims"]
    assert [c["id"] for c in from_file] == [c["id"] for c in from_db] == in_file


def test_ensemble_without_members_is_refused_as_the_help_says():
    r = run("ensemble", "example")
    assert r.exit_code == 2 and "with --member FILE the model itself is the first member" in r.stderr
    helptext = " ".join(run("ensemble", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "with --member, the model itself is the first member" in helptext
    assert "a model with neither is refused" in helptext
