"""Array-level entry points to the likelihood kernels: everything one exact pass over a matrix needs.

:class:`PassSpec` holds, as plain arrays, what stays the same from one matrix to the next (structure, interventions,
priors, crediting rule); :func:`run_pass` evaluates one matrix under it. Both are picklable, so a Dask worker can
run draws from them without the model or pydantic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..cib.compile import CompiledModel
from ..errors import OptionError
from . import _kernels
from .priors import Priors

#: Ways of sharing the weight P(x) of an exogenous combination x among what its consistent scenarios show
#: (``volume`` is handled by :mod:`.volume`, outside the fast pass).
CREDITS = ("variants", "scenarios", "volume")

#: Above this many exogenous combinations the exact pass samples them (docs/method.md §2); see :func:`make_pass_spec`.
MAX_COMBINATIONS = 1 << 16
#: Combinations drawn per matrix when sampling.
SAMPLES = 4096
#: A none bin below this is rounding in the products of priors, and is reported as 0.
NONE_ROUNDING = 1e-12


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
        Search order over all free descriptors (see :func:`search_order`).
    order_endogenous : (n_free - n_exo,)
        Search order over the free descriptors other than ``exo`` (used when combinations are sampled).
    credit : str
        ``"variants"`` (docs/method.md §2) or ``"scenarios"``.
    samples : int
        0 when every combination is enumerated; otherwise how many combinations are drawn per matrix.
    n_combinations : int
        Number of exogenous combinations (product of the free exogenous descriptors' variant counts).
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

    @property
    def n_variants(self) -> int:
        """Total number of variants V over all descriptors (the matrix is V × V)."""
        return int(self.offsets[-1])


def greedy_order(matrix: np.ndarray, offsets: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Free descriptors taken greedily: next is the one with the largest total absolute impact on, and from, the
    descriptors already placed (fixed ones count as placed); ties go to the earlier descriptor."""
    n = len(offsets) - 1
    a = np.abs(np.asarray(matrix, dtype=np.int64))
    block = np.array([[a[offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]].sum() for j in range(n)]
                      for i in range(n)])
    tie = block + block.T
    placed = np.asarray(fixed) >= 0
    order = []
    for _ in range(int((~placed).sum())):
        score = np.where(placed, -1, tie[:, placed].sum(axis=1) if placed.any() else tie.sum(axis=1))
        d = int(np.argmax(score))
        order.append(d)
        placed[d] = True
    return np.array(order, dtype=np.int64)


def search_order(matrix: np.ndarray, offsets: np.ndarray, counts: np.ndarray, fixed: np.ndarray, tested: np.ndarray,
                 exo: np.ndarray, measure: bool = True) -> np.ndarray:
    """Search order over the free descriptors, chosen on the stated matrix (the order changes speed, never results).

    Candidates: file order, a greedy order (:func:`greedy_order`), and both with the free exogenous descriptors
    moved last; the candidate whose search visits the fewest nodes wins (ties: the earlier candidate). Draws
    perturb a few scores, so the order that suits the stated matrix suits them too. With ``measure=False`` (used
    when combinations are sampled and the full search is never run) the greedy order with the exogenous
    descriptors last is taken without measuring.
    """
    free = np.flatnonzero(fixed < 0).astype(np.int64)
    exo_set = set(int(e) for e in exo)
    greedy = greedy_order(matrix, offsets, fixed)

    def exo_last(o):
        return np.array([d for d in o if int(d) not in exo_set] + [d for d in o if int(d) in exo_set], dtype=np.int64)

    candidates = [free, greedy, exo_last(free), exo_last(greedy)]
    if not measure:
        return candidates[3]
    if len(free) <= 1:
        return free
    costs = [int(_kernels.search_nodes(matrix, offsets, counts, tested, fixed, o)) for o in candidates]
    return candidates[int(np.argmin(costs))]


def make_pass_spec(
    compiled: CompiledModel,
    priors: Priors,
    fixed: np.ndarray,
    credit: str = "variants",
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
) -> PassSpec:
    """Build the :class:`PassSpec` for a compiled model, its priors and interventions.

    Parameters
    ----------
    fixed : (n_descriptors,) int64
        Interventions, -1 where free (see :func:`scenarist.cib.search.normalise_fixed`).
    credit : {"variants", "scenarios", "volume"}
    max_combinations : int ≥ 1
        When the free exogenous descriptors have more combinations than this, each matrix is evaluated on
        ``samples`` combinations drawn from the priors instead, and a standard error is reported.
    samples : int ≥ 2

    Raises
    ------
    OptionError
        Unknown ``credit`` or out-of-range limits.
    """
    if credit not in CREDITS:
        raise OptionError(f"credit must be one of {', '.join(CREDITS)}, got {credit!r}")
    if max_combinations < 1 or samples < 2:
        raise OptionError("max_combinations must be ≥ 1 and samples ≥ 2")
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
    tested = ~compiled.exogenous & (fixed < 0)
    matrix = np.ascontiguousarray(compiled.matrix, dtype=np.int64)
    offsets = compiled.offsets.astype(np.int64)
    counts = compiled.counts.astype(np.int64)
    order = search_order(matrix, offsets, counts, fixed, tested, exo, measure=n_comb <= max_combinations)
    order_endo = np.array([d for d in order if d not in set(exo.tolist())], dtype=np.int64)
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
    )


