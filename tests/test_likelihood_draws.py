"""Judgment spread and draws (docs/method.md §3): offset tables, clipping, shared sections, seeds, bands, robustness."""

from __future__ import annotations

import numpy as np
import pytest

from likelihood_naive import build_model
from scenarist.cib import compile_model
from scenarist.errors import OptionError
from scenarist.probability import CONFIDENCE_TABLE, offset_distribution, outcome_distribution
from scenarist.probability.draws import draw_generator, draw_scores, judgment_spread, normalise_seed


def test_offset_tables():
    assert offset_distribution() == {0: 1.0}
    assert offset_distribution(spread=0) == {0: 1.0}
    assert offset_distribution(spread=1) == {-1: 0.25, 0: 0.5, 1: 0.25}
    s2 = offset_distribution(spread=2)
    assert s2 == pytest.approx({-2: 1 / 9, -1: 2 / 9, 0: 3 / 9, 1: 2 / 9, 2: 1 / 9})
    assert offset_distribution(confidence=3) == offset_distribution(spread=1)
    assert offset_distribution(confidence=1) == offset_distribution(spread=3)
    assert offset_distribution(confidence=5) == {0: 1.0}
    for dist in CONFIDENCE_TABLE.values():
        assert sum(dist.values()) == pytest.approx(1.0)
        assert dist[0] == max(dist.values())  # the stated score stays the most likely
    with pytest.raises(OptionError):
        offset_distribution(spread=1, confidence=3)
    with pytest.raises(OptionError):
        offset_distribution(confidence=6)


def spread_model(score=1, spread=1, p=0.5, extra=None):
    """A exogenous (a1, a2) with prior (p, 1 − p); outcome O (o1, o2).

    a1 → o1 with an uncertain score (stated ``score``, ``spread``); a2 → o2 with +1 (certain).
    Per draw: if the drawn score s > 0, a1 gives O = o1 only; s = 0 ties (o1 and o2 share P(a1)); s < 0 gives o2.
    """
    js = [("a.a1", "o.o1", score, {"spread": spread}), ("a.a2", "o.o2", 1)] + (extra or [])
    return build_model(
        [("a", ["a1", "a2"], True, {"a1": p, "a2": 1 - p}), ("o", ["o1", "o2"], False, None)], js, outcome="o"
    )


def test_draw_statistics_against_hand_computation():
    # score 1, spread 1 → drawn 0, 1, 2 with 1/4, 1/2, 1/4. P(o1 | M) = 1/2 when s ≥ 1, 1/4 when s = 0.
    # Mean = 3/4 · 1/2 + 1/4 · 1/4 = 7/16; sd = 1/4 · √(3/16) ≈ 0.10825; band = [1/4, 1/2].
    R = 4000
    d = outcome_distribution(spread_model(), draws=R, seed=11)
    rows = d.per_draw[:, 2]  # compiled column of o1 (a1, a2, o1, o2)
    assert set(np.round(rows, 12)) == {0.25, 0.5}
    assert d.probability["o1"] == pytest.approx(7 / 16, abs=4 * 0.10825 / np.sqrt(R))
    assert d.standard_errors["o1"] == pytest.approx(0.10825 / np.sqrt(R), rel=0.05)
    assert d.bands["o1"] == (0.25, 0.5)
    assert d.marginal().stated == pytest.approx([0.5, 0.5])
    # robustness: (a1, o2) is consistent exactly in the draws where s = 0
    rob = {tuple(r["variants"].values()): r["robustness"] for r in d.robustness_rows(None)}
    assert rob[("a1", "o1")] == 1.0 and rob[("a2", "o2")] == 1.0
    assert rob[("a1", "o2")] == pytest.approx(np.mean(np.isclose(rows, 0.25)))
    assert rob[("a1", "o2")] == pytest.approx(0.25, abs=4 * np.sqrt(0.25 * 0.75 / R))
    flags = {tuple(r["variants"].values()): r["consistent_as_stated"] for r in d.robustness_rows(None)}
    assert flags[("a1", "o2")] is False and flags[("a1", "o1")] is True
    # the JSON lists scenarios consistent as stated, and others only when consistent in ≥ 50 % of draws
    listed = {tuple(r["variants"].values()) for r in d.to_dict()["robustness"]["scenarios"]}
    assert listed == {("a1", "o1"), ("a2", "o2")}
    assert d.to_dict()["robustness"]["consistent_in_some_draw"] == 3
    # conditional = unconditional here (no none bin); bands of the source-free model: no comparisons
    assert d.none.probability == 0.0 and d.comparisons == ()


def test_clipping_at_the_scale_edge():
    m = spread_model(score=3, spread=1)
    c = compile_model(m)
    sp = judgment_spread(m, c)
    scores = np.array([draw_scores(sp, draw_generator(5, r))[0] for r in range(4000)])
    assert set(scores.tolist()) == {2, 3}
    assert np.mean(scores == 3) == pytest.approx(0.75, abs=4 * np.sqrt(0.75 * 0.25 / 4000))


