"""``scenarist evidence …``, ``track`` and ``forecast …`` through Typer's CliRunner: exit codes, one JSON document on
stdout, located errors on stderr without traceback, and the store's contents after each command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarist.cli import app
from scenarist.evidence import EvidenceStore

EXAMPLE = Path(__file__).parent / "data" / "evidence" / "example.yaml"


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(*args, ok=True):
    r = runner().invoke(app, [str(a) for a in args])
    if ok:
        assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    return r


def run_json(*args):
    return json.loads(run(*args, "--json").stdout)


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store.db"


def test_validate_ok_and_errors(tmp_path):
    r = run("evidence", "validate", EXAMPLE)
    assert "OK" in r.stdout and "7 item(s) for model example-trade" in r.stdout.replace("\n", " ")
    assert run_json("evidence", "validate", EXAMPLE)["background"] == 1
    bad = tmp_path / "bad.yaml"
    text = EXAMPLE.read_text().replace(
        "descriptor: world\n      likelihoods: {growth: 0.8", "descriptor: policy\n      likelihoods: {growth: 0.8"
    )
    bad.write_text(text)
    r = run("evidence", "validate", bad, "--model", "example", ok=False)
    # A likelihood vector may bear on any descriptor but the outcome (docs/method.md §10); this one names the
    # variants of `world`, which `policy` does not have.
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "descriptor: policy" in l) + 1
    assert r.exit_code == 2 and r.stdout == ""
    assert (
        f"{bad}:{line}: items[0].bearing.likelihoods: no likelihood for variant(s) open, closed of descriptor "
        "'policy'" in r.stderr.replace("\n", "")
    )
    assert "Traceback" not in r.stderr


def test_import_twice_adds_nothing(db):
    first = run_json("evidence", "import", EXAMPLE, "--db", db)
    assert first["counts"] == {"added": 7, "replaced": 0, "unchanged": 0}
    second = run_json("evidence", "import", EXAMPLE, "--db", db)
    assert second["counts"] == {"added": 0, "replaced": 0, "unchanged": 7}
    with EvidenceStore(db) as s:
        assert s.count() == 7


def test_failed_import_leaves_store_unchanged(db, tmp_path):
    run("evidence", "import", EXAMPLE, "--db", db)
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        EXAMPLE.read_text()
        .replace("title: Lender cuts its growth forecast sharply", "title: Lender trims its forecast")
        .replace("id: ex-2025-05-leak", "id: ex-2025-05-leak-new")
    )
    r = run("evidence", "import", changed, "--db", db, ok=False)
    assert r.exit_code == 2 and "ex-2025-02-imf" in r.stderr and "nothing was imported" in r.stderr
    with EvidenceStore(db) as s:
        assert s.count() == 7 and "ex-2025-05-leak-new" not in {it.id for it in s.items()}
    assert run_json("evidence", "import", changed, "--db", db, "--replace")["counts"] == {
        "added": 1,
        "replaced": 1,
        "unchanged": 5,
    }


def test_export_and_list(db, tmp_path):
    run("evidence", "import", EXAMPLE, "--db", db)
    for name in ("out.yaml", "out.csv"):
        run("evidence", "export", "--db", db, "-o", tmp_path / name)
        run("evidence", "validate", tmp_path / name, "--model", "example")
    assert "contradicted_claims:" in (tmp_path / "out.yaml").read_text()
    stdout = run("evidence", "export", "--db", db).stdout
    assert stdout.startswith("format: scenarist-evidence/1")
    listed = run_json("evidence", "list", "--db", db, "--model", "example")
    assert [r["id"] for r in listed["items"]][:2] == ["ex-2024-12-outlook", "ex-2025-02-imf"]
    assert listed["items"][0]["background"] is True and listed["items"][2]["weight"] == pytest.approx(0.36)
    from_file = run_json("evidence", "list", "--evidence", EXAMPLE, "--from", "2025-03-01")
    assert [r["id"] for r in from_file["items"]] == [
        "ex-2025-03-tariff-cut",
        "ex-2025-04-parliament",
        "ex-2025-05-leak",
        "ex-2025-06-recession",
    ]


def test_track_json_and_report(db, tmp_path):
    doc = run_json("track", "example", "--evidence", EXAMPLE, "--draws", "0")
    assert doc["series"][0]["date"] == "2025-01-01" and len(doc["series"]) == 7
    assert doc["series"][1]["model"]["probability"]["integration"] == pytest.approx(0.383806, abs=1e-6)
    assert [m["date"] for m in doc["moved_most"]] == ["2025-06-30", "2025-03-05", "2025-02-10"]
    run("evidence", "import", EXAMPLE, "--db", db)
    from_store = run_json("track", "example", "--db", db, "--draws", "0")
    assert from_store["series"] == doc["series"]
    report = tmp_path / "track.html"
    r = run("track", "example", "--evidence", EXAMPLE, "--draws", "2", "--seed", "1", "--report", report)
    html = report.read_text()
    assert "Evidence tracking" in html and "Contradicted claims" in html and "Scenario tableau" in html
    assert "Statistics office confirms recession" in html and "No majority at all" in html
    assert "Moved the outcome most" in r.stdout


def test_track_option_errors(db):
    r = run("track", "example", "--evidence", EXAMPLE, "--db", db, ok=False)
    assert r.exit_code == 2 and "not both" in r.stderr
    r = run("track", "example", "--evidence", EXAMPLE, "--from", "March", ok=False)
    assert r.exit_code == 2 and "--from: 'March' is not a date" in r.stderr


def test_forecast_commands(db):
    run("evidence", "import", EXAMPLE, "--db", db)
    a = run_json(
        "forecast",
        "record",
        "--id",
        "article",
        "--from-assessments",
        "--horizon",
        "2030-12-31",
        "--criteria",
        "FTA in force by the horizon",
        "--model",
        "example",
        "--db",
        db,
    )
    assert a["forecaster"] == "article" and a["made_on"] == "2025-01-01" and a["added"] is True
    m = run_json(
        "forecast",
        "record",
        "--id",
        "model",
        "--from-model",
        "--horizon",
        "2030-12-31",
        "--criteria",
        "FTA in force by the horizon",
        "--model",
        "example",
        "--db",
        db,
    )
    assert m["probabilities"] == pytest.approx({"integration": 0.6, "truce": 0.2, "rupture": 0.2})
    run(
        "forecast",
        "record",
        "--id",
        "mine",
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
    r = run(
        "forecast",
        "record",
        "--id",
        "bad",
        "--p",
        "integration=0.5",
        "--horizon",
        "2026-01-01",
        "--criteria",
        "c",
        "--model",
        "example",
        "--db",
        db,
        ok=False,
    )
    assert r.exit_code == 2 and "no probability for variant(s) truce, rupture" in r.stderr
    for fid in ("article", "model"):
        run(
            "forecast",
            "resolve",
            fid,
            "--outcome",
            "truce",
            "--date",
            "2025-07-01",
            "--evidence",
            "ex-2025-06-recession",
            "--db",
            db,
        )
    listed = run_json("forecast", "list", "--db", db)["forecasts"]
    assert [f["id"] for f in listed] == ["article", "mine", "model"]
    assert listed[0]["resolution"]["evidence"] == ["ex-2025-06-recession"]
    s = run_json("forecast", "score", "--db", db)
    assert s["summary"]["model"]["brier"] == pytest.approx(1.04)
    # the notes' words: (0.675, 0.2, 0.325) / 1.2 (see test_forecasts); truce happened
    assert s["summary"]["article"]["brier"] == pytest.approx(0.5625**2 + (5 / 6) ** 2 + (0.325 / 1.2) ** 2)
    assert s["summary"]["article"]["log"] == pytest.approx(1.791759, abs=1e-6)
    assert s["unresolved"] == ["mine"]
    text = run("forecast", "score", "--db", db).stdout
    assert "model: 1 resolved, mean Brier 1.0400" in text and "article: 1 resolved, mean Brier 1.0842" in text


def test_track_report_from_the_store_shows_the_ledger(db, tmp_path):
    run("evidence", "import", EXAMPLE, "--db", db)
    run(
        "forecast",
        "record",
        "--id",
        "model",
        "--from-model",
        "--horizon",
        "2030-12-31",
        "--criteria",
        "FTA in force",
        "--model",
        "example",
        "--db",
        db,
    )
    run("forecast", "resolve", "model", "--outcome", "truce", "--date", "2025-07-01", "--db", db)
    report = tmp_path / "r.html"
    run("track", "example", "--db", db, "--draws", "0", "--report", report)
    html = report.read_text()
    assert "Forecast scores" in html and "1.040" in html and "single data point" in html
    listed = run_json("evidence", "list", "--db", db)
    assert listed["as_of"] == "2025-01-01" and listed["items"][0]["background"] is True


def test_a_file_that_is_not_a_store_exits_2_untouched(tmp_path):
    """Defect #4: ``--db x.txt`` on a text file is one clean message, exit 2, and the file is left alone."""
    x = tmp_path / "x.txt"
    x.write_text("hi\n")
    for args in (("forecast", "list"), ("evidence", "list"), ("forecast", "score")):
        r = run(*args, "--db", x, ok=False)
        assert r.exit_code == 2, (args, r.stderr)
        assert r.stderr.strip() == f"{x}: not a Scenarist store (not a SQLite database)"
        assert "Traceback" not in r.stderr and r.stdout == ""
    assert x.read_text() == "hi\n"


