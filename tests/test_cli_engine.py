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
    weights = {json.dumps(s["variants"], sort_keys=True): w["weight"]
               for s, w in zip(doc["scenarios"], doc["volume_weights"]["by_scenario"])}
    # CIB_global.sl's weight column (= global-succession basins): 2 3 2 → 4, 3 1 3 → 12, 2 2 2 → 1, 1 2 3 → 2
    want = {("ntl", "alrt", "stag"): 4, ("mix", "rlx", "modgr"): 12, ("ntl", "mod", "stag"): 1, ("ft", "mod", "modgr"): 2}
    assert weights == {json.dumps(dict(zip(("wtrd", "wsec", "weco"), k)), sort_keys=True): v for k, v in want.items()}
    assert doc["volume_weights"]["in_cycles"] == 17


def test_succession_from_a_reference_scenario_or_a_seeded_random_start():
    from scenarist.cib.succession import succession
    from scenarist.io.yaml_model import packaged_models

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
