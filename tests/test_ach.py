"""The evidence as an ACH matrix (``scenarist ach``): figures worked by hand, derived rows against brute-force
enumeration, the flagship through the command line, and the error paths."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from typer.testing import CliRunner

from likelihood_naive import build_model, naive_consistent, naive_distribution, naive_matrix
from scenarist.cli import app
from scenarist.errors import OptionError, UnknownNameError
from scenarist.evidence import EvidenceItem
from scenarist.evidence.ach import THRESHOLDS, ach, diagnosticity, rate, score_weights
from scenarist.io.yaml_model import load_model

FLAGSHIP = "iran-russia-2024-2026"


def make_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def item(id_, date, grade, bearing, **extra) -> EvidenceItem:
    data = {
        "id": id_,
        "date": date,
        "title": f"item {id_}",
        "summary": "test item",
        "source": {"outlet": "Test Wire", "accessed": "2026-12-01"},
        "grade": grade,
        "status": "confirmed",
        "bearing": {"rationale": "test", **bearing},
    }
    data.update(extra)
    return EvidenceItem.model_validate(data)


def indicator(id_, grade, lik, **extra) -> EvidenceItem:
    keys = ("integration", "truce", "rupture")
    return item(id_, "2025-03-01", grade, {"kind": "indicator", "likelihoods": dict(zip(keys, lik))}, **extra)


# -- a matrix worked by hand -----------------------------------------------------------------------------------
# The packaged example model (outcome relationship: integration, truce, rupture; as of 2025-01-01; P = 0.6, 0.2, 0.2).
# Four indicators; A1 has w = 1, B2 has w = 0.8 × 0.8 = 0.64. Rows relative to their largest entry, then rated with
# C ≥ 10^-0.5 = 0.3162, I in [0.1, 0.3162), II < 0.1:
#   e1 A1 (0.9, 0.45, 0.1)  → (1, 0.5, 0.1111)               C C I    diag 9
#   e2 A1 (0.2, 0.8, 0.8)   → (0.25, 1, 1)                   I C C    diag 4
#   e3 B2 (0.05, 1, 0.5)    → (0.05^0.64, 1, 0.5^0.64)
#                           = (0.14701, 1, 0.64171)          I C C    diag 6.8023
#   e4 A1 (1, 0.25, 0.05)   → (1, 0.25, 0.05)                C I II   diag 20
# Scores (I = 1, II = 2): integration e2 + e3 = 2; truce e4 = 1; rupture e1 + 2·e4 = 3 → truce leads.
# Weighted by w: integration 1 + 0.64 = 1.64; truce 1; rupture 1 + 2 = 3.
# Removing e2: integration 1 (weighted 0.64), truce 1 (weighted 1) → integration leads: critical.
# Removing e3: integration 1 (1), truce 1 (1) → tie: critical (leading becomes integration and truce).
# Removing e1: 2, 1, 2; removing e4: 2, 0, 1 → truce still leads: not critical.
# Posterior (the indicator step): P ∝ (0.6, 0.2, 0.2) × Π rows = (0.6 · 0.036752, 0.2 · 0.125, 0.2 · 0.0035651)
#   = (0.46167, 0.52340, 0.014928) after normalising: truce highest. Without e2: (0.77428, 0.21946, 0.0062590);
#   without e3: (0.85174, 0.14196, 0.0063091) → integration: both critical; without e1 (0.28102, 0.63720, 0.081780)
#   and without e4 (0.16177, 0.73361, 0.10462) truce stays highest.
T3 = (0.05**0.64, 1.0, 0.5**0.64)


@pytest.fixture(scope="module")
def example():
    return load_model("example")


@pytest.fixture(scope="module")
def hand(example):
    items = [
        indicator("e1", "A1", (0.9, 0.45, 0.1)),
        indicator("e2", "A1", (0.2, 0.8, 0.8)),
        indicator("e3", "B2", (0.05, 1.0, 0.5)),
        indicator("e4", "A1", (1.0, 0.25, 0.05)),
    ]
    return ach(example, items)


def test_rows_ratings_and_diagnosticity_by_hand(hand):
    assert hand.hypotheses == ("integration", "truce", "rupture")
    assert hand.row("e1").likelihood == pytest.approx([1.0, 0.5, 0.1 / 0.9])
    assert hand.row("e3").likelihood == pytest.approx([0.147008, 1.0, 0.641713], abs=1e-6)
    got = {r.id: r.ratings for r in hand.rows}
    assert got == {
        "e1": ("C", "C", "I"),
        "e2": ("I", "C", "C"),
        "e3": ("I", "C", "C"),
        "e4": ("C", "I", "II"),
    }
    diag = {r.id: r.diagnosticity for r in hand.rows}
    assert diag == pytest.approx({"e1": 9.0, "e2": 4.0, "e3": 1 / 0.147008, "e4": 20.0}, rel=1e-5)
    assert all(not r.derived and r.mode == "direct" and r.score_weight == 1.0 for r in hand.rows)


def test_scores_leading_and_critical_items_by_hand(hand):
    assert hand.scores.tolist() == [2.0, 1.0, 3.0]
    assert hand.weighted_scores == pytest.approx([1.64, 1.0, 3.0])
    assert hand.leading == ("truce",)
    crit = {c.id: c.leading_without for c in hand.critical_score}
    assert crit == {"e2": ("integration",), "e3": ("integration", "truce")}


def test_posterior_and_its_critical_items_by_hand(hand):
    assert hand.prior == pytest.approx([0.6, 0.2, 0.2])
    assert hand.posterior == pytest.approx([0.461668, 0.523404, 0.014928], abs=1e-6)
    assert hand.leading_posterior == ("truce",)
    assert {c.id: c.leading_without for c in hand.critical_posterior} == {
        "e2": ("integration",),
        "e3": ("integration",),
    }
    # influence: total variation between the posterior with and without the item (without e1: 0.28102, 0.63720, ...)
    tv = 0.5 * (abs(0.281020 - 0.461668) + abs(0.637200 - 0.523404) + abs(0.081780 - 0.014928))
    assert hand.row("e1").influence == pytest.approx(tv, abs=1e-5)


def test_rate_and_diagnosticity_bounds():
    high, low = THRESHOLDS
    assert high == pytest.approx(10**-0.5) and low == 0.1
    assert [rate(x) for x in (1.0, high, high - 1e-9, 0.1, 0.0999, 0.0)] == ["C", "C", "I", "I", "II", "II"]
    assert rate(float("nan")) is None
    assert rate(0.4, (0.5, 0.2)) == "I"
    assert diagnosticity([1.0, 0.0, 0.5]) == math.inf
    assert diagnosticity([0.5, 0.5]) == 1.0
    assert math.isnan(diagnosticity([1.0, float("nan")]))


def test_clusters_and_families_set_what_an_item_counts_for(example):
    """One per cluster (the better grade speaks); within a family the strongest counts 1, the others ρ (0 here: the
    example model states no family), identical copies 0."""
    items = [
        indicator("a1", "A1", (0.9, 0.45, 0.1), cluster="c"),
        indicator("a2", "C3", (0.9, 0.45, 0.1), cluster="c"),  # superseded by a1 in its cluster
        indicator("f1", "A1", (0.2, 0.8, 0.8), family="f"),  # spread log 4 (strongest)
        indicator("f2", "A1", (0.5, 0.8, 0.8), family="f"),  # spread log 1.6: counts ρ = 0
        indicator("f3", "B1", (0.2, 0.8, 0.8), family="f"),  # same bearing as f1, lower grade: collapses
    ]
    w = score_weights(example, items, None)
    assert w == {"a1": 1.0, "f1": 1.0, "f2": 0.0, "f3": 0.0}
    r = ach(example, items)
    assert {x.id: x.score_weight for x in r.rows} == {"a1": 1.0, "a2": 0.0, "f1": 1.0, "f2": 0.0, "f3": 0.0}
    # scores: a1 (C C I) and f1 (I C C) only
    assert r.scores.tolist() == [1.0, 0.0, 1.0]
    # removing a1 lets a2 (C3, w = 0.36: (1, 0.5^0.36, 0.1111^0.36) = (1, 0.779, 0.453): C C C) speak for the cluster
    assert r.row("a2").ratings == ("C", "C", "C")


# -- derived rows against brute-force enumeration ----------------------------------------------------------------


def small():
    """Exogenous e (a 0.6, b 0.4) drives d; under e = a both d = x and d = y are consistent, under e = b only d = y;
    the outcome o follows d (x → p, y → q). P(o) by variants: p = 0.6 · ½ = 0.3, q = 0.3 + 0.4 = 0.7."""
    return build_model(
        [("e", ["a", "b"], True, {"a": 0.6, "b": 0.4}), ("d", ["x", "y"], False, None), ("o", ["p", "q"], False, None)],
        [("e.a", "d.x", 1), ("e.a", "d.y", 1), ("e.b", "d.y", 2), ("d.x", "o.p", 2), ("d.y", "o.q", 2)],
        outcome="o",
    )


def naive_credit(sc, d_id, credit="variants"):
    """c(v | x) of descriptor d among the scenarios ``sc`` of one combination (Fractions)."""
    if credit == "variants":
        taken = sorted({s[d_id] for s in sc})
        return {v: Fraction(1, len(taken)) for v in taken}
    out: dict[str, Fraction] = {}
    for s in sc:
        out[s[d_id]] = out.get(s[d_id], Fraction(0)) + Fraction(1, len(sc))
    return out


def naive_p_e_given_h(model, target, lam, hyp):
    """P(E | h) = Σ_x P(x) Σ_v c(v|x) λ(v) c'(h | x, v) / Σ_x P(x) c(h | x), by enumeration (docs/method.md §10)."""
    cells = naive_matrix(model)
    exo = [d for d in model.descriptors if d.exogenous]
    joint: dict[str, Fraction] = {}
    marg: dict[str, Fraction] = {}
    for combo in itertools.product(*[[v.id for v in d.variants] for d in exo]):
        w = Fraction(1)
        for d, v in zip(exo, combo):
            w *= Fraction(str(d.prior.probabilities[v]))
        sc = naive_consistent(model, cells, {d.id: v for d, v in zip(exo, combo)})
        if not sc:
            continue
        for h, c in naive_credit(sc, hyp).items():
            marg[h] = marg.get(h, Fraction(0)) + w * c
        for v, c in naive_credit(sc, target).items():
            m = c * Fraction(str(lam.get(v, 0.0)))
            if m == 0:
                continue
            for h, c2 in naive_credit([s for s in sc if s[target] == v], hyp).items():
                joint[h] = joint.get(h, Fraction(0)) + w * m * c2
    return {h: joint.get(h, Fraction(0)) / marg[h] for h in marg}


