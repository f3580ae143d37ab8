"""Exact outcome distribution for one matrix (docs/method.md §2): closed forms, the none bin, invariances, options,
and agreement with a brute-force reference on random models."""

from __future__ import annotations

import numpy as np
import pytest

from likelihood_naive import build_model, naive_distribution
from scenarist.errors import OptionError, UnknownNameError
from scenarist.io.yaml_model import load_model
from scenarist.probability import outcome_distribution


def two_descriptor(p=0.3):
    """A exogenous (a1, a2) with prior (p, 1 − p); outcome O (o1, o2, o3).

    a1 pushes o1 (+2); a2 pushes o2 and o3 equally (+1 each). Closed form: P(o1) = p, P(o2) = P(o3) = (1 − p)/2.
    """
    return build_model(
        [("a", ["a1", "a2"], True, {"a1": p, "a2": round(1 - p, 10)}), ("o", ["o1", "o2", "o3"], False, None)],
        [("a.a1", "o.o1", 2), ("a.a2", "o.o2", 1), ("a.a2", "o.o3", 1)],
        outcome="o",
    )


def test_two_descriptor_closed_form():
    for p in (0.3, 0.5, 0.9):
        d = outcome_distribution(two_descriptor(p))
        assert d.outcome == "o"
        assert d.probability == pytest.approx({"o1": p, "o2": (1 - p) / 2, "o3": (1 - p) / 2}, abs=1e-12)
        assert d.none.probability == 0.0
        assert d.marginal("a").probabilities == pytest.approx({"a1": p, "a2": 1 - p}, abs=1e-12)
        assert d.bands is None and d.standard_errors is None and d.draws == 0


def test_priors_override_and_uniform_note():
    m = two_descriptor(0.3)
    d = outcome_distribution(m, priors={"a": {"a1": 0.8, "a2": 0.2}})
    assert d.probability == pytest.approx({"o1": 0.8, "o2": 0.1, "o3": 0.1})
    assert d.priors["a"]["origin"] == "override"
    m.descriptors[0].prior = None
    d = outcome_distribution(m)
    assert d.probability == pytest.approx({"o1": 0.5, "o2": 0.25, "o3": 0.25})
    assert d.priors["a"]["origin"] == "assumed uniform"
    assert any("'a' assumed uniform" in n for n in d.notes)


def test_bad_priors_and_names_raise():
    m = two_descriptor()
    with pytest.raises(OptionError):
        outcome_distribution(m, priors={"a": {"a1": 0.5, "a2": 0.6}})
    with pytest.raises(OptionError):
        outcome_distribution(m, priors={"a": {"a1": 1.0}})
    with pytest.raises(OptionError):
        outcome_distribution(m, priors={"o": {"o1": 1.0, "o2": 0.0, "o3": 0.0}})
    with pytest.raises(UnknownNameError):
        outcome_distribution(m, priors={"a": {"a1": 0.5, "zz": 0.5}})
    with pytest.raises(UnknownNameError):
        outcome_distribution(m, fixed={"nope": "x"})
    with pytest.raises(OptionError):
        outcome_distribution(m, draws=-1)
    with pytest.raises(OptionError):
        outcome_distribution(m, credit="votes")
    with pytest.raises(OptionError):
        outcome_distribution(m, fixed={"o": "o1"})


def cycle_model(p=0.25):
    """A exogenous (a1, a2), prior (p, 1 − p); B and C chase each other in a cycle unless a1 anchors them.

    Under a2: B1→C1, C1→B2, B2→C2, C2→B1 (all +1): none of the four scenarios is consistent, so P(none) = 1 − p.
    Under a1: A pushes B1 and C1 (+3) and (B1, C1) is the only consistent scenario: P(B1) = P(C1) = p.
    """
    return build_model(
        [
            ("a", ["a1", "a2"], True, {"a1": p, "a2": 1 - p}),
            ("b", ["b1", "b2"], False, None),
            ("c", ["c1", "c2"], False, None),
        ],
        [
            ("b.b1", "c.c1", 1),
            ("c.c1", "b.b2", 1),
            ("b.b2", "c.c2", 1),
            ("c.c2", "b.b1", 1),
            ("a.a1", "b.b1", 3),
            ("a.a1", "c.c1", 3),
        ],
        outcome="c",
    )


