"""Numbers without bounds (issue 10, part 1) and the count and memory caps of part 2, through the real CLI.

Each case once gave a traceback, ran out of memory or — worst — a silently wrong kernel; each is now refused in one
line naming the field or option and its bound (exit 2). The property at the end checks the bound itself: at the
widest scale a model may have, the engine's kernel equals a brute-force enumeration in Python integers
(``tests/naive.py``), which cannot overflow.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive
from scenarist import checks
from scenarist.cib import CompiledModel, compile_model, find_scenarios
from scenarist.cli import app
from scenarist.errors import InputFileError, OptionError
from scenarist.io.sl import read_sl
from scenarist.model import Model, check_model
from test_cli_analyze import EXAMPLE, assert_user_error, make_runner

runner = make_runner()
HUGE = "99999999999999999999"  # past 64 bits
EXAMPLE_TEXT = Path(EXAMPLE).read_text(encoding="utf-8")


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


SCW = "$ ScenarioWizard 4.0\nt\n&A\n -a1\n -a2\n&B\n -b1\n -b2\n#\n&\n \n \n&\n \n \n#\n#\nFFFFFF\nFFFFFF\nFFFFFF\nFFFFFF\n#\n#\n 0 , 0 , 1 ,-1 \n 0 , 0 ,-1 , 1 \n 1 ,-1 , 0 , 0 \n-1 , 1 , 0 , {cell} \n#\n#\n"


def small_model_text(scale=(-3, 3), score=1, spread=None, meta_id="m", extra=""):
    spread_line = f"\n    spread: {spread}" if spread is not None else ""
    return f"""metadata:
  id: "{meta_id}"
  title: M
  scale: {{min: {scale[0]}, max: {scale[1]}}}
  provenance: optional
descriptors:
  - id: a
    name: A
    variants: [{{id: x, name: X}}, {{id: y, name: Y}}]
  - id: b
    name: B
    variants: [{{id: x, name: X}}, {{id: y, name: Y}}]