def test_unknown_values_are_refused(db, tmp_path):
    """Defect #17: an unknown --format, --model-id or --forecaster is an error naming what exists; --model-id with
    --evidence for another model is not silently ignored."""
    run("evidence", "import", EXAMPLE, "--db", db)
    run(
        "forecast",
        "record",
        "--id",
        "mine",
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
    cases = [
        (("evidence", "export", "--db", db, "--format", "pdf"), "--format 'pdf': use yaml or csv"),
        (("evidence", "export", "--db", db, "-o", tmp_path / "x.pdf"), "cannot tell the format from the suffix"),
        (("evidence", "export", "--db", db, "--model-id", "nope"), "holds no evidence for it (known: example-trade)"),
        (("evidence", "list", "--db", db, "--model-id", "nope"), "holds no evidence for it (known: example-trade)"),
        (
            ("evidence", "list", "-e", EXAMPLE, "--model-id", "other"),
            "--model-id 'other': the evidence file is read for model 'example-trade'",
        ),
        (
            ("forecast", "score", "--db", db, "--model-id", "nope"),
            "--model-id 'nope': no forecast in the ledger has it (known: example-trade)",
        ),
        (("forecast", "list", "--db", db, "--model-id", "nope"), "(known: example-trade)"),
        (
            ("forecast", "list", "--db", db, "--forecaster", "bob"),
            "--forecaster 'bob': no forecast in the ledger has it (known: analyst)",
        ),
    ]
    for args, message in cases:
        r = run(*args, ok=False)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
        assert message in r.stderr.replace("\n", " "), (args, r.stderr)
        assert r.stdout == ""
    assert not (tmp_path / "x.pdf").exists()
    assert run_json("evidence", "list", "-e", EXAMPLE, "--model-id", "example-trade")["model"] == "example-trade"


def test_forecast_ids_follow_the_evidence_id_rule(db):
    """Defect #18: a forecast id with a space is refused as an evidence id is."""
    r = run(
        "forecast",
        "record",
        "--id",
        "my forecast",
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
        ok=False,
    )
    assert r.exit_code == 2
    assert "forecast id 'my forecast' is not a valid id (letters, digits and . _ : - ; no spaces)" in r.stderr


def _table_width(out: str) -> int:
    """Widest table line (lines with box-drawing rules; free text may be soft-wrapped by the terminal)."""
    return max(len(line) for line in out.splitlines() if any(c in line for c in "│┃━─"))


def test_ids_and_dates_are_never_cut_at_80_columns(db):
    """Defect #11: at 80 columns every id and date a user types back appears whole; long titles end in '…'."""
    from scenarist.evidence import load_evidence
    from scenarist.io.yaml_model import load_model

    flagship = "iran-russia-2024-2026"
    model = load_model("iran-russia-pezeshkian")
    ev = load_evidence(Path(__file__).parents[1] / "src/scenarist/data/iran-russia-2024-2026.yaml", model)
    narrow = {"COLUMNS": "80"}
    out = runner().invoke(app, ["evidence", "list", "-e", flagship], env=narrow).stdout
    assert _table_width(out) <= 80
    for it in ev.items:
        assert it.id in out and it.date.isoformat() in out
    out = runner().invoke(app, ["track", "-e", flagship, "--draws", "0"], env=narrow).stdout
    assert _table_width(out) <= 80
    assert max(len(line) for line in out.splitlines()) <= 80  # prose too ("Moved the outcome most", "Outside")
    assert "\n  route that Russia and Iran both oppose." in out  # wrapped at a word, the rest indented
    replayed = [it for it in ev.items if it.date > model.metadata.as_of]
    for it in replayed:
        assert it.date.isoformat() in out
    long_titles = [it.title for it in replayed if len(it.title) > 70]
    assert long_titles and all(t[:60] in out.replace("\n", " ") for t in long_titles)
    assert "…" in out
    for fid in ("article-2024-11-10", "model-2024-11-10-long-identifier"):
        run(
            "forecast",
            "record",
            "--id",
            fid,
            "--p",
            "integration=0.5,truce=0.25,rupture=0.25",
            "--horizon",
            "2026-06-30",
            "--criteria",
            "c",
            "--model",
            "example",
            "--db",
            db,
        )
        run("forecast", "resolve", fid, "--outcome", "truce", "--date", "2026-07-01", "--db", db)
    for cmd in ("list", "score"):
        out = runner().invoke(app, ["forecast", cmd, "--db", db], env=narrow).stdout
        assert _table_width(out) <= 80
        for token in ("article-2024-11-10", "model-2024-11-10-long-identifier", "2025-01-01", "2026-07-01"):
            assert token in out, (cmd, token, out)


def test_outputs_never_replace_an_input(db, tmp_path):
    """Defect #2 in these commands: export -o onto the store, track --report onto the evidence file or the model are
    refused before any work, and the inputs are left as they were."""
    run("evidence", "import", EXAMPLE, "--db", db)
    store_bytes = db.read_bytes()
    evidence = tmp_path / "ev.yaml"
    evidence.write_text(EXAMPLE.read_text())
    r = run("evidence", "export", "--db", db, "-o", db, "--format", "yaml", ok=False)
    assert r.exit_code == 2 and "refusing to overwrite it" in r.stderr
    r = run("track", "example", "-e", evidence, "--draws", "0", "--report", evidence, ok=False)
    assert r.exit_code == 2 and "refusing to overwrite it" in r.stderr
    assert db.read_bytes() == store_bytes and evidence.read_text() == EXAMPLE.read_text()
    r = run("evidence", "export", "--db", db, "-o", tmp_path / "out.csv")
    assert r.stderr.strip() == f"Wrote {tmp_path / 'out.csv'}: 7 evidence item(s)"
