"""Exact decomposition of a CIB model into blocks of its descriptor impact graph.

A descriptor's consistency depends only on the descriptors whose impacts can change its choice. Drawing an edge
``i → j`` for each such pair gives the **impact graph**; its strongly connected components (**blocks**), taken in
topological order, can be solved one after another: a block's balances depend only on its own descriptors and on
descriptors of blocks before it (its **parents**), so the scenarios with ``IC ≤ k`` are exactly the combinations
in which every block, given the variants of its parents, is within ``k`` (``IC(s)`` is the maximum over blocks).
Blocks in different weakly connected components are independent: the kernel is their Cartesian product.

Each block is searched by the one exact search (:func:`scenarist.cib.search.run_kernel`), once per distinct
variant combination of its parents, the parents' impacts entering as a fixed offset (a one-variant pseudo
descriptor, fixed, whose row is the offset). The kernel is counted exactly, with Python integers, by a dynamic
programme over the blocks in order (a forward pass over the *frontier*: the variants of already solved
descriptors that later blocks still read), and listed only when it fits ``max_results``; the listed scenarios are
scored and ordered by :func:`scenarist.cib.search.make_set`, so they are the plain search's, in its order.

Edge rule: ``i → j`` (i ≠ j, j tested) when the rows of i on j's columns are not all equal up to a constant,
i.e. some variants a, a' of i and b, c of j have ``C[i,a][j,b] − C[i,a][j,c] ≠ C[i,a'][j,b] − C[i,a'][j,c]``.
A row of i that adds the same constant to every variant of j, or the same row whatever i's variant, cannot change
j's choice; its contribution (any one of i's rows) still enters j's block as part of the offset. Untested
descriptors (exogenous, or fixed by an intervention) have no incoming edges: each is a block of its own whose
scenarios are all its variants (exogenous) or its fixed variant. Docs: ``docs/cib.md`` §5 "Decomposition".

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005

CrossImpactBalances.jl (Julia) also splits large models into blocks to solve 90- and 100-descriptor models
exactly; this module was written from the argument in ``docs/cib.md``, not from its code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from ..checks import MAX_MEMORY_BYTES, MAX_RESULTS, MAX_RESULTS_LIMIT, check_max_results
from ..errors import OptionError
from .compile import CompiledModel, check_matrix_bounds
from .search import (
    SWEEP_MAX,
    ScenarioSet,
    TooManyScenariosError,
    check_k,
    choose_method,
    count_scenarios,
    find_scenarios,
    free_space_size,
    make_set,
    normalise_fixed,
    run_kernel,
    tested_mask,
)

#: Most scenarios a block may have under one variant combination of its parents when later blocks read it (its
#: rows are carried through the dynamic programme); past it the decomposition refuses (``analyze`` then runs the
#: plain search).
BLOCK_ROWS_MAX = MAX_RESULTS_LIMIT
#: Most states any frontier may hold (2^20): ``auto`` does not decompose past it, and :func:`count_kernel` and
#: :func:`find_scenarios_decomposed` refuse (:class:`FrontierTooLargeError`) before allocating (each state is a
#: Python dict entry and may need a block search of its own).
FRONTIER_MAX = 1 << 20
#: Bytes estimated per frontier state carried through the dynamic programme (its dict entries in the forward pass,
#: the moves kept for the backward pass and the per-state caches; about 500–1,100 measured at 10–15 descriptors
#: wide), plus :data:`FRONTIER_BYTES_PER_DESCRIPTOR` per descriptor of the frontier.
FRONTIER_STATE_BYTES = 640
FRONTIER_BYTES_PER_DESCRIPTOR = 32
#: ``auto`` decomposes when the decomposed worst case (Σ over blocks of parent combinations × block space) is at
#: most the plain search's free space divided by this.
GAIN_MIN = 16


@dataclass(frozen=True)
class Decomposition:
    """The blocks of a model's impact graph, in the order they are solved.

    Attributes
    ----------
    blocks : tuple of tuples of int
        Descriptor positions (0-based, ascending) of each block: strongly connected components of the impact
        graph, in a topological order (every block after the blocks impacting it), the blocks of one weakly
        connected component contiguous.
    parents : tuple of tuples of int
        For each block, the descriptor positions outside it with an edge into it (all in earlier blocks).
    tested : tuple of bool
        For each block, whether its descriptors are tested (False: a single exogenous or fixed descriptor).
    components : tuple of tuples of int
        Block indices of each weakly connected component, in solving order.
    """

    blocks: tuple[tuple[int, ...], ...]
    parents: tuple[tuple[int, ...], ...]
    tested: tuple[bool, ...]
    components: tuple[tuple[int, ...], ...]

    @property
    def n_blocks(self) -> int:
        """Number of blocks (tested and untested)."""
        return len(self.blocks)

    def sizes(self) -> list[int]:
        """Descriptors per block, in solving order."""
        return [len(b) for b in self.blocks]

    def tested_sizes(self) -> list[int]:
        """Descriptors per tested block (the blocks searched), in solving order."""
        return [len(b) for b, t in zip(self.blocks, self.tested) if t]

    def to_dict(self, compiled: CompiledModel | None = None) -> dict:
        """JSON-safe: blocks as descriptor ids (positions when ``compiled`` is None), their parents and components."""

        def names(ds):
            return [compiled.descriptor_ids[d] if compiled is not None else int(d) for d in ds]

        return {
            "blocks": [names(b) for b in self.blocks],
            "parents": [names(p) for p in self.parents],
            "tested": list(self.tested),
            "components": [list(c) for c in self.components],
        }


@dataclass(frozen=True)
class DecompositionReport:
    """Whether and how a search was decomposed (``Analysis.decomposition``; printed by ``analyze --timings``).

    Attributes
    ----------
    plan : Decomposition or None
        The blocks; None when the graph was not built (a space small enough to sweep, or decomposition off).
    used : bool
        True when the scenarios came from the decomposed search, False when the plain search ran.
    reason : str
        Why (one short phrase).
    searches : int
        Block searches run (one per tested block and distinct parent combination); 0 when not used.
    count : int or None
        Exact number of scenarios with ``IC ≤ k`` when the decomposition counted them (a Python int, exact past
        2^63), else None.
    """

    plan: Decomposition | None
    used: bool
    reason: str
    searches: int = 0
    count: int | None = None

    def describe(self) -> str:
        """One line for ``--timings``: e.g. ``decomposed: 20 blocks (10 descriptors each), 1 component, …``."""
        p = self.plan
        if p is None:
            return f"not decomposed ({self.reason})"
        sizes = p.tested_sizes()
        sources = p.n_blocks - len(sizes)
        if not sizes:
            shape = "no tested descriptor"
        elif len(set(sizes)) == 1:
            shape = f"{len(sizes)} block{'s' if len(sizes) > 1 else ''} of {sizes[0]} descriptor{'s' if sizes[0] > 1 else ''}"
        else:
            groups = ", ".join(f"{sizes.count(z)} × {z}" for z in sorted(set(sizes)))
            shape = f"{len(sizes)} blocks ({groups} descriptors)"
        shape += f" + {sources} untested" if sources else ""
        comps = f"{len(p.components)} component{'s' if len(p.components) != 1 else ''}"
        if not self.used:
            return f"not decomposed ({self.reason}): {shape}, {comps}"
        out = f"decomposed: {shape}, {comps}, {self.searches:,} block searches"
        return out + (f", {self.count:,} scenarios" if self.count is not None else "")

    def to_dict(self, compiled: CompiledModel | None = None) -> dict:
        """JSON-safe: ``used``, ``reason``, ``searches``, ``count`` (as a string of digits when past 2^53) and
        the plan's blocks."""
        count = self.count
        if count is not None and abs(count) > 2**53:
            count = str(count)
        return {
            "used": self.used,
            "reason": self.reason,
            "searches": self.searches,
            "count": count,
            **(self.plan.to_dict(compiled) if self.plan is not None else {}),
        }


