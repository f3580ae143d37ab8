"""Scores beyond Brier and log: the uniform and source baselines, annulled and ambiguous resolutions in every score,
Murphy's decomposition (exact with its within-bin terms) and the pools. Every expected value is worked by hand in the
comments or computed by a brute-force reference written here."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from scenarist.errors import OptionError
from scenarist.forecasts import (
    Forecast,
    Resolution,
    extremised_pool,
    geometric_pool,
    median_pool,
    murphy_decomposition,
    score,
    uniform_brier,
    uniform_log,
)

D = dt.date
V = ("integration", "truce", "rupture")


def fc(id, who, probs, outcome=None, state="resolved", variants=V, criteria="c"):
    res = None
    if state != "resolved" or outcome is not None:
        res = Resolution(outcome, D(2026, 1, 1), state=state, resolver="r", source="s")
    return Forecast(id, "m", "q", who, D(2025, 1, 1), D(2030, 1, 1), variants, probs, criteria, resolution=res)


def test_uniform_baselines_by_hand():
    assert uniform_brier(3) == pytest.approx(2 / 3)  # (2/3)² + 2·(1/3)² = 4/9 + 2/9
    assert uniform_brier(4) == pytest.approx(0.75)
    assert uniform_log(3) == pytest.approx(1.0986122886681098)  # ln 3
    assert uniform_log(2) == pytest.approx(0.6931471805599453)  # ln 2


def test_skill_against_uniform_and_the_source():
    s = score([fc("m1", "model", (0.6, 0.2, 0.2), "truce"), fc("a1", "article", (0.5, 0.25, 0.25), "truce")])
    k = s.skill["model"]
    # model: Brier 0.6² + 0.8² + 0.2² = 1.04; uniform 2/3 → skill 1 − 1.04 / (2/3) = −0.56
    assert k["brier_skill_uniform"] == pytest.approx(-0.56)
    # log −ln 0.2 = 1.609438; uniform ln 3 = 1.098612 → gain 1.098612 − 1.609438 = −0.510826
    assert k["log_skill_uniform"] == pytest.approx(-0.510826, abs=1e-6)
    # article: Brier 0.25 + 0.5625 + 0.0625 = 0.875 → skill 1 − 1.04 / 0.875 = −0.188571
    assert k["source_n"] == 1 and k["brier_skill_source"] == pytest.approx(-0.188571, abs=1e-6)
    # log: −ln 0.25 − (−ln 0.2) = ln 0.8 = −0.223144
    assert k["log_skill_source"] == pytest.approx(-0.223144, abs=1e-6)
    assert s.skill["article"]["source_n"] == 0 and s.skill["article"]["brier_skill_source"] is None
    # another question (other criteria) has no source baseline
    s2 = score(
        [fc("m1", "model", (0.6, 0.2, 0.2), "truce"), fc("a1", "article", (0.5, 0.25, 0.25), "truce", criteria="x")]
    )
    assert s2.skill["model"]["source_n"] == 0


def test_annulled_and_ambiguous_are_scored_as_nothing_everywhere():
    ledger = [
        fc("f1", "model", (0.2, 0.5, 0.3), "truce"),
        fc("f2", "model", (0.9, 0.05, 0.05), state="annulled"),
        fc("f3", "model", (0.05, 0.05, 0.9), state="ambiguous"),
        fc("f4", "model", (0.4, 0.3, 0.3)),
    ]
    s = score(ledger)
    assert [r.forecast_id for r in s.rows] == ["f1"]
    assert s.summary["model"]["n"] == 1
    assert s.summary["model"]["brier"] == pytest.approx(0.38)  # 0.04 + 0.25 + 0.09
    assert s.summary["model"]["log"] == pytest.approx(math.log(2))
    assert s.skill["model"]["brier_skill_uniform"] == pytest.approx(1 - 0.38 / (2 / 3))
    assert sum(b.n for b in s.calibration) == 3  # only f1's three pairs
    assert s.void == (("f2", "annulled"), ("f3", "ambiguous")) and s.unresolved == ("f4",)
    assert s.murphy is None and not s.enough_for_calibration
    doc = s.to_dict()
    assert doc["void"] == [{"forecast": "f2", "state": "annulled"}, {"forecast": "f3", "state": "ambiguous"}]
    assert any("scored as nothing" in n for n in s.notes)
    # twenty annulled forecasts still do not open the calibration section
    many = [fc(f"a{i}", "model", (0.5, 0.25, 0.25), state="annulled") for i in range(25)]
    assert score(many).murphy is None and score(many).rows == ()


def test_murphy_by_hand():
    # f1 (0.8, 0.2) → first happened; f2 (0.8, 0.2) → second happened. Pairs (0.8,T) (0.2,F) (0.8,F) (0.2,T).
    # Bins 0.8 and 0.2 each: n 2, mean forecast 0.8 / 0.2, observed 0.5; overall 0.5.
    # Per pair: REL = (2·0.09 + 2·0.09)/4 = 0.09, RES 0, UNC 0.25, within-bin 0; ×M/N = 2:
    # REL 0.18, UNC 0.5, Brier 0.68 = mean of (0.04 + 0.04) and (0.64 + 0.64).
    m = murphy_decomposition([(0.8, True), (0.2, False), (0.8, False), (0.2, True)], 2)
    assert m.brier == pytest.approx(0.68) and m.reliability == pytest.approx(0.18)
    assert m.resolution == pytest.approx(0.0) and m.uncertainty == pytest.approx(0.5)
    assert m.within_variance == pytest.approx(0.0) and m.within_covariance == pytest.approx(0.0)
    # One bin [0.8, 0.9) holding (0.82, T) and (0.88, F): p̄ 0.85, ō 0.5 → REL 0.35² = 0.1225, UNC 0.25,
    # WBV (0.03² + 0.03²)/2 = 0.0009, WBC (2/2)(−0.03·0.5 + 0.03·−0.5) = −0.03;
    # 0.1225 + 0.25 + 0.0009 + 0.03 = 0.4034 = (0.18² + 0.88²)/2.
    w = murphy_decomposition([(0.82, True), (0.88, False)], 2)
    assert (w.reliability, w.uncertainty) == (pytest.approx(0.1225), pytest.approx(0.25))
    assert w.within_variance == pytest.approx(0.0009) and w.within_covariance == pytest.approx(-0.03)
    assert w.brier == pytest.approx(0.4034) and w.total == pytest.approx(0.4034)


def _brute_brier(ledger):
    out = []
    for f in ledger:
        k = f.variants.index(f.resolution.outcome)
        out.append(sum((p - (1.0 if i == k else 0.0)) ** 2 for i, p in enumerate(f.probabilities)))
    return sum(out) / len(out)


def test_murphy_sums_to_the_brier_score_from_twenty_forecasts():
    ledger = []
    for i in range(23):
        a = ((i * 37) % 97) / 100 + 0.01
        b = round((1 - a) * ((i * 13) % 7) / 7, 6)
        probs = (a, b, round(1 - a - b, 12))
        ledger.append(fc(f"f{i:02}", "model", probs, V[(i * 5) % 3]))
    ledger.append(fc("void", "model", (0.3, 0.3, 0.4), state="ambiguous"))
    s = score(ledger)
    assert s.enough_for_calibration and s.murphy is not None
    scored = [f for f in ledger if f.resolution.state == "resolved"]
    assert s.murphy.n_forecasts == 23 and s.murphy.n_pairs == 69
    assert s.murphy.brier == pytest.approx(_brute_brier(scored))
    assert s.murphy.total == pytest.approx(_brute_brier(scored), abs=1e-12)
    # uncertainty by hand: 23 of 69 pairs happened → ō = 1/3, ō(1 − ō) = 2/9, × M/N = 3 → 2/3
    assert s.murphy.uncertainty == pytest.approx(2 / 3)


def test_pools_by_hand():
    # median of (0.9, 0.6, 0.7) and of (0.1, 0.4, 0.3): (0.7, 0.3)
    assert median_pool([(0.9, 0.1), (0.6, 0.4), (0.7, 0.3)]) == pytest.approx((0.7, 0.3))
    # medians 0.5, 0.5, 0.5 renormalised to a third each
    assert median_pool([(0.5, 0.5, 0), (0, 0.5, 0.5), (0.5, 0, 0.5)]) == pytest.approx((1 / 3,) * 3)
    # odds 4 and 1: geometric mean of odds 2 → 2/3
    assert geometric_pool([(0.8, 0.2), (0.5, 0.5)]) == pytest.approx((2 / 3, 1 / 3))
    # extremised with a = 2: odds 2² = 4 → 0.8
    assert extremised_pool([(0.8, 0.2), (0.5, 0.5)], a=2) == pytest.approx((0.8, 0.2))
    # a 0 is floored at ε = 0.01: odds √((1/0.01)·1) = 10 → 10/11
    assert geometric_pool([(1.0, 0.0), (0.5, 0.5)], eps=0.01) == pytest.approx((10 / 11, 1 / 11))
    # a = 1 leaves the geometric pool as it is
    assert extremised_pool([(0.6, 0.3, 0.1), (0.2, 0.5, 0.3)], a=1) == pytest.approx(
        geometric_pool([(0.6, 0.3, 0.1), (0.2, 0.5, 0.3)])
    )
    with pytest.raises(OptionError):
        geometric_pool([(0.7, 0.7)])
    with pytest.raises(OptionError):
        extremised_pool([(0.5, 0.5)], a=0)
