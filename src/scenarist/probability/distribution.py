"""The outcome distribution of a model: exact for one matrix, with bands over judgment draws (docs/method.md §2–3).

The public entry point is :func:`outcome_distribution`; it is the stable API the evidence and tracking layers call.

Method
------
For one cross-impact matrix M and every combination x of the free exogenous descriptors' variants, with weight
``P(x) = Π_e prior_e(x_e)``, take the consistent scenarios with x fixed and the set ``V_d(x, M)`` of variants of
descriptor d that they take. Each variant in ``V_d(x, M)`` receives ``P(x) / |V_d(x, M)|``; when no consistent
scenario exists, ``P(x)`` goes to the **none** bin. So for every descriptor, its variants plus none sum to 1. The
conditional distribution divides by ``1 − P(none)``. With judgment spreads, matrices ``M_1 .. M_R`` are drawn
(:mod:`.draws`); the point estimate is the mean of ``P(v | M_r)``, the band its 5 % and 95 % percentiles (numpy's
linear interpolation), and the Monte Carlo standard error ``sd_r(P(v | M_r)) / √R`` (ddof = 1).

See ``docs/method.md`` for the assumptions and what the numbers do and do not mean.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..checks import DEFAULT_DRAWS, DEFAULT_SEED  # noqa: F401  (re-exported: the defaults of every face)
from ..cib.compile import CompiledModel, compile_model
from ..cib.search import normalise_fixed
from ..model import Model
from ..results import Result
from .backends import DrawTask, merge_counts, run_draws
from .combinations import MAX_COMBINATIONS, SAMPLES, PassResult, PassSpec, make_pass_spec, run_pass
from .conventions import ConventionRange, conventions_of
from .draws import JudgmentSpread, judgment_spread, normalise_seed
from .priors import Priors, resolve_priors

#: Percentiles of the per-draw probabilities that bound the uncertainty band.
BAND = (5.0, 95.0)
#: Scenarios not consistent as stated are listed in ``to_dict()`` when consistent in at least this share of draws.
ROBUST_LISTED = 0.5


@dataclass(frozen=True)
class Marginal:
    """The distribution of one descriptor's variants (every array has one entry per variant, model order).

    Attributes
    ----------
    descriptor, name : str
    variant_ids, variant_names : tuple of str
    probability : (k,) float64
        Point estimate P(v): mean over draws (the stated matrix's value when there are no draws). Together with
        the none bin these sum to 1.
    conditional : (k,) float64
        P(v | some consistent scenario exists); NaN when the none bin holds everything.
    stated : (k,) float64
        Exact P(v) for the matrix as the model states it (no draws).
    low, high : (k,) float64 or None
        5 % and 95 % percentiles of P(v | M_r) across draws (None without draws).
    standard_error : (k,) float64 or None
        Monte Carlo standard error of ``probability`` (draws, and sampled combinations when they are sampled).
    """

    descriptor: str
    name: str
    variant_ids: tuple[str, ...]
    variant_names: tuple[str, ...]
    probability: np.ndarray
    conditional: np.ndarray
    stated: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    standard_error: np.ndarray | None = None

    @property
    def probabilities(self) -> dict[str, float]:
        """``{variant id: P(v)}`` (point estimates)."""
        return {v: float(p) for v, p in zip(self.variant_ids, self.probability)}

    def rows(self) -> list[dict]:
        """One JSON-safe dict per variant."""
        out = []
        for i, v in enumerate(self.variant_ids):
            out.append(
                {
                    "variant": v,
                    "name": self.variant_names[i],
                    "probability": _f(self.probability[i]),
                    "conditional": _f(self.conditional[i]),
                    "stated": _f(self.stated[i]),
                    "band": None if self.low is None else [_f(self.low[i]), _f(self.high[i])],
                    "standard_error": None if self.standard_error is None else _f(self.standard_error[i]),
                }
            )
        return out


@dataclass(frozen=True)
class Bin:
    """The none bin: probability that the exogenous combination admits no consistent scenario."""

    probability: float
    stated: float
    low: float | None = None
    high: float | None = None
    standard_error: float | None = None

    def to_dict(self) -> dict:
        """JSON-safe dict: ``probability``, ``stated``, ``band`` ([5 %, 95 %] or None without draws) and
        ``standard_error`` (None when nothing was sampled); NaN is written as None."""
        return {
            "probability": _f(self.probability),
            "stated": _f(self.stated),
            "band": None if self.low is None else [_f(self.low), _f(self.high)],
            "standard_error": None if self.standard_error is None else _f(self.standard_error),
        }


@dataclass(frozen=True)
class SourceComparison:
    """The model's number beside one verbal assessment of the source.

    ``verdict`` compares the conditional point estimate (the source assumes one of its outcomes happens) with the
    term's range: ``within``, ``above`` or ``below``. ``band_overlaps`` says whether the conditional band meets
    the range (None without draws).
    """

    variants: tuple[str, ...]
    term: str | None
    low: float | None
    high: float | None
    statement: str
    probability: float
    conditional: float
    band: tuple[float, float] | None
    verdict: str | None
    band_overlaps: bool | None

    def to_dict(self) -> dict:
        """JSON-safe dict: the variants assessed, the source's term with its WEP range and statement, the model's
        probability and conditional probability (NaN as None), the conditional band, the verdict and whether the
        band meets the range."""
        return {
            "variants": list(self.variants),
            "term": self.term,
            "term_range": None if self.low is None else [self.low, self.high],
            "statement": self.statement,
            "probability": _f(self.probability),
            "conditional": _f(self.conditional),
            "conditional_band": None if self.band is None else [_f(self.band[0]), _f(self.band[1])],
            "verdict": self.verdict,
            "band_overlaps": self.band_overlaps,
        }


@dataclass(frozen=True, repr=False)
class OutcomeDistribution(Result):
    """Result of :func:`outcome_distribution`.

    Attributes
    ----------
    model_id : str
    outcome : str
        Id of the outcome descriptor (``marginal(outcome)`` is its distribution).
    marginals : tuple of Marginal
        Every descriptor, model order.
    none : Bin
        Shared by all descriptors.
    draws : int
        Number of judgment draws R (0: the stated matrix only).
    seed : int
        Entropy the draws derive from (give it back as ``seed`` to repeat the run).
    credit : str
        ``"variants"``, ``"scenarios"``, ``"volume"`` or ``"definition"`` (the convention in force).
    n_combinations : int
        Exogenous combinations; ``samples`` > 0 when they were sampled instead of enumerated.
    priors : dict
        ``{descriptor id: {"probabilities": {...}, "origin": ...}}`` as used.
    fixed : dict
        Interventions ``{descriptor id: variant id}``.
    scenarios : (m, n) int64
        Consistent scenarios of the stated matrix (exogenous descriptors free), tableau-free order.
    robust_scenarios : (q, n) int64
        Scenarios consistent in at least one draw (empty without draws).
    robustness : (q,) float64
        Share of draws in which each row of ``robust_scenarios`` is consistent.
    per_draw : (R, V + 1) float64 or None
        ``P(v | M_r)`` of every variant (compiled order) plus none, one row per draw.
    comparisons : tuple of SourceComparison
        The model beside the source's own words (when the model carries assessments of this outcome).
    notes : tuple of str
        What the reader must know: priors assumed uniform, sampling, absent spreads.
    unclassified : Bin or None
        Crediting by definition only: the outcome's share that no classification rule labels (its own bin: the
        outcome's variants, this bin and the none bin sum to 1).
    conventions : ConventionRange or None
        The outcome's probabilities under each crediting convention at the stated matrix, with their minimum and
        maximum (``outcome_distribution(..., conventions=True)``; :mod:`.conventions`). Never merged with the band.
    """

    model_id: str
    outcome: str
    marginals: tuple[Marginal, ...]
    none: Bin
    draws: int
    seed: int
    credit: str
    n_combinations: int
    samples: int
    priors: dict
    fixed: dict
    compiled: CompiledModel = field(repr=False)
    scenarios: np.ndarray = field(repr=False)
    robust_scenarios: np.ndarray = field(repr=False)
    robustness: np.ndarray = field(repr=False)
    per_draw: np.ndarray | None = field(default=None, repr=False)
    comparisons: tuple[SourceComparison, ...] = ()
    notes: tuple[str, ...] = ()
    unclassified: Bin | None = None
    conventions: Any = None

    def _summary(self) -> dict:
        m = self.marginal()
        top = int(np.argmax(m.probability)) if len(m.probability) else None
        out = {
            "model": self.model_id,
            "outcome": self.outcome,
            "draws": self.draws,
            "seed": self.seed,
            "credit": self.credit,
        }
        if top is not None:
            out["most_likely"] = f"{m.variant_ids[top]} {100 * float(m.probability[top]):.1f}%"
        out["none"] = f"{100 * float(self.none.probability):.1f}%"
        return out

    def marginal(self, descriptor: str | None = None) -> Marginal:
        """Distribution of ``descriptor`` (default: the outcome). Raises UnknownNameError for an unknown id."""
        d = self.compiled.descriptor_index(descriptor or self.outcome)
        return self.marginals[d]

    @property
    def probability(self) -> dict[str, float]:
        """Point estimate of each outcome variant: ``{variant id: P(v)}`` (the none bin is ``self.none``)."""
        return self.marginal().probabilities

    @property
    def conditional(self) -> dict[str, float]:
        """Outcome distribution conditional on some consistent scenario: ``{variant id: P(v | not none)}``."""
        m = self.marginal()
        return {v: float(p) for v, p in zip(m.variant_ids, m.conditional)}

    @property
    def bands(self) -> dict[str, tuple[float, float]] | None:
        """``{variant id: (5 %, 95 %)}`` of the outcome across draws; None without draws."""
        m = self.marginal()
        if m.low is None:
            return None
        return {v: (float(a), float(b)) for v, a, b in zip(m.variant_ids, m.low, m.high)}

    @property
    def standard_errors(self) -> dict[str, float] | None:
        """``{variant id: Monte Carlo standard error}`` of the outcome; None when nothing was sampled."""
        m = self.marginal()
        if m.standard_error is None:
            return None
        return {v: float(s) for v, s in zip(m.variant_ids, m.standard_error)}

    def robustness_rows(self, min_share: float | None = ROBUST_LISTED) -> list[dict]:
        """Scenarios consistent in some draw, most robust first: variants, share of draws, consistent as stated.

        With ``min_share`` (default :data:`ROBUST_LISTED`), only scenarios consistent as stated or consistent in at
        least that share of draws are listed (draws with many uncertain judgments make tens of thousands of
        scenarios consistent once); ``None`` lists all.
        """
        stated = {tuple(s) for s in self.scenarios.tolist()}
        flags = np.array([tuple(s) in stated for s in self.robust_scenarios.tolist()], dtype=bool)
        keep = np.ones(len(flags), dtype=bool) if min_share is None else flags | (self.robustness >= min_share)
        idx = np.flatnonzero(keep)
        idx = idx[np.argsort(-self.robustness[idx], kind="stable")]
        return [
            {
                "variants": self.compiled.scenario_to_mapping(self.robust_scenarios[i]),
                "robustness": _f(self.robustness[i]),
                "consistent_as_stated": bool(flags[i]),
            }
            for i in idx
        ]

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist likelihood --json`` prints)."""
        return {
            "model": self.model_id,
            "outcome": self.outcome,
            "credit": self.credit,
            "draws": self.draws,
            "seed": self.seed,
            "band_percentiles": list(BAND) if self.draws else None,
            "combinations": {"total": self.n_combinations, "sampled": self.samples},
            "fixed": dict(self.fixed),
            "priors": self.priors,
            "distribution": self.marginal().rows(),
            "none": self.none.to_dict(),
            "unclassified": None if self.unclassified is None else self.unclassified.to_dict(),
            "convention_range": None if self.conventions is None else self.conventions.to_dict(),
            "descriptors": {m.descriptor: m.rows() for m in self.marginals},
            "consistent_scenarios": [self.compiled.scenario_to_mapping(s) for s in self.scenarios],
            "robustness": {
                "consistent_in_some_draw": len(self.robustness),
                "listed": (
                    f"consistent as stated, or in at least {ROBUST_LISTED:.0%} of draws" if self.draws else "no draws"
                ),
                "scenarios": self.robustness_rows(),
            },
            "source_assessments": [c.to_dict() for c in self.comparisons],
            "notes": list(self.notes),
        }

    def to_frame(self):
        """pandas DataFrame indexed by (descriptor, variant), one block per descriptor with a ``(none)`` row (and,
        crediting by definition, an ``(unclassified)`` row in the outcome's block); columns probability, conditional,
        stated, low, high, standard_error, outcome (bool), and ``convention_low``, ``convention_high`` (the outcome's
        convention range, when computed; NaN elsewhere)."""
        import pandas as pd

        rows = []
        for m in self.marginals:
            for r in m.rows():
                lo, hi = r["band"] or (None, None)
                rows.append(
                    {
                        "descriptor": m.descriptor,
                        "variant": r["variant"],
                        "probability": r["probability"],
                        "conditional": r["conditional"],
                        "stated": r["stated"],
                        "low": lo,
                        "high": hi,
                        "standard_error": r["standard_error"],
                        "outcome": m.descriptor == self.outcome,
                    }
                )
            if m.descriptor == self.outcome and self.unclassified is not None:
                u = self.unclassified
                rows.append(
                    {
                        "descriptor": m.descriptor,
                        "variant": "(unclassified)",
                        "probability": u.probability,
                        "conditional": None,
                        "stated": u.stated,
                        "low": u.low,
                        "high": u.high,
                        "standard_error": u.standard_error,
                        "outcome": True,
                    }
                )
            rows.append(
                {
                    "descriptor": m.descriptor,
                    "variant": "(none)",
                    "probability": self.none.probability,
                    "conditional": None,
                    "stated": self.none.stated,
                    "low": self.none.low,
                    "high": self.none.high,
                    "standard_error": self.none.standard_error,
                    "outcome": m.descriptor == self.outcome,
                }
            )
        frame = pd.DataFrame(rows)
        frame["convention_low"] = np.nan
        frame["convention_high"] = np.nan
        if self.conventions is not None:
            for v, (lo, hi) in self.conventions.ranges.items():
                at = (frame["descriptor"] == self.outcome) & (frame["variant"] == v)
                frame.loc[at, "convention_low"] = lo
                frame.loc[at, "convention_high"] = hi
        return frame.set_index(["descriptor", "variant"])


def _f(x) -> float | None:
    """float, or None for NaN (JSON has no NaN)."""
    x = float(x)
    return None if np.isnan(x) else x


@dataclass(frozen=True)
class Setup:
    """A model prepared for passes: compiled arrays, priors, pass spec, spreads, notes (see :func:`prepare`)."""

    model: Model
    compiled: CompiledModel
    priors: Priors
    spec: PassSpec
    spread: JudgmentSpread
    fixed: np.ndarray
    outcome: int
    notes: tuple[str, ...]


def prepare(
    model: Model | str | os.PathLike,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    outcome: str | None = None,
    credit: str = "variants",
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
) -> Setup:
    """Validate the options and compile what every pass over this model needs (used by all likelihood functions).

    Raises
    ------
    OptionError, UnknownNameError
        Bad priors, interventions, outcome or credit (see :func:`outcome_distribution`).
    """
    from ..errors import OptionError

    if not isinstance(model, Model):  # the engines read no files: scenarist.likelihood() does
        raise TypeError(f"expected a Model (read files with scenarist.load), got {type(model).__name__}")
    compiled = compile_model(model)
    pri = resolve_priors(model, compiled, priors)
    fx = normalise_fixed(compiled, fixed)
    if outcome is None:
        out_desc = model.outcome
        if out_desc is None:
            # as track and forecast do: never guess which descriptor is the headline
            raise OptionError(
                f"model {model.metadata.id!r} has no outcome descriptor (role: outcome, or "
                f"assessments.outcome); name the descriptor to headline with --outcome "
                f"(one of: {', '.join(compiled.descriptor_ids)})"
            )
        out_idx = compiled.descriptor_index(out_desc.id)
    else:
        out_idx = compiled.descriptor_index(outcome)
    spec = make_pass_spec(compiled, pri, fx, credit, max_combinations, samples)
    notes = []
    for d in pri.assumed_uniform:
        if fx[d] < 0:
            notes.append(f"prior of {compiled.descriptor_ids[d]!r} assumed uniform: the model states none")
    for d, o in zip(pri.descriptors, pri.origin):
        if o == "model (uniform)" and fx[d] < 0:
            notes.append(
                f"prior of {compiled.descriptor_ids[d]!r} is uniform: the source gives no ground to prefer a variant"
            )
    for d in np.flatnonzero(compiled.exogenous & (fx >= 0)):
        notes.append(f"{compiled.descriptor_ids[d]!r} is fixed by an intervention; its prior is not used")
    if credit == "definition":
        from ..classification import compile_rules

        rules = compile_rules(model, compiled, compiled.descriptor_ids[out_idx])
        if rules is None:
            raise OptionError(
                f"credit 'definition' needs classification rules on the variants of "
                f"{compiled.descriptor_ids[out_idx]!r} (a variant's rule:, docs/model-format.md); none carries one"
            )
        spec = replace(spec, rules=rules)
        notes.append(
            "credited by definition: each consistent scenario's outcome is the label of the first classification "
            "rule it matches (unclassified when none); the consistency test is unchanged"
        )
    if spec.samples:
        notes.append(
            f"{spec.n_combinations} exogenous combinations exceed the limit of {max_combinations}: "
            f"{spec.samples} are sampled from the priors per matrix, with a standard error"
        )
    if fx[out_idx] >= 0:
        if compiled.exogenous[out_idx]:
            pass
        else:
            raise OptionError(f"the outcome {compiled.descriptor_ids[out_idx]!r} is fixed by an intervention")
    return Setup(model, compiled, pri, spec, judgment_spread(model, compiled), fx, out_idx, tuple(notes))


def base_generator(entropy: int) -> np.random.Generator:
    """Generator for sampling combinations of the stated matrix (apart from every draw's own generator)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(2**32,))))


def outcome_distribution(
    model: Model | str | os.PathLike,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    draws: int = 0,
    seed: int | np.random.Generator | None = None,
    *,
    outcome: str | None = None,
    credit: str = "variants",
    shared_sections: bool = False,
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
    scheduler: Any = None,
    progress: Callable[[float, str], None] | None = None,
    conventions: bool = False,
) -> OutcomeDistribution:
    """Likelihood of every variant of every descriptor, with the none bin and, with draws, uncertainty bands.

    Parameters
    ----------
    model : Model
        A validated model (:func:`scenarist.load` reads one from a file or a packaged name).
    priors : mapping descriptor id → {variant id: probability}, optional
        Overrides the model's priors of these exogenous descriptors (e.g. after evidence). Each must give every
        variant, in [0, 1], summing to 1.
    fixed : mapping descriptor id → variant id, or (n_descriptors,) int64 array (-1 = free), optional
        Interventions on top of the model: fixed descriptors leave the consistency test, their impacts still count;
        a fixed exogenous descriptor is certain (its prior is not used).
    draws : int, 0..100,000 (:data:`~scenarist.checks.MAX_DRAWS`)
        Number R of judgment draws; 0 evaluates the stated matrix only (exact, no band). Refused when the draws'
        rows (16 · R · (V + 1) bytes) would pass :data:`~scenarist.checks.MAX_MEMORY_BYTES`.
    seed : int, numpy Generator or None
        Seed of the draws (and of sampled combinations); 0 is a seed. The entropy used is returned as ``.seed``.
    outcome : str, optional
        Descriptor to headline (default: the model's outcome, required when the model has none; every descriptor
        is reported anyway).
    credit : {"variants", "scenarios", "volume", "definition"}
        ``variants`` (default, docs/method.md §2): each outcome variant taken by a consistent scenario of x gets an
        equal share of P(x). ``scenarios``: each consistent scenario of x gets an equal share and passes it to its
        variants. ``volume``: each consistent scenario of x gets a share proportional to its volume weight (basin under
        global succession, see :mod:`.volume`); stated matrix only. ``definition``: as ``variants``, but the
        outcome's label is the one its classification rules give (:mod:`scenarist.classification`), with an
        ``unclassified`` bin; needs rules on the outcome's variants.
    shared_sections : bool
        One shared shift per judgment ``section`` (correlated error) instead of independent judgments.
    max_combinations, samples : int
        Above ``max_combinations`` exogenous combinations, ``samples`` of them are drawn from the priors per matrix.
    scheduler : None, str or distributed.Client
        Run the draws on this Dask scheduler (identical numbers for any number of workers).
    progress : callable(fraction, phase), optional
        Called as draws complete, with the fraction done in (0, 1] and the phase (``"judgment draws"``).
    conventions : bool
        Also compute the convention range (``.conventions``, :func:`convention_range`): the outcome's
        probability at the stated matrix under every crediting convention, volume included (seconds on the flagship).

    Returns
    -------
    OutcomeDistribution

    Raises
    ------
    OptionError
        Draws outside 0..10^5 or past the memory limit, a seed outside 0..2^63 − 1, bad priors, unknown credit, no ``outcome`` for a model without an outcome
        descriptor, the outcome fixed by an intervention, a malformed or unreachable scheduler.
    UnknownNameError
        Unknown descriptor or variant in ``priors``, ``fixed`` or ``outcome``.
    ModelError, InputFileError
        When ``model`` is a path that does not load.

    References
    ----------
    Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
    https://doi.org/10.1016/j.techfore.2005.06.005 — the consistency test. The weighting by priors, the none bin
    and the draws are Scenarist's own layer, documented in ``docs/method.md``.

    Examples
    --------
    >>> from scenarist import load
    >>> d = outcome_distribution(load("example"))
    >>> round(sum(d.probability.values()) + d.none.probability, 12)
    1.0
    """
    from ..checks import check_draws, check_memory
    from ..errors import OptionError

    if isinstance(draws, bool) or not hasattr(draws, "__index__"):
        raise OptionError(f"draws must be an integer ≥ 0, got {draws}")
    draws = check_draws(int(draws))
    if isinstance(scheduler, str):
        from .backends import check_scheduler_address

        scheduler = check_scheduler_address(scheduler)
    setup = prepare(model, priors, fixed, outcome, credit, max_combinations, samples)
    entropy = normalise_seed(seed)
    notes = list(setup.notes)
    if credit == "volume":
        if draws:
            raise OptionError(
                "credit 'volume' evaluates the stated matrix only: use draws=0 (on the command line "
                "--draws 0, or leave --draws out)"
            )
        if setup.spec.samples:
            raise OptionError(
                f"credit 'volume' enumerates the exogenous combinations; {setup.spec.n_combinations} "
                f"exceed the limit of {max_combinations}"
            )
        from .volume import volume_pass

        stated, sampled = volume_pass(setup.spec, setup.compiled, setup.compiled.matrix, seed=entropy)
        notes.append(
            "credited by volume weight (global succession)"
            + ("; some basins estimated from random starts" if sampled else ", basins exact")
        )
        empty = np.zeros((0, setup.compiled.n_descriptors), dtype=np.int64)
        result = summarise(setup, stated, None, entropy, empty, np.zeros(0), notes)
        if not conventions:
            return result
        convs = conventions_of(setup, seed=entropy, known={"volume": (stated.flat, sampled)})
        return replace(result, conventions=convs)
    stated = run_pass(setup.spec, setup.compiled.matrix, base_generator(entropy) if setup.spec.samples else None)
    per_draw = None
    robust = np.zeros((0, setup.compiled.n_descriptors), dtype=np.int64)
    share = np.zeros(0)
    convs = None
    if conventions:
        convs = conventions_of(
            setup, seed=entropy, known={credit: (stated.flat, False)}, generator=lambda: base_generator(entropy)
        )
    if draws:
        # per draw: one probability row (V + 1 floats) kept, and once more while the rows are joined
        check_memory(16 * draws * (setup.compiled.n_variants + 1), f"{draws:,} judgment draws")
        if len(setup.spread) == 0:
            notes.append("no judgment carries a spread or confidence: every draw equals the stated matrix")
        task = DrawTask(draw_spec(setup), setup.compiled.matrix, setup.spread, entropy, shared_sections)
        chunks = run_draws(task, draws, scheduler=scheduler, progress=progress)
        per_draw = np.concatenate([c.flat for c in chunks])
        robust, counts = merge_counts(chunks, setup.spec.counts)
        share = counts / draws
    result = summarise(setup, stated, per_draw, entropy, robust, share, notes)
    return result if convs is None else replace(result, conventions=convs)


def draw_spec(setup: Setup) -> PassSpec:
    """The pass spec for judgment draws: ``setup.spec`` with every free exogenous descriptor whose prior puts all
    weight on one variant held at that variant.

    Exact for the outcome distribution: a combination with prior weight 0 adds 0 to every variant and to the none
    bin (the none bin is 1 minus the weight of the combinations that have a consistent scenario), so leaving it
    out changes no probability. What changes is what the draws search: the scenarios counted for robustness are
    those of combinations with positive weight. The flagship's two post-article extensions (prior 1 / 0 each) keep
    24 of its 96 combinations, so each draw searches a quarter of them. Sampled passes (``spec.samples > 0``)
    already draw combinations from the priors and are returned unchanged.
    """
    spec = setup.spec
    if spec.samples or len(spec.exo) == 0:
        return spec
    held = {
        int(d): int(np.flatnonzero(spec.prior[e])[0])
        for e, d in enumerate(spec.exo)
        if np.count_nonzero(spec.prior[e]) == 1
    }
    if not held:
        return spec
    fixed = setup.fixed.copy()
    for d, v in held.items():
        fixed[d] = v
    out = make_pass_spec(
        setup.compiled, setup.priors, fixed, spec.credit, max(spec.n_combinations, 1), SAMPLES, spec.max_inconsistency
    )
    return replace(out, rules=spec.rules) if spec.rules is not None else out


def summarise(
    setup: Setup,
    stated: PassResult,
    per_draw: np.ndarray | None,
    entropy: int,
    robust: np.ndarray,
    share: np.ndarray,
    notes: list[str],
    weights: np.ndarray | None = None,
) -> OutcomeDistribution:
    """Assemble an :class:`OutcomeDistribution` from the stated pass and the per-draw rows.

    ``weights`` (R,), when given, weights the rows (an ensemble mixture): mean and percentiles are weighted and the
    standard error is left out (the rows are members, not random draws).
    """
    c = setup.compiled
    V = c.n_variants
    if per_draw is None:
        point = stated.flat
        low = high = None
        se = stated.standard_error
    else:
        if weights is None:
            point = per_draw.mean(axis=0)
            low, high = np.percentile(per_draw, BAND, axis=0)
            se = per_draw.std(axis=0, ddof=1) / np.sqrt(len(per_draw)) if len(per_draw) > 1 else None
        else:
            w = np.asarray(weights, dtype=np.float64) / np.sum(weights)
            point = w @ per_draw
            low, high = weighted_percentiles(per_draw, w, BAND)
            se = None
    cond_rows = _conditional(per_draw if per_draw is not None else stated.flat[None, :], V)
    if per_draw is None or weights is None:
        cond_point = _nanmean(cond_rows)
    else:
        cond_point = _weighted_nanmean(cond_rows, weights)
    marginals = []
    for d in range(c.n_descriptors):
        sl = slice(int(c.offsets[d]), int(c.offsets[d + 1]))
        marginals.append(
            Marginal(
                descriptor=c.descriptor_ids[d],
                name=c.descriptor_names[d],
                variant_ids=c.variant_ids[d],
                variant_names=c.variant_names[d],
                probability=point[sl].copy(),
                conditional=cond_point[sl].copy(),
                stated=stated.flat[sl].copy(),
                low=None if low is None else low[sl].copy(),
                high=None if high is None else high[sl].copy(),
                standard_error=None if se is None else se[sl].copy(),
            )
        )
    none = Bin(
        probability=float(point[V]),
        stated=float(stated.flat[V]),
        low=None if low is None else float(low[V]),
        high=None if high is None else float(high[V]),
        standard_error=None if se is None else float(se[V]),
    )
    fixed = {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(setup.fixed) if v >= 0}
    comparisons = _compare(setup, point, cond_rows, cond_point, per_draw, weights)
    unclassified = None
    if len(point) > V + 1:  # crediting by definition: column V + 1 is the outcome's unclassified bin
        unclassified = Bin(
            probability=float(point[V + 1]),
            stated=float(stated.flat[V + 1]),
            low=None if low is None else float(low[V + 1]),
            high=None if high is None else float(high[V + 1]),
            standard_error=None if se is None else float(se[V + 1]),
        )
    return OutcomeDistribution(
        model_id=setup.model.metadata.id,
        outcome=c.descriptor_ids[setup.outcome],
        marginals=tuple(marginals),
        none=none,
        draws=0 if per_draw is None else len(per_draw),
        seed=entropy,
        credit=setup.spec.credit,
        n_combinations=setup.spec.n_combinations,
        samples=setup.spec.samples,
        priors=setup.priors.to_dict(c),
        fixed=fixed,
        compiled=c,
        scenarios=stated.scenarios,
        robust_scenarios=robust,
        robustness=share,
        per_draw=per_draw,
        comparisons=comparisons,
        notes=tuple(notes),
        unclassified=unclassified,
    )


def _conditional(rows: np.ndarray, V: int) -> np.ndarray:
    """Per row, P(v) / (1 − P(none)); NaN where the none bin is (numerically) everything."""
    denom = 1.0 - rows[:, V : V + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom > 1e-12, rows[:, :V] / np.where(denom > 1e-12, denom, 1.0), np.nan)
    return out


def _nanmean(a: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(a)
    n = ok.sum(axis=0)
    s = np.where(ok, a, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _weighted_nanmean(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)[:, None]
    ok = ~np.isnan(a)
    tw = (w * ok).sum(axis=0)
    s = (np.where(ok, a, 0.0) * w).sum(axis=0)
    return np.where(tw > 0, s / np.where(tw > 0, tw, 1.0), np.nan)


def weighted_percentiles(rows: np.ndarray, w: np.ndarray, qs) -> tuple[np.ndarray, ...]:
    """Weighted percentiles per column (inverted weighted CDF, lower value at ties): one (n_cols,) array per q."""
    order = np.argsort(rows, axis=0, kind="stable")
    srt = np.take_along_axis(rows, order, axis=0)
    cw = np.cumsum(np.asarray(w)[order], axis=0)
    cw /= cw[-1:]
    out = []
    for q in qs:
        idx = (cw < q / 100.0 - 1e-12).sum(axis=0)
        idx = np.minimum(idx, len(rows) - 1)
        out.append(srt[idx, np.arange(rows.shape[1])])
    return tuple(out)


def _compare(setup, point, cond_rows, cond_point, per_draw, weights) -> tuple[SourceComparison, ...]:
    """The source's verbal assessments of the outcome beside the model's numbers (WEP table ranges)."""
    model, c = setup.model, setup.compiled
    a = model.assessments
    if a is None or a.outcome != c.descriptor_ids[setup.outcome]:
        return ()
    terms = {t.term: (t.low, t.high) for t in a.wep.terms}
    off = int(c.offsets[setup.outcome])
    ids = c.variant_ids[setup.outcome]
    items = [((va.variant,), va.term, va.statement) for va in a.variants]
    items += [(tuple(ja.variants), ja.term, ja.statement) for ja in a.joint]
    out = []
    for variants, term, statement in items:
        cols = [off + ids.index(v) for v in variants]
        p = float(point[cols].sum())
        cp = float(np.nansum(cond_point[list(cols)]))
        band = None
        if per_draw is not None:
            sums = cond_rows[:, cols].sum(axis=1)
            ok = ~np.isnan(sums)
            if ok.any():
                if weights is None:
                    lo, hi = np.percentile(sums[ok], BAND)
                else:
                    lo, hi = (x[0] for x in weighted_percentiles(sums[ok, None], np.asarray(weights)[ok], BAND))
                band = (float(lo), float(hi))
        rng = terms.get(term) if term else None
        verdict = overlaps = None
        if rng is not None:
            lo_t, hi_t = rng
            eps = 1e-9  # means of equal rows may miss a range's edge by rounding
            verdict = "within" if lo_t - eps <= cp <= hi_t + eps else ("above" if cp > hi_t else "below")
            if band is not None:
                overlaps = bool(band[0] <= hi_t + eps and band[1] >= lo_t - eps)
        out.append(
            SourceComparison(
                variants=variants,
                term=term,
                low=None if rng is None else rng[0],
                high=None if rng is None else rng[1],
                statement=statement,
                probability=p,
                conditional=cp,
                band=band,
                verdict=verdict,
                band_overlaps=overlaps,
            )
        )
    return tuple(out)


def convention_range(
    model: Model,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    *,
    outcome: str | None = None,
    volume: bool = True,
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
    seed: int = 0,
) -> ConventionRange:
    """The outcome's probability at the stated matrix under every crediting convention, and its range per variant
    (``docs/method.md`` §2; the result is described in :mod:`.conventions`).

    Parameters
    ----------
    model : Model
        A validated model.
    priors, fixed, outcome, max_combinations, samples
        As in :func:`outcome_distribution` (the same setup for every convention).
    volume : bool
        Include the volume convention: one basin computation per exogenous combination of non-zero weight (about
        4–7 s on the flagship). Left out, with a note, when the combinations are sampled rather than enumerated.
    seed : int ≥ 0
        Seed of sampled basins and sampled combinations, as ``outcome_distribution(seed=)``: the volume figure then
        equals ``outcome_distribution(credit="volume", seed=seed)``'s.

    Returns
    -------
    ConventionRange
        Conventions variants, scenarios, volume and, when the outcome's variants carry rules, definition.

    Raises
    ------
    OptionError, UnknownNameError
        As :func:`outcome_distribution` for bad priors, interventions or outcome.

    Examples
    --------
    >>> from scenarist import load
    >>> cr = convention_range(load("example"))
    >>> cr.conventions
    ('variants', 'scenarios', 'volume')
    """
    setup = prepare(model, priors, fixed, outcome, "variants", max_combinations, samples)
    entropy = normalise_seed(seed)
    return conventions_of(setup, volume=volume, seed=entropy, generator=lambda: base_generator(entropy))
