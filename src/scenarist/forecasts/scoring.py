"""Forecasts and their scores (no storage): dated probability forecasts over an outcome's variants, their resolution, and scores.

A **forecast** is a probability vector over the variants of a model's outcome, made on a date, with a horizon and
written resolution criteria, by a named forecaster (``model``, ``article``, an analyst). The ledger
(:mod:`scenarist.forecasts.ledger`) keeps it in the evidence store. Resolving it records the variant that happened, the day it
was judged, and the evidence items that show it. Scores:

- **Brier score** (multi-category, as Brier defined it): ``BS = Σ_k (p_k − o_k)²`` with ``o_k`` = 1 for the variant
  that happened and 0 otherwise; 0 is perfect, 2 is the worst, and an even spread over k variants scores
  ``1 − 1/k``.
- **Log score** (ignorance, in nats): ``−ln p_o`` of the variant that happened; 0 is perfect, lower is better,
  infinite when the forecast gave it probability 0 (reported as ``null`` in JSON, ``inf`` in tables).
- **Calibration table**: every (forecast, variant) pair of the resolved forecasts is binned by its probability
  (ten bins of width 0.1); per bin, the number of pairs, the mean forecast and the share that happened.

One resolved forecast is one data point: a score says little until many forecasts are resolved.

References
----------
Brier, G. W. (1950). Verification of forecasts expressed in terms of probability. Monthly Weather Review 78(1),
1–3. https://doi.org/10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2
Good, I. J. (1952). Rational decisions. Journal of the Royal Statistical Society B 14(1), 107–114.
https://doi.org/10.1111/j.2517-6161.1952.tb00104.x (the logarithmic scoring rule)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import OptionError, UnknownNameError
from ..evidence.items import ID_PATTERN, ID_RULE
from ..model import Model
from ..results import Result

#: How far a forecast's probabilities may be from summing to 1 before it is refused (then renormalised).
SUM_TOLERANCE = 1e-6
#: Edges of the calibration bins (the last bin includes 1.0).
CALIBRATION_BINS = tuple(np.round(np.linspace(0.0, 1.0, 11), 10))


#: Resolution states: ``resolved`` names the variant that happened; ``annulled`` (the question lapsed or its premise
#: failed) and ``ambiguous`` (the criteria cannot tell) are scored as nothing and shown as such.
RESOLUTION_STATES = ("resolved", "annulled", "ambiguous")


@dataclass(frozen=True)
class Resolution:
    """What happened: the variant (None when annulled or ambiguous), the day it was judged, the evidence items
    showing it, a note, the state, who judged it (``resolver``) and the source they relied on."""

    outcome: str | None
    resolved_on: dt.date
    evidence: tuple[str, ...] = ()
    note: str | None = None
    state: str = "resolved"
    resolver: str | None = None
    source: str | None = None

    @property
    def scored(self) -> bool:
        """True when the resolution names a variant (annulled and ambiguous ones are scored as nothing)."""
        return self.state == "resolved"

    def to_dict(self) -> dict:
        """JSON-safe dict: state, outcome variant (None unless resolved), day of the judgment, evidence, note,
        resolver and source."""
        return {
            "state": self.state,
            "outcome": self.outcome,
            "resolved_on": self.resolved_on.isoformat(),
            "evidence": list(self.evidence),
            "note": self.note,
            "resolver": self.resolver,
            "source": self.source,
        }


@dataclass(frozen=True)
class Forecast:
    """A dated probability forecast over the variants of a model's outcome.

    Attributes
    ----------
    id : str
    model_id, outcome : str
        The model (``metadata.id``) and its outcome descriptor.
    forecaster : str
        Who made it (``model``, ``article``, an analyst's name).
    made_on, horizon : datetime.date
        When it was made, and the date by which it should be judged.
    variants : tuple of str
        The outcome's variant ids, in model order.
    probabilities : tuple of float
        One per variant, each in [0, 1], summing to 1.
    criteria : str
        Written resolution criteria: what observation settles which variant.
    note : str or None
    resolution : Resolution or None
    """

    id: str
    model_id: str
    outcome: str
    forecaster: str
    made_on: dt.date
    horizon: dt.date
    variants: tuple[str, ...]
    probabilities: tuple[float, ...]
    criteria: str
    note: str | None = None
    resolution: Resolution | None = field(default=None, compare=False)
    #: Why this is a retrodiction (a forecast "as of" a date made after the events it is scored on), else None.
    retrodiction: str | None = None
    #: How it was made: project version and commit, the model's digest, the method settings (not compared).
    provenance: dict | None = field(default=None, compare=False)

    def probability(self, variant: str) -> float:
        """The forecast probability of one variant. Raises :class:`UnknownNameError` for an unknown variant."""
        try:
            return self.probabilities[self.variants.index(variant)]
        except ValueError:
            raise UnknownNameError(
                f"forecast {self.id!r}: unknown variant {variant!r} (known: {', '.join(self.variants)})"
            ) from None

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "id": self.id,
            "model": self.model_id,
            "outcome": self.outcome,
            "forecaster": self.forecaster,
            "made_on": self.made_on.isoformat(),
            "horizon": self.horizon.isoformat(),
            "probabilities": dict(zip(self.variants, self.probabilities)),
            "criteria": self.criteria,
            "note": self.note,
            "retrodiction": self.retrodiction,
            "provenance": self.provenance,
            "resolution": None if self.resolution is None else self.resolution.to_dict(),
        }


def no_outcome_message(model: Model) -> str:
    """What to tell a user who forecasts with a model that has no outcome descriptor: what to change."""
    return (
        f"model {model.metadata.id!r} has no outcome descriptor, and a forecast is over the outcome's variants: "
        "in the model file, give the descriptor to forecast `role: outcome` (or name it in `assessments.outcome`), "
        "or choose another model with --model"
    )


def make_forecast(
    forecast_id: str,
    model: Model,
    probabilities: Mapping[str, float],
    made_on: dt.date,
    horizon: dt.date,
    criteria: str,
    forecaster: str = "analyst",
    note: str | None = None,
    *,
    descriptor: str | None = None,
    retrodiction: str | None = None,
    provenance: dict | None = None,
) -> Forecast:
    """Build and check a forecast over ``model``'s outcome, or over the variants of ``descriptor`` when given
    (any descriptor of the model can be the question).

    Raises
    ------
    OptionError
        No outcome, probabilities out of [0, 1] or not summing to 1 (within 1e-6), horizon before the date, a
        date or horizon outside ``checks.EARLIEST_DATE``..``LATEST_DATE``,
        empty criteria, an empty id or one that breaks the id rule of evidence ids (letters, digits and
        ``. _ : -``, starting with a letter or digit; no spaces).
    UnknownNameError
        A variant that the outcome does not have, or a variant left out.
    """
    from ..checks import check_date

    if descriptor is not None:
        found = [d for d in model.descriptors if d.id == descriptor]
        if not found:
            known = ", ".join(d.id for d in model.descriptors)
            raise UnknownNameError(f"model {model.metadata.id!r} has no descriptor {descriptor!r} (known: {known})")
        outcome = found[0]
    else:
        outcome = model.outcome
    if outcome is None:
        raise OptionError(no_outcome_message(model))
    check_date(made_on, "forecast date")
    check_date(horizon, "horizon")
    if not forecast_id or not forecast_id.strip():
        raise OptionError("a forecast needs an id")
    if not ID_PATTERN.match(forecast_id.strip()):
        # the same rule as evidence ids, so ids can be typed, listed and cited alike
        raise OptionError(f"forecast id {forecast_id.strip()!r} is not a valid id ({ID_RULE})")
    ids = tuple(v.id for v in outcome.variants)
    for v in probabilities:
        if v not in ids:
            raise UnknownNameError(f"unknown variant {v!r} of outcome {outcome.id!r} (known: {', '.join(ids)})")
    missing = [v for v in ids if v not in probabilities]
    if missing:
        raise UnknownNameError(f"no probability for variant(s) {', '.join(missing)} of outcome {outcome.id!r}")
    p = np.array([float(probabilities[v]) for v in ids])
    if not np.all(np.isfinite(p)) or (p < 0).any() or (p > 1).any():
        raise OptionError(f"probabilities must lie in [0, 1], got {p.tolist()}")
    if abs(p.sum() - 1.0) > SUM_TOLERANCE:
        raise OptionError(f"probabilities sum to {p.sum():.6g}, not 1")
    if horizon < made_on:
        raise OptionError(f"horizon {horizon} is before the forecast's date {made_on}")
    if not criteria or not criteria.strip():
        raise OptionError("a forecast needs written resolution criteria")
    p = p / p.sum()
    return Forecast(
        forecast_id.strip(),
        model.metadata.id,
        outcome.id,
        forecaster,
        made_on,
        horizon,
        ids,
        tuple(float(x) for x in p),
        criteria.strip(),
        note,
        retrodiction=retrodiction,
        provenance=provenance,
    )


def assessment_probabilities(model: Model) -> dict[str, float]:
    """The source's own verdict as a probability vector over the outcome, by the model's WEP table.

    Rule, in order:

    1. a variant the source grades with an informative term gets the midpoint of the term's range (a term whose
       range is the whole of [0, 1], such as "no likelihood stated", grades nothing);
    2. a joint assessment of several variants with an informative term gives its ungraded variants, in equal
       shares, what its midpoint leaves after the graded ones (nothing when they already reach it);
    3. the variants still without a share split what remains of 1 equally (nothing when the shares already
       reach 1);
    4. the vector is normalised to sum 1.

    A variant the source never contemplated can so receive 0 (its log score is then infinite if it happens).

    Raises
    ------
    OptionError
        The model has no assessments of its outcome, or they grade no variant.
    """
    a = model.assessments
    outcome = model.outcome
    if a is None or outcome is None or a.outcome != outcome.id or not (a.variants or a.joint):
        raise OptionError(f"model {model.metadata.id!r} has no verbal assessment of its outcome's variants")
    terms = {t.term: (t.low, t.high) for t in a.wep.terms}

    def midpoint(term: str | None) -> float | None:
        if term is None or term not in terms:
            return None
        lo, hi = terms[term]
        return None if lo <= 0.0 and hi >= 1.0 else (lo + hi) / 2

    ids = [v.id for v in outcome.variants]
    share: dict[str, float] = {}
    for va in a.variants:
        m = midpoint(va.term)
        if m is not None:
            share[va.variant] = m
    for ja in a.joint:
        m = midpoint(ja.term)
        open_ = [v for v in ja.variants if v not in share]
        if m is None or not open_:
            continue
        left = max(0.0, m - sum(share.get(v, 0.0) for v in ja.variants))
        for v in open_:
            share[v] = left / len(open_)
    if not share:
        raise OptionError(f"model {model.metadata.id!r}: the source's terms grade no variant of {outcome.id!r}")
    rest = [v for v in ids if v not in share]
    left = max(0.0, 1.0 - sum(share.values()))
    for v in rest:
        share[v] = left / len(rest)
    p = np.array([share[v] for v in ids])
    p = p / p.sum()
    return {v: float(x) for v, x in zip(ids, p)}


# -- scoring -------------------------------------------------------------------------------------------------


def brier_score(probabilities: Sequence[float], outcome: int) -> float:
    """Multi-category Brier score ``Σ_k (p_k − o_k)²`` in [0, 2] (0 perfect).

    Parameters
    ----------
    probabilities : (k,) array_like of float, summing to 1
    outcome : int
        Position of the variant that happened.

    Examples
    --------
    >>> brier_score([0.2, 0.5, 0.3], 1)
    0.38
    """
    p = np.asarray(probabilities, dtype=np.float64)
    o = np.zeros_like(p)
    o[outcome] = 1.0
    return float(round(((p - o) ** 2).sum(), 15))


def log_score(probabilities: Sequence[float], outcome: int) -> float:
    """Logarithmic score (ignorance) ``−ln p_outcome`` in nats, in [0, ∞] (0 perfect; ∞ when p = 0).

    Examples
    --------
    >>> round(log_score([0.2, 0.5, 0.3], 1), 6)
    0.693147
    """
    p = float(probabilities[outcome])
    return math.inf if p <= 0.0 else -math.log(p)


def uniform_brier(k: int) -> float:
    """Brier score of the even spread over k variants, whatever happens: ``(1 − 1/k)² + (k − 1)/k² = 1 − 1/k``."""
    return 1.0 - 1.0 / k


def uniform_log(k: int) -> float:
    """Log score of the even spread over k variants, whatever happens: ``−ln(1/k) = ln k``."""
    return math.log(k)


@dataclass(frozen=True)
class ScoreRow:
    """Scores of one resolved forecast, with its two baselines.

    ``uniform_brier`` = 1 − 1/k and ``uniform_log`` = ln k are the even spread's scores; ``source_*`` are the scores
    of the source's own forecast of the same question (forecaster ``article``, same model, descriptor and horizon,
    resolved the same), None when there is none (or for the source's own rows).
    """

    forecast_id: str
    forecaster: str
    made_on: dt.date
    resolved_on: dt.date
    outcome: str
    probability: float
    brier: float
    log: float
    k: int = 0
    source_forecast: str | None = None
    source_brier: float | None = None
    source_log: float | None = None
    retrodiction: bool = False

    @property
    def uniform_brier(self) -> float:
        return uniform_brier(self.k)

    @property
    def uniform_log(self) -> float:
        return uniform_log(self.k)

    def to_dict(self) -> dict:
        """JSON-safe dict of one scored forecast. An infinite log score (p(outcome) = 0) is written as ``"log":
        null`` with ``"log_infinite": true`` (strict JSON has no Infinity)."""
        return {
            "forecast": self.forecast_id,
            "forecaster": self.forecaster,
            "made_on": self.made_on.isoformat(),
            "resolved_on": self.resolved_on.isoformat(),
            "outcome": self.outcome,
            "probability_of_outcome": self.probability,
            "brier": self.brier,
            "log": None if math.isinf(self.log) else self.log,
            "log_infinite": math.isinf(self.log),
            "variants": self.k,
            "uniform_brier": self.uniform_brier,
            "uniform_log": self.uniform_log,
            "source_forecast": self.source_forecast,
            "source_brier": self.source_brier,
            "source_log": None if self.source_log is None or math.isinf(self.source_log) else self.source_log,
            "retrodiction": self.retrodiction,
        }


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of the calibration table: forecasts with probability in [low, high) (the last bin closed)."""

    low: float
    high: float
    n: int
    mean_forecast: float | None
    observed: float | None

    def to_dict(self) -> dict:
        """JSON-safe dict: bin edges, count, mean forecast and observed frequency (None for an empty bin)."""
        return {
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "mean_forecast": self.mean_forecast,
            "observed": self.observed,
        }


#: Resolved forecasts needed before the calibration table, the reliability diagram and Murphy's decomposition are
#: shown (fewer say next to nothing about calibration).
MIN_FOR_CALIBRATION = 20


@dataclass(frozen=True)
class Murphy:
    """Murphy's (1973) decomposition of the mean Brier score with the within-bin terms of Stephenson, Coelho and
    Jolliffe (2008), so that it is exact: ``brier = reliability − resolution + uncertainty + within_variance −
    within_covariance``.

    Computed over the (forecast, variant) pairs binned as in the calibration table; every term is scaled by M/N
    (pairs per forecast) so that they add up to the ledger's mean multi-category Brier score.
    """

    n_forecasts: int
    n_pairs: int
    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_variance: float
    within_covariance: float

    @property
    def total(self) -> float:
        """reliability − resolution + uncertainty + within_variance − within_covariance (equals ``brier``)."""
        return self.reliability - self.resolution + self.uncertainty + self.within_variance - self.within_covariance

    def to_dict(self) -> dict:
        return {
            "n_forecasts": self.n_forecasts,
            "n_pairs": self.n_pairs,
            "brier": self.brier,
            "reliability": self.reliability,
            "resolution": self.resolution,
            "uncertainty": self.uncertainty,
            "within_bin_variance": self.within_variance,
            "within_bin_covariance": self.within_covariance,
            "sum": self.total,
        }


def _bin_index(p: float, edges: Sequence[float]) -> int:
    n_bins = len(edges) - 1
    for i in range(n_bins):
        if edges[i] <= p < edges[i + 1] or (i == n_bins - 1 and p == edges[i + 1]):
            return i
    raise ValueError(f"probability {p} outside the bins")


def murphy_decomposition(
    pairs: Sequence[tuple[float, bool]], n_forecasts: int, edges: Sequence[float] = CALIBRATION_BINS
) -> Murphy:
    """Murphy's decomposition of the mean Brier score over ``pairs`` (probability, happened), binned by ``edges``.

    With M pairs, bins b of n_b pairs, mean forecast p̄_b, observed frequency ō_b and overall frequency ō (each
    term below is then multiplied by M / ``n_forecasts``):

    - reliability  ``(1/M) Σ_b n_b (p̄_b − ō_b)²``
    - resolution   ``(1/M) Σ_b n_b (ō_b − ō)²``
    - uncertainty  ``ō (1 − ō)``
    - within-bin variance    ``(1/M) Σ_b Σ_{i∈b} (p_i − p̄_b)²``
    - within-bin covariance  ``(2/M) Σ_b Σ_{i∈b} (p_i − p̄_b)(o_i − ō_b)``
    """
    if not pairs or n_forecasts <= 0:
        raise OptionError("Murphy's decomposition needs at least one resolved forecast")
    p = np.array([x for x, _ in pairs], dtype=np.float64)
    o = np.array([1.0 if h else 0.0 for _, h in pairs])
    m = len(p)
    bins = np.array([_bin_index(float(x), edges) for x in p])
    obar = float(o.mean())
    rel = res = wbv = wbc = 0.0
    for b in np.unique(bins):
        sel = bins == b
        pb, ob = p[sel], o[sel]
        pm, om = float(pb.mean()), float(ob.mean())
        rel += len(pb) * (pm - om) ** 2
        res += len(pb) * (om - obar) ** 2
        wbv += float(((pb - pm) ** 2).sum())
        wbc += 2.0 * float(((pb - pm) * (ob - om)).sum())
    scale = 1.0 / n_forecasts  # (M / N) · (1 / M)
    return Murphy(
        n_forecasts,
        m,
        float(((p - o) ** 2).sum()) * scale,
        rel * scale,
        res * scale,
        obar * (1 - obar) * m * scale,
        wbv * scale,
        wbc * scale,
    )


@dataclass(frozen=True, repr=False)
class Scores(Result):
    """Result of :func:`score`: per-forecast scores, per-forecaster means, the calibration table.

    Attributes
    ----------
    rows : tuple of ScoreRow
        Resolved forecasts, by forecaster then date then id.
    summary : dict forecaster → {"n", "brier", "log", "log_infinite"}
        Mean scores (``log`` is inf when any forecast gave the outcome probability 0; ``log_infinite`` lists the
        ids of those forecasts, empty otherwise).
    skill : dict forecaster → {"uniform_brier", "uniform_log", "brier_skill_uniform", "log_skill_uniform",
        "source_n", "brier_skill_source", "log_skill_source"}
        Skill against the baselines: Brier skill ``1 − BS / BS_ref`` of the means, log skill ``LS_ref − LS`` in
        nats (positive: better than the baseline); the source's only over the forecasts that have one.
    calibration : tuple of CalibrationBin
        Over every resolved forecast (the faces show it only from :data:`MIN_FOR_CALIBRATION` on).
    unresolved : tuple of str
        Ids of forecasts not yet resolved (not scored).
    notes : tuple of str
    void : tuple of (id, state)
        Forecasts resolved as annulled or ambiguous: scored as nothing.
    murphy : Murphy or None
        From :data:`MIN_FOR_CALIBRATION` resolved forecasts on.
    """

    rows: tuple[ScoreRow, ...]
    summary: dict
    calibration: tuple[CalibrationBin, ...]
    unresolved: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    void: tuple[tuple[str, str], ...] = ()
    murphy: Murphy | None = None
    skill: dict = field(default_factory=dict)

    @property
    def enough_for_calibration(self) -> bool:
        return len(self.rows) >= MIN_FOR_CALIBRATION

    def _summary(self) -> dict:
        return {
            "resolved": len(self.rows),
            "open": len(self.unresolved),
            "void": len(self.void),
            "forecasters": len(self.summary),
        }

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist forecast score --json`` prints)."""

        def num(x):
            return None if x is None or (isinstance(x, float) and math.isinf(x)) else x

        return {
            "scores": [r.to_dict() for r in self.rows],
            "summary": {
                k: {
                    "n": v["n"],
                    "brier": v["brier"],
                    "log": num(v["log"]),
                    "log_infinite": list(v["log_infinite"]),
                }
                for k, v in self.summary.items()
            },
            "skill": {k: {key: num(val) for key, val in v.items()} for k, v in self.skill.items()},
            "calibration": [b.to_dict() for b in self.calibration],
            "enough_for_calibration": self.enough_for_calibration,
            "murphy": None if self.murphy is None else self.murphy.to_dict(),
            "unresolved": list(self.unresolved),
            "void": [{"forecast": i, "state": st} for i, st in self.void],
            "notes": list(self.notes),
        }

    def to_frame(self):
        """pandas DataFrame: one row per resolved forecast with its scores."""
        import pandas as pd

        cols = ["forecast", "forecaster", "made_on", "resolved_on", "outcome", "probability_of_outcome", "brier", "log"]
        return pd.DataFrame(
            [
                (r.forecast_id, r.forecaster, r.made_on, r.resolved_on, r.outcome, r.probability, r.brier, r.log)
                for r in self.rows
            ],
            columns=cols,
        ).set_index("forecast")


def calibration_table(
    pairs: Iterable[tuple[float, bool]], edges: Sequence[float] = CALIBRATION_BINS
) -> tuple[CalibrationBin, ...]:
    """Bin (probability, happened) pairs: count, mean forecast and observed frequency per bin.

    A probability p falls in bin i when ``edges[i] ≤ p < edges[i + 1]``; the last bin also takes p = 1.
    """
    pairs = list(pairs)
    out = []
    n_bins = len(edges) - 1
    for i in range(n_bins):
        lo, hi = float(edges[i]), float(edges[i + 1])
        last = i == n_bins - 1
        sel = [(p, h) for p, h in pairs if lo <= p < hi or (last and p == hi)]
        if sel:
            out.append(
                CalibrationBin(
                    lo, hi, len(sel), float(np.mean([p for p, _ in sel])), float(np.mean([h for _, h in sel]))
                )
            )
        else:
            out.append(CalibrationBin(lo, hi, 0, None, None))
    return tuple(out)


def _source_of(f: Forecast, forecasts: Sequence[Forecast]) -> Forecast | None:
    """The source's own forecast of the same question: forecaster ``article``, same model, descriptor, horizon and
    criteria, resolved to the same variant; None for the source's own forecasts or when there is none."""
    if f.forecaster == "article" or f.resolution is None:
        return None
    for g in forecasts:
        if (
            g.forecaster == "article"
            and (g.model_id, g.outcome, g.horizon, g.criteria, g.variants)
            == (f.model_id, f.outcome, f.horizon, f.criteria, f.variants)
            and g.resolution is not None
            and g.resolution.scored
            and g.resolution.outcome == f.resolution.outcome
        ):
            return g
    return None