def test_derived_rows_on_a_small_model_by_hand_and_by_enumeration():
    m = small()
    items = [
        item("obs", "2025-02-01", "A1", {"kind": "observation", "descriptor": "d", "variant": "x"}),
        item(
            "lik", "2025-02-02", "A1", {"kind": "likelihood", "descriptor": "d", "likelihoods": {"x": 1.0, "y": 0.25}}
        ),
    ]
    r = ach(m, items, critical=False)
    obs, lik = r.row("obs"), r.row("lik")
    assert obs.derived and obs.mode == "condition" and lik.derived
    # by hand: seeing d = x keeps only (a, x, p): P(E | p) = 0.6 · ½ / 0.3 = 1, P(E | q) = 0 → rules q out
    assert obs.probability == pytest.approx([1.0, 0.0])
    assert obs.ratings == ("C", "II") and obs.diagnosticity == math.inf
    # λ = (1, 0.25): P(E | p) = 0.6 · ½ · 1 / 0.3 = 1; P(E | q) = (0.6 · ½ · 0.25 + 0.4 · 0.25) / 0.7 = 0.25
    assert lik.probability == pytest.approx([1.0, 0.25])
    assert lik.ratings == ("C", "I")
    for row, lam in ((obs, {"x": 1.0}), (lik, {"x": 1.0, "y": 0.25})):
        want = naive_p_e_given_h(m, "d", lam, "o")
        assert row.probability == pytest.approx([float(want["p"]), float(want["q"])], abs=1e-12)