judgments:
  - from: a.x
    to: b.x
    score: {score}{spread_line}
{extra}"""


# -- files ----------------------------------------------------------------------------------------------------------


def test_scw_cell_past_64_bits_is_refused_with_line_and_cell(tmp_path):
    f = tmp_path / "big.scw"
    f.write_text(SCW.format(cell=HUGE))
    line = SCW.splitlines().index("-1 , 1 , 0 , {cell} ") + 1
    for command in ("validate", "analyze"):
        assert_user_error(run(command, f), f"{f}:{line}: matrix[4][4]: ", "outside ±1,000,000")
    assert_user_error(run("import", f, "-o", tmp_path / "m.yaml"), "matrix[4][4]")
    assert not (tmp_path / "m.yaml").exists()


def test_scw_cell_at_the_bound_is_read(tmp_path):
    f = tmp_path / "edge.scw"
    f.write_text(SCW.format(cell="-1000000"))
    r = run("validate", f)
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize(
    "old, new, line, field",
    [
        (" 2 ", f" {HUGE}99 ", 3, "number of scenarios"),
        ('" 1 2",0,0,0,3', f'" 1 2",0,{HUGE}999,0,3', 5, "consistency value"),
        ('" 1 2",0,0,0,3', f'" 1 2",0,0,0,-{HUGE}999', 5, "total impact score"),
        ('" 1 2",0,0,0,3', '" 1 2",1e400,0,0,3', 5, "weight"),
        ('" 1 2",0,0,0,3', f'" 1 {HUGE}",0,0,0,3', 5, "variants"),
    ],
)
def test_sl_field_out_of_range_is_refused_with_line_and_field(tmp_path, old, new, line, field):
    text = '$ ScenarioWizard 3.0\nSolution set\n 2 \n\n" 1 2",0,0,0,3,""\n" 2 1",0,0,0,3,""\n'
    assert read_sl_text(tmp_path, text).total_impact_score.tolist() == [3, 3]
    with pytest.raises(InputFileError, match=rf"bad\.sl:{line}: {field}: "):
        read_sl_text(tmp_path, text.replace(old, new, 1), "bad.sl")


def read_sl_text(tmp_path, text, name="ok.sl"):
    f = tmp_path / name
    f.write_text(text)
    return read_sl(f)


def test_sl_reader_refuses_what_is_not_a_regular_file(tmp_path):
    with pytest.raises(InputFileError, match="is a directory"):
        read_sl(tmp_path)


# -- options --------------------------------------------------------------------------------------------------------


def test_huge_tolerance_is_refused_with_the_models_own_bound():
    # the example: 4 descriptors on −3..+3 → no scenario is more inconsistent than 4 × 6 = 24
    for args in (
        ["analyze", "example"],
        ["export", "example", "-o", "unused.sl"],
        ["explain", "example", "--scenario", "1"],
    ):
        assert_user_error(
            run(*args, "-k", HUGE),
            "-k must be 0..24 (the largest inconsistency of this model: 4 descriptors × scale span 6)",
        )
    assert_user_error(run("analyze", "example", "-k", "25"), "-k must be 0..24", "got 25")
    assert_user_error(run("analyze", "example", "-k", "-1"), "-k must be 0..24", "got -1")
    r = run("analyze", "example", "-k", "24", "--json")
    assert r.exit_code == 0, r.stderr
    assert '"n_scenarios": 24' in r.stdout.replace(" ", "").replace('"n_scenarios":24', '"n_scenarios": 24')


def test_k_at_the_bound_keeps_every_scenario():
    m = compile_model(Model.model_validate(_yaml(EXAMPLE_TEXT)))
    assert m.max_inconsistency_bound == 24
    assert len(find_scenarios(m, 24)) == m.space_size == 24
    with pytest.raises(checks.BoundError, match=r"max_inconsistency must be 0\.\.24"):
        find_scenarios(m, 25)


def _yaml(text):
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", "example", "--max-results", HUGE], "--max-results must be 0..10,000,000"),
        (["analyze", "example", "--max-results", "-3"], "--max-results must be 0..10,000,000"),
        (["basins", "example", "--samples", HUGE], "--samples must be between 1 and 10,000,000"),
        (["likelihood", "example", "--draws", HUGE], "--draws 99,999,999,999,999,999,999 is more than the limit"),
        (["basins", "example", "--seed", HUGE], "--seed must be at most 2^63 − 1"),
        (["likelihood", "example", "--seed", HUGE], "--seed must be at most 2^63 − 1"),
        (["succession", "example", "--random", "--seed", HUGE], "--seed must be at most 2^63 − 1"),
    ],
)
def test_count_options_past_their_bound_are_refused_in_one_line(args, message):
    r = run(*args)
    assert_user_error(r, message)
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["sensitivity", "example", "--top", HUGE], ["basins", "example", "--rows", HUGE]])
def test_display_counts_take_any_integer(args):
    r = run(*args)
    assert r.exit_code == 0 and "Traceback" not in r.stderr


def test_ensemble_weights_past_the_bound_are_refused():
    r = run("ensemble", "example", "--member", EXAMPLE, "--weight", "1e308", "--weight", "1e308")
    assert_user_error(r, "--weight for member", "must be a number in 1e-06..1e+06", "got 1e+308")
    r = run("ensemble", "example", "--member", EXAMPLE, "--weight", "1e6", "--weight", "1e-6", "--json")
    assert r.exit_code == 0, r.stderr
    import json

    weights = [m["weight"] for m in json.loads(r.stdout)["members"]]
    assert weights == pytest.approx([1e6 / (1e6 + 1e-6), 1e-6 / (1e6 + 1e-6)], rel=1e-12)


# -- models ---------------------------------------------------------------------------------------------------------


def test_scale_near_5e18_is_refused_by_validate(tmp_path):
    f = tmp_path / "wide.yaml"
    f.write_text(small_model_text(scale=(-5 * 10**18, 5 * 10**18), score=4 * 10**18))
    assert_user_error(run("validate", f), "metadata.scale.min: ", "outside ±1,000,000")
    assert_user_error(run("analyze", f), "metadata.scale.max: ")


def test_model_level_bound_is_n_descriptors_times_span():
    # ±10^6 (span 2·10^6): 1,073 descriptors stay within 2^31 − 1, 1,074 do not
    assert 1073 * 2 * 10**6 <= 2**31 - 1 < 1074 * 2 * 10**6

    def model(n):
        return Model(
            metadata={"id": "w", "title": "W", "scale": {"min": -(10**6), "max": 10**6}, "provenance": "optional"},
            descriptors=[
                {"id": f"d{i}", "name": "D", "variants": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}
                for i in range(n)
            ],
        )

    assert check_model(model(1073)) == []
    problems = check_model(model(1074))
    assert [p for p, _ in problems] == [("metadata", "scale")]
    assert "1074 descriptors × span 2,000,000 = 2,148,000,000 exceeds 2^31 − 1" in problems[0][1]


def test_spread_is_bounded_by_the_scale(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(small_model_text(spread=1_000_000_000))
    assert_user_error(run("validate", f), "judgments[0].spread: spread 1,000,000,000 must be 0..6")
    f.write_text(small_model_text(spread=6))
    assert run("validate", f).exit_code == 0


def test_empty_id_and_far_dates_are_refused(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text(small_model_text(meta_id="  "))
    assert_user_error(run("validate", f), "metadata.id: must not be empty")
    f.write_text(small_model_text().replace("  title: M\n", "  title: M\n  as_of: 9999-01-01\n"))
    assert_user_error(run("validate", f), "metadata.as_of: date 9999-01-01 is outside 1900-01-01 … 2100-12-31")


def test_validate_reports_a_missing_ensemble_member(tmp_path):
    f = tmp_path / "ens.yaml"
    f.write_text(small_model_text(extra="ensemble:\n  - id: other\n    file: gone.yaml\n"))
    line = f.read_text().splitlines().index("    file: gone.yaml") + 1
    assert_user_error(run("validate", f), f"{f}:{line}: ensemble[0].file: member 'other': ", "gone.yaml: no such file")
    (tmp_path / "gone.yaml").write_text(small_model_text())
    r = run("validate", f)
    assert r.exit_code == 0, r.stderr


def test_import_without_output_never_overwrites_model_yaml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scw = tmp_path / "p.scw"
    scw.write_text(SCW.format(cell="1"))
    (tmp_path / "model.yaml").write_text("mine\n")
    assert_user_error(run("import", scw), "model.yaml exists: name the file to write with -o FILE, or pass --force")
    assert (tmp_path / "model.yaml").read_text() == "mine\n"
    assert run("import", scw, "--force").exit_code == 0
    assert (tmp_path / "model.yaml").read_text() != "mine\n"
    (tmp_path / "model.yaml").write_text("mine\n")
    assert run("import", scw, "-o", "model.yaml").exit_code == 0  # named explicitly: the user chose it
    assert "descriptors:" in (tmp_path / "model.yaml").read_text()


# -- memory estimates ----------------------------------------------------------------------------------------------


def test_memory_estimate_refuses_before_allocating():
    assert checks.check_memory(checks.MAX_MEMORY_BYTES, "x") == 2 * 1024**3
    with pytest.raises(OptionError, match=r"would need about 3\.0 GiB, more than the limit of 2\.0 GiB"):
        checks.check_memory(3 * 1024**3, "x")


def test_spread_tables_past_the_memory_limit_are_refused():
    from scenarist.probability.draws import judgment_spread

    n_var = 30
    variants = [{"id": f"v{i}", "name": "V"} for i in range(n_var)]
    judgments = [
        {"from": f"a.v{i}", "to": f"b.v{j}", "score": 0, "spread": 10_000}
        for i, j in itertools.product(range(n_var), range(n_var))
    ]
    m = Model(
        metadata={"id": "s", "title": "S", "scale": {"min": -10_000, "max": 10_000}, "provenance": "optional"},
        descriptors=[{"id": "a", "name": "A", "variants": variants}, {"id": "b", "name": "B", "variants": variants}],
        judgments=judgments,
    )
    assert check_model(m) == []
    # 900 spreads × 20,001 offsets × about 150 bytes while built: about 2.8 GiB
    with pytest.raises(OptionError, match=r"the offset tables of 900 spreads would need about 2\.8 GiB"):
        judgment_spread(m, compile_model(m))


# -- the bound holds: at the widest scale, the engine's kernel is the exact one --------------------------------------


def _random_problem(rng: random.Random, n: int, high: int):
    counts = [rng.choice([2, 3]) for _ in range(n)]
    V = sum(counts)
    starts = naive.starts(counts)
    owner = [d for d, c in enumerate(counts) for _ in range(c)]
    choices = [-high, -high + 1, -1, 0, 1, high - 1, high]
    matrix = [[0] * V for _ in range(V)]
    for r in range(V):
        for c in range(V):
            if owner[r] != owner[c]:
                matrix[r][c] = rng.choice(choices) if rng.random() < 0.8 else rng.randint(-high, high)
    return counts, starts, matrix


def _exact_kernel(matrix, counts, k):
    n = len(counts)
    return sorted(
        s for s in itertools.product(*(range(c) for c in counts)) if naive.score(matrix, counts, s, [True] * n)[0] <= k
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 5), k_small=st.booleans())
def test_kernel_at_the_widest_allowed_scale_equals_python_integers(seed, n, k_small):
    rng = random.Random(seed)
    # a model: scores on the widest scale a model may state, ±10^6
    counts, _, matrix = _random_problem(rng, n, checks.MAX_SCORE)
    doc_variants = [[{"id": f"v{a}", "name": f"V{a}"} for a in range(c)] for c in counts]
    judgments = []
    starts = naive.starts(counts)
    for i, j in itertools.permutations(range(n), 2):
        for a in range(counts[i]):
            for b in range(counts[j]):
                if matrix[starts[i] + a][starts[j] + b]:
                    judgments.append(
                        {"from": f"d{i}.v{a}", "to": f"d{j}.v{b}", "score": matrix[starts[i] + a][starts[j] + b]}
                    )
    model = Model(
        metadata={
            "id": "p",
            "title": "P",
            "scale": {"min": -checks.MAX_SCORE, "max": checks.MAX_SCORE},
            "provenance": "optional",
        },
        descriptors=[{"id": f"d{i}", "name": "D", "variants": doc_variants[i]} for i in range(n)],
        judgments=judgments,
    )
    assert check_model(model) == []
    compiled = compile_model(model)
    k = rng.randint(0, 3) if k_small else rng.randint(0, compiled.max_inconsistency_bound)
    got = sorted(map(tuple, find_scenarios(compiled, k, method="bnb").scenarios.tolist()))
    assert got == _exact_kernel(matrix, counts, k)

    # arrays at the very edge of the int32 bound: n × span = n × 2·high ≤ 2^31 − 1
    high = (2**31 - 1) // (2 * n)
    counts, _, matrix = _random_problem(rng, n, high)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    edge = CompiledModel(
        descriptor_ids=tuple(f"d{i}" for i in range(n)),
        descriptor_names=tuple(f"D{i}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{a}" for a in range(c)) for c in counts),
        variant_names=tuple(tuple(f"V{a}" for a in range(c)) for c in counts),
        counts=np.asarray(counts, dtype=np.int64),
        offsets=offsets,
        matrix=np.asarray(matrix, dtype=np.int64),
        exogenous=np.zeros(n, dtype=bool),
        scale=(-high, high),
    )
    assert edge.max_inconsistency_bound <= 2**31 - 1
    k = rng.randint(0, 3) if k_small else rng.randint(0, edge.max_inconsistency_bound)
    exact = _exact_kernel(matrix, counts, k)
    for method in ("bnb", "sweep"):
        got = sorted(map(tuple, find_scenarios(edge, k, method=method).scenarios.tolist()))
        assert got == exact, method


def test_a_matrix_past_the_int32_bound_is_refused_not_answered_wrongly():
    # scores near 2^30 once gave wrong kernels (balances wrapped in int32); now the search refuses them
    counts = [2, 2, 2, 2]
    offsets = np.array([0, 2, 4, 6, 8], dtype=np.int64)
    matrix = np.zeros((8, 8), dtype=np.int64)
    matrix[0, 2] = 2**30
    bad = CompiledModel(
        descriptor_ids=tuple("abcd"),
        descriptor_names=tuple("ABCD"),
        variant_ids=(("x", "y"),) * 4,
        variant_names=(("X", "Y"),) * 4,
        counts=np.asarray(counts, dtype=np.int64),
        offsets=offsets,
        matrix=matrix,
        exogenous=np.zeros(4, dtype=bool),
    )
    with pytest.raises(OptionError, match=r"impact balances reach 4,294,967,296, past 2\^31 − 1"):
        find_scenarios(bad)