def score(forecasts: Iterable[Forecast]) -> Scores:
    """Score the resolved forecasts: Brier and log score each, means per forecaster with skill against the uniform
    forecast and the source's own, the calibration table and (from 20 resolved forecasts) Murphy's decomposition.
    Annulled and ambiguous resolutions are scored as nothing and listed in ``void``."""
    forecasts = list(forecasts)
    rows, pairs = [], []
    for f in sorted(forecasts, key=lambda f: (f.forecaster, f.made_on, f.id)):
        r = f.resolution
        if r is None or not r.scored:
            continue
        k = f.variants.index(r.outcome)
        src = _source_of(f, forecasts)
        rows.append(
            ScoreRow(
                f.id,
                f.forecaster,
                f.made_on,
                r.resolved_on,
                r.outcome,
                f.probabilities[k],
                brier_score(f.probabilities, k),
                log_score(f.probabilities, k),
                len(f.variants),
                None if src is None else src.id,
                None if src is None else brier_score(src.probabilities, k),
                None if src is None else log_score(src.probabilities, k),
                f.retrodiction is not None,
            )
        )
        pairs.extend((p, i == k) for i, p in enumerate(f.probabilities))
    summary: dict = {}
    skill: dict = {}
    for name in sorted({r.forecaster for r in rows}):
        mine = [r for r in rows if r.forecaster == name]
        bs, ls = float(np.mean([r.brier for r in mine])), float(np.mean([r.log for r in mine]))
        ub, ul = float(np.mean([r.uniform_brier for r in mine])), float(np.mean([r.uniform_log for r in mine]))
        with_src = [r for r in mine if r.source_brier is not None]
        summary[name] = {
            "n": len(mine),
            "brier": bs,
            "log": ls,
            "log_infinite": tuple(r.forecast_id for r in mine if math.isinf(r.log)),
        }
        entry = {
            "uniform_brier": ub,
            "uniform_log": ul,
            "brier_skill_uniform": 1.0 - bs / ub if ub > 0 else None,
            "log_skill_uniform": ul - ls,
            "source_n": len(with_src),
            "brier_skill_source": None,
            "log_skill_source": None,
        }
        if with_src:
            sb = float(np.mean([r.source_brier for r in with_src]))
            sl = float(np.mean([r.source_log for r in with_src]))
            mb = float(np.mean([r.brier for r in with_src]))
            ml = float(np.mean([r.log for r in with_src]))
            entry["brier_skill_source"] = 1.0 - mb / sb if sb > 0 else None
            entry["log_skill_source"] = None if math.isinf(sl) and math.isinf(ml) else sl - ml
        skill[name] = entry
    notes = []
    if 0 < len(rows) < 30:
        notes.append(
            f"{len(rows)} resolved forecast(s): each resolution is a single data point; "
            "scores and calibration mean little until many forecasts are resolved"
        )
    if 0 < len(rows) < MIN_FOR_CALIBRATION:
        notes.append(
            f"calibration table, reliability diagram and Murphy's decomposition are shown from "
            f"{MIN_FOR_CALIBRATION} resolved forecasts on (there are {len(rows)})"
        )
    notes += [
        f"log score infinite: forecast {r.forecast_id} ({r.forecaster}) gave the observed variant {r.outcome} "
        f"probability 0, so {r.forecaster}'s mean log score is infinite too"
        for r in rows
        if math.isinf(r.log)
    ]
    retro = [r.forecast_id for r in rows if r.retrodiction]
    if retro:
        notes.append(
            f"retrodiction(s), made after the events they are scored on: {', '.join(retro)}; "
            "their scores show fit, not foresight"
        )
    void = tuple((f.id, f.resolution.state) for f in forecasts if f.resolution is not None and not f.resolution.scored)
    if void:
        notes.append("scored as nothing: " + ", ".join(f"{i} ({st})" for i, st in void))
    unresolved = tuple(f.id for f in forecasts if f.resolution is None)
    murphy = murphy_decomposition(pairs, len(rows)) if len(rows) >= MIN_FOR_CALIBRATION else None
    return Scores(tuple(rows), summary, calibration_table(pairs), unresolved, tuple(notes), void, murphy, skill)