def test_an_intervention_row_is_the_effect_of_fixing_over_the_prior():
    """do(e = b) on an exogenous e: P(h | do(e = b)) / P(h) = P(e = b | h) / P(e = b) (Bayes; e has no causes)."""
    m = small()
    r = ach(m, [item("fix", "2025-02-01", "A1", {"kind": "intervention", "descriptor": "e", "variant": "b"})])
    row = r.row("fix")
    assert row.mode == "fix" and row.derived and row.probability is None
    base, _ = naive_distribution(m)
    fixed, _ = naive_distribution(m, fixed={"e": "b"})
    ratio = [float(fixed["o"][h] / base["o"][h]) for h in ("p", "q")]  # (0 / 0.3, 1 / 0.7)
    assert ratio == pytest.approx([0.0, 1 / 0.7])
    assert row.likelihood == pytest.approx([0.0, 1.0])
    # the same through Bayes: P(e = b | o = p) = 0, P(e = b | o = q) = 0.4 / 0.7
    assert r.posterior == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_derived_rows_match_enumeration_on_random_models(seed):
    from test_likelihood import random_model

    rng = np.random.default_rng(20261205 + seed)
    done = 0
    for _ in range(20):
        m = random_model(rng, 2, 3)
        hyp = m.outcome.id
        target = next(d for d in m.descriptors if not d.exogenous and d.id != hyp)
        ids = [v.id for v in target.variants]
        lam = {v: float(x) for v, x in zip(ids, rng.uniform(0.1, 1.0, len(ids)))}
        lam[ids[0]] = 1.0
        it = item("lik", "2025-02-01", "A1", {"kind": "likelihood", "descriptor": target.id, "likelihoods": lam})
        try:
            r = ach(m, [it], critical=False)
        except OptionError:
            continue
        if not r.rows or np.any(r.prior <= 0):
            continue
        want = naive_p_e_given_h(m, target.id, lam, hyp)
        got = dict(zip(r.hypotheses, r.row("lik").probability))
        assert got == pytest.approx({h: float(x) for h, x in want.items()}, abs=1e-9)
        done += 1
    assert done >= 5


