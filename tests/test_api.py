"""The documented public API, driven as a notebook user would, checked against what the CLI prints with --json.

Every figure compared here is computed twice, by the library call and by the command (in-process, through Typer's
runner); the CIB values themselves are checked by hand and by brute force elsewhere (test_cib_core, test_flagship).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scenarist
from scenarist.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def cli_json(*args: str) -> dict:
    r = runner.invoke(app, [*args, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def same(a, b) -> bool:
    """Equal as JSON documents (tuples and lists alike, floats as printed)."""
    return json.loads(json.dumps(a, default=str)) == json.loads(json.dumps(b, default=str))


@pytest.fixture(scope="module")
def flagship():
    return scenarist.load("iran-russia-pezeshkian")


def test_top_level_names_and_version():
    for name in (
        "load",
        "analyze",
        "explain",
        "succession",
        "basins",
        "likelihood",
        "sensitivity",
        "ensemble",
        "track",
        "report",
        "validate",
        "import_model",
        "export",
        "save",
        "ScenaristError",
        "__version__",
    ):
        assert hasattr(scenarist, name), name
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|unknown", scenarist.__version__)
    assert scenarist.evidence.check_file and scenarist.forecasts.record  # the two workflow modules, on first use
    assert issubclass(scenarist.OptionError, scenarist.ScenaristError)


def test_no_api_name_is_a_submodule_name():
    """Importing a submodule binds it on the package: a function of the same name would be replaced."""
    src = ROOT / "src" / "scenarist"
    modules = {p.stem for p in src.glob("*.py")} | {p.name for p in src.iterdir() if (p / "__init__.py").exists()}
    clash = {
        n
        for n in scenarist.__all__
        if n in modules and n not in ("evidence", "forecasts", "reporting", "web", "workspace")
    }
    assert not clash, clash
    import importlib

    importlib.import_module("scenarist.explanation")  # the module that once shadowed `explain`
    assert callable(scenarist.explain)


def test_notebook_flow_equals_the_cli(flagship, tmp_path):
    a = scenarist.analyze(flagship)
    doc = cli_json("analyze")
    assert same(a.to_dict(), doc)
    frame = a.to_frame()
    assert len(frame) == doc["n_scenarios"] == len(a.scenarios)
    assert list(frame["total_impact_score"]) == [s["total_impact_score"] for s in doc["scenarios"]]
    # a short repr, not the whole model (it was about 268 000 characters)
    assert len(repr(a)) < 200 and "iran-russia-pezeshkian" in repr(a)
    assert "<table" in a._repr_html_()

    d = scenarist.likelihood(flagship, draws=40, seed=3)
    assert same(d.to_dict(), cli_json("likelihood", "--draws", "40", "--seed", "3"))
    assert len(repr(d)) < 300

    e = scenarist.explain(flagship, scenario=2)
    assert same(e.to_dict(), cli_json("explain", "--scenario", "2"))

    html = scenarist.report(a, sections=["tableau", "outcome"])
    assert "Scenario tableau" in html and "Likelihoods" not in html


def test_engine_results_equal_the_cli():
    assert same(scenarist.basins("example").to_dict(), cli_json("basins", "example"))
    start = {"world": "recession", "policy": "open", "politics": "liberal", "relationship": "integration"}
    s = scenarist.succession("example", start=start)
    assert same(
        s.to_dict(),
        cli_json(
            "succession", "example", "--start", "world=recession,policy=open,politics=liberal,relationship=integration"
        ),
    )
    assert same(scenarist.sensitivity("example").to_dict(), cli_json("sensitivity", "example"))
    assert same(scenarist.validate("example").to_dict(), cli_json("validate", "example"))
    a = scenarist.analyze("example", basins=True)
    doc, mine = cli_json("analyze", "example", "--basins"), a.to_dict()
    for d in (doc, mine):
        d["volume_weights"].pop("seconds")  # the engine's own time differs from run to run
    assert same(mine, doc)
    # the weights are those of the basins of the same interventions: each scenario is an attractor
    by_code = {
        tuple(b): int(n)
        for b, n in zip(scenarist.basins("example").attractors.tolist(), scenarist.basins("example").sizes)
    }
    assert [by_code[tuple(s)] for s in a.scenarios.scenarios.tolist()] == list(a.volume_weights.weights)


def test_random_start_is_seeded():
    import numpy as np

    c = scenarist.analyze("example").compiled
    one, two = scenarist.random_start(c, 5), scenarist.random_start(c, 5)
    assert np.array_equal(one, two) and all(0 <= v < n for v, n in zip(one, c.counts))
    with pytest.raises(scenarist.OptionError, match="≥ 0"):
        scenarist.random_start(c, -1)


def test_evidence_replay_equals_the_cli():
    t = scenarist.track(evidence="iran-russia-2024-2026", draws=0)
    assert same(t.to_dict(), cli_json("track", "-e", "iran-russia-2024-2026", "--draws", "0"))
    assert t.model is not None and t.model.metadata.id == t.model_id
    assert len(t.to_frame()) >= len(t.points)
    listing = scenarist.evidence.list_items(evidence="iran-russia-2024-2026")
    assert same(listing.to_dict(), cli_json("evidence", "list", "-e", "iran-russia-2024-2026"))


def test_forecast_workflow_equals_the_cli(tmp_path):
    db = str(tmp_path / "ledger.db")
    rec = scenarist.forecasts.record(
        "t1",
        "State of the relationship",
        scenarist.load("example").metadata.as_of,
        "example",
        from_assessments=True,
        db=db,
    )
    assert rec.added and abs(sum(rec.forecast.probabilities) - 1) < 1e-9
    assert same(scenarist.forecasts.list_ledger(db).to_dict(), cli_json("forecast", "list", "--db", db))


def test_progress_reports_fractions_and_phases():
    seen: list[tuple[float, str]] = []
    scenarist.likelihood("example", draws=60, seed=0, progress=lambda f, p: seen.append((f, p)))
    assert seen and seen[-1][0] == pytest.approx(1.0)
    assert all(0 < f <= 1 for f, _ in seen) and {p for _, p in seen} == {"judgment draws"}
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_load_takes_a_model_a_path_or_a_name(tmp_path):
    m = scenarist.load("example")
    assert scenarist.load(m) is m
    path = tmp_path / "copy.yaml"
    scenarist.save(m, path)
    assert scenarist.load(path) == m
    with pytest.raises(scenarist.InputFileError, match="no such file"):
        scenarist.load(tmp_path / "missing.yaml")
    with pytest.raises(scenarist.OptionError, match="self_impacts"):
        scenarist.load(m, self_impacts="ignore")


def test_docs_api_table_covers_every_command():
    """docs/api.md maps each command to the function it calls; every registered command is in the table."""
    import typer.main

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `scenarist ([a-z -]+?)` \| `([\w.]+)\(", text, re.M))
    group = typer.main.get_group(app)
    commands = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        commands += [f"{name} {s}" for s in sub] if sub else [name]
    assert sorted(commands) == sorted(rows), (sorted(commands), sorted(rows))
    for command, function in rows.items():
        obj = scenarist
        for part in function.split(".")[1:]:
            obj = getattr(obj, part)
        assert callable(obj), (command, function)


def test_docs_api_examples_run():
    import doctest

    result = doctest.testfile(
        str(ROOT / "docs" / "api.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.failed == 0 and result.attempted >= 30, result
