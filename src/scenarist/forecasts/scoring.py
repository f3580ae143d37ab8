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


@dataclass(frozen=True)
class Resolution:
    """What happened: the variant, the day it was judged, the evidence items showing it, a note."""

    outcome: str
    resolved_on: dt.date
    evidence: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict:
        """JSON-safe dict: the outcome variant, the day of the judgment (ISO date), evidence item ids, the note."""
        return {
            "outcome": self.outcome,
            "resolved_on": self.resolved_on.isoformat(),
            "evidence": list(self.evidence),
            "note": self.note,
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
) -> Forecast:
    """Build and check a forecast over ``model``'s outcome.

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


@dataclass(frozen=True)
class ScoreRow:
    """Scores of one resolved forecast."""

    forecast_id: str
    forecaster: str
    made_on: dt.date
    resolved_on: dt.date
    outcome: str
    probability: float
    brier: float
    log: float

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
    calibration : tuple of CalibrationBin
    unresolved : tuple of str
        Ids of forecasts not yet resolved (not scored).
    notes : tuple of str
        Plain-language notes, among them one per infinite log score naming the forecast and the variant it gave
        probability 0.
    """

    rows: tuple[ScoreRow, ...]
    summary: dict
    calibration: tuple[CalibrationBin, ...]
    unresolved: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def _summary(self) -> dict:
        return {"resolved": len(self.rows), "open": len(self.unresolved), "forecasters": len(self.summary)}

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist forecast score --json`` prints)."""
        return {
            "scores": [r.to_dict() for r in self.rows],
            "summary": {
                k: {
                    "n": v["n"],
                    "brier": v["brier"],
                    "log": None if math.isinf(v["log"]) else v["log"],
                    "log_infinite": list(v["log_infinite"]),
                }
                for k, v in self.summary.items()
            },
            "calibration": [b.to_dict() for b in self.calibration],
            "unresolved": list(self.unresolved),
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


def score(forecasts: Iterable[Forecast]) -> Scores:
    """Score the resolved forecasts: Brier and log score each, means per forecaster, the calibration table."""
    forecasts = list(forecasts)
    rows, pairs = [], []
    for f in sorted(forecasts, key=lambda f: (f.forecaster, f.made_on, f.id)):
        r = f.resolution
        if r is None:
            continue
        k = f.variants.index(r.outcome)
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
            )
        )
        pairs.extend((p, i == k) for i, p in enumerate(f.probabilities))
    summary: dict = {}
    for name in sorted({r.forecaster for r in rows}):
        mine = [r for r in rows if r.forecaster == name]
        summary[name] = {
            "n": len(mine),
            "brier": float(np.mean([r.brier for r in mine])),
            "log": float(np.mean([r.log for r in mine])),
            "log_infinite": tuple(r.forecast_id for r in mine if math.isinf(r.log)),
        }
    # An infinite log score is legitimate (the rule punishes certainty that proved wrong without limit) but
    # surprising in a table: say which forecast caused it.
    notes = []
    if 0 < len(rows) < 30:
        notes.append(
            f"{len(rows)} resolved forecast(s): each resolution is a single data point; "
            "scores and calibration mean little until many forecasts are resolved"
        )
    notes += [
        f"log score infinite: forecast {r.forecast_id} ({r.forecaster}) gave the observed variant {r.outcome} "
        f"probability 0, so {r.forecaster}'s mean log score is infinite too"
        for r in rows
        if math.isinf(r.log)
    ]
    unresolved = tuple(f.id for f in forecasts if f.resolution is None)
    return Scores(tuple(rows), summary, calibration_table(pairs), unresolved, tuple(notes))