@dataclass(frozen=True)
class PassResult:
    """One matrix evaluated under a :class:`PassSpec`.

    Attributes
    ----------
    flat : (V + 1,) float64
        ``flat[offsets[d] + v]`` = P(descriptor d takes variant v and some consistent scenario exists);
        ``flat[V]`` = P(none): no consistent scenario for the exogenous combination.
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


def group_credit(spec: PassSpec, scenarios: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Share of each group's weight credited to each variant: (n_groups, V + 1) float64.

    Under ``credit="variants"`` each variant of descriptor d taken by some consistent scenario of the group gets
    1 / |V_d(group)|; under ``"scenarios"`` each consistent scenario of the group gets 1 / |S(group)| and passes it
    to the variants it takes. A group without scenario gets 1 in the none column.
    """
    V = spec.n_variants
    out = np.zeros((n_groups, V + 1), dtype=np.float64)
    n_sc = np.bincount(group, minlength=n_groups)
    out[n_sc == 0, V] = 1.0
    if len(scenarios) == 0:
        return out
    n = len(spec.counts)
    cols = scenarios + spec.offsets[:-1][None, :]  # (m, n) matrix column of each variant taken
    if spec.credit == "scenarios":
        np.add.at(out, (np.repeat(group, n), cols.reshape(-1)), np.repeat(1.0 / n_sc[group], n))
        return out
    # distinct (group, column) pairs: the variants each group's scenarios take
    pair = np.unique((group[:, None] * V + cols).reshape(-1))
    g, col = pair // V, pair % V
    desc = np.searchsorted(spec.offsets, col, side="right") - 1
    n_var = np.bincount(g * n + desc, minlength=n_groups * n)
    out[g, col] += 1.0 / n_var[g * n + desc]
    return out


def run_pass(spec: PassSpec, matrix: np.ndarray, rng: np.random.Generator | None = None) -> PassResult:
    """Evaluate one matrix: the exact outcome distribution of every descriptor (docs/method.md §2).

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
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.int64)
    n_exo = len(spec.exo)
    if spec.samples == 0:
        scen = _kernels.consistent_scenarios(matrix, spec.offsets, spec.counts, spec.tested, spec.fixed, spec.order)
        scen = scen[np.lexsort(scen.T[::-1])] if len(scen) > 1 else scen  # order-free, so sums never depend on it
        if n_exo:
            sub = scen[:, spec.exo]
            combos, group = np.unique(sub, axis=0, return_inverse=True)
            group = group.reshape(-1)
            w = np.ones(len(combos))
            for e in range(n_exo):
                w *= spec.prior[e, combos[:, e]]
        else:
            combos = np.zeros((1 if len(scen) else 0, 0), dtype=np.int64)
            group = np.zeros(len(scen), dtype=np.int64)
            w = np.ones(len(combos))
        credit = group_credit(spec, scen, group, len(combos))
        flat = w @ credit
        none = 1.0 - math.fsum(w.tolist())
        flat[-1] = none if none > NONE_ROUNDING else 0.0  # products of priors leave ~1e-16 of rounding
        return PassResult(flat, None, scen, combos, credit, w)
    if rng is None:
        raise ValueError("run_pass needs an rng when combinations are sampled")
    combos = np.empty((spec.samples, n_exo), dtype=np.int64)
    for e in range(n_exo):
        k = int(spec.counts[spec.exo[e]])
        combos[:, e] = rng.choice(k, size=spec.samples, p=spec.prior[e, :k])
    scen, group = _kernels.consistent_for_combinations(
        matrix, spec.offsets, spec.counts, spec.tested, spec.fixed, spec.order_endogenous, spec.exo, combos
    )
    credit = group_credit(spec, scen, group, spec.samples)
    flat = credit.mean(axis=0)
    se = credit.std(axis=0, ddof=1) / np.sqrt(spec.samples)
    uniq = np.unique(scen, axis=0) if len(scen) else scen
    return PassResult(flat, se, uniq, combos, credit, np.full(spec.samples, 1.0 / spec.samples))
