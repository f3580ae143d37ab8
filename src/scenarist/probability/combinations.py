"""The pass over exogenous combinations: everything one exact pass over a matrix needs (``docs/method.md`` §2).

:class:`PassSpec` holds, as plain arrays, what stays the same from one matrix to the next (structure, interventions,
priors, crediting rule, search order); :func:`run_pass` evaluates one matrix under it. Both are picklable, so a Dask
worker can run draws from them without the model or pydantic.

The consistent scenarios come from the engine's search (:func:`scenarist.cib.search.scenarios_by_combination`,
Weimer-Jehle 2006), tagged by exogenous combination; this module weighs the combinations by their priors and shares
each weight among the variants (the kernel in :mod:`._kernels`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cib.compile import CompiledModel
from ..cib.search import choose_order, scenarios_by_combination
from ..errors import OptionError
from . import _kernels
from .priors import Priors

#: Ways of sharing the weight P(x) of an exogenous combination x among what its consistent scenarios show
#: (``volume`` is handled by :mod:`.volume`, outside the fast pass; ``definition`` credits by variants with the
#: outcome's variant replaced by its classification rules' label, :mod:`scenarist.classification`).
CREDITS = ("variants", "scenarios", "volume", "definition")

#: Above this many exogenous combinations the exact pass samples them (docs/method.md §2); see :func:`make_pass_spec`.
MAX_COMBINATIONS = 1 << 16
#: Combinations drawn per matrix when sampling.
SAMPLES = 4096
#: A none bin below this is rounding in the products of priors, and is reported as 0.
NONE_ROUNDING = 1e-12
#: Rows reserved for one pass's scenarios before its search (a pass that finds more searches again, sized to fit).
PASS_ROWS = 4096


@dataclass(frozen=True)
class PassSpec:
    """What an exact pass over one matrix needs besides the matrix (all arrays int64 unless said).

    Attributes
    ----------
    offsets : (n + 1,)
    counts : (n,)
    tested : (n,) bool
        Descriptors the consistency test looks at (neither exogenous nor fixed).
    fixed : (n,)
        Interventions (-1 = free). Exogenous descriptors fixed by an intervention count as certain.
    exo : (n_exo,)
        Free exogenous descriptors (those whose combinations are weighted by the priors).
    prior : (n_exo, kmax) float64
        Prior of each free exogenous descriptor, zero-padded.
    order : (n_free,)
        Search order over all free descriptors (see :func:`scenarist.cib.search.choose_order`).
    order_endogenous : (n_free - n_exo,)
        Search order over the free descriptors other than ``exo`` (used when combinations are sampled).
    credit : str
        ``"variants"`` (docs/method.md §2), ``"scenarios"`` or ``"definition"`` (needs ``rules``).
    samples : int
        0 when every combination is enumerated; otherwise how many combinations are drawn per matrix.
    n_combinations : int
        Number of exogenous combinations (product of the free exogenous descriptors' variant counts).
    max_inconsistency : int
        Tolerance k of the consistency test (0: consistent scenarios only, as docs/method.md §2 defines the pass).
    rules : CompiledRules or None
        The outcome's classification rules (:class:`scenarist.classification.CompiledRules`) when crediting by
        definition; the pass rows then have one more column, ``V + 1``, the outcome's *unclassified* bin.
    """

    offsets: np.ndarray
    counts: np.ndarray
    tested: np.ndarray
    fixed: np.ndarray
    exo: np.ndarray
    prior: np.ndarray
    order: np.ndarray
    order_endogenous: np.ndarray
    credit: str = "variants"
    samples: int = 0
    n_combinations: int = 1
    max_inconsistency: int = 0
    rules: Any = None

    @property
    def n_variants(self) -> int:
        """Total number of variants V over all descriptors (the matrix is V × V)."""
        return int(self.offsets[-1])

    @property
    def width(self) -> int:
        """Columns of a pass row: V variants and the none bin, plus the unclassified bin when crediting by
        definition."""
        return self.n_variants + (2 if self.credit == "definition" else 1)


def make_pass_spec(
    compiled: CompiledModel,
    priors: Priors,
    fixed: np.ndarray,
    credit: str = "variants",
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
    max_inconsistency: int = 0,
) -> PassSpec:
    """Build the :class:`PassSpec` for a compiled model, its priors and interventions.

    The search order is chosen here, once, on the stated matrix (:func:`scenarist.cib.search.choose_order`, with
    the free exogenous descriptors tried last): every draw and probe of the model is then searched in that order.

    Parameters
    ----------
    compiled : CompiledModel
    priors : Priors
        Prior of each exogenous descriptor (probabilities in [0, 1] summing to 1).
    fixed : (n_descriptors,) int64
        Interventions, -1 where free (see :func:`scenarist.cib.search.normalise_fixed`).
    credit : {"variants", "scenarios", "volume"}
    max_combinations : int, 1..2^24
        When the free exogenous descriptors have more combinations than this, each matrix is evaluated on
        ``samples`` combinations drawn from the priors instead, and a standard error is reported.
    samples : int, 2..10^7 (:data:`~scenarist.checks.MAX_SAMPLES`)
    max_inconsistency : int, 0..``compiled.max_inconsistency_bound``
        Tolerance k: scenarios with inconsistency ≤ k count as consistent (Weimer-Jehle 2006; default 0).

    Raises
    ------
    OptionError
        Unknown ``credit`` or out-of-range limits or tolerance, or a pass whose arrays would take more than
        :data:`~scenarist.checks.MAX_MEMORY_BYTES` (estimated before allocating).
    """
    if credit not in CREDITS:
        raise OptionError(f"credit must be one of {', '.join(CREDITS)}, got {credit!r}")
    if max_combinations < 1 or samples < 2:
        raise OptionError("max_combinations must be ≥ 1 and samples ≥ 2")
    from ..checks import MAX_SAMPLES, check_integer
    from ..cib.compile import check_matrix_bounds
    from ..cib.search import check_k

    check_integer(max_combinations, "max_combinations", 1, 1 << 24, "combinations enumerated per matrix")
    check_integer(samples, "samples", 2, MAX_SAMPLES, "sampled combinations per matrix", "--samples")
    max_inconsistency = check_k(compiled, max_inconsistency)
    check_matrix_bounds(compiled.matrix, compiled.n_descriptors)
    fixed = np.asarray(fixed, dtype=np.int64)
    exo_all = np.flatnonzero(compiled.exogenous)
    exo = np.array([d for d in exo_all if fixed[d] < 0], dtype=np.int64)
    kmax = int(compiled.counts.max()) if len(compiled.counts) else 1
    prior = np.zeros((len(exo), kmax), dtype=np.float64)
    for k, d in enumerate(exo):
        p = priors.of(int(d))
        prior[k, : len(p)] = p
    n_comb = 1
    for d in exo:
        n_comb *= int(compiled.counts[d])
    from ..checks import check_memory

    V = compiled.n_variants
    if n_comb > max_combinations:  # sampled: combinations, their credit rows and one copy of them per matrix
        check_memory(8 * int(samples) * (len(exo) + 2 * (V + 1)), f"{int(samples):,} sampled exogenous combinations")
    else:  # exact: one credit row per combination
        check_memory(8 * n_comb * (len(exo) + V + 2), f"{n_comb:,} exogenous combinations")
    tested = ~compiled.exogenous & (fixed < 0)
    matrix = np.ascontiguousarray(compiled.matrix, dtype=np.int64)
    offsets = compiled.offsets.astype(np.int64)
    counts = compiled.counts.astype(np.int64)
    # sampled combinations never run the search with the exogenous descriptors free, so nothing to measure then
    order = choose_order(
        matrix, offsets, counts, fixed, tested, last=exo, k=int(max_inconsistency), measure=n_comb <= max_combinations
    )
    order_endo = order[~np.isin(order, exo)]
    return PassSpec(
        offsets=compiled.offsets.astype(np.int64),
        counts=compiled.counts.astype(np.int64),
        tested=tested,
        fixed=fixed.copy(),
        exo=exo,
        prior=prior,
        order=order,
        order_endogenous=order_endo,
        credit=credit,
        samples=int(samples) if n_comb > max_combinations else 0,
        n_combinations=n_comb,
        max_inconsistency=int(max_inconsistency),
    )


@dataclass(frozen=True)
class PassResult:
    """One matrix evaluated under a :class:`PassSpec`.

    Attributes
    ----------
    flat : (V + 1,) float64, (V + 2,) when crediting by definition
        ``flat[offsets[d] + v]`` = P(descriptor d takes variant v and some consistent scenario exists);
        ``flat[V]`` = P(none): no consistent scenario for the exogenous combination; ``flat[V + 1]`` (crediting by
        definition) = P(the outcome is unclassified: the scenarios credited match no rule).
    standard_error : (V + 1,) float64 or None
        Standard error from sampling the combinations (None when they were all enumerated).
    scenarios : (m, n) int64
        The consistent scenarios found (exact pass: all of them with the exogenous descriptors free).
    combos : (g, n_exo) int64
        Exact pass: the exogenous combinations that have a consistent scenario; sampled: the sampled combinations.
    group_credit : (g, V + 1) float64
        Per row of ``combos``: the share each variant receives of that combination's weight (the none column is 1
        for a combination without consistent scenario).
    weights : (g,) float64
        Exact pass: P(x) of each row of ``combos``; sampled: 1 / samples.
    """

    flat: np.ndarray
    standard_error: np.ndarray | None
    scenarios: np.ndarray
    combos: np.ndarray
    group_credit: np.ndarray
    weights: np.ndarray


def run_pass(spec: PassSpec, matrix: np.ndarray, rng: np.random.Generator | None = None) -> PassResult:
    """Evaluate one matrix: the exact outcome distribution of every descriptor (docs/method.md §2).

    Every exogenous combination x (all of them, or ``spec.samples`` drawn from the priors) gets its consistent
    scenarios from the engine's search; P(x) is shared among the variants they take (``spec.credit``), and the
    weight of combinations without any goes to the none bin.

    Parameters
    ----------
    spec : PassSpec
    matrix : (V, V) int64
        Cross-impact matrix with the structure of ``spec``.
    rng : numpy Generator
        Needed only when ``spec.samples > 0`` (combinations are then drawn from it).

    Returns
    -------
    PassResult
        Probabilities in [0, 1]; ``flat`` sums to 1 per descriptor with the none bin.

    Raises
    ------
    ValueError
        Combinations are sampled and ``rng`` is None.

    References
    ----------
    Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
    https://doi.org/10.1016/j.techfore.2005.06.005 — the consistency test; the weighting is Scenarist's own.
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.int64)
    n_exo = len(spec.exo)
    by_scenarios = spec.credit == "scenarios"
    if spec.samples == 0:
        scen, tags = scenarios_by_combination(
            matrix,
            spec.offsets,
            spec.counts,
            spec.fixed,
            spec.tested,
            spec.order,
            spec.exo,
            k=spec.max_inconsistency,
            rows=PASS_ROWS,
        )
        if len(scen) > 1:  # lexicographic: the search's own order depends on its branching order
            first = np.lexsort(scen.T[::-1])
            scen, tags = scen[first], tags[first]
        kept, credit = _kernels.credit_rows(scen, tags, max(spec.n_combinations, 1), spec.offsets, by_scenarios, True)
        if spec.credit == "definition":
            credit = definition_credit(credit, scen, tags, kept, spec)
        # the combinations with a consistent scenario, in lexicographic order (tags number them that way)
        combos = np.empty((len(kept), n_exo), dtype=np.int64)
        rest = kept.copy()
        for e in range(n_exo - 1, -1, -1):
            k = int(spec.counts[spec.exo[e]])
            combos[:, e] = rest % k
            rest //= k
        w = np.ones(len(combos))
        for e in range(n_exo):
            w *= spec.prior[e, combos[:, e]]
        flat = w @ credit
        none = 1.0 - math.fsum(w.tolist())
        flat[spec.n_variants] = none if none > NONE_ROUNDING else 0.0  # products of priors leave ~1e-16 of rounding
        return PassResult(flat, None, scen, combos, credit, w)
    if rng is None:
        raise ValueError("run_pass needs an rng when combinations are sampled")
    combos = np.empty((spec.samples, n_exo), dtype=np.int64)
    for e in range(n_exo):
        k = int(spec.counts[spec.exo[e]])
        combos[:, e] = rng.choice(k, size=spec.samples, p=spec.prior[e, :k])
    # a combination drawn twice has the same scenarios: search each distinct one once, then give every draw its row
    distinct, which = np.unique(combos, axis=0, return_inverse=True)
    scen, tags = scenarios_by_combination(
        matrix,
        spec.offsets,
        spec.counts,
        spec.fixed,
        spec.tested,
        spec.order_endogenous,
        spec.exo,
        distinct,
        k=spec.max_inconsistency,
        rows=PASS_ROWS,
    )
    kept, credit = _kernels.credit_rows(scen, tags, len(distinct), spec.offsets, by_scenarios, False)
    if spec.credit == "definition":
        credit = definition_credit(credit, scen, tags, kept, spec)
    credit = credit[which.reshape(-1)]
    flat = credit.mean(axis=0)
    se = credit.std(axis=0, ddof=1) / np.sqrt(spec.samples)
    uniq = np.unique(scen, axis=0) if len(scen) else scen
    return PassResult(flat, se, uniq, combos, credit, np.full(spec.samples, 1.0 / spec.samples))


