"""ScenarioWizard files: byte-exact round trips, import to a model, export, and agreement of our search with
ScenarioWizard's own solution lists on every real project that has one."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import naive
from scenarist.cib import compile_model, find_scenarios
from scenarist.errors import InputFileError
from scenarist.io.scw import (
    SelfImpactWarning,
    export_scw,
    format_scw,
    import_scw,
    model_to_project,
    parse_scw,
    read_scw,
)
from scenarist.io.sl import format_sl, from_scenario_set, parse_sl, read_sl
from scenarist.io.yaml_model import dump_model, load_model

CIB = Path(__file__).parent / "data" / "cib"
SCW = sorted(CIB.glob("*.scw"))
PAIRS = [
    ("CIB_global.scw", "CIB_global.sl"),
    ("CIB_global.scw", "CIB_global_sw.sl"),
    ("CIB_natl_regional.scw", "CIB_natl_regional.sl"),
    ("CIB_nested.scw", "CIB_nested.sl"),
    ("CIB_nested_simplified_standardized.scw", "CIB_nested_simplified_standardized.sl"),
    ("bench_typical.scw", "bench_typical_sw.sl"),
    ("bench_50x50.scw", "bench_50x50_sw.sl"),
    ("bench_medium.scw", "bench_medium_sw.sl"),
    ("bench_large.scw", "bench_large_sw.sl"),
    ("bench_xlarge.scw", "bench_xlarge_sw.sl"),
]


def quiet_import(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        return import_scw(path, **kw)


@pytest.mark.parametrize("path", SCW, ids=lambda p: p.name)
def test_reading_and_writing_reproduces_every_real_file_byte_for_byte(path):
    assert format_scw(read_scw(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(CIB.glob("*.sl")), ids=lambda p: p.name)
def test_solution_lists_round_trip(path):
    sl = read_sl(path)
    again = parse_sl(format_sl(sl))
    assert np.array_equal(again.scenarios, sl.scenarios)
    assert np.array_equal(again.consistency_value, sl.consistency_value)
    assert np.array_equal(again.total_impact_score, sl.total_impact_score)
    assert np.allclose(again.weights, sl.weights, rtol=1e-6)
    if "_sw" in path.name or path.name == "CIB_global.sl":
        # integer weights below 10^7: the text itself comes back unchanged
        assert format_sl(sl) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("scw,sl", PAIRS, ids=lambda x: x)
def test_search_agrees_with_scenariowizard_solution_list(scw, sl):
    compiled = compile_model(quiet_import(CIB / scw))
    ours = find_scenarios(compiled)
    theirs = read_sl(CIB / sl)
    want = {
        tuple(s): (int(cv), int(t))
        for s, cv, t in zip(theirs.scenarios.tolist(), theirs.consistency_value, theirs.total_impact_score)
    }
    got = {
        tuple(s): (int(cv), int(t))
        for s, cv, t in zip(ours.scenarios.tolist(), ours.consistency_value, ours.total_impact_score)
    }
    assert got == want


@pytest.mark.parametrize("scw,n_ignore", [("CIB_natl_regional.scw", 10), ("CIB_nested_simplified_standardized.scw", 9)])
def test_self_blocks_ignored_change_the_answer_and_warn_when_counted(scw, n_ignore):
    with pytest.warns(SelfImpactWarning, match="on itself"):
        counted = import_scw(CIB / scw)
    assert counted.metadata.self_impacts == "count"
    ignored = import_scw(CIB / scw, self_impacts="ignore")
    c = compile_model(ignored)
    got = find_scenarios(c)
    assert len(got) == n_ignore
    # without self-blocks the compiled matrix has zero diagonal blocks, and each scenario is consistent by the
    # naive definition on that matrix
    for d in range(c.n_descriptors):
        o = c.offsets
        assert not c.matrix[o[d] : o[d + 1], o[d] : o[d + 1]].any()
    for s in got.scenarios[:3]:
        assert naive.score(c.matrix.tolist(), c.counts.tolist(), tuple(s), [True] * c.n_descriptors)[0] == 0


def test_import_builds_a_valid_model_with_names_rationales_and_origin():
    model = quiet_import(CIB / "CIB_natl_regional.scw")
    ids = [d.id for d in model.descriptors]
    assert len(set(ids)) == len(ids) and all("." not in i for i in ids)
    assert [d.name for d in model.descriptors][:3] == ["NINT", "NTRD", "NDOM"]
    assert model.metadata.origin == "ScenarioWizard project CIB_natl_regional.scw"
    assert model.metadata.provenance == "optional"
    # the one block note in the file (NURB on NINEQ) becomes the rationale of that block's judgments
    noted = [j for j in model.judgments if j.rationale]
    assert noted and all(j.from_.startswith("nurb.") and j.to.startswith("nineq.") for j in noted)
    assert "urbanization" in noted[0].rationale
    std = quiet_import(CIB / "CIB_nested_simplified_standardized.scw")
    assert std.metadata.scale.min <= -20 and std.metadata.scale.max >= 20
    glob_ = import_scw(CIB / "CIB_global.scw")
    assert glob_.metadata.scale.min == -6  # the file holds −6; the scale widens to fit it


def test_load_model_reads_scw_directly():
    assert compile_model(load_model(str(CIB / "bench_medium.scw"))).space_size == 1024


@pytest.mark.parametrize("path", SCW, ids=lambda p: p.name)
def test_model_export_round_trip_keeps_the_matrix_exactly(path, tmp_path):
    model = quiet_import(path)
    out = tmp_path / "again.scw"
    export_scw(model, out)
    assert np.array_equal(read_scw(out).matrix, read_scw(path).matrix)
    # through YAML as well
    yaml_path = tmp_path / "m.yaml"
    yaml_path.write_text(dump_model(model), encoding="utf-8")
    assert np.array_equal(model_to_project(load_model(str(yaml_path))).matrix, read_scw(path).matrix)


def test_exported_solution_list_matches_scenariowizard_text():
    compiled = compile_model(import_scw(CIB / "bench_xlarge.scw"))
    text = format_sl(from_scenario_set(find_scenarios(compiled)))
    theirs = read_sl(CIB / "bench_xlarge_sw.sl")
    ours = parse_sl(text)
    assert sorted(map(tuple, ours.scenarios.tolist())) == sorted(map(tuple, theirs.scenarios.tolist()))
    assert text.splitlines()[:3] == ["$ ScenarioWizard 3.0", "Solution set", " 3 "]


@pytest.mark.parametrize(
    "text,line,what",
    [
        ("hello\n", 1, "not a ScenarioWizard project"),
        ("$ ScenarioWizard 4.0\nt\n&A\n -a\n -b\nX\n", 6, "expected a descriptor"),
        (
            "$ ScenarioWizard 4.0\nt\n&A\n -a\n -b\n#\n&\n \n \n#\n#\nF\nF\n#\n#\n 0 , 1 \n 0 , x \n#\n",
            17,
            "not an integer",
        ),
        ("$ ScenarioWizard 4.0\nt\n&A\n -a\n -b\n#\n&\n \n \n#\n#\nF\nF\n#\n#\n 0 , 1 \n 0 \n#\n", 17, "has 1 values"),
        ("$ ScenarioWizard 4.0\nt\n&A\n -a\n -b\n#\n&\n \n", 8, "file ends early"),
    ],
)
def test_malformed_scw_names_file_and_line(text, line, what):
    with pytest.raises(InputFileError, match=rf"bad\.scw:{line}: .*{what}"):
        parse_scw(text, "bad.scw")


def test_malformed_sl_names_file_and_line():
    with pytest.raises(InputFileError, match=r"x\.sl:5: malformed"):
        parse_sl("$ ScenarioWizard 3.0\nSolution set\n 1 \n\nnonsense\n", "x.sl")
    with pytest.raises(InputFileError, match=r"x\.sl:3: declares 2"):
        parse_sl('$ ScenarioWizard 3.0\nSolution set\n 2 \n\n" 1 2",0,0,0,1,""\n', "x.sl")
    with pytest.raises(InputFileError, match="no such file"):
        read_scw("/nonexistent/x.scw")


def test_ids_from_names_are_valid_unique_and_short():
    from scenarist.io.scw import MAX_ID, unique_ids

    ids = unique_ids(["Trade.Policy", "Trade Policy", "", "  ", "Ölpreis & Märkte", "x" * 60], "d")
    assert ids[:4] == ["trade-policy", "trade-policy-2", "d3", "d4"]
    assert len(set(ids)) == len(ids)
    assert all("." not in i and 0 < len(i) <= MAX_ID for i in ids)
    # a project whose descriptors share a name still imports to a valid model
    text = "$ ScenarioWizard 4.0\nt\n&A\n -x\n -x\n&A\n -y\n -z\n#\n&\n \n \n&\n \n \n#\n#\n" + "F\n" * 4 + "#\n#\n"
    text += ' 0 , 0 , 1 ,-1 \n 0 , 0 , 1 ,-1 \n 1 ,-1 , 0 , 0 \n 1 ,-1 , 0 , 0 \n#\n# 0-0\n""\n#\n#\n'
    from scenarist.io.scw import project_to_model

    model = project_to_model(parse_scw(text, "dup.scw"), "dup.scw")
    assert [d.id for d in model.descriptors] == ["a", "a-2"]
    assert [v.id for v in model.descriptors[0].variants] == ["x", "x-2"]


def test_windows_line_ends_and_a_file_without_notes_read_the_same():
    text = (CIB / "CIB_global.scw").read_text(encoding="utf-8")
    crlf = parse_scw(text.replace("\n", "\r\n"), "crlf.scw")
    assert np.array_equal(crlf.matrix, read_scw(CIB / "CIB_global.scw").matrix)
    cut = text[: text.index("# 0-0")]  # no notes section at all
    assert np.array_equal(parse_scw(cut, "cut.scw").matrix, crlf.matrix)
    sl = (CIB / "CIB_global_sw.sl").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert len(parse_sl(sl, "crlf.sl")) == 4


def test_self_impacts_chosen_explicitly_counts_without_warning():
    with pytest.warns(SelfImpactWarning) as caught:
        unset = import_scw(CIB / "CIB_natl_regional.scw")
    w = caught[0].message
    assert w.cells == {"wscen": 4} and str(w).endswith(
        "self_impacts='ignore' leaves them out (as the method's definition does); self_impacts='count' counts "
        "them without this warning."
    )
    assert "--self-impacts ignore leaves them out" in w.describe("--self-impacts ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the import
        chosen = import_scw(CIB / "CIB_natl_regional.scw", self_impacts="count")
    assert chosen.metadata.self_impacts == unset.metadata.self_impacts == "count"
    assert np.array_equal(compile_model(chosen).matrix, compile_model(unset).matrix)
