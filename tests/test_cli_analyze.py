"""``scenarist analyze`` and ``scenarist validate`` through Typer's CliRunner: exit codes, the JSON document's shape
and values (worked out by hand from the example model's judgments), terminal output, and user mistakes (exit 2,
a message on stderr, no traceback, no report file left behind)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarist.cib import compile_model
from scenarist.cib.core import evaluate
from scenarist.cli import app
from scenarist.io.paths import packaged_models
from scenarist.io.yaml_model import load_model


def make_runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout (click < 8.2 needs mix_stderr=False; later ones always do)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


runner = make_runner()
EXAMPLE = str(packaged_models()["example"])


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def assert_user_error(result, *fragments: str) -> None:
    """Exit 2, the fragments on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stdout == ""
    for f in fragments:
        assert f in result.stderr, result.stderr


# -- the example model, worked by hand ---------------------------------------------------------------------------
# Descriptors (matrix order): world {g, r} (exogenous), policy {o, c}, politics {L, N}, relationship {I, T, R}.
# Balances from the judgments of src/scenarist/models/example.yaml (nothing impacts world):
#   policy:       θ(o) = [g: +2, r: -1] + [L: +1]           θ(c) = [g: -2, r: +2] + [N: +1]
#   politics:     θ(L) = [o: +1] + [I: +1]                  θ(N) = [r: +1] + [c: +2] + [R: +1]
#   relationship: θ(I) = [o: +2] + [L: +1, N: -2]           θ(T) = [c: +1] + [L: +1, N: +1]
#                 θ(R) = [o: -2, c: +2]
# world = g: policy o wins (2..3 against -2..-1). Then L gives I (3 > 1 > -2) and I gives L (2 > 0): (g,o,L,I) is
#   consistent; N gives T (1 > 0 > -2) but then L = 1 > N = 0: inconsistent.
#   (g,o,L,I): θ = o 3, L 2, I 3 → TIS 8; margins o 3-(-2)=5, L 2-0=2, I 3-1=2 → CV 2.
# world = r: policy c wins (2..3 against -1..0); N wins politics (≥ 3 against ≤ 1); relationship: T and R tie at 2
#   (I is 1 or -2), so (r,c,N,T) and (r,c,N,R) are both consistent, with CV 0 (the tie).
#   (r,c,N,R): θ = c 3, N 1+2+1 = 4, R 2 → TIS 9.   (r,c,N,T): θ = c 3, N 3, T 2 → TIS 8.
# Tableau order (TIS descending, ties by variant order, growth before recession):
HAND_SCENARIOS = [
    ({"world": "recession", "policy": "closed", "politics": "nationalist", "relationship": "rupture"}, 0, 9),
    ({"world": "growth", "policy": "open", "politics": "liberal", "relationship": "integration"}, 2, 8),
    ({"world": "recession", "policy": "closed", "politics": "nationalist", "relationship": "truce"}, 0, 8),
]
# Reference "status-quo" = (g, o, N, T): policy o 2 vs c -1 (ok); politics L = 1 (from o) vs N = 0 → IC 1;
# relationship I = 2-2 = 0, T = 1, R = -2 (ok). IC 1; CV = min(3, -1, 1) = -1; TIS = 2 + 0 + 1 = 3.

# With --fix policy=closed (policy left out of the test, its impact still counts): politics N ≥ 2 > L ≤ 1, and
# relationship T = 1+1 = 2 ties R = 2 (I = -2) for either world, so 4 scenarios, all with CV 0:
#   (r,c,N,R): c 2+1=3, N 1+2+1=4, R 2 → 9;   (r,c,N,T): 3 + 3 + 2 = 8;
#   (g,c,N,R): c -2+1=-1, N 2+1=3, R 2 → 4;   (g,c,N,T): -1 + 2 + 2 = 3.
HAND_FIX_CLOSED = [
    ("recession", "rupture", 9),
    ("recession", "truce", 8),
    ("growth", "rupture", 4),
    ("growth", "truce", 3),
]