class FrontierTooLargeError(OptionError):
    """The decomposition would carry more frontier states than :data:`FRONTIER_MAX`, or more memory than
    :data:`scenarist.checks.MAX_MEMORY_BYTES` (2 GiB); raised before anything is allocated.

    Attributes
    ----------
    states : int
        Most states one frontier could hold (the product of its descriptors' free variant counts).
    nbytes : int
        Estimated bytes of every frontier together (:func:`frontier_need`).
    width : int
        Descriptors in that largest frontier.
    """

    def __init__(self, states: int, nbytes: int, width: int):
        self.states, self.nbytes, self.width = int(states), int(nbytes), int(width)
        need = f"up to {self.states:,} states of {self.width} upstream descriptors in one frontier"
        gib = f"about {self.nbytes / 1024**3:.1f} GiB over all frontiers"
        if self.states > FRONTIER_MAX:
            over = f"{need} ({gib}), more than the bound of {FRONTIER_MAX:,} states"
        else:
            over = f"{need}, {gib}, more than the limit of {MAX_MEMORY_BYTES / 1024**3:.1f} GiB"
        super().__init__(
            f'decomposing would carry {over}: use the plain search (decompose_model="auto" or "never", '
            "or scenarist.cib.find_scenarios)"
        )

    def __reduce__(self):  # picklable (the message is rebuilt from the numbers)
        return type(self), (self.states, self.nbytes, self.width)