# -- pooling several forecasters --------------------------------------------------------------------------------

#: Floor of every probability before the geometric pool (so that one forecaster's 0 does not veto a variant).
POOL_EPSILON = 0.001
#: Exponent of the extremised pool, stated (not fitted to this ledger): Satopää et al. (2014) report a ≈ 2.5.
EXTREMISING_A = 2.5


def _vectors(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    a = np.asarray(vectors, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 2:
        raise OptionError("pooling needs one or more probability vectors over the same two or more variants")
    if not np.all(np.isfinite(a)) or (a < 0).any() or (a > 1).any():
        raise OptionError("pooling needs probabilities in [0, 1]")
    if np.abs(a.sum(axis=1) - 1).max() > SUM_TOLERANCE:
        raise OptionError("each vector to pool must sum to 1")
    return a


def median_pool(vectors: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Per-variant median of the forecasters' probabilities, renormalised to sum 1."""
    m = np.median(_vectors(vectors), axis=0)
    if m.sum() <= 0:
        raise OptionError("the per-variant medians are all 0: the median pool is undefined for these forecasts")
    return tuple(float(x) for x in m / m.sum())


def geometric_pool(vectors: Sequence[Sequence[float]], eps: float = POOL_EPSILON) -> tuple[float, ...]:
    """Normalised geometric pool: ``g_k ∝ Π_i max(p_ik, ε)^(1/n)``, normalised to sum 1.

    For two variants this is the geometric mean of odds (Satopää et al. 2014): ``g / (1 − g) = Π_i (p_i / (1 −
    p_i))^(1/n)``; for k variants it is the logarithmic opinion pool with equal weights (Genest and Zidek 1986).
    """
    if not 0 < eps < 0.5:
        raise OptionError(f"ε must lie in (0, 0.5), got {eps}")
    a = np.maximum(_vectors(vectors), eps)
    g = np.exp(np.log(a).mean(axis=0))
    return tuple(float(x) for x in g / g.sum())


def extremised_pool(
    vectors: Sequence[Sequence[float]], a: float = EXTREMISING_A, eps: float = POOL_EPSILON
) -> tuple[float, ...]:
    """The geometric pool raised to a stated power a and renormalised: ``g_k^a / Σ_j g_j^a`` (a > 1 pushes
    towards the extremes; for two variants, the pooled odds to the power a, as in Satopää et al. 2014)."""
    if not a > 0 or not math.isfinite(a):
        raise OptionError(f"the extremising exponent a must be a positive number, got {a}")
    g = np.asarray(geometric_pool(vectors, eps))
    e = g**a
    return tuple(float(x) for x in e / e.sum())


POOLS = {"median": median_pool, "geometric": geometric_pool, "extremised": extremised_pool}
