"""Tracking: replay the evidence in date order and record the outcome distribution after each date.

For every date with evidence after the model's as-of date (within ``start``..``end``), the items that count so far
(:func:`~.bayes.evidence_state`) give updated priors and interventions; :func:`scenarist.probability.
outcome_distribution` turns them into the outcome distribution **model** (with the none bin and, with draws, the
5–95 % band); the last Bayes step with the indicator items gives **model + indicators**. The indicator step is
applied to every judgment draw before the band is taken, so both series carry bands of the same meaning.

Every date uses the same seed, so the judgment draws are the same matrices throughout (common random numbers): a
move between two dates comes from the evidence, not from drawing new matrices. Dates whose items leave the priors
and interventions as they were reuse the previous CIB pass.

References
----------
Heuer, R. J. (1999). Psychology of Intelligence Analysis, ch. 8. CIA Center for the Study of Intelligence.
Weimer-Jehle, W. (2006). Cross-impact balances. TFSC 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ModelError, OptionError, Problem
from ..model import Model
from ..results import Result
from .bayes import EvidenceState, evidence_state
from .items import ContradictedClaim, EvidenceFile, EvidenceItem, check_evidence

#: Percentiles bounding the uncertainty band (the likelihood layer's).
BAND = (5.0, 95.0)


@dataclass(frozen=True)
class Snapshot:
    """One outcome distribution: point estimates, band and the none bin.

    Attributes
    ----------
    probability : (k,) float64
        P(variant), model order of the outcome's variants; with ``none`` they sum to 1.
    none : float
        P(no consistent scenario).
    low, high : (k,) float64 or None
        5 % and 95 % percentiles across judgment draws (None without draws).
    none_low, none_high : float or None
        The same for the none bin.
    """

    probability: np.ndarray
    none: float
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    none_low: float | None = None
    none_high: float | None = None

    @property
    def conditional(self) -> np.ndarray:
        """P(variant | some consistent scenario); NaN when the none bin holds everything."""
        mass = float(self.probability.sum())
        return self.probability / mass if mass > 0 else np.full_like(self.probability, np.nan)

    def vector(self) -> np.ndarray:
        """(k + 1,) float64: the variants then none."""
        return np.append(self.probability, self.none)

    def to_dict(self, variants: Sequence[str]) -> dict:
        """JSON-safe dict keyed by variant id."""
        band = None if self.low is None else {v: [float(a), float(b)] for v, a, b in zip(variants, self.low, self.high)}
        return {
            "probability": {v: float(p) for v, p in zip(variants, self.probability)},
            "conditional": {v: _f(p) for v, p in zip(variants, self.conditional)},
            "band": band,
            "none": float(self.none),
            "none_band": None if self.none_low is None else [float(self.none_low), float(self.none_high)],
        }


def _f(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def snapshot_from_rows(rows: np.ndarray, likelihood: np.ndarray | None = None) -> Snapshot:
    """Summarise per-draw rows ``(R, k + 1)`` (variants then none), after an optional indicator step per row.

    With one row the snapshot has no band. The indicator step multiplies the variant columns by ``likelihood`` and
    rescales them to their former total, leaving the none column as it is (:func:`~.bayes.apply_indicator`).
    """
    rows = np.asarray(rows, dtype=np.float64)
    if likelihood is not None:
        var = rows[:, :-1]
        mass = var.sum(axis=1, keepdims=True)
        q = var * np.asarray(likelihood, dtype=np.float64)[None, :]
        tot = q.sum(axis=1, keepdims=True)
        upd = np.where(tot > 0, q / np.where(tot > 0, tot, 1.0) * mass, var)
        rows = np.concatenate([upd, rows[:, -1:]], axis=1)
    point = rows.mean(axis=0)
    if len(rows) == 1:
        return Snapshot(point[:-1], float(point[-1]))
    low, high = np.percentile(rows, BAND, axis=0)
    return Snapshot(point[:-1], float(point[-1]), low[:-1], high[:-1], float(low[-1]), float(high[-1]))


@dataclass(frozen=True)
class TrackPoint:
    """The outcome after one date of the replay.

    Attributes
    ----------
    date : datetime.date
        The as-of date (first point) or an evidence date.
    items : tuple of str
        Ids of the items dated that day (every kind, including those a cluster already counted).
    state : EvidenceState
        Updated priors, interventions in force, the combined indicator likelihood.
    model, indicators : Snapshot
        Outcome distribution "model" and "model + indicators".
    shift : float
        Total variation distance ``½ Σ |Δp|`` (variants and none) of "model + indicators" from the previous point
        (0 for the first).
    shift_model : float
        The same for "model".
    contradicted : float
        Share of the judgment draws (or 1.0 for the stated matrix) whose every exogenous combination the observations
        rule out. Those draws are left out of both snapshots; when all are, the snapshots hold everything in the
        none bin and the replay's notes name the least-inconsistent scenarios that hold what was observed.
    """

    date: dt.date
    items: tuple[str, ...]
    state: EvidenceState
    model: Snapshot
    indicators: Snapshot
    shift: float = 0.0
    shift_model: float = 0.0
    contradicted: float = 0.0


@dataclass(frozen=True, repr=False)
class TrackResult(Result):
    """Result of :func:`track`: the time series and what the reader needs beside it.

    Attributes
    ----------
    model_id, outcome : str
    variants, variant_names : tuple of str
        The outcome's variants, model order.
    as_of : datetime.date or None
    points : tuple of TrackPoint
        The start (as-of date, or the day before ``start`` with all earlier evidence) then one per evidence date.
    items : tuple of EvidenceItem
        Every item given, date order.
    background : tuple of str
        Ids of items dated on or before the as-of date (stored and shown, not replayed).
    outside : tuple of str
        Ids of ``outside`` items within the replayed dates: developments no variant of their descriptor covers.
    claims : tuple of ContradictedClaim
    draws, seed : int
    notes : tuple of str
    start_label : str
        What the first point is: the model as of its date before any evidence, or (with ``start``) the state just
        before ``start``, with the evidence up to that day counted.
    model : Model or None
        The model replayed (set by :func:`scenarist.track`; the track report describes it).
    """

    model_id: str
    outcome: str
    variants: tuple[str, ...]
    variant_names: tuple[str, ...]
    as_of: dt.date | None
    points: tuple[TrackPoint, ...]
    items: tuple[EvidenceItem, ...] = field(repr=False)
    background: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()
    claims: tuple[ContradictedClaim, ...] = ()
    draws: int = 0
    seed: int | None = None
    notes: tuple[str, ...] = ()
    start_label: str = "model as of its date, before any evidence"
    model: Any = field(default=None, compare=False)

    def _summary(self) -> dict:
        return {
            "model": self.model_id,
            "outcome": self.outcome,
            "dates": len(self.points),
            "items": len(self.items),
            "draws": self.draws,
            "seed": self.seed,
        }

    def item(self, item_id: str) -> EvidenceItem:
        """The item with this id. Raises ``KeyError`` when absent."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def moved_most(self, n: int = 3, series: str = "indicators") -> list[TrackPoint]:
        """The ``n`` dates whose evidence moved the outcome most (largest shift; ties: earlier date first)."""
        key = (lambda p: p.shift) if series == "indicators" else (lambda p: p.shift_model)
        ranked = sorted(self.points[1:], key=lambda p: (-key(p), p.date))
        return [p for p in ranked[:n] if key(p) > 0]

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist track --json`` prints)."""
        v = self.variants

        def point(p: TrackPoint) -> dict:
            return {
                "date": p.date.isoformat(),
                "items": list(p.items),
                "model": p.model.to_dict(v),
                "model_indicators": p.indicators.to_dict(v),
                "shift": float(p.shift),
                "shift_model": float(p.shift_model),
                "priors": p.state.priors,
                "fixed": p.state.fixed,
                "indicator_likelihood": p.state.indicator,
                "counted": list(p.state.counted),
                "findings": p.state.to_dict()["findings"],
                "n_eff": p.state.n_eff,
                "families": p.state.families,
                "contradicted": float(p.contradicted),
            }

        return {
            "model": self.model_id,
            "outcome": self.outcome,
            "variants": [{"id": a, "name": b} for a, b in zip(self.variants, self.variant_names)],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "start_label": self.start_label,
            "draws": self.draws,
            "seed": self.seed,
            "band_percentiles": list(BAND) if self.draws else None,
            "series": [point(p) for p in self.points],
            "moved_most": [
                {
                    "date": p.date.isoformat(),
                    "shift": float(p.shift),
                    "items": [{"id": i, "title": self.item(i).title} for i in p.items],
                }
                for p in self.moved_most()
            ],
            "background": list(self.background),
            "outside": [
                {
                    "id": i,
                    "date": self.item(i).date.isoformat(),
                    "descriptor": self.item(i).bearing.descriptor,
                    "what": self.item(i).bearing.what,
                    "title": self.item(i).title,
                }
                for i in self.outside
            ],
            "contradicted_claims": [c.model_dump(mode="json", exclude_none=True) for c in self.claims],
            "notes": list(self.notes),
        }

    def to_frame(self):
        """pandas DataFrame: one row per (date, series) with a column per variant, ``none``, and the band columns
        ``<variant>_low`` / ``<variant>_high`` (NaN without draws)."""
        import pandas as pd

        rows = []
        for p in self.points:
            for name, snap in (("model", p.model), ("model+indicators", p.indicators)):
                row = {"date": p.date, "series": name, "shift": p.shift if name != "model" else p.shift_model}
                for i, v in enumerate(self.variants):
                    row[v] = float(snap.probability[i])
                    row[f"{v}_low"] = float(snap.low[i]) if snap.low is not None else np.nan
                    row[f"{v}_high"] = float(snap.high[i]) if snap.high is not None else np.nan
                row["none"] = snap.none
                row["items"] = ", ".join(p.items)
                rows.append(row)
        return pd.DataFrame(rows).set_index(["date", "series"])


#: Signature of the outcome-distribution function: (model, priors, fixed, draws, seed) → per-draw rows (R, k + 1).
Distribution = Callable[[Model, dict, dict, int, "int | None"], np.ndarray]


def likelihood_rows(model: Model, priors: dict, fixed: dict, draws: int, seed: int | None) -> np.ndarray:
    """Outcome rows from :func:`scenarist.probability.outcome_distribution`: ``(R, k + 1)`` per-draw P(variant) and
    P(none) for R = ``draws`` (one row, the stated matrix, when ``draws`` is 0)."""
    from ..probability import outcome_distribution

    d = outcome_distribution(model, priors=priors, fixed=fixed, draws=draws, seed=seed)
    c = d.compiled
    o = c.descriptor_index(d.outcome)
    sl = slice(int(c.offsets[o]), int(c.offsets[o + 1]))
    if d.per_draw is None:
        m = d.marginal()
        return np.append(m.stated, d.none.stated)[None, :]
    return np.concatenate([d.per_draw[:, sl], d.per_draw[:, -1:]], axis=1)


def track(
    model: Model,
    items: Iterable[EvidenceItem],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    draws: int = 0,
    seed: int | None = None,
    claims: Sequence[ContradictedClaim] = (),
    distribution: Distribution | None = None,
    progress: Callable[[float, str], None] | None = None,
    source: str = "<evidence>",
) -> TrackResult:
    """Replay evidence in date order and record the outcome distribution after each date.

    Parameters
    ----------
    model : Model
        A validated model with an outcome descriptor; ``items`` must have been checked against it.
    items : iterable of EvidenceItem
    start, end : date, optional
        Record dates in [start, end] only. Evidence before ``start`` still counts (the first point shows the state
        just before ``start``); evidence after ``end`` is left out. Items on or before the as-of date never count.
    draws : int ≥ 0
        Judgment draws per date (0: the stated matrix only, no band).
    seed : int or None
        Seed of the draws, the same at every date. None picks one, reported in the result.
    claims : sequence of ContradictedClaim
        Carried into the result for the report.
    distribution : callable, optional
        Replaces :func:`likelihood_rows` (tests use a stand-in with a known answer).
    progress : callable(fraction, phase), optional
        Called after each date with the fraction of dates done in (0, 1] and the phase ``"replaying evidence"``.
    source : str
        Where the items come from (a file or a store), named in error messages.

    Returns
    -------
    TrackResult

    Raises
    ------
    OptionError
        No outcome descriptor, negative draws, ``start`` after ``end``.
    ModelError
        Items that do not fit the model (checked again here: stored items may predate a change of the model).
    """
    outcome = model.outcome
    if outcome is None:
        raise OptionError(f"model {model.metadata.id!r} has no outcome descriptor to track")
    if draws < 0:
        raise OptionError(f"--draws must be ≥ 0, got {draws}")
    if start is not None and end is not None and start > end:
        raise OptionError(f"--from {start} is after --to {end}")
    if seed is None and draws:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    dist = distribution or likelihood_rows
    as_of = model.metadata.as_of
    items = sorted(items, key=lambda it: (it.date, it.id))
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
    variants = tuple(v.id for v in outcome.variants)
    notes: list[str] = []
    if as_of is None:
        notes.append("the model states no as-of date: every item counts as evidence")
    after = [it for it in items if as_of is None or it.date > as_of]
    if end is not None:
        after = [it for it in after if it.date <= end]
    first_day = start - dt.timedelta(days=1) if start is not None else None
    dates = sorted({it.date for it in after if first_day is None or it.date > first_day})
    if first_day is not None and as_of is not None and first_day < as_of:
        first_day = None
    origin = first_day or as_of or (dates[0] - dt.timedelta(days=1) if dates else dt.date.today())
    if first_day is not None:
        start_label = f"before {start}: evidence up to {first_day} counted"
    elif as_of is not None:
        start_label = "model as of its date, before any evidence"
    else:
        start_label = "model before any evidence"
    if not dates and items:
        # Say why the table has one row: nothing to replay in the range (not an error: the range may be ahead).
        lows = [d for d in (start, as_of + dt.timedelta(days=1) if as_of is not None else None) if d is not None]
        low = max(lows) if lows else None
        if low is None and end is None:
            span = "to replay"
        elif end is None:
            span = f"dated on or after {low} (the last item is dated {items[-1].date})"
        elif low is None:
            span = f"dated on or before {end}"
        else:
            span = f"between {low} and {end}"
        notes.append(f"no evidence {span}: the only row is the starting state ({start_label})")
    cache: dict[tuple, np.ndarray] = {}
    observed: dict[tuple, Any] = {}
    contradicted_notes: list[str] = []

    def observed_rows(st: EvidenceState) -> tuple[np.ndarray, float]:
        from ..probability.observation import observed_draws

        okey = (tuple(sorted(st.fixed.items())), st.findings_key())
        if okey not in observed:
            observed[okey] = observed_draws(model, st.findings, st.fixed, draws, seed)
        od = observed[okey]
        rows, bad = od.rows(st.priors)
        c = od.setup.compiled
        o = c.descriptor_index(outcome.id)
        sl = slice(int(c.offsets[o]), int(c.offsets[o + 1]))
        out = np.concatenate([rows[:, sl], rows[:, -1:]], axis=1)
        share = float(bad.mean())
        if bad.all():
            out = np.zeros((1, out.shape[1]))
            out[0, -1] = 1.0
            contradicted_notes.append(_contradiction_note(model, od, st))
        elif bad.any():
            out = out[~bad]
        return out, share

    def point_at(day: dt.date | None, label_date: dt.date, day_items: tuple[str, ...]) -> TrackPoint:
        st = evidence_state(model, after, until=day) if day is not None else evidence_state(model, [], None)
        key = st.key()
        if key not in cache:
            cache[key] = observed_rows(st) if st.findings else (dist(model, st.priors, st.fixed, draws, seed), 0.0)
        rows, share = cache[key]
        lik = None if st.indicator is None else np.array([st.indicator[v] for v in variants])
        return TrackPoint(
            label_date, day_items, st, snapshot_from_rows(rows), snapshot_from_rows(rows, lik), contradicted=share
        )

    total = len(dates) + 1
    points = [point_at(first_day, origin, ())]
    if progress:
        progress(1 / total, "replaying evidence")
    for k, day in enumerate(dates):
        p = point_at(day, day, tuple(it.id for it in after if it.date == day))
        prev = points[-1]
        shift = 0.5 * float(np.abs(p.indicators.vector() - prev.indicators.vector()).sum())
        shift_m = 0.5 * float(np.abs(p.model.vector() - prev.model.vector()).sum())
        points.append(TrackPoint(p.date, p.items, p.state, p.model, p.indicators, shift, shift_m, p.contradicted))
        if progress:
            progress((k + 2) / total, "replaying evidence")
    for note in dict.fromkeys(contradicted_notes):
        notes.append(note)
    partly = [p for p in points if 0 < p.contradicted < 1]
    if partly:
        worst = max(partly, key=lambda p: p.contradicted)
        notes.append(
            f"the observations rule out every exogenous combination in some judgment draws (up to "
            f"{worst.contradicted:.0%} of them, on {worst.date}); those draws are left out of the band"
        )
    last = points[-1].state
    if last.n_eff:
        notes.append(
            f"effective number of independent likelihood items at the last date: n_eff = {last.n_eff:.2f} "
            f"(Σ_f (1 + ρ_f (n_f − 1)) over {len(set(last.families)) + 0} multi-item families and the single items)"
        )
    background = tuple(it.id for it in items if as_of is not None and it.date <= as_of)
    outside = tuple(it.id for it in after if it.bearing.kind == "outside" and (start is None or it.date >= start))
    return TrackResult(
        model_id=model.metadata.id,
        outcome=outcome.id,
        variants=variants,
        variant_names=tuple(v.name for v in outcome.variants),
        as_of=as_of,
        points=tuple(points),
        items=tuple(items),
        background=background,
        outside=outside,
        claims=tuple(claims),
        draws=int(draws),
        seed=seed,
        notes=tuple(notes),
        start_label=start_label,
    )


def _contradiction_note(model: Model, od, st: EvidenceState) -> str:
    """Say that the observations contradict the model in every draw, with the least-inconsistent scenarios that hold
    what was observed (searched on the stated matrix under the interventions in force)."""
    from ..probability.observation import least_inconsistent

    c = od.setup.compiled
    hold = {}
    for f in od.findings:
        if f.hard:
            hold[f.descriptor] = int(np.argmax(f.likelihood))
    seen = ", ".join(f"{c.descriptor_ids[d]} = {c.variant_ids[d][v]}" for d, v in hold.items()) or "the evidence"
    k, sc = least_inconsistent(c, od.setup.fixed, hold, limit=3)
    when = st.date.isoformat() if st.date else "the start"
    if k < 0:
        return f"contradicted at {when}: no scenario holds {seen} within the model's inconsistency bound"
    o = c.descriptor_index(model.outcome.id)
    outs = sorted({c.variant_ids[o][int(s[o])] for s in sc})
    return (
        f"contradicted at {when}: under the interventions in force no consistent scenario holds {seen} in any judgment "
        f"draw; the least-inconsistent scenarios that do have inconsistency {k} (outcome {', '.join(outs)})"
    )


__all__ = ["BAND", "Snapshot", "TrackPoint", "TrackResult", "likelihood_rows", "snapshot_from_rows", "track"]