def impact_graph(compiled: CompiledModel, fixed: Mapping[str, str] | np.ndarray | None = None) -> np.ndarray:
    """Adjacency of the descriptor impact graph: ``out[i, j]`` True when i can change j's choice.

    Parameters
    ----------
    compiled : CompiledModel
    fixed : mapping descriptor id → variant id, or (n,) int array with -1 where free, optional
        Interventions; fixed (and exogenous) descriptors are untested and get no incoming edge.

    Returns
    -------
    (n, n) bool
        ``out[i, j]`` for i ≠ j, j tested, and the rows of i on j's columns not all equal up to a constant
        (module docstring). The diagonal is False.

    Raises
    ------
    UnknownNameError, OptionError
        A malformed ``fixed`` (:func:`scenarist.cib.search.normalise_fixed`).
    """
    fx = normalise_fixed(compiled, fixed)
    tested = tested_mask(compiled, fx)
    m = np.asarray(compiled.matrix, dtype=np.int64)
    offsets = np.asarray(compiled.offsets, dtype=np.int64)
    counts = np.asarray(compiled.counts, dtype=np.int64)
    n = compiled.n_descriptors
    if n == 0:
        return np.zeros((0, 0), dtype=bool)
    # Subtract from each column the column of its descriptor's first variant: what is left are the differences
    # C[i,a][j,b] − C[i,a][j,0], which alone decide j's choice.
    first = np.repeat(offsets[:-1], counts)
    diff = m - m[:, first]
    if diff.size == 0:
        return np.zeros((n, n), dtype=bool)
    # (V, V): row (i, a) shifts column b otherwise than row (i, 0) does; then any over i's rows and j's columns
    varies = diff != diff[first]
    out = np.logical_or.reduceat(np.logical_or.reduceat(varies, offsets[:-1], axis=0), offsets[:-1], axis=1)
    np.fill_diagonal(out, False)
    out &= tested[None, :]
    return out


def decompose(compiled: CompiledModel, fixed: Mapping[str, str] | np.ndarray | None = None) -> Decomposition:
    """Blocks of the impact graph (:func:`impact_graph`) in solving order: strongly connected components,
    topologically sorted within each weakly connected component (ties by lowest descriptor position).

    Uses networkx (strongly/weakly connected components, condensation, topological sort).

    Raises
    ------
    UnknownNameError, OptionError
        A malformed ``fixed``.
    """
    adj = impact_graph(compiled, fixed)
    tested = tested_mask(compiled, normalise_fixed(compiled, fixed))
    n = compiled.n_descriptors
    if n > 0 and strongly_connected(adj):  # one block, its plan needs no graph algorithm (dense models)
        return Decomposition(blocks=(tuple(range(n)),), parents=((),), tested=(bool(tested.any()),), components=((0,),))
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(*(int_list(a) for a in np.nonzero(adj))))
    cond = nx.condensation(g)  # node c: members = an SCC
    members = {c: tuple(sorted(cond.nodes[c]["members"])) for c in cond.nodes}
    blocks: list[tuple[int, ...]] = []
    components: list[tuple[int, ...]] = []
    for comp in sorted(nx.weakly_connected_components(cond), key=lambda cs: min(members[c][0] for c in cs)):
        sub = cond.subgraph(comp)
        start = len(blocks)
        for c in nx.lexicographical_topological_sort(sub, key=lambda c: members[c][0]):
            blocks.append(members[c])
        components.append(tuple(range(start, len(blocks))))
    member = np.zeros((n, len(blocks)), dtype=np.int64)  # member[d, t]: descriptor d is in block t
    for t, b in enumerate(blocks):
        member[list(b), t] = 1
    into = (adj.astype(np.int64) @ member > 0) & (member == 0)  # (n, blocks): d outside block t has an edge in
    parents = [tuple(int_list(np.flatnonzero(into[:, t]))) for t in range(len(blocks))]
    return Decomposition(
        blocks=tuple(blocks),
        parents=tuple(parents),
        tested=tuple(bool(tested[list(b)].any()) for b in blocks),
        components=tuple(components),
    )


def strongly_connected(adj: np.ndarray) -> bool:
    """Whether every descriptor reaches every other along the impact graph ``adj`` ((n, n) bool, n ≥ 1): the
    reachability matrix by repeated squaring (at most ⌈log2 n⌉ products; float products are exact here, every
    entry at most n) is all True. About 20 µs on the flagship, where networkx's condensation takes 0.3 ms."""
    n = adj.shape[0]
    reach = adj.astype(np.float64) + np.eye(n)
    while True:
        nxt = ((reach @ reach) > 0).astype(np.float64)
        if (nxt == reach).all():
            return bool(reach.all())
        reach = nxt


def int_list(a) -> list[int]:
    """Plain Python ints of an integer array (networkx and dict keys want them)."""
    return [int(x) for x in np.asarray(a).ravel()]


