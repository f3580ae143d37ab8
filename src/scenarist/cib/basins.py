"""Basins of attraction (volume weights): where every start scenario ends under succession.

The volume weight of an attractor is the number (or share) of start scenarios whose succession ends in it
(Weimer-Jehle 2006; ScenarioWizard prints it in the weight column of its solution lists, computed with global
succession). Scenarios whose succession enters a cycle belong to no attractor; they are counted apart.

:func:`exact_basins` follows every scenario of the space (using at most 4 bytes per scenario plus a bitmap of
1/8 byte: the successor of each scenario is computed once by a compiled kernel vectorised across blocks of
scenarios, for every operator; then labels are propagated from the states that are some scenario's successor, or,
when those are many, as under local succession, by walking the successor array itself; docs/cib.md §6). :func:`sampled_basins` follows random start scenarios and gives each share a Wilson
score interval. :func:`basins` picks exact when the space fits ``max_exact``.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22(158),
209–212. https://doi.org/10.1080/01621459.1927.10502953
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from ..checks import MAX_SAMPLES, check_integer, check_memory, check_seed
from ..errors import OptionError
from ..results import Result
from .compile import CompiledModel
from .search import normalise_fixed, order_scenarios, tested_mask
from .succession import operator_code

#: Largest space :func:`basins` handles exactly by default (4 bytes per scenario: 2 GiB here).
MAX_EXACT = 1 << 29
#: Largest space sampled basins take: every state is numbered by its mixed-radix signature in an int64.
SIGNATURE_LIMIT = 2**63 - 1
#: Spaces below this size are followed on one thread.
SMALL_SPACE = 1 << 18
#: Hard limit of the exact method (state numbers are int32).
EXACT_LIMIT = (1 << 31) - 1
#: Most combinations of the low block (one lane each) in the local and sequential successor kernels.
LOW_BLOCK = 2048
#: Share of the space above which the successors' image is too large to index: terminals are then found by walking
#: the successor array itself (local succession moves one descriptor, so about half the space is some successor).
WALK_SHARE = 0.125

Progress = Callable[[float, str], None]
"""A progress callback: ``progress(fraction_done, phase)`` with ``fraction_done`` in [0, 1]."""


@dataclass(frozen=True, repr=False)
class Basins(Result):
    """Basin sizes of the attractors, and how many start scenarios end in cycles.

    Attributes
    ----------
    compiled : CompiledModel
    operator : str
        Succession operator used (``global`` is ScenarioWizard's).
    fixed : (n,) int64
        Interventions (-1 where free); the space is that of the free descriptors.
    attractors : (A, n) int64
        In tableau order (total impact score descending, then variant positions).
    sizes : (A,) int64
        Start scenarios (exact) or samples (sampled) ending in each attractor.
    cycles : tuple of (k, n) int64 arrays
        Distinct cycles met, each listed in succession order from its state with the smallest signature.
    cycle_sizes : (C,) int64
    total : int
        Size of the space (exact) or number of samples.
    exact : bool
    confidence : float
        Level of the intervals (1.0 when exact).
    share_low, share_high : (A,) float64
        Interval for each attractor's share of the space (equal to the share when exact).
    cycle_share_low, cycle_share_high : float
        Same for the share ending in cycles.
    unresolved : int
        Samples that found no repeat within the step bound (always 0 when exact).
    labels : (N,) int32 or None
        Exact only, when kept: per scenario of the free space (numbered first free descriptor fastest), the index
        of its attractor (≥ 0) or ``-1 - c`` for cycle c.
    seconds : dict
        Engine time per phase.
    model_id : str or None
        Id of the model (set by :func:`scenarist.basins`); ``to_dict`` then adds ``model`` (id, descriptors, space).
    timings : dict of str → float
        Seconds per step of the whole call (``read``, ``compile``, ``engine``, …, ``total``), set by
        :func:`scenarist.basins`.
    """

    compiled: CompiledModel
    operator: str
    fixed: np.ndarray
    attractors: np.ndarray
    sizes: np.ndarray
    cycles: tuple
    cycle_sizes: np.ndarray
    total: int
    exact: bool
    confidence: float
    share_low: np.ndarray
    share_high: np.ndarray
    cycle_share_low: float
    cycle_share_high: float
    unresolved: int = 0
    labels: np.ndarray | None = field(default=None, repr=False)
    seconds: dict = field(default_factory=dict)
    model_id: str | None = None
    timings: dict = field(default_factory=dict, compare=False)

    def _summary(self) -> dict:
        return {
            "method": "exact" if self.exact else "sampled",
            "operator": self.operator,
            "attractors": len(self.attractors),
            "total": int(self.total),
            "in_cycles": self.in_cycles,
        }

    @property
    def in_cycles(self) -> int:
        """Start scenarios (or samples) ending in a cycle."""
        return int(self.cycle_sizes.sum())

    @property
    def shares(self) -> np.ndarray:
        """(A,) float64 share of the space (or of the samples) ending in each attractor."""
        return self.sizes / max(self.total, 1)

    def weight_of(self, scenarios: np.ndarray) -> np.ndarray:
        """Basin size of each given full scenario ((N, n) int): 0 for one that is not an attractor."""
        sc = np.atleast_2d(np.asarray(scenarios, dtype=np.int64))
        where = {tuple(a): int(s) for a, s in zip(self.attractors.tolist(), self.sizes)}
        return np.array([where.get(tuple(s), 0) for s in sc.tolist()], dtype=np.int64)

    def to_dict(self) -> dict:
        """JSON-safe: method, operator, totals, each attractor with its size and share (and interval), cycles."""
        c = self.compiled
        out = {
            "method": "exact" if self.exact else "sampled",
            "operator": self.operator,
            "fixed": {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(self.fixed) if v >= 0},
            "total": int(self.total),
            "in_cycles": self.in_cycles,
            "n_cycles": len(self.cycles),
            "attractors": [
                {
                    "number": i + 1,
                    "variants": c.scenario_to_mapping(a),
                    "size": int(s),
                    "share": float(s / max(self.total, 1)),
                    **({} if self.exact else {"share_low": float(lo), "share_high": float(hi)}),
                }
                for i, (a, s, lo, hi) in enumerate(zip(self.attractors, self.sizes, self.share_low, self.share_high))
            ],
            "cycles": [
                {"size": int(s), "states": [c.scenario_to_mapping(x) for x in cyc]}
                for cyc, s in zip(self.cycles[:100], self.cycle_sizes[:100])
            ],
        }
        if not self.exact:
            out.update(
                confidence=self.confidence,
                cycle_share_low=float(self.cycle_share_low),
                cycle_share_high=float(self.cycle_share_high),
                unresolved=int(self.unresolved),
            )
        if self.model_id is not None:
            out["model"] = {"id": self.model_id, "descriptors": c.n_descriptors, "space": c.space_size}
        return out

    def to_frame(self):
        """pandas DataFrame: one row per attractor (index = number 1..), descriptor columns, size, share, interval."""
        import pandas as pd

        rows = []
        for i, (a, s, lo, hi) in enumerate(zip(self.attractors, self.sizes, self.share_low, self.share_high)):
            row = {"number": i + 1, **self.compiled.scenario_to_mapping(a)}
            row.update(size=int(s), share=float(s / max(self.total, 1)), share_low=float(lo), share_high=float(hi))
            rows.append(row)
        cols = ["number", *self.compiled.descriptor_ids, "size", "share", "share_low", "share_high"]
        return pd.DataFrame(rows, columns=cols).set_index("number")


def available_memory() -> int | None:
    """Bytes of physical memory available now (Linux/Unix ``sysconf``), or ``None`` where unknown."""
    import os

    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _arrays(compiled: CompiledModel):
    return (
        np.ascontiguousarray(compiled.matrix, dtype=np.int64),
        np.ascontiguousarray(compiled.offsets, dtype=np.int64),
        np.ascontiguousarray(compiled.counts, dtype=np.int64),
    )


def _decode(sig: np.ndarray, compiled: CompiledModel, fixed: np.ndarray) -> np.ndarray:
    """Free-space numbers → full scenarios (n,) with fixed variants filled in."""
    sig = np.asarray(sig, dtype=np.int64)
    out = np.empty((len(sig), compiled.n_descriptors), dtype=np.int64)
    rem = sig.copy()
    for d in range(compiled.n_descriptors):
        if fixed[d] >= 0:
            out[:, d] = fixed[d]
        else:
            out[:, d] = rem % compiled.counts[d]
            rem //= compiled.counts[d]
    return out


def _full_sig(scenarios: np.ndarray, counts: np.ndarray) -> np.ndarray:
    mult = np.concatenate([[1], np.cumprod(counts)[:-1]]).astype(np.int64)
    return (np.asarray(scenarios, dtype=np.int64) * mult).sum(axis=-1)


def _tis(compiled: CompiledModel, scenarios: np.ndarray, tested: np.ndarray) -> np.ndarray:
    from . import _kernels as K

    m, off, cnt = _arrays(compiled)
    return K.evaluate_many(m, off, cnt, np.ascontiguousarray(scenarios, dtype=np.int64), tested)[2]


def exact_basins(
    compiled: CompiledModel,
    operator: str = "global",
    fixed: Mapping[str, str] | np.ndarray | None = None,
    keep_labels: bool = True,
    progress: Progress | None = None,
    scalar: bool = False,
) -> Basins:
    """Follow every scenario of the (free) space under succession: the exact basin of each attractor.

    Memory: 4 bytes per scenario for the successor/label array, plus 1/8 byte per scenario per thread for the
    successor bitmaps, plus arrays over the successor states only.

    Parameters
    ----------
    operator : {"global", "local", "sequential"}
    fixed : interventions (held during succession; the space is that of the free descriptors)
    keep_labels : bool
        Keep the per-scenario label array in the result (``Basins.labels``; 4 bytes per scenario).
    progress : callable(fraction, phase), optional
    scalar : bool
        Compute local and sequential successors one scenario at a time (the scalar kernel) instead of across blocks
        of scenarios; the results are identical. For tests and benchmarks (global succession always runs its
        vectorised kernel).

    Raises
    ------
    OptionError
        Unknown operator, a space beyond :data:`EXACT_LIMIT` scenarios or beyond the memory available, or scores
        too large for int32 balances.
    """
    import numba

    op = operator_code(operator)
    fx = normalise_fixed(compiled, fixed)
    moving = tested_mask(compiled, fx)
    m, off, cnt = _arrays(compiled)
    N = 1
    for d in range(compiled.n_descriptors):
        if fx[d] < 0:
            N *= int(cnt[d])
    if N > EXACT_LIMIT:
        raise OptionError(f"space of {N:,} scenarios is too large for exact basins (limit {EXACT_LIMIT:,}); sample")
    need = N * 4 + numba.get_num_threads() * (N // 8 + 8)
    free_bytes = available_memory()
    if free_bytes is not None and need > 0.9 * free_bytes:
        raise OptionError(
            f"exact basins of {N:,} scenarios need about {need / 2**30:.1f} GiB; {free_bytes / 2**30:.1f} GiB is "
            "available (use the sampled method)"
        )
    if np.abs(m).sum(axis=0).max(initial=0) * compiled.n_descriptors >= 2**30:
        raise OptionError("impact scores too large for exact basins (balances must fit in 32 bits)")
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    before = numba.get_num_threads()
    if N < SMALL_SPACE:
        numba.set_num_threads(1)  # small spaces: thread start-up (and a busy sibling core) would dominate
    try:
        return _exact(compiled, operator, op, fx, moving, m, off, cnt, N, keep_labels, progress, seconds, t0, scalar)
    finally:
        numba.set_num_threads(before)


def _exact(compiled, operator, op, fx, moving, m, off, cnt, N, keep_labels, progress, seconds, t0, scalar) -> Basins:
    """The body of :func:`exact_basins` (arguments validated and prepared by it)."""
    import numba

    from . import _basin_kernels as BK
    from . import _kernels as K

    threads = max(1, numba.get_num_threads())
    succ = np.empty(N, dtype=np.int32)
    parts = np.zeros((threads, (N + 63) // 64), dtype=np.uint64)
    # global (and the scalar reference): the kernel of _kernels; local and sequential: the vectorised kernel of
    # _basin_kernels, whose successors are identical to the scalar kernel's
    vector = op != K.GLOBAL and not scalar
    low = np.int64(LOW_BLOCK)
    _NL, NH = BK.block_counts_ls(cnt, fx, low) if vector else K.block_counts(cnt, fx)
    chunks = max(1, min(50, NH // max(threads, 1)))
    edges = np.linspace(0, NH, chunks + 1).astype(np.int64)
    for i in range(chunks):
        if vector:
            BK.successors_ls(m, off, cnt, fx, moving, np.int64(op), succ, parts, edges[i], edges[i + 1], low)
        else:
            K.successors(m, off, cnt, fx, moving, np.int64(op), succ, parts, edges[i], edges[i + 1])
        if progress is not None:
            progress(0.8 * (i + 1) / chunks, "successors")
    seconds["successors"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    idx = K.image_index(parts)
    del parts
    image = int(idx[-1, 1]) + int(idx[-1, 0]).bit_count() if len(idx) else 0  # states that are a successor
    walk = vector and image > WALK_SHARE * N
    if walk:
        # a large image (local succession): walk the successor array itself; an image index would cost more
        # random lookups than it saves
        T, members, starts = BK.walk_terminals(succ)
    else:
        img = K.image_states(idx)
        dsucc = K.dense_successors(succ, img, idx)
        members = np.empty(len(img), dtype=np.int64)
        starts = np.empty(len(img) + 1, dtype=np.int64)
        T = K.resolve_terminals(dsucc, members, starts)
        K.labels_from_codes(dsucc)  # dsucc[k] = terminal of image state k
        members = img[members[: starts[T]]]  # positions in the image → state numbers
    seconds["terminals"] = time.perf_counter() - t1
    if progress is not None:
        progress(0.9, "terminals")
    # terminals → attractors (tableau order) and cycles (ordered by smallest state)
    tested = moving
    att_t, cyc_t = [], []
    for t in range(T):
        (att_t if starts[t + 1] - starts[t] == 1 else cyc_t).append(t)
    att_states = _decode(members[starts[att_t]] if att_t else np.zeros(0, np.int64), compiled, fx)
    order = order_scenarios(att_states, _tis(compiled, att_states, tested)) if att_t else np.zeros(0, np.int64)
    cycles = []
    for t in cyc_t:
        sigs = members[starts[t] : starts[t + 1]]
        states = _decode(sigs, compiled, fx)
        k = int(np.argmin(_full_sig(states, cnt)))
        cycles.append((np.roll(states, -k, axis=0), int(_full_sig(states[k : k + 1], cnt)[0])))
    cyc_order = sorted(range(len(cycles)), key=lambda i: cycles[i][1])
    lut = np.empty(T, dtype=np.int32)
    for new, pos in enumerate(order):
        lut[att_t[pos]] = new
    for new, pos in enumerate(cyc_order):
        lut[cyc_t[pos]] = -1 - new
    t2 = time.perf_counter()
    if walk:
        BK.codes_to_labels(succ, lut)
    else:
        K.gather_labels(succ, idx, lut[dsucc])
    seconds["labels"] = time.perf_counter() - t2
    if progress is not None:
        progress(1.0, "labels")
    counts_att, counts_cyc = K.label_histogram(succ, np.int64(len(cyc_t)), np.int64(len(att_t)), np.int64(threads))
    seconds["total"] = time.perf_counter() - t0
    shares = counts_att / max(N, 1)
    cyc_share = counts_cyc.sum() / max(N, 1)
    return Basins(
        compiled=compiled,
        operator=operator,
        fixed=fx,
        attractors=att_states[order] if att_t else np.zeros((0, compiled.n_descriptors), np.int64),
        sizes=counts_att,
        cycles=tuple(cycles[i][0] for i in cyc_order),
        cycle_sizes=counts_cyc,
        total=N,
        exact=True,
        confidence=1.0,
        share_low=shares,
        share_high=shares,
        cycle_share_low=float(cyc_share),
        cycle_share_high=float(cyc_share),
        labels=succ if keep_labels else None,
        seconds=seconds,
    )


def wilson_interval(k: np.ndarray, n: int, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial shares k/n (Wilson 1927): two float64 arrays (low, high) in [0, 1]."""
    k = np.asarray(k, dtype=np.float64)
    if n <= 0:
        return np.zeros_like(k), np.ones_like(k)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def sampled_basins(
    compiled: CompiledModel,
    samples: int = 100_000,
    seed: int | np.random.Generator | None = None,
    operator: str = "global",
    fixed: Mapping[str, str] | np.ndarray | None = None,
    confidence: float = 0.95,
    max_steps: int = 1_000_000,
    progress: Progress | None = None,
) -> Basins:
    """Estimate basins from ``samples`` start scenarios drawn uniformly from the (free) space.

    Each attractor's share carries a Wilson score interval at ``confidence``; so does the share ending in cycles.
    Each start is followed in constant memory (Brent's cycle detection); one that shows no repeat within
    ``max_steps`` steps is counted as ``unresolved``.
    Seeds: ``int``, ``numpy.random.Generator`` or ``None`` (fresh entropy); 0 is a seed like any other.

    Raises
    ------
    OptionError
        ``samples`` outside 1..10^7 (:data:`~scenarist.checks.MAX_SAMPLES`), ``confidence`` outside (0, 1), a
        seed outside 0..2^63 − 1, an unknown operator, or a space of more than 2^63 − 1 scenarios (states are
        numbered by an int64 signature, which would wrap and merge distinct states).
    """
    from . import _kernels as K

    check_seed(seed)
    check_integer(samples, "samples", 1, MAX_SAMPLES, "start scenarios to sample", "--samples")
    if not 0 < confidence < 1:
        raise OptionError(f"confidence must be in (0, 1), got {confidence}")
    op = operator_code(operator)
    fx = normalise_fixed(compiled, fixed)
    moving = tested_mask(compiled, fx)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    m, off, cnt = _arrays(compiled)
    t0 = time.perf_counter()
    n = compiled.n_descriptors
    if compiled.space_size > SIGNATURE_LIMIT:
        raise OptionError(
            f"sampled basins number scenarios by a 64-bit signature; this model's {compiled.space_size:.3g} "
            "scenarios exceed 2^63 − 1 (fix descriptors with --fix, or use fewer descriptors)"
        )
    check_memory(3 * (1 << 14) * n * 8, "sampled basins' start batches")
    mult = np.concatenate([[1], np.cumprod(cnt)[:-1]]).astype(np.int64)
    ends: list[np.ndarray] = []  # terminal t: attractor (1, n) or cycle (k, n) from its smallest-signature state
    end_index: dict[int, int] = {}  # full signature of every state on a known terminal → t

    def add_terminal(state: np.ndarray, kind: int) -> int:
        states = [state.copy()]
        if kind == 1:
            nxt = np.empty_like(state)
            while True:
                K.succession_step(m, off, cnt, moving, np.int64(op), states[-1], nxt)
                if np.array_equal(nxt, state):
                    break
                states.append(nxt.copy())
        t = len(ends)
        ends.append(np.array(states))
        for x in states:
            end_index[int((x * mult).sum())] = t
        return t

    tally: dict[int, int] = {}
    unresolved = 0
    batch = 64  # small first batches discover the attractors and cycles; later walks stop when they meet one
    done = 0
    while done < samples:
        size = min(batch, samples - done)
        batch = min(batch * 4, 1 << 14)
        starts = np.empty((size, n), dtype=np.int64)
        for d in range(n):
            starts[:, d] = fx[d] if fx[d] >= 0 else rng.integers(0, cnt[d], size=size)
        sigs = np.array(sorted(end_index), dtype=np.int64)
        ids = np.array([end_index[x] for x in sigs.tolist()], dtype=np.int64)
        found = np.zeros((size, n), dtype=np.int64)
        res = K.sample_known_ends(m, off, cnt, moving, np.int64(op), starts, np.int64(max_steps), sigs, ids, found)
        for i in np.flatnonzero(res < 0):  # ends not known before this batch
            kind = -2 - int(res[i])
            if kind < 0:
                unresolved += 1
                continue
            key = int((found[i] * mult).sum())
            res[i] = end_index[key] if key in end_index else add_terminal(found[i], kind)
        for t, k in zip(*np.unique(res[res >= 0], return_counts=True)):
            tally[int(t)] = tally.get(int(t), 0) + int(k)
        done += size
        if progress is not None:
            progress(done / samples, "samples")
    att_t = [t for t in range(len(ends)) if len(ends[t]) == 1]
    cyc_t = sorted((t for t in range(len(ends)) if len(ends[t]) > 1), key=lambda t: int((ends[t][0] * mult).sum()))
    uniq = np.array([ends[t][0] for t in att_t], dtype=np.int64).reshape(-1, n)
    att_counts = np.array([tally.get(t, 0) for t in att_t], dtype=np.int64)
    order = order_scenarios(uniq, _tis(compiled, uniq, moving)) if len(uniq) else np.zeros(0, np.int64)
    cycles = [ends[t] for t in cyc_t]
    cyc_counts = np.array([tally.get(t, 0) for t in cyc_t], dtype=np.int64)
    lo, hi = wilson_interval(att_counts[order], samples, confidence)
    clo, chi = wilson_interval(np.array([cyc_counts.sum()]), samples, confidence)
    return Basins(
        compiled=compiled,
        operator=operator,
        fixed=fx,
        attractors=uniq[order],
        sizes=att_counts[order].astype(np.int64),
        cycles=tuple(cycles),
        cycle_sizes=cyc_counts.astype(np.int64),
        total=int(samples),
        exact=False,
        confidence=float(confidence),
        share_low=lo,
        share_high=hi,
        cycle_share_low=float(clo[0]),
        cycle_share_high=float(chi[0]),
        unresolved=int(unresolved),
        seconds={"total": time.perf_counter() - t0},
    )


def basins(
    compiled: CompiledModel,
    operator: str = "global",
    fixed: Mapping[str, str] | np.ndarray | None = None,
    method: str = "auto",
    samples: int = 100_000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
    max_exact: int = MAX_EXACT,
    progress: Progress | None = None,
) -> Basins:
    """Basins of attraction, exact when the free space has at most ``max_exact`` scenarios, else sampled.

    ``method``: ``auto``, ``exact`` or ``sampled``. Other parameters as in :func:`exact_basins` and
    :func:`sampled_basins`. Raises :class:`OptionError` for an unknown method or a negative integer seed (checked
    whichever method runs, so a call is accepted or refused the same way whatever the space's size).
    """
    if method not in ("auto", "exact", "sampled"):
        raise OptionError(f"unknown basins method {method!r} (choose from auto, exact, sampled)")
    check_seed(seed)
    fx = normalise_fixed(compiled, fixed)
    space = math.prod(int(c) for c, f in zip(compiled.counts, fx) if f < 0)
    if method == "exact" or (method == "auto" and space <= max_exact):
        return exact_basins(compiled, operator, fx, keep_labels=False, progress=progress)
    return sampled_basins(compiled, samples, seed, operator, fx, confidence, progress=progress)


__all__ = ["MAX_EXACT", "Basins", "basins", "exact_basins", "sampled_basins", "wilson_interval"]