def test_none_bin_and_conditional():
    d = outcome_distribution(cycle_model(0.25))
    assert d.none.probability == pytest.approx(0.75)
    assert d.probability == pytest.approx({"c1": 0.25, "c2": 0.0})
    assert d.conditional == pytest.approx({"c1": 1.0, "c2": 0.0})
    assert d.marginal("b").probabilities == pytest.approx({"b1": 0.25, "b2": 0.0})
    # the exogenous descriptor's own variants: a2 never has a consistent scenario
    assert d.marginal("a").probabilities == pytest.approx({"a1": 0.25, "a2": 0.0})
    rows = d.to_frame()
    assert rows.loc[("c", "(none)"), "probability"] == pytest.approx(0.75)
    doc = d.to_dict()
    assert doc["none"]["probability"] == pytest.approx(0.75)
    assert [r["variant"] for r in doc["distribution"]] == ["c1", "c2"]


def test_everything_in_the_none_bin_gives_nan_conditional_as_null():
    d = outcome_distribution(cycle_model(0.25), fixed={"a": "a2"})
    assert d.none.probability == pytest.approx(1.0)
    assert all(np.isnan(v) for v in d.conditional.values())
    assert d.to_dict()["distribution"][0]["conditional"] is None
    assert any("fixed by an intervention" in n for n in d.notes)


def test_every_to_dict_is_strict_json_when_the_none_bin_holds_everything():
    """No NaN or infinity ever reaches JSON (defect #13): distribution with draws, sensitivity, track."""
    import json

    from scenarist.evidence.replay import track
    from scenarist.probability.sensitivity import sensitivity

    m = cycle_model(0.25)
    for j in m.judgments:
        j.spread = 1
    docs = [
        outcome_distribution(m, fixed={"a": "a2"}, draws=5, seed=0).to_dict(),
        sensitivity(m, fixed={"a": "a2"}).to_dict(),
        track(m, [], draws=3, seed=0).to_dict(),
    ]
    for doc in docs:
        json.dumps(doc, allow_nan=False)


def credit_model(p=0.4):
    """A exogenous; B free (nothing impacts it, all its variants tie); O depends on B and A.

    a1: O1 whatever B (A.a1→O1 = +3 outweighs B3→O2 = +1). a2: (B1, O1), (B2, O1), (B3, O2).
    Crediting variants: P(O1) = p + (1 − p)/2. Crediting scenarios: P(O1) = p + 2(1 − p)/3.
    """
    return build_model(
        [
            ("a", ["a1", "a2"], True, {"a1": p, "a2": 1 - p}),
            ("b", ["b1", "b2", "b3"], False, None),
            ("o", ["o1", "o2"], False, None),
        ],
        [("b.b1", "o.o1", 1), ("b.b2", "o.o1", 1), ("b.b3", "o.o2", 1), ("a.a1", "o.o1", 3)],
        outcome="o",
    )


def test_credit_variants_versus_scenarios():
    m = credit_model(0.4)
    dv = outcome_distribution(m)
    ds = outcome_distribution(m, credit="scenarios")
    assert dv.probability == pytest.approx({"o1": 0.4 + 0.6 / 2, "o2": 0.6 / 2})
    assert ds.probability == pytest.approx({"o1": 0.4 + 0.6 * 2 / 3, "o2": 0.6 / 3})
    assert ds.credit == "scenarios"


def test_interventions_apply_on_top():
    m = credit_model(0.4)
    d = outcome_distribution(m, fixed={"b": "b3"})
    # a1 → O1; a2 with B3 fixed → O2
    assert d.probability == pytest.approx({"o1": 0.4, "o2": 0.6})
    assert d.fixed == {"b": "b3"}
    d = outcome_distribution(m, fixed={"a": "a2"})
    assert d.probability == pytest.approx({"o1": 0.5, "o2": 0.5})