def frontiers(plan: Decomposition) -> list[tuple[int, ...]]:
    """The frontier before each block and after the last: ``out[t]`` (t = 0..n_blocks) holds the descriptors of
    blocks < t that some block ≥ t reads as a parent (``out[0]`` and ``out[n_blocks]`` are empty)."""
    n_blocks = plan.n_blocks
    read_from = [set() for _ in range(n_blocks + 1)]  # read_from[t]: parents of blocks ≥ t
    for t in range(n_blocks - 1, -1, -1):
        read_from[t] = read_from[t + 1] | set(plan.parents[t])
    placed: set[int] = set()
    out: list[tuple[int, ...]] = [()]
    for t, b in enumerate(plan.blocks):
        placed |= set(b)
        out.append(tuple(sorted(placed & read_from[t + 1])))
    return out


def estimated_gain(compiled: CompiledModel, plan: Decomposition, fixed: np.ndarray) -> tuple[int, int, int]:
    """``(plain, decomposed, states)`` worst-case work, exact ints: the free space of the plain search; the sum
    over tested blocks of (parent variant combinations × block space); and the most states any frontier can hold
    (the product of its descriptors' free variant counts). A crude guide (the search prunes), used by ``auto`` to
    decide whether decomposing is worth its per-block overhead."""
    counts = [int(c) if f < 0 else 1 for c, f in zip(compiled.counts, fixed)]
    plain = math.prod(counts)
    work = sum(math.prod(counts[d] for d in (*p, *b)) for b, p, t in zip(plan.blocks, plan.parents, plan.tested) if t)
    states = max(math.prod(counts[d] for d in f) for f in frontiers(plan))
    return plain, work, states


def frontier_need(compiled: CompiledModel, plan: Decomposition, fixed: np.ndarray) -> tuple[int, int, int]:
    """Worst-case size of the dynamic programme's frontiers, from the plan alone (nothing is searched).

    Parameters
    ----------
    compiled : CompiledModel
    plan : Decomposition
        From :func:`decompose` with the same ``fixed``.
    fixed : (n,) int64
        Interventions, -1 where free (as :func:`scenarist.cib.search.normalise_fixed` returns them).

    Returns
    -------
    (states, nbytes, width) : tuple of int
        ``states``: most states any one frontier can hold (the product of its descriptors' free variant counts;
        1 for an empty frontier); ``nbytes``: estimated bytes of all frontiers together, Σ over frontiers of
        states × (:data:`FRONTIER_STATE_BYTES` + :data:`FRONTIER_BYTES_PER_DESCRIPTOR` × descriptors); ``width``:
        descriptors in the frontier holding ``states``. Exact Python ints, however large.
    """
    counts = [int(c) if f < 0 else 1 for c, f in zip(compiled.counts, fixed)]
    sizes = [(math.prod(counts[d] for d in f), len(f)) for f in frontiers(plan)]
    states, width = max(sizes)
    nbytes = sum(z * (FRONTIER_STATE_BYTES + FRONTIER_BYTES_PER_DESCRIPTOR * w) for z, w in sizes)
    return states, nbytes, width


def check_frontier(compiled: CompiledModel, plan: Decomposition, fixed: np.ndarray) -> None:
    """Raise :class:`FrontierTooLargeError` when :func:`frontier_need` exceeds :data:`FRONTIER_MAX` states or
    :data:`scenarist.checks.MAX_MEMORY_BYTES` bytes; call it before the dynamic programme allocates."""
    states, nbytes, width = frontier_need(compiled, plan, fixed)
    if states > FRONTIER_MAX or nbytes > MAX_MEMORY_BYTES:
        raise FrontierTooLargeError(states, nbytes, width)


