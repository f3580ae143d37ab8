"""``scenarist import``, ``export``, ``succession`` and ``basins`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scenarist.cib import compile_model
from scenarist.cli import app
from scenarist.io.scw import read_scw
from scenarist.io.sl import read_sl
from scenarist.io.yaml_model import load_model
from test_cli_analyze import assert_user_error, make_runner

CIB = Path(__file__).parent / "data" / "cib"
GLOBAL = str(CIB / "CIB_global.scw")
runner = make_runner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_import_scw_writes_a_valid_model_with_the_same_matrix(tmp_path):
    out = tmp_path / "g.yaml"
    r = run("import", GLOBAL, "-o", out)
    assert r.exit_code == 0, r.stderr
    assert "3 descriptors, 10 variants" in r.stderr
    model = load_model(str(out))
    assert np.array_equal(compile_model(model).matrix, read_scw(GLOBAL).matrix)
    assert run("validate", out).exit_code == 0


def test_import_warns_about_self_blocks_on_one_line(tmp_path):
    r = run("import", CIB / "CIB_natl_regional.scw", "-o", tmp_path / "n.yaml")
    assert r.exit_code == 0
    assert "warning:" in r.stderr and "on itself" in r.stderr and "Traceback" not in r.stderr
    r2 = run("import", CIB / "CIB_natl_regional.scw", "-o", tmp_path / "i.yaml", "--self-impacts", "ignore")
    assert "warning" not in r2.stderr
    assert load_model(str(tmp_path / "i.yaml")).metadata.self_impacts == "ignore"


def test_export_every_format_round_trips(tmp_path):
    for fmt in ("scw", "csv", "xlsx"):
        out = tmp_path / f"g.{fmt}"
        r = run("export", GLOBAL, "--to", fmt, "-o", out)
        assert r.exit_code == 0, r.stderr
        back = tmp_path / f"back-{fmt}.yaml"
        assert run("import", out, "-o", back).exit_code == 0
        assert np.array_equal(compile_model(load_model(str(back))).matrix, read_scw(GLOBAL).matrix)
    sl = tmp_path / "g.sl"
    assert run("export", GLOBAL, "-o", sl, "--weights").exit_code == 0
    got = read_sl(sl)
    theirs = read_sl(CIB / "CIB_global.sl")  # weights 4/12/1/2 there equal the global-succession basins
    assert {tuple(s): w for s, w in zip(got.scenarios.tolist(), got.weights)} == {
        tuple(s): w for s, w in zip(theirs.scenarios.tolist(), theirs.weights)
    }


def test_succession_json_follows_to_the_cycle():
    r = run("succession", GLOBAL, "--start", "wtrd=ft,wsec=rlx,weco=decl", "--json", "--timings")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    # by hand from the matrix: (FT,Rlx,Decl) → (Ntl,Mod,ModGr) → (FT,Mod,Stag) → (Ntl,Mod,ModGr)
    assert doc["path"] == [
        {"wtrd": "ft", "wsec": "rlx", "weco": "decl"},
        {"wtrd": "ntl", "wsec": "mod", "weco": "modgr"},
        {"wtrd": "ft", "wsec": "mod", "weco": "stag"},
    ]
    assert doc["ends_in"] == "cycle" and doc["steps"] == 1
    assert set(doc["timings"]) >= {"read", "compile", "engine", "total"}


def test_basins_json_matches_published_basins():
    r = run("basins", GLOBAL, "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["method"] == "exact" and doc["total"] == 36 and doc["in_cycles"] == 17
    sizes = sorted(a["size"] for a in doc["attractors"])
    assert sizes == [1, 2, 4, 12]  # bench_results_julia.json
    r = run("basins", GLOBAL, "--method", "sampled", "--samples", "2000", "--seed", "0", "--json")
    doc = json.loads(r.stdout)
    assert doc["method"] == "sampled" and doc["total"] == 2000
    assert all(a["share_low"] <= a["share"] <= a["share_high"] for a in doc["attractors"])
    text = run("basins", GLOBAL, "--timings")
    assert "17 of 36 start scenarios" in text.stdout and "engine" in text.stderr


def test_analyze_accepts_a_scw_file():
    r = run("analyze", CIB / "bench_medium.scw", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)["scenarios"]) == 2


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["import", "/nonexistent.scw", "-o", "x.yaml"], "no such file"),
        (["export", GLOBAL, "--to", "pdf", "-o", "x.pdf"], "--to must be"),
        (["succession", GLOBAL, "--start", "wtrd=ft", "--operator", "chaotic"], "operator"),
        (["succession", GLOBAL, "--start", "wtrd=zz,wsec=rlx,weco=decl"], "unknown variant"),
        (["basins", GLOBAL, "--method", "guess"], "--method"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(args, fragment, tmp_path):
    assert_user_error(run(*args), fragment)


def test_malformed_scw_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.scw"
    bad.write_text("$ ScenarioWizard 4.0\nt\n&A\n -a\n -b\nX\n", encoding="utf-8")
    r = run("import", bad, "-o", tmp_path / "x.yaml")
    assert_user_error(r, "bad.scw:6")
    assert not (tmp_path / "x.yaml").exists()


def test_analyze_basins_adds_volume_weights_in_tableau_order():
    r = run("analyze", GLOBAL, "--basins", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    weights = {
        json.dumps(s["variants"], sort_keys=True): w["weight"]
        for s, w in zip(doc["scenarios"], doc["volume_weights"]["by_scenario"])
    }
    # CIB_global.sl's weight column (= global-succession basins): 2 3 2 → 4, 3 1 3 → 12, 2 2 2 → 1, 1 2 3 → 2
    want = {
        ("ntl", "alrt", "stag"): 4,
        ("mix", "rlx", "modgr"): 12,
        ("ntl", "mod", "stag"): 1,
        ("ft", "mod", "modgr"): 2,
    }
    assert weights == {json.dumps(dict(zip(("wtrd", "wsec", "weco"), k)), sort_keys=True): v for k, v in want.items()}
    assert doc["volume_weights"]["in_cycles"] == 17


def test_succession_from_a_reference_scenario_or_a_seeded_random_start():
    from scenarist.cib.succession import succession
    from scenarist.io.paths import packaged_models

    example = str(packaged_models()["example"])
    model = load_model(example)
    ref = model.reference_scenarios[0]
    r = run("succession", example, "--reference", ref.id, "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["path"][0] == ref.variants
    want = succession(compile_model(model), ref.variants)
    assert doc["steps"] == want.steps and len(doc["path"]) == len(want.path)
    a = json.loads(run("succession", GLOBAL, "--random", "--seed", "5", "--json").stdout)
    b = json.loads(run("succession", GLOBAL, "--random", "--seed", "5", "--json").stdout)
    assert a == b
    assert_user_error(run("succession", GLOBAL, "--random", "--start", "wtrd=ft"), "exactly one")
    assert_user_error(run("succession", example, "--reference", "nowhere"), "no such reference")


# -- fresh-user defects: warnings, --self-impacts, result limit, basins table, outputs, placeholders, seeds --

NATL = CIB / "CIB_natl_regional.scw"  # has non-zero blocks of a descriptor on itself


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", NATL],
        ["explain", NATL, "--scenario", "1"],
        ["validate", NATL],
        ["succession", NATL, "--random", "--seed", "1"],
        ["basins", NATL, "--method", "sampled", "--samples", "50", "--seed", "1"],
        ["export", NATL, "-o", "{tmp}/n.csv"],
        ["import", NATL, "-o", "{tmp}/n.yaml"],
    ],
    ids=lambda a: a[0],
)
def test_self_impact_warning_is_one_plain_line_and_the_option_settles_it(args, tmp_path):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    r = run(*args)
    assert r.exit_code == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if "on itself" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: ")
    assert "--self-impacts ignore leaves them out" in warned[0]
    assert "SelfImpactWarning" not in r.stderr and ".py:" not in r.stderr
    for choice in ("ignore", "count"):
        quiet = run(*args, "--self-impacts", choice)
        assert quiet.exit_code == 0, quiet.stderr
        assert "warning:" not in quiet.stderr and "on itself" not in quiet.stderr


def test_self_impacts_option_changes_the_analysis_and_is_checked():
    # CIB_natl_regional.scw: 10 consistent scenarios with the self-blocks left out (see test_scw)
    r = run("analyze", NATL, "--self-impacts", "ignore", "--json")
    assert len(json.loads(r.stdout)["scenarios"]) == 10
    counted = json.loads(run("analyze", NATL, "--self-impacts", "count", "--json").stdout)
    assert len(counted["scenarios"]) != 10
    assert_user_error(run("analyze", NATL, "--self-impacts", "maybe"), "--self-impacts must be count or ignore")
    assert_user_error(run("analyze", "example", "--self-impacts", "ignore"), "applies to ScenarioWizard (.scw)")
    assert_user_error(run("import", NATL, "-o", "x.yaml", "--self-impacts", "maybe"), "--self-impacts must be")


def _naive_count(model_name: str, k: int) -> int:
    import naive

    c = compile_model(load_model(model_name))
    exo = {d for d in range(c.n_descriptors) if c.exogenous[d]}
    return len(naive.consistent_scenarios(c.matrix.tolist(), c.counts.tolist(), k, {}, exo))


def test_max_results_refuses_a_search_that_finds_more_naming_the_count(tmp_path):
    n = _naive_count("example", 2)
    assert n > 3
    r = run("analyze", "example", "-k", "2", "--max-results", "3")
    assert_user_error(
        r,
        f"{n:,} scenarios have inconsistency ≤ 2, more than the 3 that --max-results allows",
        "Lower -k or fix descriptors (--fix), or raise --max-results.",
    )
    from scenarist.checks import MAX_RESULTS_LIMIT
    from scenarist.cib.search import TooManyScenariosError

    # at the largest --max-results there is nothing to raise, and the message says so instead
    at_top = TooManyScenariosError(MAX_RESULTS_LIMIT + 1, False, MAX_RESULTS_LIMIT, 1).describe("--max-results")
    assert "raise" not in at_top and at_top.endswith("(--max-results is at its largest).")
    assert at_top.startswith(f"more than {MAX_RESULTS_LIMIT:,} scenarios have inconsistency ≤ 1")
    assert (
        len(json.loads(run("analyze", "example", "-k", "2", "--max-results", str(n), "--json").stdout)["scenarios"])
        == n
    )
    assert_user_error(run("explain", "example", "-k", "2", "-s", "1", "--max-results", "3"), f"{n:,} scenarios")
    assert_user_error(
        run("export", "example", "-k", "2", "--max-results", "3", "-o", tmp_path / "x.sl"), f"{n:,} scenarios"
    )
    assert not (tmp_path / "x.sl").exists()
    assert_user_error(run("analyze", "example", "--max-results", "-1"), "--max-results")


def test_flagship_with_a_huge_tolerance_is_refused_not_run_out(monkeypatch):
    # -k 99 keeps every one of the flagship's 214,990,848 scenarios: the search stops one past the limit and
    # counting stops at COUNT_MAX (10,000,000 normally; lowered here to keep the test quick)
    import scenarist.cib.search as search_module

    monkeypatch.setattr(search_module, "COUNT_MAX", 20_000)
    r = run("analyze", "-k", "99", "--max-results", "5000")
    assert_user_error(r, "more than 20,000 scenarios have inconsistency ≤ 99, more than the 5,000")


def test_basins_table_lists_largest_basins_first_with_compact_variants(monkeypatch):
    import io

    from rich.console import Console

    import scenarist.cli.engine as engine_cli

    buf = io.StringIO()
    monkeypatch.setattr(
        engine_cli, "console", Console(file=buf, width=80, color_system=None, markup=False, emoji=False)
    )
    r = run("basins", GLOBAL, "--rows", "3")
    assert r.exit_code == 0, r.stderr
    text = buf.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    # CIB_global.sl (1-based variants, weight = basin): 3 1 3 → 12, 2 3 2 → 4, 1 2 3 → 2, 2 2 2 → 1 of 36;
    # tableau order numbers them 1 (2 3 2), 2 (3 1 3), 3 (2 2 2), 4 (1 2 3) (checked against find_scenarios below)
    from scenarist.cib import find_scenarios

    found = find_scenarios(compile_model(load_model(GLOBAL)))
    number = {tuple(int(v) + 1 for v in s): i + 1 for i, s in enumerate(found.scenarios)}
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "size"])
    rows = [line.split() for line in lines[head + 1 : head + 4]]
    assert rows == [
        [str(number[(3, 1, 3)]), "12", "33.33%", "313"],
        [str(number[(2, 3, 2)]), "4", "11.11%", "232"],
        [str(number[(1, 2, 3)]), "2", "5.56%", "123"],
    ]
    assert lines[head + 4].startswith("variants:")
    assert "1 smaller basin(s) not shown" in text and "wtrd, wsec, weco" in text
    assert "17 of 36 start scenarios (47.22%) end in" in text


def test_share_text_never_reads_zero_for_a_small_share():
    from scenarist.cli.engine import share_text, variant_code

    assert [share_text(x) for x in (0, 0.5, 0.00004679, 1e-9)] == ["0%", "50.00%", "0.0047%", "1e-07%"]
    c = compile_model(load_model("example"))
    assert variant_code(c, [1, 0, 1, 2]) == "2123"


def test_import_and_export_never_overwrite_their_input(tmp_path):
    scw = tmp_path / "g.scw"
    scw.write_bytes(Path(GLOBAL).read_bytes())
    before = scw.read_bytes()
    assert_user_error(run("import", scw, "-o", scw), "--output", "input")
    assert scw.read_bytes() == before
    model = tmp_path / "m.yaml"
    assert run("import", scw, "-o", model).exit_code == 0
    text = model.read_text()
    for target in (model, tmp_path / "link.yaml"):
        if target.name == "link.yaml":
            target.symlink_to(model)
        assert_user_error(run("export", model, "--to", "sl", "-o", target), "--output", "input")
        assert model.read_text() == text
    assert_user_error(run("export", model, "-o", tmp_path), "--output")
    assert_user_error(run("export", model, "-o", ""), "--output: the file name is empty")
    assert_user_error(run("import", scw, "-o", ""), "--output: the file name is empty")
    assert_user_error(run("import", scw, "-o", tmp_path / "nowhere" / "x.yaml"), "does not exist")
    r = run("export", model, "-o", tmp_path / "out.csv")
    assert r.exit_code == 0 and r.stderr.strip() == f"Wrote {tmp_path / 'out.csv'}"
    r = run("import", tmp_path / "out.csv", "-o", tmp_path / "back.yaml")
    assert r.stderr.strip().startswith(f"Wrote {tmp_path / 'back.yaml'}: 3 descriptors")


@pytest.mark.parametrize("command", ["import", "export", "succession", "basins"])
def test_help_placeholders_are_words_not_types(command):
    out = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    options = out.split("Options:")[1]  # (Typer always shows an argument's type beside it)
    for internal in ("<list[", "<str>", "<int", "<float>", "<file>", "<path>", "{file}"):
        assert internal not in options, (internal, options)
    want = {
        "import": ["-o, --output FILE", "--self-impacts count|ignore"],
        "export": ["--to scw|sl|csv|xlsx", "-o, --output FILE", "--max-results N"],
        "succession": ["--start D=V,...", "--reference ID", "--operator global|local|sequential"],
        "basins": ["--confidence LEVEL", "--samples N", "--rows N", "--method auto|exact|sampled"],
    }[command]
    for text in want:
        assert text in out, (text, out)


def test_negative_seed_and_bad_confidence_are_refused_like_elsewhere():
    assert_user_error(run("basins", GLOBAL, "--seed", "-1"), "--seed must be ≥ 0")
    assert_user_error(run("succession", GLOBAL, "--random", "--seed", "-1"), "--seed must be ≥ 0")
    assert_user_error(run("basins", GLOBAL, "--confidence", "1.5"), "--confidence must be between 0 and 1")


def test_terminal_tableau_lays_out_only_the_columns_it_can_show(monkeypatch):
    # analyze -k 3 on the flagship keeps 856,495 scenarios; laying out every one took over a minute before a
    # single block of about ten was printed. Here: the example at k = 9 keeps all 24; at 80 columns the default
    # view measures at most 80 // 4 = 20 of them and builds cells only for the block it prints.
    import io

    from rich.console import Console

    import scenarist.cli.analyze as analyze_cli
    from scenarist.analysis import analyze

    result = analyze(load_model("example"), max_inconsistency=9)
    assert len(result.scenarios) == 24
    seen = []
    real = analyze_cli._cells
    monkeypatch.setattr(analyze_cli, "_cells", lambda r, ids, limit=None: seen.append(limit) or real(r, ids, limit))
    monkeypatch.setattr(analyze_cli, "console", Console(file=io.StringIO(), width=80, color_system=None))
    analyze_cli.print_analysis(result)
    printed = list(seen)
    shown, _ = analyze_cli.plan_tableau(result, 80)
    assert printed and all(limit is not None and limit <= 20 for limit in printed) and printed[-1] == shown < 24
    seen.clear()
    analyze_cli.print_analysis(result, columns=0)  # every column asked for: all are laid out
    assert 24 in seen


def test_analyze_timings_keep_kernel_loading_apart_from_the_search():
    doc = json.loads(run("analyze", "example", "--timings", "--json").stdout)
    steps = doc["timings"]
    assert {"load", "compile", "search", "summarise", "kernels", "total"} <= set(steps)
    assert abs(steps["total"] - sum(v for k, v in steps.items() if k != "total")) < 1e-9