def scaled(model, factor):
    m = model.model_copy(deep=True)
    m.metadata.scale.min *= factor
    m.metadata.scale.max *= factor
    for j in m.judgments:
        j.score *= factor
    return m


def test_scaling_scores_leaves_kernel_and_distribution_unchanged():
    for base in (credit_model(), cycle_model(), two_descriptor()):
        d1 = outcome_distribution(base)
        for factor in (2, 3):
            d2 = outcome_distribution(scaled(base, factor))
            assert {tuple(s) for s in d1.scenarios.tolist()} == {tuple(s) for s in d2.scenarios.tolist()}
            for m1, m2 in zip(d1.marginals, d2.marginals):
                assert np.allclose(m1.probability, m2.probability, atol=1e-12)
            assert d1.none.probability == pytest.approx(d2.none.probability, abs=1e-12)


def random_model(rng, n_exo, n_endo):
    descs = []
    for i in range(n_exo):
        k = int(rng.integers(2, 4))
        p = rng.dirichlet(np.ones(k)).round(3)
        p[-1] = round(1 - p[:-1].sum(), 3)
        if p[-1] < 0:
            p = np.full(k, round(1 / k, 6))
            p[-1] = round(1 - p[:-1].sum(), 6)
        descs.append((f"e{i}", [f"v{j}" for j in range(k)], True, {f"v{j}": float(p[j]) for j in range(k)}))
    for i in range(n_endo):
        k = int(rng.integers(2, 4))
        descs.append((f"d{i}", [f"v{j}" for j in range(k)], False, None))
    js = []
    for src in descs:
        for dst in descs[n_exo:]:
            if src[0] == dst[0]:
                continue
            for a in src[1]:
                for b in dst[1]:
                    if rng.random() < 0.5:
                        s = int(rng.integers(-3, 4))
                        if s:
                            js.append((f"{src[0]}.{a}", f"{dst[0]}.{b}", s))
    return build_model(descs, js, outcome=descs[-1][0])


@pytest.mark.parametrize("credit", ["variants", "scenarios"])
def test_matches_brute_force_on_random_models(credit):
    rng = np.random.default_rng(20261129)
    for trial in range(25):
        m = random_model(rng, int(rng.integers(0, 3)), int(rng.integers(1, 4)))
        fixed = {}
        if trial % 4 == 3:
            d = m.descriptors[-1] if len(m.descriptors) > 1 and rng.random() < 0.5 else m.descriptors[0]
            if d.id != m.descriptors[-1].id:
                fixed = {d.id: d.variants[0].id}
        got = outcome_distribution(m, fixed=fixed, credit=credit)
        want, none = naive_distribution(m, fixed=fixed, credit=credit)
        assert got.none.probability == pytest.approx(float(none), abs=1e-9), trial
        for marg in got.marginals:
            assert marg.probabilities == pytest.approx(
                {k: float(v) for k, v in want[marg.descriptor].items()}, abs=1e-9
            ), trial


def test_sampled_combinations_agree_with_exact_within_error():
    rng = np.random.default_rng(7)
    m = random_model(rng, 3, 2)
    exact = outcome_distribution(m)
    sampled = outcome_distribution(m, max_combinations=1, samples=4000, seed=3)
    assert sampled.samples == 4000 and any("sampled" in n for n in sampled.notes)
    se = sampled.standard_errors
    for v, p in exact.probability.items():
        assert abs(sampled.probability[v] - p) <= 4 * se[v] + 1e-9
    assert sampled.none.standard_error is not None
    # same seed, same numbers
    again = outcome_distribution(m, max_combinations=1, samples=4000, seed=3)
    assert again.probability == sampled.probability


def test_source_assessments_beside_the_model():
    d = outcome_distribution(load_model("example"))
    rows = {tuple(c.variants): c for c in d.comparisons}
    # worked example: P(integration) = 0.6 within "likely" [0.55, 0.80]
    assert rows[("integration",)].term == "likely"
    assert rows[("integration",)].conditional == pytest.approx(0.6)
    assert rows[("integration",)].verdict == "within"
    assert rows[("integration", "truce")].conditional == pytest.approx(0.8)


