"""Commands likelihood, sensitivity, ensemble: JSON documents, exit codes, clean errors; the report section."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scenarist.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_likelihood_json_is_one_document_with_the_distribution():
    r = run("likelihood", "example", "--draws", "0", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    probs = {row["variant"]: row["probability"] for row in doc["distribution"]}
    assert probs == pytest.approx({"integration": 0.6, "truce": 0.2, "rupture": 0.2})
    assert doc["none"]["probability"] == 0.0
    assert doc["draws"] == 0 and doc["outcome"] == "relationship"


def test_likelihood_fix_prior_and_seed():
    r = run(
        "likelihood",
        "example",
        "--draws",
        "5",
        "--seed",
        "3",
        "--fix",
        "politics=nationalist",
        "--prior",
        "world=growth:0.5,recession:0.5",
        "--json",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["seed"] == 3 and doc["fixed"] == {"politics": "nationalist"}
    assert doc["priors"]["world"]["origin"] == "override"
    # nationalist B fixed: integration is blocked (−2 from nationalists) under either world state
    probs = {row["variant"]: row["probability"] for row in doc["distribution"]}
    assert probs["integration"] < 0.6


def test_likelihood_human_output_and_notes_on_stderr():
    r = run("likelihood", "example", "--draws", "10", "--seed", "0")
    assert r.exit_code == 0, r.output
    assert "Integration" in r.stdout and "likely" in r.stdout and "none" in r.stdout
    assert "no judgment carries a spread" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("likelihood", "example", "--fix", "nope=x"),
        ("likelihood", "example", "--prior", "world=growth:0.9"),
        ("likelihood", "example", "--prior", "world"),
        ("likelihood", "example", "--credit", "votes"),
        ("likelihood", "no-such-model.yaml"),
        ("ensemble", "example"),
        ("sensitivity", "example", "--outcome", "nope"),
    ],
)
def test_mistakes_exit_2_with_one_message(args):
    r = run(*args)
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert r.stdout == ""


def test_sensitivity_json():
    r = run("sensitivity", "example", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["outcome"] == "relationship"
    assert doc["judgments"][0]["rank"] == 1
    inf = [j["influence"] for j in doc["judgments"]]
    assert inf == sorted(inf, reverse=True)
    assert {(p["descriptor"], p["variant"]) for p in doc["priors"]} == {("world", "growth"), ("world", "recession")}
    r = run("sensitivity", "example", "--top", "3")
    assert r.exit_code == 0 and "policy.open" in r.stdout


def test_ensemble_from_member_files(tmp_path):
    from scenarist.io.yaml_model import dump_model, load_model

    m = load_model("example")
    base = tmp_path / "a.yaml"
    base.write_text(dump_model(m), encoding="utf-8")
    for j in m.judgments:
        if j.from_ == "politics.nationalist" and j.to == "relationship.integration":
            j.score = 3
    other = tmp_path / "b.yaml"
    other.write_text(dump_model(m), encoding="utf-8")
    r = run("ensemble", str(base), "--member", str(other), "--weight", "1", "--weight", "3", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [x["weight"] for x in doc["members"]] == pytest.approx([0.25, 0.75])
    mix = {row["variant"]: row["probability"] for row in doc["mixture"]["distribution"]}
    members = [{row["variant"]: row["probability"] for row in x["distribution"]} for x in doc["members"]]
    for v in mix:
        assert mix[v] == pytest.approx(0.25 * members[0][v] + 0.75 * members[1][v])
    r = run("ensemble", str(base), "--member", str(other))
    assert r.exit_code == 0 and "weighted mixture" in r.stdout


def test_analyze_report_has_the_likelihood_section(tmp_path):
    out = tmp_path / "r.html"
    r = run("analyze", "example", "--report", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert 'id="sec-likelihoods"' in html
    assert "5–95 % band" in html and "Sensitivity" in html and "<svg" in html
    assert "policy.open → politics.liberal" in html


@pytest.mark.parametrize(
    "address, why",
    [
        ("bogus", "no port number"),
        ("tcp://h:abc", "port 'abc' is not a number"),
        ("http://x:1", "unknown scheme 'http'"),
        ("", "empty address"),
        ("tcp://:8786", "no host"),
        ("tcp://h:70000", "port '70000' is not a number in 1..65535"),
    ],
)
def test_malformed_scheduler_address_is_one_message(address, why):
    """Defect #5: a malformed --scheduler is refused before anything connects (exit 2, no traceback)."""
    r = run("likelihood", "example", "--draws", "10", "--scheduler", address)
    assert r.exit_code == 2, r.output
    assert why in r.stderr and "expected [tcp://]HOST:PORT" in r.stderr
    assert "Traceback" not in r.output and r.stdout == ""


def test_scheduler_addresses_that_are_well_formed():
    from scenarist.probability.backends import check_scheduler_address

    for ok in ("tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://[::1]:8786", "inproc://10.0.0.1/123/1", " h:1 "):
        assert check_scheduler_address(ok) == ok.strip()