def analyze_json(*args: str) -> dict:
    result = run("analyze", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # one document and nothing else, or this raises


def test_analyze_json_shape_and_hand_values():
    doc = analyze_json(EXAMPLE)
    assert [d["id"] for d in doc["descriptors"]] == ["world", "policy", "politics", "relationship"]
    world, _, _, rel = doc["descriptors"]
    assert world["exogenous"] is True and world["role"] == "context"
    assert rel["role"] == "outcome" and rel["exogenous"] is False
    assert [v["id"] for v in rel["variants"]] == ["integration", "truce", "rupture"]
    assert [v["name"] for v in rel["variants"]] == ["Integration", "Managed truce", "Rupture"]
    assert doc["size"] == {"descriptors": 4, "exogenous": 1, "variants": 9, "judgments": 19, "scenario_space": 24}

    # Matrix: 9 × 9, rows = source variants, 19 judgments, none on world's columns (0, 1).
    m = doc["matrix"]
    assert len(m) == 9 and all(len(row) == 9 for row in m)
    assert sum(1 for row in m for x in row if x != 0) == 19
    assert all(row[0] == 0 and row[1] == 0 for row in m)
    # A few cells read off the YAML: growth→open +2, recession→open -1, nationalist→integration -2,
    # rupture→nationalist +1 (index: world 0-1, policy 2-3, politics 4-5, relationship 6-8).
    assert (m[0][2], m[1][2], m[5][6], m[8][5]) == (2, -1, -2, 1)

    assert doc["n_scenarios"] == 3 and doc["max_inconsistency"] == 0 and doc["fixed"] == {}
    got = [(s["variants"], s["consistency_value"], s["total_impact_score"]) for s in doc["scenarios"]]
    assert got == HAND_SCENARIOS
    assert [s["number"] for s in doc["scenarios"]] == [1, 2, 3]
    assert all(s["inconsistency"] == 0 for s in doc["scenarios"])

    (ref,) = doc["reference_scenarios"]
    assert ref["id"] == "status-quo"
    assert (ref["inconsistency"], ref["consistency_value"], ref["total_impact_score"]) == (1, -1, 3)
    assert ref["descriptor_inconsistency"] == {"world": 0, "policy": 0, "politics": 1, "relationship": 0}
    assert ref["matches"] is None

    out = doc["outcome"]
    assert out["descriptor"] == "relationship" and out["n_scenarios"] == 3
    assert [(v["id"], v["count"]) for v in out["variants"]] == [("integration", 1), ("truce", 1), ("rupture", 1)]
    integ, truce, rupt = out["variants"]
    # ICD 203 ranges from the model's WEP table: likely 0.55–0.80, unlikely 0.20–0.45, very likely 0.80–0.95.
    assert (integ["assessment"]["term"], integ["assessment"]["low"], integ["assessment"]["high"]) == (
        "likely",
        0.55,
        0.80,
    )
    assert truce["assessment"] is None
    assert (rupt["assessment"]["term"], rupt["assessment"]["low"]) == ("unlikely", 0.20)
    (joint,) = out["joint"]
    assert joint["variants"] == ["integration", "truce"] and joint["count"] == 2
    assert joint["share"] == pytest.approx(2 / 3)
    assert (joint["assessment"]["low"], joint["assessment"]["high"]) == (0.80, 0.95)
    assert "timings" not in doc


def test_analyze_default_model_runs():
    # No MODEL: the packaged default (the example until the flagship lands, then the flagship).
    result = run("analyze", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["n_scenarios"] == len(doc["scenarios"])


def test_fix_is_an_intervention():
    doc = analyze_json(EXAMPLE, "--fix", "policy=closed")
    assert doc["fixed"] == {"policy": "closed"}
    got = [(s["variants"]["world"], s["variants"]["relationship"], s["total_impact_score"]) for s in doc["scenarios"]]
    assert got == HAND_FIX_CLOSED
    assert all(
        s["variants"]["policy"] == "closed" and s["variants"]["politics"] == "nationalist" for s in doc["scenarios"]
    )
    assert all(s["consistency_value"] == 0 for s in doc["scenarios"])
    assert [v["count"] for v in doc["outcome"]["variants"]] == [0, 2, 2]


def test_an_unknown_name_in_fix_names_the_option():
    r = run("analyze", EXAMPLE, "--fix", "policy=nope")
    assert_user_error(r, "--fix: unknown variant 'nope' of descriptor 'policy' (known: open, closed)")
    assert len(r.stderr.strip().splitlines()) == 1
    assert_user_error(run("analyze", EXAMPLE, "--fix", "polisy=open"), "--fix: unknown descriptor 'polisy'")
    from scenarist import api
    from scenarist.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match=r"^fixed: unknown variant 'nope'"):  # the library's own parameter
        api.analyze(EXAMPLE, fixed={"policy": "nope"})


def test_tolerance_k_admits_the_reference():
    # Brute force over all 24 scenarios with the core's own evaluate (not the search): IC ≤ 1 count.
    model = load_model(EXAMPLE)
    c = compile_model(model)
    every = list(itertools.product(*[range(int(n)) for n in c.counts]))
    ic, _, _ = evaluate(c.matrix, c.offsets, every, ~c.exogenous)
    expected = sorted(tuple(s) for s, x in zip(every, ic) if x <= 1)
    doc = analyze_json(EXAMPLE, "-k", "1")
    got = sorted(
        tuple(c.variant_ids[d].index(v) for d, v in enumerate(s["variants"].values())) for s in doc["scenarios"]
    )
    assert got == expected and len(got) > 3
    assert all(s["inconsistency"] <= 1 for s in doc["scenarios"])
    # The status quo (IC 1) is now among the scenarios found, and says which one it is.
    ref = doc["reference_scenarios"][0]
    number = ref["matches"]
    assert number is not None and doc["scenarios"][number - 1]["variants"] == ref["variants"]


def test_timings_in_json_and_on_stderr():
    result = run("analyze", EXAMPLE, "--json", "--timings")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    t = doc["timings"]
    assert {"load", "compile", "search", "summarise", "total"} <= set(t)
    assert all(v >= 0 for v in t.values())
    assert t["total"] == pytest.approx(sum(v for k, v in t.items() if k != "total"))
    assert "search (engine)" in result.stderr
    # on stderr, writing the document is a step of its own and counted in the total (the document cannot hold it)
    rows = {}
    for line in result.stderr.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[1].replace(".", "", 1).isdigit():
            rows[cells[0]] = float(cells[1])
    assert "output" in rows and "output" not in t
    assert rows["total"] == pytest.approx(sum(v for k, v in rows.items() if k != "total"), abs=0.5)
    assert rows["total"] >= 1000 * t["total"] - 0.1


def test_terminal_output():
    result = run("analyze", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "3 consistent scenarios" in out
    assert "scenario space 24" in out
    for name in ("Recession", "Growth", "Protectionist", "Integration", "Rupture", "Scenario tableau"):
        assert name in out
    assert "ref: Status quo" in out.replace("\n", " ") or "ref: Status" in out
    assert "matches no scenario found" in " ".join(out.split())  # a sentence may wrap at the terminal's width
    assert "likely (55–80%)" in out  # the source's assessment beside the count ("%" attached: it never wraps)


def test_terminal_tableau_hides_extra_columns():
    result = run("analyze", EXAMPLE, "--columns", "1")
    assert result.exit_code == 0
    assert "2 more scenario(s) not shown" in result.stdout
    result = run("analyze", EXAMPLE, "--columns", "0")
    assert "not shown" not in result.stdout


def test_report_written(tmp_path):
    target = tmp_path / "out.html"
    result = run("analyze", EXAMPLE, "--report", str(target), "--json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # the note about the report went to stderr
    assert result.stderr.strip() == f"Wrote {target}: HTML report"
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert [p.name for p in tmp_path.iterdir()] == ["out.html"]  # no temporary file left


# -- user mistakes: exit 2, message on stderr, no traceback, no file ---------------------------------------------


def test_missing_file(tmp_path):
    assert_user_error(run("analyze", str(tmp_path / "nope.yaml")), "nope.yaml", "no such file")


def test_malformed_yaml(write_model):
    path = write_model("metadata: {id: x\ndescriptors: [\n")
    assert_user_error(run("analyze", str(path)), str(path), "malformed YAML")


def test_schema_problems_listed(write_model):
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    text = text.replace("  scale: {min: -3, max: 3}", "  scale: {min: -3, max: 3}\n  colour: blue")
    text = text.replace("score: 2, rationale: Openness", "score: 7, rationale: Openness")
    path = write_model(text)
    result = run("analyze", str(path))
    assert_user_error(result, "metadata.colour", "unknown key")
    # The same file through validate.
    assert_user_error(run("validate", str(path)), "metadata.colour")


def test_cross_field_problems_each_with_line(write_model):
    text = (
        Path(EXAMPLE)
        .read_text(encoding="utf-8")
        .replace("score: 2, rationale: Openness", "score: 7, rationale: Openness")
    )
    path = write_model(text)
    result = run("validate", str(path))
    assert_user_error(result, "judgments[9].score", "outside the scale")
    line = text.splitlines().index(next(l for l in text.splitlines() if "score: 7" in l)) + 1
    assert f"{path}:{line}:" in result.stderr


def test_validate_ok():
    result = run("validate", EXAMPLE)
    assert result.exit_code == 0 and result.stdout.startswith("OK ")


@pytest.mark.parametrize(
    "fix, fragment",
    [
        ("nosuch=open", "unknown descriptor 'nosuch'"),
        ("policy=nosuch", "unknown variant 'nosuch'"),
        ("policy", "expected DESCRIPTOR=VARIANT"),
    ],
)
def test_unknown_fix_names(tmp_path, fix, fragment):
    target = tmp_path / "r.html"
    assert_user_error(run("analyze", EXAMPLE, "--fix", fix, "--report", str(target)), fragment)
    assert list(tmp_path.iterdir()) == []


def test_report_in_missing_directory(tmp_path):
    target = tmp_path / "missing" / "r.html"
    assert_user_error(run("analyze", EXAMPLE, "--report", str(target)), "does not exist")
    assert not target.parent.exists()


def test_failed_report_leaves_nothing(tmp_path, monkeypatch):
    # A failure while the report is being rendered (after the search) must leave no file behind either.
    import scenarist.reporting as report

    def broken(*a, **k):
        from scenarist.errors import OptionError

        raise OptionError("rendering failed")

    monkeypatch.setattr(report, "build_report", broken)
    target = tmp_path / "r.html"
    assert_user_error(run("analyze", EXAMPLE, "--report", str(target)), "rendering failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("width", [50, 80, 120, 200])
def test_tableau_fits_the_terminal(width):
    # The planned columns fit the console's width (no cropped rule, no folded word), as many as fit are shown.
    import io

    from rich.console import Console

    from scenarist.analysis import analyze
    from scenarist.cli.analyze import plan_tableau, tableau_table

    result = analyze(load_model(EXAMPLE), max_inconsistency=2)
    shown, use_ids = plan_tableau(result, width)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(tableau_table(result, shown, use_ids, fit=True))
    lines = out.getvalue().splitlines()
    assert all(len(line.rstrip()) <= width for line in lines)
    assert all(line.rstrip()[-1] in "┓┃┩│┤┘" for line in lines[1:])  # the right-hand rule is never cropped
    assert 1 <= shown <= len(result.scenarios)
    if width >= 120:
        assert not use_ids  # names fit
    wider, _ = plan_tableau(result, width + 60)
    assert wider >= shown


def test_validate_lists_cross_field_problems_beside_shape_errors(write_model):
    # Judgment 0 and 2 have shape errors; the rest still parses, so its cross-field problems (a score outside the
    # scale, an unknown variant) are listed too, with the file's own item numbers and lines, in line order.
    path = write_model(
        """metadata: {id: t, title: T, provenance: optional}
descriptors:
  - {id: A, name: A, variants: [{id: a1, name: a1}, {id: a2, name: a2}]}
  - {id: B, name: B, variants: [{id: b1, name: b1}, {id: b2, name: b2}]}
judgments:
  - {from: A.a1, to: B.b1, score: "x"}
  - {from: A.a1, to: B.b2, score: 9}
  - {from: B.b1, to: A.a1, score: 1, colour: red}
  - {from: B.b2, to: A.zz, score: 1}
"""
    )
    result = run("validate", str(path))
    assert_user_error(result)
    lines = result.stderr.strip().splitlines()
    assert [l.split(": ")[0:2] for l in lines] == [
        [f"{path}:6", "judgments[0].score"],
        [f"{path}:7", "judgments[1].score"],
        [f"{path}:8", "judgments[2].colour"],
        [f"{path}:9", "judgments[3].to"],
    ]
    assert "outside the scale" in lines[1] and "unknown variant 'zz'" in lines[3]


def test_validate_adds_nothing_misleading_when_a_descriptor_is_malformed(write_model):
    # A malformed descriptor cannot be left out without inventing "unknown descriptor" problems: shape errors only.
    path = write_model(
        """metadata: {id: t, title: T, provenance: optional}
descriptors:
  - {id: A, name: A, variants: [{id: a1, name: a1}, {id: a2, name: a2}], colour: red}
  - {id: B, name: B, variants: [{id: b1, name: b1}, {id: b2, name: b2}]}
judgments:
  - {from: A.a1, to: B.b2, score: 9}
"""
    )
    result = run("validate", str(path))
    assert_user_error(result, "descriptors[0].colour")
    assert len(result.stderr.strip().splitlines()) == 1


def test_timings_of_optional_analyses():
    # An optional analysis (e.g. basins) records its own step; steps keep the order they run in.
    from scenarist.analysis import analyze

    r = analyze(load_model(EXAMPLE)).with_timings(load=0.25, basins=0.5).with_timings(report=0.125)
    steps = r.timings.steps()
    assert list(steps) == ["load", "compile", "search", "summarise", "basins", "report"]
    assert (steps["load"], steps["basins"], steps["report"]) == (0.25, 0.5, 0.125)
    assert r.timings.to_dict()["total"] == pytest.approx(sum(steps.values()))


# -- fixes after the fresh-user test -----------------------------------------------------------------------------


def test_impossible_date_in_model_and_evidence(tmp_path):
    # #1: 30 February was a ruamel traceback (exit 1); now a located problem, exit 2, in models and evidence files.
    text = Path(EXAMPLE).read_text(encoding="utf-8")
    assert "  as_of: 2025-01-01\n" in text
    bad = tmp_path / "d.yaml"
    bad.write_text(text.replace("  as_of: 2025-01-01\n", "  as_of: 2025-02-30\n"), encoding="utf-8")
    line = text.splitlines().index("  as_of: 2025-01-01") + 1
    result = run("validate", str(bad))
    assert_user_error(result, f"{bad}:{line}: metadata.as_of: not a valid date")
    evidence = Path(__file__).parent / "data" / "evidence" / "example.yaml"
    etext = evidence.read_text(encoding="utf-8")
    first = next(l for l in etext.splitlines() if l.strip().startswith("date: "))
    ebad = tmp_path / "e.yaml"
    ebad.write_text(etext.replace(first, first.split("date:")[0] + "date: 2025-02-30", 1), encoding="utf-8")
    eline = etext.splitlines().index(first) + 1
    result = run("evidence", "validate", str(ebad), "--model", "example")
    assert_user_error(result, f"{ebad}:{eline}: items[0].date:")


def test_validate_json():
    result = run("validate", EXAMPLE, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"file": EXAMPLE, "valid": True, "problems": []}


def test_validate_json_lists_problems(write_model, tmp_path):
    text = (
        Path(EXAMPLE)
        .read_text(encoding="utf-8")
        .replace("score: 2, rationale: Openness", "score: true, rationale: Openness")
    )
    path = write_model(text)
    result = run("validate", str(path), "--json")
    assert result.exit_code == 2 and result.stderr == ""
    doc = json.loads(result.stdout)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "score: true" in l)
    assert doc == {
        "file": str(path),
        "valid": False,
        "problems": [
            {"file": str(path), "line": line, "field": "judgments[9].score", "message": "expected an integer, got true"}
        ],
    }
    missing = tmp_path / "none.yaml"
    doc = json.loads(run("validate", str(missing), "--json").stdout)
    assert doc["valid"] is False and "no such file" in doc["problems"][0]["message"]


def test_messages_are_literal(write_model):
    # #7: "file.yaml:100:" lost its line to Rich's emoji code :100:, and [bold] in a key vanished as markup.
    body = Path(EXAMPLE).read_text(encoding="utf-8")
    lines = body.splitlines()
    at = lines.index("metadata:") + 1
    keys = ["  ':smile:': 1", "  '[bold]x[/bold]': 2"]
    padded = "\n".join(["# padding"] * (100 - at - 1) + lines[:at] + keys + lines[at:])
    path = write_model(padded + "\n")
    result = run("validate", str(path))
    assert_user_error(
        result, f"{path}:100: metadata.:smile:: unknown key", f"{path}:101: metadata.[bold]x[/bold]: unknown key"
    )
    assert "😄" not in result.stderr and "💯" not in result.stderr
    assert_user_error(run("analyze", EXAMPLE, "--fix", ":smile:=[red]x"), "':smile:'")


def test_reference_contradicting_an_intervention():
    # #20: the status quo has politics=nationalist; fixing politics=liberal makes it no scenario of the analysis, and
    # its "inconsistency 0" (the fixed descriptor being untested) said nothing. It now says what it contradicts.
    args = (
        EXAMPLE,
        "--fix",
        "world=growth",
        "--fix",
        "policy=open",
        "--fix",
        "politics=liberal",
        "--fix",
        "relationship=truce",
    )
    doc = analyze_json(*args)
    (ref,) = doc["reference_scenarios"]
    assert ref["contradicts_interventions"] == [
        {"descriptor": "politics", "variant": "nationalist", "fixed": "liberal"}
    ]
    assert ref["matches"] is None
    out = " ".join(run("analyze", *args).stdout.split())
    assert "contradicts the intervention on politics (it has nationalist, the intervention fixes liberal)" in out
    assert "Reference 'Status quo 2024': inconsistency" not in out
    # Interventions it agrees with change nothing: world=growth, policy=open are the status quo's own variants.
    doc = analyze_json(EXAMPLE, "--fix", "world=growth", "--fix", "policy=open")
    assert doc["reference_scenarios"][0]["contradicts_interventions"] == []
    assert doc["reference_scenarios"][0]["inconsistency"] == 1  # politics still loses by 1 (see the header)


def test_single_space_before_interventions():
    out = run("analyze", EXAMPLE, "--fix", "policy=closed").stdout
    assert "4 consistent scenarios under policy=closed" in out


def test_break_ids_after_underscores():
    from scenarist.cli.analyze import _break_ids

    assert _break_ids("russia_accommodates", 16) == "russia_\naccommodates"
    assert _break_ids("a_b_c_d_e", 4) == "a_b_\nc_d_\ne"
    assert _break_ids("short_id", 16) == "short_id"
    assert _break_ids("Managed truce", 8) == "Managed truce"  # words with spaces are left to Rich
    assert _break_ids("abcdefghij_k", 4) == "abcd\nefgh\nij_k"  # a piece longer than the column is cut as a last resort


def _print_with_width(monkeypatch, width: int, *args: str) -> str:
    import io

    from rich.console import Console

    import scenarist.cli.analyze as analyze_cli

    buf = io.StringIO()
    monkeypatch.setattr(
        analyze_cli, "console", Console(file=buf, width=width, color_system=None, markup=False, emoji=False)
    )
    result = run("analyze", *args)
    assert result.exit_code == 0, result.stderr
    return buf.getvalue()


LONG_IDS = """metadata: {id: long, title: Long ids, provenance: optional}
descriptors:
  - id: a
    name: A
    variants: [{id: accommodates_the_other_side, name: "A one"}, {id: backs_the_corridor_project, name: "A two"}]
  - id: b
    name: B
    variants: [{id: strengthening_cooperation, name: "B one"}, {id: weakening_cooperation_fast, name: "B two"}]
  - id: c
    name: C
    variants: [{id: c1, name: "C one"}, {id: c2, name: "C two"}, {id: c3, name: "C three"}]
reference_scenarios:
  - {id: r, name: Ref, variants: {a: accommodates_the_other_side, b: weakening_cooperation_fast, c: c1}}
"""


@pytest.mark.parametrize("width", [40, 80, 200])
def test_columns_0_pages_the_tableau(monkeypatch, write_model, width):
    # #10: --columns 0 drew every scenario side by side, squeezed to zero-width columns. Now: blocks of columns no
    # wider than the terminal, every scenario once, each block titled with its range; the references end the last.
    path = write_model(LONG_IDS)  # no judgment: all 2 × 2 × 3 = 12 scenarios are consistent
    text = _print_with_width(monkeypatch, width, str(path), "--columns", "0")
    lines = text.splitlines()
    table = [l for l in lines if l[:1] in "┏┃┡│├└" or l.startswith("Scenario tableau")]
    assert all(len(l) <= width for l in table), max(table, key=len)
    heads = [l.strip() for l in lines if l.startswith("Scenario tableau")]
    numbers = [int(x) for l in lines if l.startswith("┃") for x in l.strip("┃ ").split("┃")[1:] if x.strip().isdigit()]
    assert sorted(numbers) == list(range(1, 13))  # every scenario, once
    if width == 200:
        assert heads == ["Scenario tableau"]
    else:
        assert len(heads) > 1 and heads[0].startswith("Scenario tableau (scenarios 1–")
        assert all(h.endswith("of 12)") for h in heads if "reference" not in h)
        assert heads[-1] in ("Scenario tableau (reference scenarios)",) or heads[-1].endswith("of 12)")
    # Every scenario column has room for its content (none squeezed to nothing).
    widths = {len(c) for l in lines if l.startswith("│") for c in l.strip("│").split("│")}
    assert min(widths) >= 3
    assert text.count("ref:") == 1
    assert "more scenario(s) not shown" not in text


@pytest.mark.parametrize("width", [40, 60])
def test_ids_break_after_underscores_only(width):
    # #22: "russia_accommoda / tes" — ids were folded mid-word; now they break only after "_".
    import io

    from rich.console import Console

    from scenarist.analysis import analyze
    from scenarist.cli.analyze import plan_blocks, tableau_table
    from scenarist.io.yaml_model import load_model as load

    result = analyze(load(LONG_IDS_PATH(width)))
    blocks, _ = plan_blocks(result, width, 0, use_ids=True)
    out = io.StringIO()
    for b in blocks:
        Console(file=out, width=width, color_system=None).print(
            tableau_table(result, b.stop, True, fit=True, start=b.start, references=b.references)
        )
    lines = out.getvalue().splitlines()
    assert all(len(l) <= width for l in lines)
    cells = {c.strip() for l in lines if l.startswith("│") for c in l.strip("│").split("│")}
    pieces = {"accommodates_", "the_", "other_", "side", "weakening_", "cooperation_", "fast", "backs_", "corridor_"}
    joined = " ".join(cells)
    for p in pieces:
        assert p in joined
    # Every fragment of an id on a line is a whole piece (or several): it ends with "_" or ends the id.
    ids = [
        "accommodates_the_other_side",
        "backs_the_corridor_project",
        "strengthening_cooperation",
        "weakening_cooperation_fast",
    ]
    for c in cells:
        if "_" in c or any(c and c in i for i in ids):
            assert any(i.startswith(c) or f"_{c}" in i for i in ids), c
            assert c.endswith("_") or any(i.endswith(c) for i in ids), c


def LONG_IDS_PATH(width):
    import tempfile

    path = Path(tempfile.mkdtemp()) / f"long{width}.yaml"
    path.write_text(LONG_IDS, encoding="utf-8")
    return path


def test_default_tableau_one_block_and_hint(monkeypatch, write_model):
    path = write_model(LONG_IDS)
    text = _print_with_width(monkeypatch, 50, str(path))
    assert text.count("Scenario tableau") == 1
    assert "more scenario(s) not shown; --columns 0 shows all (in blocks), --json lists them." in " ".join(text.split())


def test_version():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0 and result.stdout == f"scenarist {version('scenarist')}\n"


def test_flagship_output_fits_80_columns(monkeypatch):
    # What `make run` prints, at 80 columns: every line fits (the reference's sentence used to run to 121
    # characters and was folded mid-word by the terminal), and the sentence is all there once unwrapped.
    text = _print_with_width(monkeypatch, 80, "iran-russia-pezeshkian")
    # the model's path is the one line printed whole, however long (so it can be copied): left out here
    assert max(len(line.rstrip()) for line in text.splitlines() if not line.rstrip().endswith(".yaml")) <= 80
    flat = " ".join(text.split())
    assert "Reference 'Raisi era (2021 – May 2024)': inconsistency 3, matches no scenario found;" in flat
    assert "judgments;\nscenario space 429,981,696\n" in text  # the number is not cut from its name