def test_hypotheses_over_another_descriptor(example):
    """Over `world` (exogenous) a likelihood item on it is direct and an indicator on the outcome is derived."""
    items = [
        item(
            "w",
            "2025-02-10",
            "A2",
            {"kind": "likelihood", "descriptor": "world", "likelihoods": {"growth": 0.3, "recession": 0.9}},
        ),
        indicator("i", "A1", (0.9, 0.45, 0.1)),
    ]
    r = ach(example, items, hypotheses="world", critical=False)
    assert r.hypotheses == ("growth", "recession")
    assert r.row("w").mode == "direct" and r.row("w").likelihood == pytest.approx([(1 / 3) ** 0.8, 1.0])
    # growth → integration only; recession → truce or rupture, split evenly: P(E | growth) = 1 (relative to 0.9),
    # P(E | recession) = ½ (0.5 + 0.1111) = 0.30556
    row = r.row("i")
    assert row.derived and row.mode == "condition"
    assert row.probability == pytest.approx([1.0, 0.5 * (0.5 + 0.1 / 0.9)])


# -- the flagship through the command line -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flagship_json():
    r = make_runner().invoke(app, ["ach", "-e", FLAGSHIP, "--json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_flagship_json_shape(flagship_json):
    doc = flagship_json
    assert doc["model"] == "iran-russia-pezeshkian" and doc["descriptor"] == "relationship"
    assert [h["id"] for h in doc["hypotheses"]] == ["strategic", "tactical", "pragmatic", "estrangement"]
    assert set(doc) >= {"items", "not_bearing", "background", "leading", "leading_posterior", "critical", "ratings"}
    row = doc["items"][0]
    assert set(row) >= {"id", "date", "title", "grade", "family", "cluster", "likelihood", "ratings", "diagnosticity"}
    assert any(x["derived"] for x in doc["items"]) and any(not x["derived"] for x in doc["items"])
    assert any(n["kind"] == "outside" for n in doc["not_bearing"])
    for x in doc["items"]:
        assert set(x["ratings"].values()) <= {"C", "I", "II", None}
        assert max(v for v in x["likelihood"].values() if v is not None) == pytest.approx(1.0)


def test_flagship_values_agree_with_the_evidence_layer(flagship_json):
    """The posterior is the replay's last 'model + indicators' at draws = 0; a direct row is the item's vector
    tempered by its grade (B1: w = 0.8); scores add up the ratings."""
    from scenarist.evidence import load_evidence
    from scenarist.evidence.replay import track

    model = load_model("iran-russia-pezeshkian")
    ev = load_evidence(FLAGSHIP, model)
    t = track(model, ev.items, draws=0)
    post = [h["posterior"] for h in flagship_json["hypotheses"]]
    assert post == pytest.approx(t.points[-1].indicators.conditional.tolist(), abs=1e-12)
    treaty = next(x for x in flagship_json["items"] if x["id"] == "ir-2025-01-17-treaty-signed")
    lik = next(i for i in ev.items if i.id == treaty["id"]).bearing.likelihoods
    top = max(lik.values())
    assert treaty["likelihood"] == pytest.approx({k: (v / top) ** 0.8 for k, v in lik.items()})
    assert treaty["grade"] == "B1" and treaty["cluster"] == "partnership-treaty"
    for h in flagship_json["hypotheses"]:
        total = sum(
            x["score_weight"] * {"C": 0, "I": 1, "II": 2}[x["ratings"][h["id"]]]
            for x in flagship_json["items"]
            if x["ratings"][h["id"]] is not None
        )
        assert h["score"] == pytest.approx(total)
    after = [i for i in ev.items if i.date > model.metadata.as_of]
    assert len(flagship_json["items"]) + len(flagship_json["not_bearing"]) == len(after)


def test_flagship_table_fits_80_columns():
    r = make_runner().invoke(app, ["ach", "-e", FLAGSHIP], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.stderr
    table = [line for line in r.stdout.splitlines() if any(c in line for c in "│┃━─")]
    assert table and max(len(line) for line in table) <= 80
    assert "ir-2025-01-17-treaty-terms" in r.stdout and "Inconsistency score" in r.stdout


def test_as_of_limits_the_evidence(flagship_json):
    r = make_runner().invoke(app, ["ach", "-e", FLAGSHIP, "--as-of", "2025-01-31", "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["until"] == "2025-01-31"
    assert all(x["date"] <= "2025-01-31" for x in doc["items"])
    assert 0 < len(doc["items"]) < len(flagship_json["items"])


# -- errors ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--hypotheses", "nope"], "--hypotheses: no descriptor 'nope'"),
        (["--as-of", "2020-01-01"], "before the model's as-of date 2024-11-10"),
        (["--as-of", "soon"], "--as-of: 'soon' is not a date"),
        (["--db", "x.db"], "give --evidence or --db, not both"),
    ],
)
def test_errors_are_one_line_and_exit_2(args, fragment):
    r = make_runner().invoke(app, ["ach", "-e", FLAGSHIP, *args])
    assert r.exit_code == 2 and r.stdout == ""
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_missing_store_and_missing_file(tmp_path):
    r = make_runner().invoke(app, ["ach", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 2 and "no such store" in r.stderr and not (tmp_path / "none.db").exists()
    r = make_runner().invoke(app, ["ach", "-e", str(tmp_path / "none.yaml")])
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_library_errors(example):
    with pytest.raises(UnknownNameError):
        ach(example, [], hypotheses="nope")
    with pytest.raises(OptionError, match="thresholds"):
        ach(example, [], thresholds=(0.1, 0.5))
    no_outcome = build_model([("e", ["a", "b"], True, None), ("d", ["x", "y"], False, None)], [("e.a", "d.x", 1)])
    with pytest.raises(OptionError, match="no outcome descriptor"):
        ach(no_outcome, [])


def test_to_frame_and_repr(hand):
    f = hand.to_frame()
    assert list(f.index) == ["e1", "e2", "e3", "e4"]
    assert f.loc["e4", "rupture_rating"] == "II" and f.loc["e2", "integration"] == pytest.approx(0.25)
    assert repr(hand).startswith("<AchResult model='example-trade'")
    assert hand.to_dict()["critical"]["score"][0]["id"] == "e2"
    assert dt.date(2025, 3, 1).isoformat() == hand.to_dict()["items"][0]["date"]


# -- the report ----------------------------------------------------------------------------------------------------


def test_track_report_has_the_ach_section(tmp_path):
    """`track --report` with evidence adds the ACH matrix after the evidence tracking; the analyze report has none."""
    import scenarist

    out = tmp_path / "track.html"
    r = make_runner().invoke(app, ["track", "-e", FLAGSHIP, "--draws", "0", "--report", str(out)])
    assert r.exit_code == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert html.index('id="sec-tracking"') < html.index('id="sec-ach"')
    assert '<a href="#sec-ach">ACH matrix</a>' in html
    section = html[html.index('id="sec-ach"') :]
    section = section[: section.index("</section>")]
    assert "ir-2025-01-17-treaty-terms" in section and "derived via treaty (conditioning)" in section
    assert '<td class="num r-II">0.00 II</td>' in section  # the treaty's terms rule a defence pact out
    assert "Inconsistency score" in section and "Posterior of the evidence layer" in section
    assert 'id="sec-ach"' not in scenarist.report(scenarist.analyze("example"))


@pytest.mark.slow  # a browser test, as the modules marked with browser.MARKS
def test_report_section_in_headless_chromium(tmp_path, page):
    """The section renders in Chromium: the matrix fits a 1400-pixel window without sideways scrolling, and the
    rated cells carry their colours (the screenshot is written beside the report for a look)."""
    import scenarist

    out = tmp_path / "track.html"
    scenarist.report(scenarist.track(evidence=FLAGSHIP, draws=0), path=out)
    page.goto(out.as_uri())
    section = page.locator("#sec-ach")
    assert section.is_visible()
    table = page.locator("#sec-ach table.ach")
    fits = table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    assert fits
    bad = page.locator("#sec-ach td.r-II").first
    assert bad.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(246, 201, 168)"
    section.screenshot(path=str(tmp_path / "ach-section.png"))
    assert (tmp_path / "ach-section.png").stat().st_size > 10_000