def test_default_draws_and_seed_agree_across_likelihood_track_and_report(tmp_path):
    """Defect #9: with no --draws/--seed, `likelihood`, `track`'s as-of row and the report's Likelihoods section show
    the same numbers (one default: 500 draws, seed 0), and a second run repeats them."""
    from scenarist.io.yaml_model import load_model, save_model

    m = load_model("example")
    for j in m.judgments[::2]:
        j.spread = 1  # so that draws differ and the seed matters
    path = tmp_path / "m.yaml"
    save_model(m, path)
    evidence = tmp_path / "ev.yaml"
    evidence.write_text(
        "format: scenarist-evidence/1\nmodel: example-trade\nitems:\n  - id: later\n    date: 2025-03-01\n"
        "    title: t\n    summary: s\n    source: {outlet: o, accessed: 2025-03-02}\n"
        "    grade: {reliability: B, credibility: 2}\n"
        "    status: confirmed\n    bearing: {kind: intervention, descriptor: world, variant: growth, "
        "rationale: r}\n"
    )
    first = json.loads(run("likelihood", str(path), "--json").stdout)
    again = json.loads(run("likelihood", str(path), "--json").stdout)
    assert (first["draws"], first["seed"]) == (500, 0)
    assert first["distribution"] == again["distribution"]
    bands = {row["variant"]: row["band"] for row in first["distribution"]}
    assert any(lo < hi for lo, hi in bands.values())  # the draws really vary
    r = run("track", str(path), "--evidence", str(evidence), "--json")
    assert r.exit_code == 0, r.output
    tr = json.loads(r.stdout)
    assert (tr["draws"], tr["seed"]) == (500, 0)
    as_of = tr["series"][0]["model"]
    for row in first["distribution"]:
        assert as_of["probability"][row["variant"]] == pytest.approx(row["probability"], abs=1e-12)
        assert as_of["band"][row["variant"]] == pytest.approx(row["band"], abs=1e-12)
    out = tmp_path / "r.html"
    assert run("analyze", str(path), "--report", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "over 500 judgment draws (seed 0; the defaults of" in html
    for row in first["distribution"]:
        lo, hi = row["band"]
        assert f"{100 * lo:.1f} % – {100 * hi:.1f} %" in html


def test_a_model_without_outcome_needs_outcome_named(tmp_path):
    """Defect #18: no silent headline of the last descriptor; --outcome makes it explicit."""
    from likelihood_naive import build_model
    from scenarist.io.yaml_model import save_model

    m = build_model(
        [("a", ["a1", "a2"], True, {"a1": 0.5, "a2": 0.5}), ("b", ["b1", "b2"], False, None)],
        [("a.a1", "b.b1", 2), ("a.a2", "b.b2", 2)],
    )
    path = tmp_path / "m.yaml"
    save_model(m, path)
    for cmd in ("likelihood", "sensitivity"):
        r = run(cmd, str(path), "--json")
        assert r.exit_code == 2 and r.stdout == ""
        assert "has no outcome descriptor" in r.stderr and "with --outcome (one of: a, b)" in r.stderr
    doc = json.loads(run("likelihood", str(path), "--outcome", "b", "--draws", "0", "--json").stdout)
    # a1 → b1 and a2 → b2, each half the weight
    assert {row["variant"]: row["probability"] for row in doc["distribution"]} == pytest.approx({"b1": 0.5, "b2": 0.5})


def test_volume_credit_works_without_naming_draws():
    """Defect #19: --credit volume runs with the default draws left out (stated matrix), and --draws N > 0 with it
    is refused in the command line's own words."""
    r = run("likelihood", "example", "--credit", "volume", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["draws"] == 0 and doc["credit"] == "volume"
    assert sum(row["probability"] for row in doc["distribution"]) + doc["none"]["probability"] == pytest.approx(1.0)
    r = run("likelihood", "example", "--credit", "volume", "--draws", "5")
    assert r.exit_code == 2 and "give --draws 0 or leave --draws out" in r.stderr


def test_sensitivity_at_80_columns_keeps_ids_whole():
    """Defects #11/#22: on the flagship at 80 columns, judgment and exogenous variant ids are never folded."""
    from scenarist.io.yaml_model import load_model

    r = runner.invoke(app, ["sensitivity", "--top", "5"], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert max(len(l) for l in lines if any(c in l for c in "│┃━")) <= 80
    m = load_model("iran-russia-pezeshkian")
    cells = {j.from_ for j in m.judgments} | {j.to for j in m.judgments}
    ranking = lines[: next(i for i, l in enumerate(lines) if l.startswith("Outcome shift (points)"))]
    rows = [l.split("│")[1].replace("→", "").strip() for l in ranking if l.count("│") >= 5]
    assert len(rows) == 10 and all(cell in cells for cell in rows), rows  # 5 judgments, 2 lines each, whole ids
    for d in m.descriptors:
        if d.exogenous:
            assert f"{d.id}:" in r.stdout
            for v in d.variants:
                assert any(l.startswith(v.id + " ") for l in lines), v.id
