"""The evidence as an Analysis of Competing Hypotheses (ACH) matrix: evidence × hypotheses.

Heuer's ACH (Heuer 1999, ch. 8) lays every item of evidence against every hypothesis at once, rates each cell as
consistent or inconsistent with it, and ranks the hypotheses by how much evidence is **inconsistent** with them (the
least inconsistent is the one best able to survive), instead of looking for evidence that confirms a favourite. The
evidence layer already holds such a matrix: an item's likelihood vector ``P(E | h)`` over the outcome's variants is
one row of it. This module builds the matrix over any descriptor's variants (the outcome by default) from the items
and the model, using the evidence layer's own rules (Admiralty tempering, clusters, families) and its own CIB passes.

Definitions (``docs/evidence.md``, "ACH view", gives the reasoning and a worked example):

- **Row** ``P(E | h)``. An item bearing on the hypotheses' descriptor gives its row directly: its likelihood vector
  tempered by its grade (:func:`~.grading.temper`), or for an observation or intervention 1 on the variant held and 0
  elsewhere. An item bearing on another descriptor gets its row **derived** through the model as of its date (the
  stated matrix, the model's priors): ``P(E | h) = P(h | E) · P(E) / P(h)``, with ``P(h | E)`` what the evidence layer
  makes of this item alone. For a likelihood vector or an observation of a state the drivers produce (seeing), that is
  ``Σ_x P(x) Σ_v c(v | x) λ(v) c'(h | x, v) / Σ_x P(x) c(h | x)`` (``docs/method.md`` §10); for an intervention, and an
  observation of an exogenous descriptor, which the replay fixes (doing), the row is ``P(h | do(d = v)) / P(h)``,
  which for a descriptor nothing in the model impacts is ``P(d = v | h) / P(d = v)`` (Bayes' rule; fixing a
  descriptor without causes and conditioning on it agree). Rows are shown relative to their largest entry (only
  ratios matter). Probabilities here are conditional on consistency: the none bin is not a hypothesis.
- **Rating** of a cell from ``r = P(E | h) / max_h' P(E | h')``: consistent (C) when ``r ≥ 10^(-1/2)``, inconsistent
  (I) when ``10^(-1) ≤ r < 10^(-1/2)``, very inconsistent (II) when ``r < 10^(-1)``. The bounds are Jeffreys' (1961)
  grades of evidence: a likelihood ratio against ``h`` below √10 is "not worth more than a bare mention", 10 and more
  is "strong".
- **Diagnosticity** of an item: ``max_h P(E | h) / min_h P(E | h)``, the largest likelihood ratio the item offers
  between two hypotheses (1: no diagnostic value; infinite when it rules a hypothesis out). Its base-10 logarithm is
  Good's weight of evidence in bans (Good 1950).
- **Inconsistency score** of a hypothesis (Heuer's): ``Σ_i a_i · points(rating_ij)`` with I = 1 and II = 2 points;
  ``a_i`` = 1 for an item that counts in the evidence layer (one per cluster, dated after the model's as-of date),
  and within a family ``ρ`` for every item but the strongest (``docs/evidence.md`` §3), 0 for a superseded report.
  The **weighted score** multiplies each term by the item's Admiralty weight ``w`` as well. The **leading**
  hypotheses have the least score (ties broken by the weighted score).
- **Critical items**: those whose removal from the evidence (clusters and families recomputed) changes the leading
  hypotheses by score; and, separately, those whose removal changes the hypothesis with the highest posterior of the
  evidence layer.

References
----------
Heuer, R. J. (1999). Psychology of Intelligence Analysis, ch. 8 (Analysis of Competing Hypotheses). CIA Center for the
Study of Intelligence.
Heuer, R. J. and Pherson, R. H. (2011). Structured Analytic Techniques for Intelligence Analysis. CQ Press (ACH's
inconsistency score and credibility weighting).
Jeffreys, H. (1961). Theory of Probability, 3rd ed., Appendix B (grades of evidence by Bayes factor). Oxford.
Good, I. J. (1950). Probability and the Weighing of Evidence. Griffin (weight of evidence, log likelihood ratio).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import ModelError, OptionError, Problem, UnknownNameError
from ..model import Model
from ..results import Result
from .bayes import _rank, apply_indicator, evidence_state, family_rho, item_weight
from .grading import temper
from .items import EvidenceFile, EvidenceItem, check_evidence

#: Rating bounds on ``r = P(E | h) / max P(E | ·)``: C at or above the first, I down to the second, II below it.
#: Jeffreys' (1961) grades: a ratio under √10 is barely worth mentioning, 10 and more is strong evidence.
THRESHOLDS: tuple[float, float] = (10**-0.5, 0.1)
#: Heuer's rating labels and the inconsistency points each adds to a hypothesis's score.
RATINGS: tuple[str, str, str] = ("C", "I", "II")
POINTS: dict[str, int] = {"C": 0, "I": 1, "II": 2}
RATING_WORDS: dict[str, str] = {"C": "consistent", "I": "inconsistent", "II": "very inconsistent"}
#: Scores or posteriors closer than this count as tied.
TIE = 1e-9


def rate(relative: float, thresholds: tuple[float, float] = THRESHOLDS) -> str | None:
    """Heuer's rating of one cell from its likelihood relative to the row's largest entry.

    Parameters
    ----------
    relative : float in [0, 1], or NaN
        ``P(E | h) / max_h' P(E | h')``.
    thresholds : (high, low), 0 < low < high ≤ 1
        C when ``relative ≥ high``, I when ``low ≤ relative < high``, II below ``low``.

    Returns
    -------
    "C", "I", "II", or None for NaN (the cell is undefined: the hypothesis has probability 0 in the model).

    Examples
    --------
    >>> rate(1.0), rate(0.3), rate(0.05)
    ('C', 'I', 'II')
    """
    if relative is None or math.isnan(relative):
        return None
    high, low = thresholds
    if relative >= high:
        return "C"
    if relative >= low:
        return "I"
    return "II"


def diagnosticity(row: Sequence[float]) -> float:
    """An item's diagnosticity: ``max / min`` of its row ``P(E | h)`` over the hypotheses where it is defined.

    1 means the item cannot tell the hypotheses apart; ``inf`` that it rules one out (a zero entry); NaN when fewer
    than two entries are defined. ``log10`` of it is the weight of evidence in bans (Good 1950).

    Examples
    --------
    >>> diagnosticity([1.0, 0.25, 0.5])
    4.0
    """
    a = np.asarray(row, dtype=np.float64)
    a = a[~np.isnan(a)]
    if len(a) < 2 or a.max() <= 0:
        return float("nan")
    return float("inf") if a.min() <= 0 else float(a.max() / a.min())


@dataclass(frozen=True)
class AchRow:
    """One item of evidence as a row of the ACH matrix.

    Attributes
    ----------
    id, title, grade, status, kind : str
        The item's id, title, Admiralty grade (``"B2"``), status and bearing kind.
    date : datetime.date
    descriptor : str
        The descriptor the item bears on (the outcome for an indicator).
    weight : float in [0, 1]
        The Admiralty tempering weight ``w`` of its grade.
    family, cluster : str or None
    derived : bool
        True when the row is derived through the model (the item bears on another descriptor than the hypotheses').
    mode : {"direct", "condition", "fix"}
        How the row was obtained: the item's own tempered vector; conditioning the model on the item (seeing); or
        fixing its descriptor (doing).
    likelihood : (k,) float64
        ``P(E | h)`` relative to the row's largest entry (max 1; NaN where undefined).
    probability : (k,) float64 or None
        For rows derived by conditioning, ``P(E | h)`` itself under the model as of its date.
    ratings : tuple of str or None
        Heuer's rating of each cell (:func:`rate`).
    diagnosticity : float
        ``max / min`` of the row (:func:`diagnosticity`).
    score_weight : float
        ``a_i``: what the item counts for in the inconsistency scores (1; ρ for a family's weaker items; 0 for a
        report its cluster's better item supersedes).
    influence : float or None
        How far the evidence layer's posterior over the hypotheses moves when this item alone is removed: the total
        variation distance ``½ Σ_h |P(h | all) − P(h | all but this item)|`` (None when not computed).
    """

    id: str
    date: dt.date
    title: str
    grade: str
    weight: float
    status: str
    kind: str
    descriptor: str
    family: str | None
    cluster: str | None
    derived: bool
    mode: str
    likelihood: np.ndarray
    probability: np.ndarray | None
    ratings: tuple[str | None, ...]
    diagnosticity: float
    score_weight: float = 1.0
    influence: float | None = None

    def to_dict(self, hypotheses: Sequence[str]) -> dict:
        """JSON-safe dict keyed by hypothesis id (an infinite diagnosticity is ``null`` with ``rules_out: true``)."""
        d = self.diagnosticity
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "title": self.title,
            "grade": self.grade,
            "weight": self.weight,
            "status": self.status,
            "kind": self.kind,
            "descriptor": self.descriptor,
            "family": self.family,
            "cluster": self.cluster,
            "derived": self.derived,
            "mode": self.mode,
            "likelihood": {h: _f(x) for h, x in zip(hypotheses, self.likelihood)},
            "probability": None
            if self.probability is None
            else {h: _f(x) for h, x in zip(hypotheses, self.probability)},
            "ratings": dict(zip(hypotheses, self.ratings)),
            "diagnosticity": None if math.isinf(d) or math.isnan(d) else d,
            "weight_of_evidence_bans": None if math.isinf(d) or math.isnan(d) else math.log10(d),
            "rules_out": math.isinf(d),
            "score_weight": self.score_weight,
            "influence": _f(self.influence) if self.influence is not None else None,
        }


@dataclass(frozen=True)
class NotBearing:
    """An item that gives no row: ``outside`` the model, or one the model as of its date cannot weigh (``reason``)."""

    id: str
    date: dt.date
    title: str
    kind: str
    descriptor: str | None
    reason: str

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "title": self.title,
            "kind": self.kind,
            "descriptor": self.descriptor,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Critical:
    """An item whose removal changes the leading hypotheses (``leading_without`` is the leader without it)."""

    id: str
    title: str
    leading_without: tuple[str, ...]

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {"id": self.id, "title": self.title, "leading_without": list(self.leading_without)}


@dataclass(frozen=True, repr=False)
class AchResult(Result):
    """Result of :func:`ach`: the evidence × hypotheses matrix, Heuer's scores and the evidence layer's posterior.

    Attributes
    ----------
    model_id, descriptor : str
        The model and the descriptor whose variants are the hypotheses.
    hypotheses, hypothesis_names : tuple of str
        The variants, model order (k of them).
    as_of : datetime.date or None
        The model's as-of date (items on or before it are background).
    until : datetime.date or None
        The last date of evidence taken (None: all).
    thresholds : (float, float)
        The rating bounds (:data:`THRESHOLDS`).
    rows : tuple of AchRow
        The items that bear, by date then id.
    not_bearing : tuple of NotBearing
    background : tuple of str
        Ids of the items on or before the as-of date (already inside the model: not rows).
    scores, weighted_scores : (k,) float64
        Heuer's inconsistency score and the grade-weighted one.
    prior : (k,) float64
        ``P(h)`` of the model as of its date (stated matrix, conditional on consistency).
    posterior : (k,) float64
        ``P(h | evidence)`` of the evidence layer at ``until`` (stated matrix, after the indicators; conditional on
        consistency; NaN when the observations contradict the model).
    none : float
        The posterior's none bin.
    leading, leading_posterior : tuple of str
        Least inconsistent hypotheses (by score, then weighted score); highest posterior.
    critical_score, critical_posterior : tuple of Critical
        Items whose removal changes ``leading`` and ``leading_posterior`` respectively.
    notes : tuple of str
    model : Model or None
    """

    model_id: str
    descriptor: str
    hypotheses: tuple[str, ...]
    hypothesis_names: tuple[str, ...]
    as_of: dt.date | None
    until: dt.date | None
    thresholds: tuple[float, float]
    rows: tuple[AchRow, ...]
    not_bearing: tuple[NotBearing, ...]
    background: tuple[str, ...]
    scores: np.ndarray
    weighted_scores: np.ndarray
    prior: np.ndarray
    posterior: np.ndarray
    none: float
    leading: tuple[str, ...]
    leading_posterior: tuple[str, ...]
    critical_score: tuple[Critical, ...] = ()
    critical_posterior: tuple[Critical, ...] = ()
    notes: tuple[str, ...] = ()
    model: Any = field(default=None, compare=False)

    def _summary(self) -> dict:
        return {
            "model": self.model_id,
            "hypotheses": self.descriptor,
            "items": len(self.rows),
            "leading": ", ".join(self.leading),
        }

    def row(self, item_id: str) -> AchRow:
        """The row of this item. Raises ``KeyError`` when it gives none."""
        for r in self.rows:
            if r.id == item_id:
                return r
        raise KeyError(item_id)

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist ach --json`` prints)."""
        hs = self.hypotheses
        high, low = self.thresholds
        return {
            "model": self.model_id,
            "descriptor": self.descriptor,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "until": self.until.isoformat() if self.until else None,
            "hypotheses": [
                {
                    "id": h,
                    "name": n,
                    "score": float(self.scores[i]),
                    "weighted_score": float(self.weighted_scores[i]),
                    "prior": _f(self.prior[i]),
                    "posterior": _f(self.posterior[i]),
                }
                for i, (h, n) in enumerate(zip(hs, self.hypothesis_names))
            ],
            "ratings": {
                "C": f"consistent: P(E|h) / max P(E|·) >= {high:.4g}",
                "I": f"inconsistent: {low:.4g} <= ratio < {high:.4g}",
                "II": f"very inconsistent: ratio < {low:.4g}",
                "points": POINTS,
            },
            "thresholds": [high, low],
            "diagnosticity": "max_h P(E|h) / min_h P(E|h) of the row (null when a hypothesis is ruled out)",
            "items": [r.to_dict(hs) for r in self.rows],
            "not_bearing": [n.to_dict() for n in self.not_bearing],
            "background": list(self.background),
            "leading": list(self.leading),
            "leading_posterior": list(self.leading_posterior),
            "none": float(self.none),
            "critical": {
                "score": [c.to_dict() for c in self.critical_score],
                "posterior": [c.to_dict() for c in self.critical_posterior],
            },
            "notes": list(self.notes),
        }

    def to_frame(self):
        """pandas DataFrame: one row per item (index ``id``) with its facts, ``P(E|h)`` (relative) per hypothesis as
        column ``h`` and the rating as ``h_rating``."""
        import pandas as pd

        out = []
        for r in self.rows:
            row = {
                "id": r.id,
                "date": r.date,
                "title": r.title,
                "grade": r.grade,
                "family": r.family,
                "cluster": r.cluster,
                "derived": r.derived,
                "diagnosticity": r.diagnosticity,
                "score_weight": r.score_weight,
            }
            for i, h in enumerate(self.hypotheses):
                row[h] = float(r.likelihood[i])
                row[f"{h}_rating"] = r.ratings[i]
            out.append(row)
        return pd.DataFrame(out).set_index("id") if out else pd.DataFrame(out)


def _f(x: float) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else float(x)


# -- the evidence layer's posterior over any descriptor ---------------------------------------------------------


class _Posterior:
    """The evidence layer's distribution over one descriptor after a set of items (stated matrix), cached by state.

    Mirrors the replay (:func:`scenarist.evidence.replay.track` at ``draws=0``): updated priors and interventions, the
    observations and virtual evidence conditioned inside each combination, then the indicators last. For another
    descriptor than the outcome, the indicators enter as virtual evidence on the outcome (``docs/method.md`` §10).
    """

    def __init__(self, model: Model, descriptor: str):
        self.model = model
        self.descriptor = descriptor
        self.cache: dict[tuple, tuple[np.ndarray, float, bool]] = {}

    def __call__(self, items: Sequence[EvidenceItem], until: dt.date | None) -> tuple[np.ndarray, float, bool]:
        """(P(h) conditional on consistency, none, contradicted) after ``items`` up to ``until``."""
        st = evidence_state(self.model, items, until=until) if items else evidence_state(self.model, [], None)
        ind = None if st.indicator is None else tuple(sorted(st.indicator.items()))
        key = (st.key(), ind)
        if key not in self.cache:
            self.cache[key] = self._compute(st)
        return self.cache[key]

    def _compute(self, st) -> tuple[np.ndarray, float, bool]:
        from ..probability import outcome_distribution

        model, h = self.model, self.descriptor
        outcome = model.outcome.id if model.outcome is not None else None
        findings = list(st.findings)
        lik = None
        if st.indicator is not None:
            if h == outcome:
                lik = np.array([st.indicator[v.id] for v in model.outcome.variants])
            else:
                findings.append((outcome, dict(st.indicator), False, "indicators"))
        if findings:
            od = _observed(model, findings, st.fixed)
            rows, bad = od.rows(st.priors)
            if bad[0]:
                k = len(model.descriptor(h).variants)
                return np.full(k, np.nan), float(rows[0, -1]), True
            c = od.setup.compiled
            d = c.descriptor_index(h)
            p = rows[0, int(c.offsets[d]) : int(c.offsets[d + 1])]
            none = float(rows[0, -1])
        else:
            dist = outcome_distribution(model, priors=st.priors, fixed=st.fixed, draws=0, outcome=outcome or h)
            p = dist.marginal(h).stated
            none = float(dist.none.stated)
        if lik is not None:
            p, none = apply_indicator(p, none, lik)
        mass = float(np.sum(p))
        cond = np.asarray(p, dtype=np.float64) / mass if mass > 0 else np.full(len(p), np.nan)
        return cond, none, False


def _observed(model: Model, findings: list, fixed: dict | None):
    """:func:`scenarist.probability.observation.observed_draws` on the stated matrix, its refusals as OptionError
    (e.g. too many exogenous combinations to enumerate, which conditioning on a state needs)."""
    from ..probability.observation import observed_draws

    try:
        return observed_draws(model, findings, fixed, 0, None)
    except ValueError as exc:
        raise OptionError(f"the ACH matrix cannot weigh this evidence through the model: {exc}") from None


# -- rows ----------------------------------------------------------------------------------------------------


def _one_hot(ids: Sequence[str], v: str) -> np.ndarray:
    return np.array([1.0 if u == v else 0.0 for u in ids])


def _derived_row(
    model: Model, item: EvidenceItem, hyp: str, prior: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray | None] | str:
    """``(mode, P(E|h) relative, P(E|h) absolute or None)`` of an item on another descriptor, or a reason it has none."""
    from ..probability import outcome_distribution
    from ..probability.observation import combination_weights

    b = item.bearing
    outcome = model.outcome.id if model.outcome is not None else None
    target = b.descriptor if b.kind != "indicator" else outcome
    desc = model.descriptor(target)
    ids = [v.id for v in desc.variants]
    if b.kind == "intervention" or (b.kind == "observation" and desc.exogenous):
        dist = outcome_distribution(model, fixed={target: b.variant}, draws=0, outcome=hyp)
        m = dist.marginal(hyp)
        if float(dist.none.stated) >= 1.0 - 1e-12:
            return f"fixing {target} = {b.variant} leaves the model as of its date no consistent scenario"
        post = m.stated / m.stated.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(prior > 0, post / np.where(prior > 0, prior, 1.0), np.nan)
        return "fix", ratio, None
    if b.kind == "observation":
        lam = {v: float(x) for v, x in zip(ids, _one_hot(ids, b.variant))}
        hard = True
    else:
        lam = {v: float(x) for v, x in zip(ids, temper([b.likelihoods[v] for v in ids], item_weight(item)))}
        hard = False
    od = _observed(model, [(target, lam, hard, item.id)], None)
    rows, bad = od.rows(None)
    if bad[0]:
        return f"no consistent scenario of the model as of its date holds {target} = {b.variant}"
    c = od.setup.compiled
    d = c.descriptor_index(hyp)
    post = rows[0, int(c.offsets[d]) : int(c.offsets[d + 1])]
    post = post / post.sum()
    cond = od.conds[0]
    w = combination_weights(od.setup.spec, cond.tags)
    p_e = float(np.dot(w, cond.mass) / w.sum())  # P(E | some consistent scenario)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(prior > 0, post * p_e / np.where(prior > 0, prior, 1.0), np.nan)
    return "condition", p, p


def _relative(p: np.ndarray) -> np.ndarray:
    top = np.nanmax(p) if np.any(~np.isnan(p)) else np.nan
    if not top > 0:
        return np.full(len(p), np.nan)
    return p / top


# -- scores ----------------------------------------------------------------------------------------------------


def score_weights(model: Model, items: Sequence[EvidenceItem], until: dt.date | None) -> dict[str, float]:
    """What each item counts for in the inconsistency scores, ``a_i``, from the evidence layer's own rules.

    An item counts when the replay counts it at ``until`` (after the as-of date, the best of its cluster,
    :func:`~.bayes.counted_items`). Among the likelihood-type items of one family, identical bearings collapse to the
    best-graded copy, the strongest item counts 1 and the others ``ρ`` (the family's, 0 when unstated), as in
    :func:`~.bayes.evidence_state`. Items not named in the result count 0.

    Returns
    -------
    dict item id → float in [0, 1]
    """
    st = evidence_state(model, items, until=until)
    counted = set(st.counted)
    rhos = family_rho(model)
    out: dict[str, float] = {}
    fam: dict[str, list[EvidenceItem]] = {}
    for it in items:
        if it.id not in counted:
            continue
        if it.bearing.kind in ("likelihood", "indicator") and it.family is not None:
            fam.setdefault(it.family, []).append(it)
        else:
            out[it.id] = 1.0
    for f, members in fam.items():
        info = st.families.get(f)
        if info is not None:
            distinct, strongest = set(info["items"]), info["strongest"]
        else:
            strongest = min(members, key=_rank).id
            distinct = {strongest}
        for it in members:
            out[it.id] = 1.0 if it.id == strongest else (rhos.get(f, 0.0) if it.id in distinct else 0.0)
    return out


def _scores(rows: Sequence[AchRow], weights: dict[str, float], k: int) -> tuple[np.ndarray, np.ndarray]:
    s = np.zeros(k)
    ws = np.zeros(k)
    for r in rows:
        a = weights.get(r.id, 0.0)
        if a == 0:
            continue
        for j, rating in enumerate(r.ratings):
            if rating is not None:
                s[j] += a * POINTS[rating]
                ws[j] += a * r.weight * POINTS[rating]
    return s, ws


def _least(s: np.ndarray, ws: np.ndarray, hyps: Sequence[str]) -> tuple[str, ...]:
    best = float(np.min(s))
    tied = [j for j in range(len(s)) if s[j] <= best + TIE]
    wbest = min(ws[j] for j in tied)
    return tuple(hyps[j] for j in tied if ws[j] <= wbest + TIE)


def _most(p: np.ndarray, hyps: Sequence[str]) -> tuple[str, ...]:
    if np.all(np.isnan(p)):
        return ()
    top = float(np.nanmax(p))
    return tuple(h for h, x in zip(hyps, p) if not math.isnan(x) and x >= top - TIE)


# -- the matrix ------------------------------------------------------------------------------------------------


def _check(model: Model, items: list[EvidenceItem], source: str) -> None:
    problems = check_evidence(EvidenceFile(items=tuple(items)), model)
    if problems:
        raise ModelError(
            [
                Problem(
                    source,
                    None,
                    f"item {items[p[1]].id!r}" + ("." + ".".join(map(str, p[2:])) if len(p) > 2 else ""),
                    m,
                )
                if p[0] == "items"
                else Problem(source, None, ".".join(map(str, p)), m)
                for p, m in problems
            ]
        )


def ach(
    model: Model,
    evidence: Iterable[EvidenceItem] | EvidenceFile,
    *,
    hypotheses: str | None = None,
    as_of: dt.date | None = None,
    thresholds: tuple[float, float] = THRESHOLDS,
    critical: bool = True,
    source: str = "<evidence>",
) -> AchResult:
    """The evidence as an ACH matrix over the variants of one descriptor, with Heuer's scores and critical items.

    Parameters
    ----------
    model : Model
        A validated model; the evidence is checked against it.
    evidence : iterable of EvidenceItem, or EvidenceFile
    hypotheses : str, optional
        The descriptor whose variants are the competing hypotheses (default: the model's outcome).
    as_of : date, optional
        Take the evidence dated on or before it (default: all). Items on or before the model's own as-of date are
        background and give no row.
    thresholds : (high, low)
        Rating bounds on the relative likelihood (default :data:`THRESHOLDS`, Jeffreys' grades); 0 < low < high ≤ 1.
    critical : bool
        Look for critical items and each item's influence (one more scoring and one more CIB pass per item; False
        skips them).
    source : str
        Where the items come from, named in error messages.

    Returns
    -------
    AchResult

    Raises
    ------
    OptionError
        No outcome and no ``hypotheses``; bad thresholds; ``as_of`` before the model's as-of date.
    UnknownNameError
        ``hypotheses`` names no descriptor of the model.
    ModelError
        Evidence that does not fit the model.
    """
    items = list(evidence.items if isinstance(evidence, EvidenceFile) else evidence)
    items.sort(key=lambda it: (it.date, it.id))
    outcome = model.outcome
    if hypotheses is None:
        if outcome is None:
            ids = ", ".join(d.id for d in model.descriptors)
            raise OptionError(
                f"model {model.metadata.id!r} has no outcome descriptor; name the descriptor whose variants are the "
                f"hypotheses with --hypotheses (one of: {ids})"
            )
        hypotheses = outcome.id
    try:
        hdesc = model.descriptor(hypotheses)
    except KeyError:
        ids = ", ".join(d.id for d in model.descriptors)
        raise UnknownNameError(f"--hypotheses: no descriptor {hypotheses!r} (descriptors: {ids})") from None
    high, low = (float(t) for t in thresholds)
    if not (0.0 < low < high <= 1.0):
        raise OptionError(f"thresholds must satisfy 0 < low < high <= 1, got {thresholds}")
    model_as_of = model.metadata.as_of
    if as_of is not None and model_as_of is not None and as_of < model_as_of:
        raise OptionError(f"--as-of {as_of} is before the model's as-of date {model_as_of}: no evidence counts then")
    _check(model, items, source)
    if outcome is None:
        raise OptionError(f"model {model.metadata.id!r} has no outcome descriptor: the evidence layer needs one")
    hyps = tuple(v.id for v in hdesc.variants)
    k = len(hyps)
    notes: list[str] = []
    if model_as_of is None:
        notes.append("the model states no as-of date: every item counts as evidence")
    taken = [it for it in items if as_of is None or it.date <= as_of]
    background = tuple(it.id for it in taken if model_as_of is not None and it.date <= model_as_of)
    after = [it for it in taken if model_as_of is None or it.date > model_as_of]
    posterior_of = _Posterior(model, hypotheses)
    prior, _, _ = posterior_of([], None)
    if np.any(prior <= 0):
        zero = ", ".join(h for h, p in zip(hyps, prior) if not p > 0)
        notes.append(
            f"{zero}: probability 0 in the model as of its date, so P(E | h) derived through the model is undefined "
            "there (no rating)"
        )
    rows: list[AchRow] = []
    not_bearing: list[NotBearing] = []
    for it in after:
        b = it.bearing
        target = b.descriptor if b.kind != "indicator" else outcome.id
        if b.kind == "outside":
            not_bearing.append(NotBearing(it.id, it.date, it.title, b.kind, target, f"outside the model: {b.what}"))
            continue
        probability = None
        if target == hypotheses:
            mode = "direct"
            if b.kind in ("observation", "intervention"):
                lik = _one_hot(hyps, b.variant)
            else:
                lik = temper([b.likelihoods[h] for h in hyps], item_weight(it))
        else:
            got = _derived_row(model, it, hypotheses, prior)
            if isinstance(got, str):
                not_bearing.append(NotBearing(it.id, it.date, it.title, b.kind, target, got))
                continue
            mode, raw, probability = got
            lik = _relative(raw)
            if np.all(np.isnan(lik)):
                reason = f"the model as of its date gives it probability 0 under every {hypotheses} variant"
                not_bearing.append(NotBearing(it.id, it.date, it.title, b.kind, target, reason))
                continue
        ratings = tuple(rate(float(x), (high, low)) for x in lik)
        rows.append(
            AchRow(
                id=it.id,
                date=it.date,
                title=it.title,
                grade=str(it.grade),
                weight=item_weight(it),
                status=it.status,
                kind=b.kind,
                descriptor=target,
                family=it.family,
                cluster=it.cluster,
                derived=mode != "direct",
                mode=mode,
                likelihood=np.asarray(lik, dtype=np.float64),
                probability=probability,
                ratings=ratings,
                diagnosticity=diagnosticity(lik),
            )
        )
    weights = score_weights(model, after, as_of)
    rows = [replace(r, score_weight=weights.get(r.id, 0.0)) for r in rows]
    scores, wscores = _scores(rows, weights, k)
    leading = _least(scores, wscores, hyps)
    post, none, contradicted = posterior_of(after, as_of)
    if contradicted:
        notes.append("the observations contradict the model at the last date: the posterior is undefined")
    leading_post = _most(post, hyps)
    crit_s: list[Critical] = []
    crit_p: list[Critical] = []
    influence: dict[str, float] = {}
    if critical:
        for it in after:
            if it.bearing.kind == "outside":
                continue
            rest = [x for x in after if x.id != it.id]
            s2, w2 = _scores(rows, score_weights(model, rest, as_of), k)
            lead2 = _least(s2, w2, hyps)
            if lead2 != leading:
                crit_s.append(Critical(it.id, it.title, lead2))
            p2, _, _ = posterior_of(rest, as_of)
            influence[it.id] = float(0.5 * np.nansum(np.abs(p2 - post)))
            lead_p2 = _most(p2, hyps)
            if lead_p2 != leading_post:
                crit_p.append(Critical(it.id, it.title, lead_p2))
    rows = [replace(r, influence=influence.get(r.id)) for r in rows]
    return AchResult(
        model_id=model.metadata.id,
        descriptor=hypotheses,
        hypotheses=hyps,
        hypothesis_names=tuple(v.name for v in hdesc.variants),
        as_of=model_as_of,
        until=as_of,
        thresholds=(high, low),
        rows=tuple(rows),
        not_bearing=tuple(not_bearing),
        background=background,
        scores=scores,
        weighted_scores=wscores,
        prior=prior,
        posterior=post,
        none=float(none),
        leading=leading,
        leading_posterior=leading_post,
        critical_score=tuple(crit_s),
        critical_posterior=tuple(crit_p),
        notes=tuple(notes),
    )


__all__ = [
    "POINTS",
    "RATINGS",
    "RATING_WORDS",
    "THRESHOLDS",
    "AchResult",
    "AchRow",
    "Critical",
    "NotBearing",
    "ach",
    "diagnosticity",
    "rate",
    "score_weights",
]