def test_example_model_by_hand():
    # world growth (0.6): policy open, politics liberal, integration. Recession (0.4): closed, nationalist, and
    # two consistent outcomes (truce, rupture) sharing 0.4. See the model file's judgments.
    d = outcome_distribution(load_model("example"))
    assert d.probability == pytest.approx({"integration": 0.6, "truce": 0.2, "rupture": 0.2})
    want, _none = naive_distribution(__import__("scenarist.io.yaml_model", fromlist=["x"]).load_model("example"))
    assert {k: float(v) for k, v in want["relationship"].items()} == pytest.approx(d.probability)


def test_volume_credit_matches_brute_force_succession():
    from likelihood_naive import naive_volume_distribution
    from scenarist.io.yaml_model import load_model

    models = [load_model("example"), credit_model(), cycle_model()]
    rng = np.random.default_rng(5)
    models += [random_model(rng, int(rng.integers(0, 3)), int(rng.integers(1, 4))) for _ in range(8)]
    for m in models:
        got = outcome_distribution(m, credit="volume")
        want, none = naive_volume_distribution(m)
        assert got.none.probability == pytest.approx(float(none), abs=1e-9)
        for marg in got.marginals:
            assert marg.probabilities == pytest.approx(
                {k: float(v) for k, v in want[marg.descriptor].items()}, abs=1e-9
            )
    with pytest.raises(OptionError):
        outcome_distribution(models[0], credit="volume", draws=5)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), factor=st.sampled_from([2, 3, 5]), credit=st.sampled_from(["variants", "scenarios"])
)
def test_property_scaling_invariance(seed, factor, credit):
    rng = np.random.default_rng(seed)
    m = random_model(rng, int(rng.integers(0, 3)), int(rng.integers(1, 4)))
    d1 = outcome_distribution(m, credit=credit)
    d2 = outcome_distribution(scaled(m, factor), credit=credit)
    assert {tuple(s) for s in d1.scenarios.tolist()} == {tuple(s) for s in d2.scenarios.tolist()}
    for m1, m2 in zip(d1.marginals, d2.marginals):
        assert np.allclose(m1.probability, m2.probability, atol=1e-12)
    assert d1.none.probability == pytest.approx(d2.none.probability, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.integers(-2, 2))
def test_property_shifting_a_row_block_leaves_the_kernel(seed, shift):
    # Adding one constant to every cell from one source variant into one target descriptor moves all of that
    # descriptor's balances equally, so no consistency test changes (only differences of balances count).
    rng = np.random.default_rng(seed)
    m = random_model(rng, int(rng.integers(0, 2)), int(rng.integers(2, 4)))
    src = m.descriptors[int(rng.integers(0, len(m.descriptors)))]
    targets = [d for d in m.descriptors if d.id != src.id and not d.exogenous]
    dst = targets[int(rng.integers(0, len(targets)))]
    a = src.variants[int(rng.integers(0, len(src.variants)))].id
    m2 = m.model_copy(deep=True)
    m2.metadata.scale.min, m2.metadata.scale.max = -6, 6
    cells = {(j.from_, j.to): j for j in m2.judgments}
    from scenarist.model import Judgment

    for b in dst.variants:
        key = (f"{src.id}.{a}", f"{dst.id}.{b.id}")
        if key in cells:
            cells[key].score += shift
        else:
            m2.judgments.append(Judgment.model_validate({"from": key[0], "to": key[1], "score": shift}))
    d1, d2 = outcome_distribution(m), outcome_distribution(m2)
    assert {tuple(s) for s in d1.scenarios.tolist()} == {tuple(s) for s in d2.scenarios.tolist()}
    for m1, m2_ in zip(d1.marginals, d2.marginals):
        assert np.allclose(m1.probability, m2_.probability, atol=1e-12)