def definition_credit(
    credit: np.ndarray, scen: np.ndarray, tags: np.ndarray, kept: np.ndarray, spec: PassSpec
) -> np.ndarray:
    """Credit rows by definition: the outcome's block re-credited by the rules' labels (``docs/method.md`` §2).

    ``credit`` (g, V + 1) are the rows crediting by variants for the combinations ``kept`` (increasing tags); the
    result (g, V + 2) keeps every other descriptor's columns and the none column, and gives each definition label
    that some scenario of the combination takes (a ruled variant, or *unclassified* in the new column V + 1) an equal
    share, as crediting by variants does for the balance's labels. Only the label changes: the scenarios are the
    consistent ones the search found.
    """
    rules = spec.rules
    g, V1 = credit.shape
    V = V1 - 1
    out = np.zeros((g, V + 2), dtype=np.float64)
    out[:, :V1] = credit
    d = int(rules.outcome)
    lo, hi = int(spec.offsets[d]), int(spec.offsets[d + 1])
    out[:, lo:hi] = 0.0
    if len(scen) == 0 or g == 0:
        return out
    k = hi - lo
    label = rules.classify(scen)[0]
    code = np.where(label < 0, k, label)
    taken = np.zeros((g, k + 1), dtype=bool)
    taken[np.searchsorted(kept, tags), code] = True
    n = taken.sum(axis=1, keepdims=True)
    share = np.where(taken, 1.0 / np.maximum(n, 1), 0.0)
    out[:, lo:hi] = share[:, :k]
    out[:, V + 1] = share[:, k]
    return out