def test_shared_sections_move_together():
    extra = [("a.a2", "o.o1", -1, {"spread": 1, "section": "s"})]
    m = spread_model(extra=extra)
    m.judgments[0].section = "s"
    c = compile_model(m)
    sp = judgment_spread(m, c)
    assert sp.sections == ("s",)
    same = [draw_scores(sp, draw_generator(1, r), shared_sections=True) for r in range(200)]
    assert all(s[0] - 1 == s[1] + 1 for s in same)  # equal offsets
    indep = [draw_scores(sp, draw_generator(1, r)) for r in range(200)]
    assert any(s[0] - 1 != s[1] + 1 for s in indep)


def test_same_seed_same_numbers_and_seed_reported():
    m = spread_model()
    a = outcome_distribution(m, draws=300, seed=0)
    b = outcome_distribution(m, draws=300, seed=0)
    assert np.array_equal(a.per_draw, b.per_draw)
    c = outcome_distribution(m, draws=300, seed=1)
    assert not np.array_equal(a.per_draw, c.per_draw)
    fresh = outcome_distribution(m, draws=50)
    again = outcome_distribution(m, draws=50, seed=fresh.seed)
    assert np.array_equal(fresh.per_draw, again.per_draw)
    # the first 100 draws of a 300-draw run are the 100 draws of a 100-draw run (draw r depends on (seed, r))
    d100 = outcome_distribution(m, draws=100, seed=0)
    assert np.array_equal(a.per_draw[:100], d100.per_draw)
    gen = np.random.default_rng(3)
    assert isinstance(normalise_seed(gen), int)
    with pytest.raises(OptionError):
        normalise_seed(-1)


def test_no_spread_means_no_band_width():
    m = spread_model(spread=0)
    d = outcome_distribution(m, draws=20, seed=2)
    assert d.bands["o1"] == (0.5, 0.5)
    assert any("no judgment carries a spread" in n for n in d.notes)


def test_confidence_counts_as_spread():
    m = spread_model(spread=0)
    m.judgments[0].spread = None
    m.judgments[0].confidence = 3
    d_conf = outcome_distribution(m, draws=200, seed=4)
    d_spr = outcome_distribution(spread_model(spread=1), draws=200, seed=4)
    assert np.array_equal(d_conf.per_draw, d_spr.per_draw)


def test_draws_hold_exogenous_descriptors_whose_prior_is_certain(monkeypatch):
    """Draws search only the exogenous combinations with prior weight (the flagship's two post-article extensions
    have prior 1 / 0): every draw's probabilities equal those of the full search, and robustness counts only
    scenarios of weighted combinations, each in as many draws as the full search finds it."""
    import scenarist
    from scenarist.probability import distribution

    model = scenarist.load("iran-russia-pezeshkian")
    setup = distribution.prepare(model)
    held = distribution.draw_spec(setup)
    assert setup.spec.n_combinations == 96 and held.n_combinations == 24  # 2·3·2·2 with syria_order, leadership held
    fast = outcome_distribution(model, draws=12, seed=5)
    monkeypatch.setattr(distribution, "draw_spec", lambda s: s.spec)
    full = outcome_distribution(model, draws=12, seed=5)
    assert np.allclose(fast.per_draw, full.per_draw, rtol=0, atol=1e-12)
    c = compile_model(model)
    ext = [c.descriptor_index("syria_order"), c.descriptor_index("leadership")]
    weighted = np.all(full.robust_scenarios[:, ext] == 0, axis=1)  # assad_holds, incumbent: the first variants
    order = np.lexsort(fast.robust_scenarios.T[::-1])
    order_full = np.lexsort(full.robust_scenarios[weighted].T[::-1])
    assert np.array_equal(fast.robust_scenarios[order], full.robust_scenarios[weighted][order_full])
    assert np.array_equal(fast.robustness[order], full.robustness[weighted][order_full])


def test_draws_on_several_threads_equal_one_thread_and_each_pass_alone():
    """Chunks evaluated on 1, 2 and 3 Python threads give the same rows, in draw order, as each draw's own pass."""
    from scenarist.io.yaml_model import load_model
    from scenarist.probability.backends import DrawTask, run_draws
    from scenarist.probability.combinations import run_pass
    from scenarist.probability.distribution import draw_spec, prepare
    from scenarist.probability.draws import apply_scores

    m = load_model("example")
    for j in m.judgments[::2]:
        j.spread = 1
    setup = prepare(m)
    task = DrawTask(draw_spec(setup), setup.compiled.matrix, setup.spread, normalise_seed(7), False)
    runs = {t: run_draws(task, 40, chunk_size=6, threads=t) for t in (1, 2, 3)}
    flat = {t: np.concatenate([c.flat for c in chunks]) for t, chunks in runs.items()}
    assert [c.start for c in runs[2]] == list(range(0, 40, 6))
    assert np.array_equal(flat[1], flat[2]) and np.array_equal(flat[1], flat[3])
    # The reference: every draw's matrix passed alone, outside any chunk or thread.
    want = []
    for r in range(40):
        scores = draw_scores(task.spread, draw_generator(task.entropy, r), False)
        want.append(run_pass(task.spec, apply_scores(task.base, task.spread, scores)).flat)
    assert np.array_equal(flat[2], np.array(want))
    assert len({row.tobytes() for row in flat[2]}) > 1  # the draws really differ
    with pytest.raises(OptionError, match="threads"):
        run_draws(task, 10, threads=0)