class _Solver:
    """The dynamic programme over the blocks of one plan (internal; see :func:`count_kernel` and
    :func:`find_scenarios_decomposed`)."""

    def __init__(self, compiled: CompiledModel, plan: Decomposition, fx: np.ndarray, k: int):
        self.c = compiled
        self.plan = plan
        self.fx = fx
        self.k = int(k)
        self.matrix = np.ascontiguousarray(compiled.matrix, dtype=np.int64)
        self.offsets = np.asarray(compiled.offsets, dtype=np.int64)
        self.counts = np.asarray(compiled.counts, dtype=np.int64)
        self.tested = tested_mask(compiled, fx)
        self.searches = 0
        self.nodes = 0
        self._rows: dict[tuple, np.ndarray] = {}
        self._counts: dict[tuple, int] = {}
        self.frontier = frontiers(plan)
        self._subs = [self._block_arrays(t) for t in range(plan.n_blocks)]

    def _block_arrays(self, t: int):
        """Sub-model of block t: its descriptors plus a one-variant fixed pseudo descriptor carrying the offset."""
        b = list(self.plan.blocks[t])
        if not self.plan.tested[t]:
            return None
        off, counts = self.offsets, self.counts
        cols = np.concatenate([np.arange(off[d], off[d + 1]) for d in b])
        vb = len(cols)
        sub = np.zeros((vb + 1, vb + 1), dtype=np.int64)
        sub[:vb, :vb] = self.matrix[np.ix_(cols, cols)]
        # Descriptors outside the block and not its parents cannot change its choices: any one of their rows
        # gives the same inconsistencies (their fixed variant, else the first).
        outside = np.ones(self.c.n_descriptors, dtype=bool)
        outside[b] = False
        outside[list(self.plan.parents[t])] = False
        others = np.flatnonzero(outside)
        rows = off[others] + np.maximum(self.fx[others], 0)
        static = self.matrix[np.ix_(rows, cols)].sum(axis=0) if len(rows) else np.zeros(vb, dtype=np.int64)
        sub_counts = np.append(counts[b], 1).astype(np.int64)
        sub_offsets = np.zeros(len(b) + 2, dtype=np.int64)
        np.cumsum(sub_counts, out=sub_offsets[1:])
        fixed = np.append(np.full(len(b), -1, dtype=np.int64), 0).astype(np.int64)
        tested = np.append(self.tested[b], False).astype(np.bool_)
        method = choose_method(sub_counts, fixed)
        return sub, cols, static, sub_offsets, sub_counts, fixed, tested, method

    def _arrays_for(self, t: int, pstate: tuple):
        sub, cols, static, offs, counts, fixed, tested, method = self._subs[t]
        pa = np.asarray(self.plan.parents[t], dtype=np.int64)
        m = sub.copy()
        m[-1, :-1] = static
        if len(pa):
            m[-1, :-1] += self.matrix[np.ix_(self.offsets[pa] + np.asarray(pstate, dtype=np.int64), cols)].sum(axis=0)
        return m, offs, counts, fixed, tested, method

    def rows(self, t: int, pstate: tuple) -> np.ndarray:
        """Scenarios of block t (columns: its descriptors) with IC ≤ k given its parents' variants ``pstate``."""
        key = (t, pstate)
        if key in self._rows:
            return self._rows[key]
        b = self.plan.blocks[t]
        if not self.plan.tested[t]:
            d = b[0]
            vals = [int(self.fx[d])] if self.fx[d] >= 0 else range(int(self.counts[d]))
            out = np.array([[v] for v in vals], dtype=np.int64).reshape(-1, 1)
        else:
            m, offs, counts, fixed, tested, method = self._arrays_for(t, pstate)
            stats: dict = {}
            sc = run_kernel(m, offs, counts, fixed, tested, self.k, method, BLOCK_ROWS_MAX, stats)
            self.searches += 1
            self.nodes += int(stats.get("nodes", 0))
            if sc is None:
                raise OptionError(
                    f"a block of {len(b)} descriptors has more than {BLOCK_ROWS_MAX:,} scenarios with inconsistency "
                    f"≤ {self.k} under one combination of its parents' variants: too many to decompose"
                )
            out = np.ascontiguousarray(sc[:, :-1])
        self._rows[key] = out
        return out

    def count(self, t: int, pstate: tuple) -> int:
        """Number of scenarios of block t with IC ≤ k given ``pstate`` (counted without listing when possible)."""
        key = (t, pstate)
        if key in self._rows:
            return len(self._rows[key])
        if key not in self._counts:
            if not self.plan.tested[t]:
                d = self.plan.blocks[t][0]
                self._counts[key] = 1 if self.fx[d] >= 0 else int(self.counts[d])
            else:
                m, offs, counts, fixed, tested, _ = self._arrays_for(t, pstate)
                self._counts[key] = count_scenarios(m, offs, counts, fixed, tested, self.k)
                self.searches += 1
        return self._counts[key]

    def _layout(self, t: int):
        """Where block t reads its parents in frontier t-1, and where frontier t takes each entry from."""
        before, after, b = self.frontier[t], self.frontier[t + 1], self.plan.blocks[t]
        pos_before = {d: i for i, d in enumerate(before)}
        pos_block = {d: i for i, d in enumerate(b)}
        parent_idx = [pos_before[p] for p in self.plan.parents[t]]
        from_f = [(i, pos_before[d]) for i, d in enumerate(after) if d in pos_before]
        from_q = [(i, pos_block[d]) for i, d in enumerate(after) if d in pos_block]
        return parent_idx, from_f, from_q

    def _next_keys(self, t, f, q_rows, from_f, from_q) -> tuple[list[tuple], np.ndarray]:
        """Unique next-frontier keys of state ``f`` extended by each row of ``q_rows``, and each row's key index."""
        width = len(self.frontier[t + 1])
        keys = np.empty((len(q_rows), width), dtype=np.int64)
        for i, j in from_f:
            keys[:, i] = f[j]
        for i, j in from_q:
            keys[:, i] = q_rows[:, j]
        if width == 0 or len(q_rows) == 0:
            return [()] if len(q_rows) else [], np.zeros(len(q_rows), dtype=np.int64)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        return [tuple(int_list(u)) for u in uniq], inverse.ravel()

    def forward(self) -> list[dict]:
        """Forward pass: for t = 0..m, the states of frontier t (tuples) with the number of partial scenarios of
        blocks < t … ≤ t reaching each (``out[0] = {(): 1}``; ``out[m]`` = ``{(): kernel size}``)."""
        layers = [{(): 1}]
        self.trans: list[dict] = []
        for t in range(self.plan.n_blocks):
            parent_idx, from_f, from_q = self._layout(t)
            sink = not from_q  # later blocks read none of this block's descriptors: count it, list nothing
            nxt: dict[tuple, int] = {}
            trans: dict[tuple, list[tuple[tuple, int]]] = {}
            for f, c in layers[-1].items():
                pstate = tuple(f[i] for i in parent_idx)
                if sink:
                    n = self.count(t, pstate)
                    moves = [(tuple(f[j] for _, j in from_f), n)] if n else []
                else:
                    q = self.rows(t, pstate)
                    keys, inverse = self._next_keys(t, f, q, from_f, from_q)
                    mult = np.bincount(inverse, minlength=len(keys))
                    moves = [(key, int(m)) for key, m in zip(keys, mult)]
                trans[f] = moves
                for key, m in moves:
                    nxt[key] = nxt.get(key, 0) + c * m
            self.trans.append(trans)
            layers.append(nxt)
        return layers

    def completions(self) -> list[dict]:
        """Backward pass over the forward pass's moves: for each state of frontier t, the number of ways blocks
        ≥ t can complete it (0: a dead end the listing skips)."""
        m = self.plan.n_blocks
        comp: list[dict] = [{} for _ in range(m + 1)]
        comp[m] = {(): 1}
        for t in range(m - 1, -1, -1):
            nxt = comp[t + 1]
            comp[t] = {f: sum(mult * nxt.get(key, 0) for key, mult in moves) for f, moves in self.trans[t].items()}
        return comp

    def listing(self, comp: list[dict]) -> np.ndarray:
        """Every scenario with IC ≤ k, (N, n) int64, in no set order; partial scenarios with no completion are
        dropped at once, so no step holds more rows than the final kernel."""
        n = self.c.n_descriptors
        rows = np.full((1, n), -1, dtype=np.int64)
        for t, b in enumerate(self.plan.blocks):
            parent_idx, from_f, from_q = self._layout(t)
            before = list(self.frontier[t])
            if before:
                uniq, inverse = np.unique(rows[:, before], axis=0, return_inverse=True)
                inverse = inverse.ravel()
            else:
                uniq, inverse = np.zeros((1, 0), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
            parts = []
            for g, fa in enumerate(uniq):
                f = tuple(int_list(fa))
                pstate = tuple(f[i] for i in parent_idx)
                q = self.rows(t, pstate)
                keys, kinv = self._next_keys(t, f, q, from_f, from_q)
                alive = np.array([comp[t + 1].get(key, 0) > 0 for key in keys], dtype=bool)
                q = q[alive[kinv]] if len(q) else q
                r = rows[inverse == g]
                if len(q) == 0 or len(r) == 0:
                    continue
                block = np.repeat(r, len(q), axis=0)
                block[:, list(b)] = np.tile(q, (len(r), 1))
                parts.append(block)
            rows = np.concatenate(parts) if parts else np.zeros((0, n), dtype=np.int64)
        return rows


def _prepare(compiled, max_inconsistency, fixed):
    check_matrix_bounds(compiled.matrix, compiled.n_descriptors)
    k = check_k(compiled, max_inconsistency)
    fx = normalise_fixed(compiled, fixed)
    return k, fx


def count_kernel(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    plan: Decomposition | None = None,
) -> int:
    """Exact number of scenarios with inconsistency ≤ k, counted over the blocks without listing the kernel.

    Dynamic programme over the blocks in solving order: a dict from each state of the frontier (the variants of
    solved descriptors that later blocks read) to the number of partial scenarios reaching it; each block is
    searched once per distinct combination of its parents' variants, and a block no later block reads is only
    counted (:func:`scenarist.cib.search.count_scenarios`). For a chain of blocks this is "count per upstream
    state × downstream kernel sizes"; for disconnected components, the product of their counts.

    Before allocating, the frontiers are sized from the plan (:func:`frontier_need`): at most
    :data:`FRONTIER_MAX` (2^20) states in any one frontier and about :data:`scenarist.checks.MAX_MEMORY_BYTES`
    (2 GiB) over all of them, else :class:`FrontierTooLargeError`. Time grows with the states too (one block
    search per state, roughly 0.1–0.2 ms each): many descriptors all read by one late block are best left to the
    plain search (:func:`scenarist.cib.search.count_scenarios`, or :func:`search` with ``decompose_model="auto"``,
    which makes that choice).

    Parameters
    ----------
    compiled : CompiledModel
    max_inconsistency : int, 0 ≤ k ≤ ``compiled.max_inconsistency_bound``
    fixed : mapping descriptor id → variant id, or (n,) int array with -1 where free, optional
        Interventions (left out of the test, impacts kept).
    plan : Decomposition, optional
        From :func:`decompose` with the same ``fixed`` (computed when None).

    Returns
    -------
    int
        A Python int: exact however large (past 2^63 too).

    Raises
    ------
    FrontierTooLargeError
        (an :class:`~scenarist.errors.OptionError`) A frontier of more than :data:`FRONTIER_MAX` states, or more
        than 2 GiB estimated over all frontiers; its message gives the states, the estimate and the bounds.
    OptionError
        k out of its bound, a malformed ``fixed``, a matrix past the int32 bound, or a block read by later blocks
        with more than :data:`BLOCK_ROWS_MAX` scenarios under one combination of its parents.
    UnknownNameError
        Unknown names in ``fixed``.

    Examples
    --------
    >>> import numpy as np
    >>> from scenarist.cib.compile import CompiledModel
    >>> m = np.zeros((4, 4), dtype=np.int64)  # two binary descriptors impacting nothing
    >>> c = CompiledModel(("a", "b"), ("a", "b"), (("x", "y"),) * 2, (("x", "y"),) * 2,
    ...                   np.array([2, 2]), np.array([0, 2, 4]), m, np.zeros(2, dtype=bool))
    >>> count_kernel(c)
    4
    """
    k, fx = _prepare(compiled, max_inconsistency, fixed)
    plan = decompose(compiled, fx) if plan is None else plan
    check_frontier(compiled, plan, fx)  # before the programme allocates its states
    layers = _Solver(compiled, plan, fx, k).forward()
    return int(layers[-1].get((), 0))


def find_scenarios_decomposed(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    max_results: int | None = MAX_RESULTS,
    plan: Decomposition | None = None,
) -> tuple[ScenarioSet, DecompositionReport]:
    """All scenarios with inconsistency ≤ k, found block by block: the same set, in the same order, as
    :func:`scenarist.cib.find_scenarios`.

    Counts first (:func:`count_kernel`'s programme, with its bound on the frontiers), refuses when the count
    exceeds ``max_results``, then lists by extending partial scenarios block by block, skipping those with no
    completion.

    Parameters
    ----------
    compiled, max_inconsistency, fixed, max_results
        As for :func:`scenarist.cib.find_scenarios` (``max_results`` in 0..10^7 or None for no limit).
    plan : Decomposition, optional
        From :func:`decompose` with the same ``fixed``.

    Returns
    -------
    (ScenarioSet, DecompositionReport)
        The set has ``method="decomposed"`` and ``nodes`` the block searches' nodes summed; the report the
        number of block searches and the exact count.

    Raises
    ------
    TooManyScenariosError
        More than ``max_results`` scenarios (its ``found`` is the exact count, ``exact`` True).
    FrontierTooLargeError, OptionError, UnknownNameError
        As :func:`count_kernel` (a frontier past :data:`FRONTIER_MAX` states or 2 GiB is refused before
        anything is searched).
    """
    k, fx = _prepare(compiled, max_inconsistency, fixed)
    if max_results is not None:
        max_results = check_max_results(max_results)
    plan = decompose(compiled, fx) if plan is None else plan
    check_frontier(compiled, plan, fx)  # before the programme allocates its states
    solver = _Solver(compiled, plan, fx, k)
    total = int(solver.forward()[-1].get((), 0))
    if max_results is not None and total > max_results:
        c = compiled
        names = {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(fx) if v >= 0}
        raise TooManyScenariosError(total, True, max_results, k, names)
    rows = solver.listing(solver.completions())
    found = make_set(compiled, rows, fx, tested_mask(compiled, fx), k, "decomposed")
    report = DecompositionReport(plan, True, "blocks solved in order", solver.searches, total)
    return replace(found, nodes=solver.nodes), report


def plan_search(
    compiled: CompiledModel,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    decompose_model: str = "auto",
) -> DecompositionReport:
    """Whether :func:`search` decomposes, decided from the matrix alone, before any search (milliseconds).

    ``auto`` decomposes when the model has at least two blocks, its free space exceeds
    :data:`~scenarist.cib.search.SWEEP_MAX`, the decomposed worst case (:func:`estimated_gain`) is at most the
    plain one / :data:`GAIN_MIN`, and its frontiers stay within :data:`FRONTIER_MAX` states and 2 GiB
    (:func:`frontier_need`); ``always`` decomposes (the frontier bound is then checked when solving, as an
    error), ``never`` does not. Callers that run the plain search elsewhere (``analyze(..., scheduler=...)`` on a
    Dask cluster) plan first, so they decide as in-process.

    Parameters
    ----------
    compiled : CompiledModel
    fixed : mapping descriptor id → variant id, or (n,) int array with -1 where free, optional
    decompose_model : {"auto", "always", "never"}

    Returns
    -------
    DecompositionReport
        ``used`` True: decompose along ``plan``; False: run the plain search, ``reason`` says why (``plan`` None
        when no graph was built). ``searches`` is 0 and ``count`` None (nothing was searched yet).

    Raises
    ------
    OptionError, UnknownNameError
        An unknown ``decompose_model``, or a malformed ``fixed``.

    Examples
    --------
    >>> from scenarist.io.yaml_model import load_model
    >>> from scenarist.cib import compile_model
    >>> plan_search(compile_model(load_model("example"))).describe()
    'not decomposed (small space)'
    """
    if decompose_model not in ("auto", "always", "never"):
        raise OptionError(f"decompose must be auto, always or never, got {decompose_model!r}")
    fx = normalise_fixed(compiled, fixed)
    if decompose_model == "never":
        return DecompositionReport(None, False, "asked not to")
    if decompose_model == "always":
        return DecompositionReport(decompose(compiled, fx), True, "asked to")
    if free_space_size(compiled.counts, fx) <= SWEEP_MAX:
        return DecompositionReport(None, False, "small space")  # swept in well under a millisecond: no graph built
    plan = decompose(compiled, fx)
    plain, work, _ = estimated_gain(compiled, plan, fx)
    if plan.n_blocks < 2:
        return DecompositionReport(plan, False, "one block")
    if work * GAIN_MIN > plain:
        return DecompositionReport(plan, False, "blocks too coupled to gain")
    states, nbytes, _ = frontier_need(compiled, plan, fx)
    if states > FRONTIER_MAX or nbytes > MAX_MEMORY_BYTES:
        return DecompositionReport(plan, False, "too many upstream states to carry")
    return DecompositionReport(plan, True, "blocks solved in order")


def search(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    max_results: int | None = MAX_RESULTS,
    decompose_model: str = "auto",
    plain_search=None,
) -> tuple[ScenarioSet, DecompositionReport]:
    """The exact search of ``analyze``: decomposed when that helps, else the plain search; same scenarios.

    The choice is :func:`plan_search`'s. If a block then proves too large to carry (:data:`BLOCK_ROWS_MAX`),
    ``auto`` runs the plain search instead; ``always`` raises (a frontier past :data:`FRONTIER_MAX` states or
    2 GiB too: :class:`FrontierTooLargeError`, before anything is searched).

    Parameters
    ----------
    compiled, max_inconsistency, fixed, max_results
        As for :func:`scenarist.cib.find_scenarios`.
    decompose_model : {"auto", "always", "never"}
    plain_search : callable, optional
        ``plain_search(compiled, max_inconsistency, fixed, max_results) -> ScenarioSet`` (``fixed`` as an (n,)
        int64 array) runs the plain search when it is chosen, e.g. on a Dask cluster; the decomposed search
        always runs here. Default :func:`scenarist.cib.find_scenarios`.

    Returns
    -------
    (ScenarioSet, DecompositionReport)

    Raises
    ------
    TooManyScenariosError
        More than ``max_results`` scenarios; exact count when the decomposition ran.
    FrontierTooLargeError
        ``always`` with a frontier past the bound (``auto`` runs the plain search instead).
    OptionError, UnknownNameError
        As for :func:`scenarist.cib.find_scenarios`, or an unknown ``decompose_model``.
    """
    fx = normalise_fixed(compiled, fixed)
    report = plan_search(compiled, fx, decompose_model)
    if report.used:
        try:
            return find_scenarios_decomposed(compiled, max_inconsistency, fx, max_results, report.plan)
        except (TooManyScenariosError, FrontierTooLargeError):
            raise
        except OptionError:
            if decompose_model == "always":
                raise
            report = replace(report, used=False, reason="a block too large to carry")
    if plain_search is None:
        found = find_scenarios(compiled, max_inconsistency, fx, max_results=max_results)
    else:
        found = plain_search(compiled, max_inconsistency, fx, max_results)
    return found, report
