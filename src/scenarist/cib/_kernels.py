"""Compiled CIB kernels (numba): exact search, evaluation, succession and basins.

Kernels take plain arrays with explicit dtypes, never raise, and are compiled once (``cache=True``). The public
wrappers in :mod:`scenarist.cib.search`, :mod:`scenarist.cib.succession` and :mod:`scenarist.cib.basins` validate
their input first. Common arguments:

``matrix``  (V, V) int64 cross-impact matrix, row = source variant, column = target variant.
``offsets`` (n + 1,) int64 first row of each descriptor; ``offsets[n] = V``.
``counts``  (n,) int64 variants per descriptor.
``fixed``   (n,) int64 intervention per descriptor, -1 where free.
``tested``  (n,) bool descriptors the consistency test looks at (free and not exogenous).
``k``       int64 tolerance: a scenario is kept when every tested descriptor's inconsistency is ≤ k.

Scenario numbering ("signature") over a set of free descriptors: ``Σ v_d · Π_{free j before d} n_j``, so the first
free descriptor varies fastest (the convention of the CIB reference data).

The search is Weimer-Jehle's consistency test (Weimer-Jehle 2006, doi:10.1016/j.techfore.2005.06.005) organised
as a depth-first branch-and-bound; see :func:`_walk` for the bound and :func:`check_table` for what each step
re-tests. The likelihood layer searches through the same kernels (:func:`bnb_by_combination`,
:func:`bnb_combinations_in_turn`).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import intrinsic

# ----------------------------------------------------------------------------------------------------------------
# Search order and pruning bounds
# ----------------------------------------------------------------------------------------------------------------


@njit(cache=True)
def search_order(matrix, offsets, counts, fixed, tested):
    """Branching order of the free descriptors: (m,) int64.

    Tested descriptors whose chosen variant gets judged early make pruning bite early, so descriptors are taken
    greedily: next is the free descriptor with the largest total absolute impact on, and from, the descriptors
    already placed (fixed ones count as placed); ties go to the earlier descriptor. The order changes only the
    speed, never the result.
    """
    n = counts.shape[0]
    placed = fixed >= 0
    m = 0
    for d in range(n):
        if fixed[d] < 0:
            m += 1
    order = np.empty(m, dtype=np.int64)
    # strength[a, b] = Σ |C| over the (a → b) block plus (b → a) block
    strength = np.zeros((n, n), dtype=np.int64)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            s = 0
            for r in range(offsets[a], offsets[a + 1]):
                for c in range(offsets[b], offsets[b + 1]):
                    s += abs(matrix[r, c])
            strength[a, b] += s
            strength[b, a] += s
    for t in range(m):
        best = -1
        best_score = -1
        for d in range(n):
            if placed[d]:
                continue
            score = 0
            for e in range(n):
                if placed[e]:
                    score += strength[d, e]
            if t == 0 or not placed.any():
                # first pick: the most connected descriptor overall
                score = 0
                for e in range(n):
                    score += strength[d, e]
            if score > best_score:
                best_score = score
                best = d
        order[t] = best
        placed[best] = True
    return order


@njit(cache=True)
def pair_bases(counts):
    """Start of each descriptor's (chosen, rival) pair table: (n + 1,) int64; pair (j, c, b) is at
    ``base[j] + c * counts[j] + b``."""
    n = counts.shape[0]
    base = np.zeros(n + 1, dtype=np.int64)
    for j in range(n):
        base[j + 1] = base[j] + counts[j] * counts[j]
    return base


@njit(cache=True)
def help_suffix(matrix, offsets, counts, order, base):
    """Bound tables: ``suf[t, p]`` for pair p = (j, c, b) is Σ over the descriptors ``order[t:]`` of
    ``max_a (C[i,a][j,c] − C[i,a][j,b])``: the most those undecided descriptors can still add to variant c's lead
    over rival b. Shape (m + 1, P) int64; ``suf[m] = 0``."""
    n = counts.shape[0]
    m = order.shape[0]
    P = base[n]
    suf = np.zeros((m + 1, P), dtype=np.int64)
    for t in range(m - 1, -1, -1):
        i = order[t]
        for p in range(P):
            suf[t, p] = suf[t + 1, p]
        for j in range(n):
            nj = counts[j]
            oj = offsets[j]
            for c in range(nj):
                for b in range(nj):
                    if b == c:
                        continue
                    best = matrix[offsets[i], oj + c] - matrix[offsets[i], oj + b]
                    for a in range(1, counts[i]):
                        r = offsets[i] + a
                        g = matrix[r, oj + c] - matrix[r, oj + b]
                        if g > best:
                            best = g
                    suf[t, base[j] + c * nj + b] += best
    return suf


@njit(cache=True)
def check_table(matrix, offsets, counts, tested, order):
    """What the search re-tests after placing each descriptor of ``order``, as two int64 arrays
    ``(start (m + 1,), items)``: after placing ``order[t]`` it tests ``items[start[t]:start[t + 1]]``, the tested
    descriptors among ``order[:t + 1]`` whose column blocks ``order[t]``'s rows reach (``order[t]`` itself first,
    when tested; then in placement order).

    Why only those: placing descriptor d changes the balances, and the bound of what the undecided descriptors can
    still add, only in the column blocks d's rows reach; every other decided descriptor passed the same test one
    level up. On sparse, structured matrices (the flagship) this halves the search's time.
    """
    m = order.shape[0]
    start = np.zeros(m + 1, dtype=np.int64)
    items = np.empty(m * m + 1, dtype=np.int64)
    q = 0
    for t in range(m):
        d = order[t]
        if tested[d]:
            items[q] = d
            q += 1
        for u in range(t):
            j = order[u]
            if not tested[j]:
                continue
            hit = False
            r = offsets[d]
            while not hit and r < offsets[d + 1]:
                for c in range(offsets[j], offsets[j + 1]):
                    if matrix[r, c] != 0:
                        hit = True
                        break
                r += 1
            if hit:
                items[q] = j
                q += 1
        start[t + 1] = q
    return start, items[:q].copy()


@njit(cache=True)
def search_tables(matrix, offsets, counts, tested, order, propagate=True):
    """Everything a search along ``order`` precomputes, shared by every search that uses the same order (the
    threads of one search, or the exogenous combinations fixed in turn).

    Returns ``(base, suf, mat, step, c_start, c_items, ft)``: the pair bases (:func:`pair_bases`), the bound table
    (:func:`help_suffix`, int32), the matrix as int32, ``step[r]`` = row r minus the row before it (int32; zero for
    a descriptor's first row), the check table (:func:`check_table`), and the forward-checking tables
    (:func:`fc_tables`; their ``ok`` is False when ``propagate`` is False or they would be too large, and the search
    then runs without propagation). When ``ft`` is built the first six are empty: only the plain walk reads them.
    Scores and balances are small, so int32 halves the memory traffic of the hot loop; a step row moves a
    descriptor to its next variant in one pass.
    """
    n = counts.shape[0]
    V = offsets[n]
    ft = fc_tables(matrix, offsets, counts, tested, order, propagate)
    if ft[0][0]:  # the walk propagates and never reads the plain tables: empty (about half the tables' time)
        e32 = np.zeros((0, 0), dtype=np.int32)
        e64 = np.zeros(0, dtype=np.int64)
        return e64, e32, e32, e32, e64, e64, ft
    base = pair_bases(counts)
    suf = help_suffix(matrix, offsets, counts, order, base).astype(np.int32)
    mat = matrix.astype(np.int32)
    step = np.zeros_like(mat)
    for d in range(n):
        for r in range(offsets[d] + 1, offsets[d + 1]):
            for c in range(V):
                step[r, c] = mat[r, c] - mat[r - 1, c]
    c_start, c_items = check_table(matrix, offsets, counts, tested, order)
    return base, suf, mat, step, c_start, c_items, ft


@njit(cache=True)
def _feasible(bal, offsets, counts, tested, scen, suf, depth, base, k):
    """False when some decided, tested descriptor is sure to end with inconsistency > k whatever the undecided
    descriptors ``order[depth:]`` do: for its variant c and some rival b, ``bal[b] − bal[c] − suf[depth, (j,c,b)]
    > k`` (even the undecided descriptors' best help cannot close the gap). Exact once every descriptor is
    decided. This full test starts a search; each step after it re-tests only what moved (:func:`_feasible_at`).

    Testing undecided descriptors too ("forward checking": does some variant of j survive?) can never cut a branch
    with this bound: if every variant of j failed, following each to a rival that beats it would close a cycle
    c1 → c2 → … → c1, and summing its inequalities would give 0 > Σ suf(c_i, c_{i+1}) + m·k, while the bounds
    around a cycle sum to ≥ 0 (fix one variant of each undecided descriptor: the differences telescope).
    """
    for j in range(counts.shape[0]):
        c = scen[j]
        if not tested[j] or c < 0:
            continue
        oj = offsets[j]
        nj = counts[j]
        bj = base[j]
        bc = bal[oj + c]
        for b in range(nj):
            if b != c and bal[oj + b] - bc - suf[depth, bj + c * nj + b] > k:
                return False
    return True


@njit(cache=True)
def _feasible_at(bal, offsets, counts, scen, suf, t, base, k, c_start, c_items):
    """:func:`_feasible` after placing ``order[t]`` on a feasible parent: only the descriptors of the check table's
    entry t (see :func:`check_table`), against the bound of ``order[t + 1:]``."""
    for q in range(c_start[t], c_start[t + 1]):
        j = c_items[q]
        oj = offsets[j]
        nj = counts[j]
        bj = base[j]
        c = scen[j]
        bc = bal[oj + c]
        for b in range(nj):
            if b != c and bal[oj + b] - bc - suf[t + 1, bj + c * nj + b] > k:
                return False
    return True


@njit(cache=True, _nrt=False, inline="always")  # used in the walks' loops; allocates nothing
def _keep(scen, out, found, tally, offsets, do_tally):
    """Write scenario ``scen`` ((n,) variant positions) to row ``found`` of ``out`` when it fits, and add its
    variants to ``tally`` ((V,) counts) when ``do_tally``."""
    if found < out.shape[0]:
        for d in range(scen.shape[0]):
            out[found, d] = scen[d]
    if do_tally:
        for d in range(scen.shape[0]):
            tally[offsets[d] + scen[d]] += 1


@njit(cache=True)
def _walk_plain(offsets, counts, fixed, tested, k, order, prefix, tables, out, tally, max_nodes, limit, nodes):
    """Depth-first branch-and-bound over the free descriptors in ``order``, with the tables of
    :func:`search_tables` for this order.

    The first ``len(prefix)`` descriptors of ``order`` are held at the variants in ``prefix`` (they are still
    tested; this is how the work is split between threads). Every scenario with inconsistency ≤ k on the tested
    descriptors is emitted: written to ``out`` while rows remain (``out`` may have 0 rows) and added to ``tally``
    (per-variant counts, (V,) int64, may be empty). Returns the number found (which may exceed ``out``'s rows),
    or -1 when ``max_nodes`` ≥ 0 and the search visited more nodes than that (it then stops early). When
    ``limit`` ≥ 0 the search stops as soon as it has found ``limit + 1`` scenarios and returns ``limit + 1``: the
    caller learns that there are more than ``limit`` without the time (or rows) to find them all. The nodes
    visited are added to ``nodes[0]`` ((1,) int64): the search's cost, used to compare orders.

    Soundness of the pruning: the final balance difference of rival b over variant c of descriptor j is the
    partial difference over decided descriptors plus, for each undecided descriptor i, ``C[i,s_i][j,b] −
    C[i,s_i][j,c]``, which is at least ``−max_a (C[i,a][j,c] − C[i,a][j,b])``. When even that lower bound exceeds
    k, no completion with j in c can be kept (:func:`_feasible`). At a full scenario the test is exact.
    """
    base = tables[0]
    suf = tables[1]
    mat = tables[2]
    step = tables[3]
    c_start = tables[4]
    c_items = tables[5]
    n = counts.shape[0]
    V = offsets[n]
    m = order.shape[0]
    L = prefix.shape[0]
    bal = np.zeros(V, dtype=np.int32)
    scen = np.empty(n, dtype=np.int64)
    for d in range(n):
        scen[d] = fixed[d]
    for t in range(L):
        scen[order[t]] = prefix[t]
    for d in range(n):
        if scen[d] >= 0:
            r = offsets[d] + scen[d]
            for c in range(V):
                bal[c] += mat[r, c]
    k = np.int32(k)
    do_tally = tally.shape[0] > 0
    found = 0
    if not _feasible(bal, offsets, counts, tested, scen, suf, L, base, k):
        return 0
    if m == L:
        _keep(scen, out, 0, tally, offsets, do_tally)
        return 1
    cur = np.full(m, -1, dtype=np.int64)
    depth = L
    count = 0
    while depth >= L:
        count += 1
        if max_nodes >= 0 and count > max_nodes:
            nodes[0] += count
            return -1
        i = order[depth]
        oi = offsets[i]
        cur[depth] += 1
        if cur[depth] >= counts[i]:
            r = oi + cur[depth] - 1
            for c in range(V):
                bal[c] -= mat[r, c]
            cur[depth] = -1
            scen[i] = -1
            depth -= 1
            continue
        r = oi + cur[depth]
        if cur[depth] == 0:
            for c in range(V):
                bal[c] += mat[r, c]
        else:
            for c in range(V):
                bal[c] += step[r, c]
        scen[i] = cur[depth]
        if _feasible_at(bal, offsets, counts, scen, suf, depth, base, k, c_start, c_items):
            if depth + 1 == m:
                _keep(scen, out, found, tally, offsets, do_tally)
                found += 1
                if limit >= 0 and found > limit:
                    nodes[0] += count
                    return found
            else:
                depth += 1
    nodes[0] += count
    return found


# ----------------------------------------------------------------------------------------------------------------
# Forward checking: incremental propagation over variant sets (issue 14)
# ----------------------------------------------------------------------------------------------------------------

#: Largest number of table entries (int32) the propagating search builds (its tables plus one search's stack of
#: bounds); a model needing more (or with a descriptor of more than 62 variants) is searched without propagation.
FC_MAX_ENTRIES = 1 << 24
#: Descriptors with at most this many variants get tables over every variant set (2^n rows); larger ones are
#: computed from the gains when needed.
FC_TABLE_VARIANTS = 6
#: Largest bound magnitude (Σ over descriptors of their largest gain, |gain| ≤ 2·max|score|) with which the search
#: propagates: the bounds of removed variants are parked at :data:`FC_DEAD` and must stay far below 0 (int32).
FC_BOUND = 1 << 28
#: Bound given to the pairs of a removed (or not chosen) variant: below any k ≥ 0 however much it is later raised.
FC_DEAD = -(1 << 30)
#: What rule 3 records for a pair it has not tested yet: no bound of a decided descriptor's live pair is this low.
CHK_NEVER = np.int32(-(1 << 31))


# The propagation's helpers (_fc_*) allocate nothing and are compiled without reference counting (numba's
# ``_nrt=False``): with it, every call increfs and decrefs each array argument (atomic operations), which measured
# about 10 % of the search's time. They take arrays one by one, not the table tuple, for the same reason.
# _fc_shift, _fc_remove and _fc_apply are inlined (numba IR) into _fc_fix, which calls _fc_apply at one place only:
# a call passing twenty arrays cost more than the loop it ran (random 20×3: 143 → 100 ms on one thread). _fc_fix
# is inlined in turn into the walk's loop (another 6–9 %), which calls it at one place only, the root included:
# every call site is a copy to compile, and one keeps the first compilation about 8 s longer than none.


@njit(cache=True)
def fc_tables(matrix, offsets, counts, tested, order, propagate=True):
    """Tables of the propagating search (:func:`_walk_fc`) along ``order`` (the free descriptors, in branching
    order; m of them).

    Pairs: for each tested descriptor j, every (variant c, rival b ≠ c) at ``pb[j] + c * (n_j − 1) + b′`` with
    b′ = b − 1 past c (a row of n_j − 1 per variant; the pair (c, c) would always hold 0, so it is left out: a
    third of the pairs of a model of 3-variant descriptors), P pairs in all; ``pj[p]``, ``pc[p]`` name pair p's
    descriptor and variant. ``gval[r, p]`` = ``C[r][j, b] − C[r][j, c]``: what matrix row r (variant a of
    descriptor i ≠ j) adds to rival b's lead over c (0 on i's own pairs); ``selfg[p]`` the same for j's own row c
    (its self-impact; 0 when set aside). ``gvT`` is ``gval`` transposed (P, V).

    ``gm[goff[i] + mask, p]`` = ``min_{a ∈ mask} gval[(i, a), p]`` and ``exT[p, goff[i] + mask]`` = the largest
    ``gval[(i, a), p] − gm[goff[i] + mask, p]`` over ``a ∈ mask``, for every variant set (bit mask) of each
    descriptor of at most :data:`FC_TABLE_VARIANTS` variants (``goff[i]`` = -1 for larger ones: computed when
    needed). ``rstart, rlo, rhi``: for each descriptor i, the ranges of pairs its rows reach (merged; i's own pairs
    may fall inside a range, where its gains are 0). ``sps[t, p]``: the largest ``max_a gval − min_a gval`` over
    the descriptors ``order[t:]`` (no variant of an undecided descriptor can be removed for pair p while the slack
    of p is at least this), (m + 1, P). ``spr[goff[i] + mask]`` = Σ_p ``exT[p, goff[i] + mask]`` (int64): how far
    deciding descriptor i, with that variant set left, can raise the bounds in all (the walk's tie-break).

    ``gval`` and ``gm`` are returned flat (row-major, rows of P): the search indexes them as ``row * P + p``
    without making array views, whose reference counting costs more than the arithmetic in the hot loops.

    Returns ``(ok, pb, pj, pc, selfg, gval, gvT, gm, exT, goff, rstart, rlo, rhi, sps, spr)``; ``ok`` ((1,) bool) is
    False (and the tables empty) when ``propagate`` is False, a descriptor has more than 62 variants, the tables
    would exceed :data:`FC_MAX_ENTRIES`, or the bounds could exceed :data:`FC_BOUND`.
    """
    n = counts.shape[0]
    V = offsets[n]
    m = order.shape[0]
    pb = np.full(n, -1, dtype=np.int64)
    P = 0
    big = 0
    bound = 0
    for j in range(n):
        if counts[j] > big:
            big = counts[j]
        if tested[j]:
            pb[j] = P
            P += counts[j] * (counts[j] - 1)
    for i in range(n):
        top = 0
        for r in range(offsets[i], offsets[i + 1]):
            for c in range(V):
                top = max(top, abs(matrix[r, c]))
        bound += 2 * top
    goff = np.full(n, -1, dtype=np.int64)
    G = 0
    for i in range(n):
        if counts[i] <= FC_TABLE_VARIANTS:
            goff[i] = G
            G += np.int64(1) << counts[i]
    ok = np.zeros(1, dtype=np.bool_)
    ok[0] = propagate and big <= 62 and bound <= FC_BOUND and P * (2 * V + 3 * G + 2 * m + 8) <= FC_MAX_ENTRIES
    if not ok[0]:
        P = 0
        G = 0
    pj = np.zeros(P, dtype=np.int64)
    pc = np.zeros(P, dtype=np.int64)
    selfg = np.zeros(P, dtype=np.int32)
    gval = np.zeros((V, P), dtype=np.int32)
    gvT = np.zeros((P, V), dtype=np.int32)
    gm = np.zeros((G, P), dtype=np.int32)
    exT = np.zeros((P, G), dtype=np.int32)
    rstart = np.zeros(n + 1, dtype=np.int64)
    rlo = np.zeros(n * n + 1, dtype=np.int64)
    rhi = np.zeros(n * n + 1, dtype=np.int64)
    sps = np.zeros((m + 1 if ok[0] else 0, P), dtype=np.int32)
    spr = np.zeros(G, dtype=np.int64)
    if not ok[0]:
        return ok, pb, pj, pc, selfg, gval.reshape(-1), gvT, gm.reshape(-1), exT, goff, rstart, rlo, rhi, sps, spr
    reach = np.zeros((n, n), dtype=np.bool_)
    for j in range(n):
        if not tested[j]:
            continue
        oj = offsets[j]
        nj = counts[j]
        for c in range(nj):
            for b in range(nj):
                if b != c:
                    p = pb[j] + c * (nj - 1) + (b - 1 if b > c else b)
                    pj[p] = j
                    pc[p] = c
                    selfg[p] = matrix[oj + c, oj + b] - matrix[oj + c, oj + c]
        for i in range(n):
            if i == j:
                continue
            for r in range(offsets[i], offsets[i + 1]):
                for c in range(nj):
                    for b in range(nj):
                        if b == c:
                            continue
                        g = matrix[r, oj + b] - matrix[r, oj + c]
                        gval[r, pb[j] + c * (nj - 1) + (b - 1 if b > c else b)] = g
                        if g != 0:
                            reach[i, j] = True
    for r0 in range(0, V, 16):  # transposed in blocks: a cache line each way
        for p0 in range(0, P, 16):
            for r in range(r0, min(r0 + 16, V)):
                for p in range(p0, min(p0 + 16, P)):
                    gvT[p, r] = gval[r, p]
    # ranges: the tested descriptors i reaches, and i itself (its gains there are 0), merged when adjacent
    q = 0
    for i in range(n):
        for j in range(n):
            if not tested[j] or not (reach[i, j] or (i == j and q > rstart[i])):
                continue
            lo = pb[j]
            hi = pb[j] + counts[j] * (counts[j] - 1)
            if q > rstart[i] and rhi[q - 1] == lo:
                rhi[q - 1] = hi
            else:
                rlo[q] = lo
                rhi[q] = hi
                q += 1
        rstart[i + 1] = q
    # each set's least and largest gains from those of the set without its lowest variant (one pass per set)
    hiT = np.empty((np.int64(1) << min(big, FC_TABLE_VARIANTS), P), dtype=np.int32)
    exR = np.zeros((G, P), dtype=np.int32)  # exT by rows first: written across, then transposed in blocks
    for i in range(n):
        if goff[i] < 0:
            continue
        oi = offsets[i]
        for mask in range(1, np.int64(1) << counts[i]):
            a = 0
            while not (mask >> a) & 1:
                a += 1
            rest = mask & (mask - 1)
            g = gval[oi + a]
            row = gm[goff[i] + mask]
            hi = hiT[mask]
            if rest == 0:
                for p in range(P):
                    row[p] = g[p]
                    hi[p] = g[p]
            else:
                lo0 = gm[goff[i] + rest]
                hi0 = hiT[rest]
                for p in range(P):
                    row[p] = min(lo0[p], g[p])
                    hi[p] = max(hi0[p], g[p])
            ex = exR[goff[i] + mask]
            tot = 0
            for p in range(P):
                ex[p] = hi[p] - row[p]
                tot += ex[p]
            spr[goff[i] + mask] = tot
    for g0 in range(0, G, 16):
        for p0 in range(0, P, 16):
            for g in range(g0, min(g0 + 16, G)):
                for p in range(p0, min(p0 + 16, P)):
                    exT[p, g] = exR[g, p]
    for t in range(m - 1, -1, -1):
        i = order[t]
        oi = offsets[i]
        for p in range(P):
            lo = gvT[p, oi]
            hi = lo
            for a in range(1, counts[i]):
                lo = min(lo, gvT[p, oi + a])
                hi = max(hi, gvT[p, oi + a])
            sps[t, p] = max(sps[t + 1, p], hi - lo)
    return ok, pb, pj, pc, selfg, gval.reshape(-1), gvT, gm.reshape(-1), exT, goff, rstart, rlo, rhi, sps, spr


def _is_vector(arr, dtype) -> bool:
    """Whether a numba type is a 1-D array of ``dtype`` (what the intrinsics below accept)."""
    return isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype == dtype


def _element_pointer(context, builder, sig, args, value_type):
    """For an intrinsic called as ``f(arr, idx, value)``: the pointer to ``arr[idx]`` and ``value`` cast to
    ``value_type`` (LLVM values)."""
    aryty = sig.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    i = context.cast(builder, args[1], sig.args[1], types.intp)
    v = context.cast(builder, args[2], sig.args[2], value_type)
    return cgutils.get_item_pointer(context, builder, aryty, ary, [i]), v


@intrinsic
def _above16(typingctx, arr, idx, k):
    """Bit l (l < 16) set when ``arr[idx + l] > k``, as a uint64 (``arr`` (N,) int32 with ``idx + 16 ≤ N``, not
    checked): one vector compare whose lanes become the bits of the mask (numba's vectoriser packs bools into
    an integer one lane at a time)."""
    if not _is_vector(arr, types.int32):
        return None

    def codegen(context, builder, sig, args):
        ptr, kv = _element_pointer(context, builder, sig, args, types.int32)
        vty = ir.VectorType(ir.IntType(32), 16)
        vec = builder.load(builder.bitcast(ptr, vty.as_pointer()), align=4)
        splat = builder.insert_element(ir.Constant(vty, ir.Undefined), kv, ir.Constant(ir.IntType(32), 0))
        splat = builder.shuffle_vector(splat, ir.Constant(vty, ir.Undefined), ir.Constant(vty, None))
        bits = builder.bitcast(builder.icmp_signed(">", vec, splat), ir.IntType(16))
        return builder.zext(bits, ir.IntType(64))

    return types.uint64(arr, idx, k), codegen


@njit(cache=True, _nrt=False)  # see the note before fc_tables
def _fc_min_row(gval, P, offsets, counts, i, mask, lo, hi, row):
    """``row[lo:hi]`` = ``min_{a ∈ mask} gval[(i, a), lo:hi]`` (``gval`` flat, rows of P), for a descriptor without
    tables (``goff[i]`` < 0)."""
    for p in range(lo, hi):
        row[np.uint64(p)] = 1 << 30
    for a in range(counts[i]):
        if (mask >> a) & 1:
            base = (offsets[i] + a) * P
            for p in range(lo, hi):
                u = np.uint64(p)
                row[u] = min(row[u], gval[np.uint64(base + p)])


@njit(cache=True, _nrt=False, inline="always")  # used in the walk's loop
def _nbits(mask):
    """Number of variants in a variant set (a bit mask, int64 ≥ 0): a population count without branches
    (LLVM turns it into one instruction where there is one)."""
    x = np.uint64(mask)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, _nrt=False, inline="always")  # see the note before fc_tables
def _fc_shift(lbs, dst, src, gm, g, q0, q1, rlo, rhi, P, old, new, k):
    """Bounds after a descriptor's variant set narrows from mask ``old`` to ``new``: every pair it reaches (the
    ranges ``rlo[q], rhi[q]`` for q in ``[q0, q1)``) gains ``gm[g + new] − gm[g + old]`` (the least help it can
    still give the rival only grows; ``g`` = its ``goff``, ``gm`` flat, rows of P). ``lbs`` is the flat stack of
    bound rows; the row at offset ``src`` is read and the row at ``dst`` written (``dst == src``: in place;
    otherwise the rest of the row is copied on the way, which is how a child's bounds are made from its parent's
    in one pass). Returns True when a raised bound exceeds k.

    Written for the vectoriser, as measured: flat arrays indexed by unsigned offsets (numba then drops its
    negative-index handling), arrays passed one by one and no views made (reference counting of a view, or of an
    array taken out of a tuple, costs more than the loop when it cannot be optimised away)."""
    copy = dst != src
    hit = False
    prev = 0
    go = (g + old) * P
    gn = (g + new) * P
    for q in range(q0, q1 if old != new else q0):
        lo = rlo[q]
        hi = rhi[q]
        if copy:
            for p in range(prev, lo):
                lbs[np.uint64(dst + p)] = lbs[np.uint64(src + p)]
        prev = hi
        top = np.int32(-(1 << 30))
        if copy:
            for p in range(lo, hi):
                v = np.int32(lbs[np.uint64(src + p)] + gm[np.uint64(gn + p)] - gm[np.uint64(go + p)])
                lbs[np.uint64(dst + p)] = v
                top = max(top, v)
        else:  # one index expression: with two, the vectoriser's overlap check fails and it runs scalar
            for p in range(dst + lo, dst + hi):
                u = np.uint64(p)
                v = np.int32(lbs[u] + gm[np.uint64(gn - dst + p)] - gm[np.uint64(go - dst + p)])
                lbs[u] = v
                top = max(top, v)
        if top > k:
            hit = True
    if copy:
        for p in range(prev, P):
            lbs[np.uint64(dst + p)] = lbs[np.uint64(src + p)]
    return hit


@njit(cache=True, _nrt=False)  # see the note before fc_tables
def _fc_shift_wide(lbs, dst, src, gval, offsets, counts, i, q0, q1, rlo, rhi, P, old, new, k, mo, mn):
    """:func:`_fc_shift` for a descriptor i without tables: the least gains over ``old`` and ``new`` computed into
    the scratch rows ``mo`` and ``mn`` first (:func:`_fc_min_row`)."""
    copy = dst != src
    hit = False
    prev = 0
    for q in range(q0, q1 if old != new else q0):
        lo = rlo[q]
        hi = rhi[q]
        if copy:
            for p in range(prev, lo):
                lbs[np.uint64(dst + p)] = lbs[np.uint64(src + p)]
        prev = hi
        _fc_min_row(gval, P, offsets, counts, i, old, lo, hi, mo)
        _fc_min_row(gval, P, offsets, counts, i, new, lo, hi, mn)
        top = np.int32(-(1 << 30))
        if copy:
            for p in range(lo, hi):
                u = np.uint64(p)
                v = np.int32(lbs[np.uint64(src + p)] + mn[u] - mo[u])
                lbs[np.uint64(dst + p)] = v
                top = max(top, v)
        else:
            for p in range(lo, hi):
                u = np.uint64(p)
                w = np.uint64(dst + p)
                v = np.int32(lbs[w] + mn[u] - mo[u])
                lbs[w] = v
                top = max(top, v)
        if top > k:
            hit = True
    if copy:
        for p in range(prev, P):
            lbs[np.uint64(dst + p)] = lbs[np.uint64(src + p)]
    return hit


@njit(cache=True, _nrt=False, inline="always")  # see the note before fc_tables
def _fc_remove(lbs, b, doms, r, i, nd, k, offsets, counts, tested, pb, pc, gval, gm, goff, rstart, rlo, rhi, P, mo, mn):
    """Narrow descriptor i's variant set ``doms[r, i]`` to ``nd`` (a subset): the pairs of its removed variants
    are parked at :data:`FC_DEAD` (when i is tested; ``pc[p]``: pair p's variant) and the bounds it reaches, in
    the row of ``lbs`` at offset ``b``, are raised (:func:`_fc_shift`). Returns True when a raised bound exceeds k."""
    D = doms[r, i]
    doms[r, i] = nd
    if tested[i]:
        ni = counts[i]
        gone = D & ~nd
        for x in range(pb[i], pb[i] + ni * (ni - 1)):  # no branch on which variants go (data it cannot predict)
            u = np.uint64(b + x)
            keep = np.int32(((gone >> pc[np.uint64(x)]) & 1) - 1)  # 0 to park, all ones to keep
            lbs[u] = FC_DEAD + ((lbs[u] - FC_DEAD) & keep)
    if goff[i] >= 0:
        return _fc_shift(lbs, b, b, gm, goff[i], rstart[i], rstart[i + 1], rlo, rhi, P, D, nd, k)
    return _fc_shift_wide(lbs, b, b, gval, offsets, counts, i, rstart[i], rstart[i + 1], rlo, rhi, P, D, nd, k, mo, mn)


@njit(cache=True, _nrt=False, inline="always")  # see the note before fc_tables
def _fc_apply(
    lbs, b, doms, r, k, rmv, tj, nt, offsets, counts, tested, pb, pc, gval, gm, goff, rstart, rlo, rhi, P, mo, mn
):
    """Remove the variants ``rmv[j]`` from the sets ``doms[r, j]`` of the descriptors ``tj[:nt]``
    (:func:`_fc_remove`), after checking that none is left empty. Returns 0 when one would be (the node fails),
    else 2 when a raised bound exceeds k and 1 when none does. ``rmv`` is zero again on return.
    Rule 3 with stale bounds (collected before they were raised) removes less than with fresh ones, never more,
    and the rules run again until nothing changes, so the fixed point is the same."""
    for t in range(nt):
        j = tj[t]
        if doms[r, j] & ~rmv[j] == 0:
            for u in range(nt):
                rmv[tj[u]] = 0
            return 0
    hit = False
    for t in range(nt):
        j = tj[t]
        nd = doms[r, j] & ~rmv[j]
        rmv[j] = 0
        if _fc_remove(
            lbs, b, doms, r, j, nd, k, offsets, counts, tested, pb, pc, gval, gm, goff, rstart, rlo, rhi, P, mo, mn
        ):
            hit = True
    return 2 if hit else 1


@njit(cache=True, _nrt=False, inline="always")  # see the note before fc_tables
def _fc_fix(
    lbs,
    b,
    doms,
    r,
    offsets,
    counts,
    tested,
    order,
    k,
    cp,
    ncp,
    hit,
    mo,
    mn,
    rmv,
    tj,
    pb,
    pj,
    pc,
    gval,
    gvT,
    gm,
    exT,
    goff,
    rstart,
    rlo,
    rhi,
    chk,
):
    """Forward checking at a node of depth r, where ``order[:r]`` (and the fixed descriptors) are decided
    (``order``: the walk's branching order so far, undecided descriptors in ``order[r:]``): narrow the variant
    sets ``doms[r]`` ((n,) bit masks) of the undecided descriptors and tighten the bounds ``lb`` (the row of the
    flat ``lbs`` at offset ``b``) to a fixed point. Returns False when the node can hold no scenario with
    inconsistency ≤ k.

    ``lb[p]`` for pair p = (j, c, b) is a lower bound of rival b's final lead over variant c of descriptor j:
    the decided descriptors' exact contribution, plus j's own row at c, plus, for each other undecided descriptor
    i, ``min_{a ∈ dom[i]} gval[(i, a), p]``; the pairs of a variant that j can no longer take (removed, or j decided
    on another) hold :data:`FC_DEAD` instead (always < 0 ≤ k). On entry every live bound not raised since the last
    fixed point is ≤ k, and ``hit`` says whether a raised one may exceed it. ``cp`` ((4, V + 1) int64):
    ``cp[0, :ncp]`` the pairs (j, s_j, b ≠ s_j) of the decided, tested descriptors, ``cp[1, q]`` the bound above
    which pair ``cp[0, q]`` can make rule 3 remove something (k − ``sps[t, p]`` of :func:`fc_tables`, for a row t
    whose suffix of the static order holds every undecided descriptor), rows 2 and 3 scratch. The rules
    (argument in docs/cib.md, "Forward checking"):

    1. and 2. a live pair (j, c, b) with ``lb > k``: c is removed from j's set; a decided j (set {s_j}) is left
       with none and the node fails;
    3. an undecided i loses variant a when for some decided, tested j and rival b the slack ``k − lb[(j, s_j, b)]``
       is less than ``gval[(i, a), p] − min_{dom[i]} gval[·, p]``: taking a would break j.

    Rule 3 skips a pair whose bound is the one it was last tested with (``chk``, flat, a row of V + 1 per depth:
    pair ``cp[0, q]`` at ``r * (V + 1) + q``, copied from the parent's row): sets only shrink along a path and within
    the loop, and a smaller set can only remove less for the same slack (its least gain is higher), so the test
    would remove nothing. This saves a fifth of the flagship's search and costs dense random models 1–3 %.

    Every narrowing raises ``lb`` on the pairs the narrowed descriptor reaches (:func:`_fc_remove`); the rules
    run again until nothing changes (sets only shrink, so this ends; the result is the same whatever the order in
    which the rules fire). An empty set fails the node.
    """
    m = order.shape[0]
    P = gvT.shape[0]
    while True:
        nt = 0
        if hit:
            # rules 1 and 2: live pairs above k (dead ones are below 0), 64 at a time as a bit mask (vector
            # compares; a scan of 16 at a time with a scalar search inside took a third of the time on random
            # 12×4); every removal is collected first, so that a node that fails (a decided descriptor broken, a
            # set emptied) fails before any bound is moved
            p0 = 0
            while p0 < P:
                w = min(64, P - p0)
                bb = b + p0
                msk = np.uint64(0)
                x = 0
                while x + 16 <= w:
                    msk |= _above16(lbs, bb + x, k) << np.uint64(x)
                    x += 16
                for p in range(x, w):
                    msk |= np.uint64(lbs[np.uint64(bb + p)] > k) << np.uint64(p)
                while msk != 0:
                    p = p0 + np.int64(trailing_zeros(msk))
                    j = np.uint64(pj[np.uint64(p)])
                    c = pc[np.uint64(p)]
                    tj[np.uint64(nt)] = j  # kept when j is new to the list: no branch
                    nt += np.int64(rmv[j] == 0)
                    rmv[j] |= np.int64(1) << c
                    e = pb[j] + (c + 1) * (counts[j] - 1) - p0  # the rest of the row goes with it
                    msk = msk & ~((np.uint64(1) << np.uint64(e)) - np.uint64(1)) if e < 64 else np.uint64(0)
                p0 += w
        elif r == m:
            return True
        else:
            # rule 3: variants of undecided descriptors that would break a decided one (collected, then applied)
            c0 = r * (offsets[counts.shape[0]] + 1)  # chk is flat, a row of V + 1 per depth
            nc = 0
            for q in range(ncp):  # candidates first, without branches (mispredicted ones cost more than the test)
                uq = np.uint64(q)
                x = lbs[np.uint64(b + cp[0, uq])]
                cp[2, np.uint64(nc)] = q
                nc += np.int64((x > cp[1, uq]) & (x != chk[np.uint64(c0 + q)]))
            for e in range(nc):
                q = cp[2, np.uint64(e)]
                p = cp[0, np.uint64(q)]
                x = lbs[np.uint64(b + p)]
                slack = k - x
                chk[np.uint64(c0 + q)] = x
                up = np.uint64(p)  # unsigned indices below: no negative-index handling in the inner loop
                nw = 0
                for w in range(r, m):  # the descriptors that may lose a variant, without branches
                    i = np.uint64(order[np.uint64(w)])
                    g = goff[i]
                    gi = g + doms[np.uint64(r), i] if g >= 0 else 0
                    cp[3, np.uint64(nw)] = i
                    nw += np.int64((g < 0) | (exT[up, np.uint64(gi)] > slack))
                for e2 in range(nw):
                    i = np.uint64(cp[3, np.uint64(e2)])
                    Dr = doms[np.uint64(r), i]
                    D = Dr & ~rmv[i]
                    oi = offsets[i]
                    ni = counts[i]
                    low = np.int32(1 << 30)
                    # arithmetic, not a select (LLVM makes a branch of a select over a load); gains are within
                    # ±FC_BOUND, so a variant not in the set adds 2^30 and stays in int32 above any that is
                    for a in range(ni):
                        low = min(low, gvT[up, np.uint64(oi + a)] + np.int32((((Dr >> a) & 1) ^ 1) << 30))
                    gone = np.int64(0)
                    for a in range(ni):
                        gone |= np.int64(gvT[up, np.uint64(oi + a)] - low > slack) << a
                    gone &= D
                    tj[np.uint64(nt)] = i  # kept when i loses a variant and is new to the list: no branch
                    nt += np.int64((gone != 0) & (rmv[i] == 0))
                    rmv[i] |= gone
            if nt == 0:
                return True  # nothing above k and nothing left to remove: the fixed point
        # one call site: the helpers below are inlined here (numba IR), once
        got = _fc_apply(
            lbs, b, doms, r, k, rmv, tj, nt, offsets, counts, tested, pb, pc, gval, gm, goff, rstart, rlo, rhi, P,
            mo, mn,
        )  # fmt: skip
        if got == 0:
            return False
        hit = got == 2


@njit(cache=True)
def _walk_fc(
    offsets, counts, fixed, tested, k, order, prefix, ft, out, tally, max_nodes, limit, nodes, cut, seed, emit
):
    """:func:`_walk_plain` with forward checking (:func:`_fc_fix`) at every node: same contract and the same
    scenarios (only branches that hold no kept scenario are skipped), far fewer nodes on dense matrices. ``ft``:
    :func:`fc_tables`.

    Below ``prefix`` it branches on the undecided descriptor with the fewest variants left, the "fail first" rule
    of Haralick & Elliott (1980), Artificial Intelligence 14(3), 263–313: a descriptor narrowed to one variant
    costs one node, and a small set splits the tree least. Ties go to the descriptor whose decision can raise the
    bounds most (the largest ``spr`` of :func:`fc_tables` for its set; a descriptor without tables counts 0), then
    to the first in ``order``: the most constraining among the most constrained, as Brélaz (1979),
    Communications of the ACM 22(4), 251–256, breaks ties by degree. On seeded random 15×3 models it visits
    about 30 % fewer nodes than ties by order alone (docs/performance.md, stop 24). Every node still
    branches on every variant left of one descriptor, so each scenario is reached once; but the scenarios come
    in another order than the plain walk's, and callers that need an order sort them (``find_scenarios`` into
    tableau order, the likelihood pass lexicographically).

    Each depth keeps its own row of bounds and variant sets (a stack; a copy per node rather than an undo trail:
    on dense models a placement moves nearly every bound, so undoing would cost another pass); a child's row is
    its parent's with the placed descriptor's shift applied on the way (one pass over the pairs,
    :func:`_fc_shift`), so going back up costs nothing. ``cut`` ≥ 0 (log2 of a number of scenarios; -1 for
    none): a node that survives propagation and still holds at most 2^cut scenarios (the product of its undecided
    descriptors' variant sets) is emitted instead of searched (its row of ``out`` holds the decided variants and
    -1 elsewhere; this is how the tree is cut into subtrees for threads), and counted in the return value like a
    scenario.

    Node states, so that a subtree starts where the cut left it instead of propagating its prefix again from the
    start: ``seed`` = ``(lbs, doms, row)``, a (R, P) int32 array of bound rows, a (R, n) int64 array of variant
    sets and a row index; with ``row`` ≥ 0 ``prefix`` is a whole row ((n,) variants, -1 undecided: a row that
    ``cut`` emitted) and the root starts from that row's bounds and sets (those of the node at its fixed point)
    instead of computing them; without, ``prefix`` holds the variants of ``order[:len(prefix)]``. ``emit``, the
    same triple: with ``row`` ≥ 0 each node emitted is also written, bounds and sets, to rows ``row, row + 1, …``
    (those that fit). Pass ``row`` = -1 (and arrays of any shape) for neither.
    """
    work = _fc_work(offsets, counts, order, ft)
    k32 = np.int32(min(k, 1 << 30))  # live bounds stay within ±FC_BOUND, dead ones below 0
    sd = (seed[0], seed[1], np.int64(seed[2]))  # no literal types (see the note before frontier)
    em = (emit[0], emit[1], np.int64(emit[2]))
    return _fc_walk(
        offsets, counts, tested, k32, order, prefix, ft, out, tally, np.int64(max_nodes), np.int64(limit), nodes,
        np.float64(cut), fixed, work, sd, em,
    )  # fmt: skip


@njit(cache=True)
def _fc_work(offsets, counts, order, ft):
    """The arrays one propagating walk works in (:func:`_fc_walk`); a thread reuses them from walk to walk (each
    walk sets what it reads, and leaves ``rmv`` zero as it found it)."""
    n = counts.shape[0]
    m = order.shape[0]
    P = ft[6].shape[0]  # gvT: (pairs, variants)
    scen = np.empty(n, dtype=np.int64)
    lbs = np.empty((m + 1) * P, dtype=np.int32)  # flat: the row of depth t starts at t * P
    doms = np.empty((m + 1, n), dtype=np.int64)
    mo = np.empty(P, dtype=np.int32)
    mn = np.empty(P, dtype=np.int32)
    cp = np.empty((4, offsets[n] + 1), dtype=np.int64)
    rmv = np.zeros(n, dtype=np.int64)
    tj = np.empty(n, dtype=np.int64)
    ncp = np.zeros(m + 1, dtype=np.int64)
    cur = np.empty(m, dtype=np.int64)
    perm = np.empty(m, dtype=np.int64)
    pos = np.empty(n, dtype=np.int64)
    chk = np.empty((m + 1) * (offsets[n] + 1), dtype=np.int32)  # per depth, each cp pair's bound at its last test
    at = np.zeros(2, dtype=np.int64)  # where a walk that gave up stopped: its depth and the scenarios it had found
    return (scen, lbs, doms, mo, mn, cp, rmv, tj, ncp, cur, perm, pos, chk, at)


@njit(cache=True, _nrt=False)  # see the note before fc_tables: no reference counting in the loop over nodes
def _fc_walk(
    offsets, counts, tested, k32, order, prefix, ft, out, tally, max_nodes, limit, nodes, cut, fixed, work, seed, emit
):
    """The loop of :func:`_walk_fc` over the arrays it allocated (``work``). Compiled without reference counting:
    with it, the arrays passed to :func:`_fc_fix` were increfed and decrefed at every node (about 10 % of the
    time on random 20×3)."""
    _ok, pb, pj, pc, selfg, gval, gvT, gm, exT, goff, rstart, rlo, rhi, sps, spr = ft
    scen, lbs, doms, mo, mn, cp, rmv, tj, ncp, cur, perm, pos, chk, at = work
    slb, sdom, srow = seed
    elb, edom, erow = emit
    n = counts.shape[0]
    m = order.shape[0]
    P = gvT.shape[0]
    seeded = srow >= 0
    for d in range(n):
        scen[d] = fixed[d]
    top_row = 0  # the rows of sps are suffixes of order: row 0 holds every undecided descriptor
    for t in range(m):
        pos[order[t]] = t
    if seeded:  # prefix is a whole row: its decided descriptors first in the branching order, then the others
        L = 0
        for t in range(m):
            if prefix[order[t]] >= 0:
                perm[L] = order[t]
                scen[order[t]] = prefix[order[t]]
                L += 1
        q = L
        for t in range(m):
            if prefix[order[t]] < 0:
                perm[q] = order[t]
                q += 1
    else:
        L = prefix.shape[0]
        for t in range(m):
            perm[t] = order[t]
        for t in range(L):
            scen[order[t]] = prefix[t]
        top_row = L
    b0 = L * P
    if seeded:  # the node's state as the cut left it (at its fixed point)
        for p in range(P):
            lbs[b0 + p] = slb[srow, p]
        for d in range(n):
            doms[L, d] = sdom[srow, d]
    else:
        for p in range(P):
            lbs[b0 + p] = selfg[p]
    for d in range(n if not seeded else 0):
        if scen[d] >= 0:
            doms[L, d] = np.int64(1) << scen[d]
            r = (offsets[d] + scen[d]) * P
            for p in range(P):
                lbs[b0 + p] += gval[r + p]
        else:
            doms[L, d] = (np.int64(1) << counts[d]) - 1
            if goff[d] >= 0:
                r = (goff[d] + doms[L, d]) * P
                for p in range(P):
                    lbs[b0 + p] += gm[r + p]
            else:
                _fc_min_row(gval, P, offsets, counts, d, doms[L, d], 0, P, mo)
                for p in range(P):
                    lbs[b0 + p] += mo[p]
    q = 0
    for d in range(n):
        if scen[d] >= 0 and tested[d]:
            nd = counts[d]
            for c in range(nd):
                for b in range(nd):
                    if b == c:
                        continue
                    p = pb[d] + c * (nd - 1) + (b - 1 if b > c else b)
                    if c != scen[d]:
                        lbs[b0 + p] = FC_DEAD
                    else:
                        cp[0, q] = p
                        cp[1, q] = k32 - sps[top_row, p]
                        q += 1
    ncp[L] = q
    W = offsets[n] + 1  # the width of a row of chk (flat)
    for x in range(q):
        chk[L * W + x] = CHK_NEVER
    do_tally = tally.shape[0] > 0
    found = 0
    for t in range(m):
        cur[t] = -1
    room = 2.0**cut if cut >= 0 else 0.0  # 2^cut: inf for a cut past 1023, and then every node is emitted
    depth = L
    count = 0
    root = True  # the first pass propagates at the root; _fc_fix is called at one place only (it is inlined)
    while depth >= L:
        if root:
            child = L
            bc = b0
            hit = True  # a seeded root may have been narrowed since its fixed point (_fc_rest): rules 1 and 2 too
        else:
            count += 1
            if max_nodes >= 0 and count > max_nodes:
                nodes[0] += count
                at[0] = depth  # the state stays in work: _fc_rest turns what is left into subtrees
                at[1] = found
                return -1
            if cur[depth] < 0:  # fewest variants left; ties: the largest spread, then the first in order
                bx = depth
                bn = 1 << 20
                bs = np.int64(-1)
                for x in range(depth, m):
                    j = perm[x]
                    nb = _nbits(doms[depth, j])
                    s = spr[goff[j] + doms[depth, j]] if goff[j] >= 0 else np.int64(0)
                    if nb < bn or (nb == bn and (s > bs or (s == bs and pos[j] < pos[perm[bx]]))):
                        bn = nb
                        bs = s
                        bx = x
                t = perm[depth]
                perm[depth] = perm[bx]
                perm[bx] = t
            i = perm[depth]
            ni = counts[i]
            D = doms[depth, i]
            a = cur[depth] + 1
            while a < ni and not (D >> a) & 1:
                a += 1
            if a >= ni:
                cur[depth] = -1
                scen[i] = -1
                depth -= 1
                continue
            cur[depth] = a
            scen[i] = a
            child = depth + 1
            one = np.int64(1) << a
            for d in range(n):
                doms[child, d] = doms[depth, d]
            doms[child, i] = one
            bc = child * P
            if goff[i] >= 0:
                hit = _fc_shift(lbs, bc, depth * P, gm, goff[i], rstart[i], rstart[i + 1], rlo, rhi, P, D, one, k32)
            else:
                hit = _fc_shift_wide(
                    lbs,
                    bc,
                    depth * P,
                    gval,
                    offsets,
                    counts,
                    i,
                    rstart[i],
                    rstart[i + 1],
                    rlo,
                    rhi,
                    P,
                    D,
                    one,
                    k32,
                    mo,
                    mn,
                )
            q = ncp[depth]
            if tested[i]:  # the pairs of every variant but a are dead (those already removed stay dead)
                for p in range(bc + pb[i], bc + pb[i] + a * (ni - 1)):
                    lbs[np.uint64(p)] = FC_DEAD
                for p in range(bc + pb[i] + (a + 1) * (ni - 1), bc + pb[i] + ni * (ni - 1)):
                    lbs[np.uint64(p)] = FC_DEAD
                for p in range(pb[i] + a * (ni - 1), pb[i] + (a + 1) * (ni - 1)):
                    cp[0, q] = p
                    cp[1, q] = k32 - sps[top_row, p]
                    q += 1
            ncp[child] = q
            c0 = child * W
            c1 = depth * W
            for x in range(ncp[depth]):
                chk[np.uint64(c0 + x)] = chk[np.uint64(c1 + x)]
            for x in range(ncp[depth], q):
                chk[np.uint64(c0 + x)] = CHK_NEVER
        ok = _fc_fix(
            lbs, bc, doms, child, offsets, counts, tested, perm, k32, cp, q, hit, mo, mn, rmv, tj,
            pb, pj, pc, gval, gvT, gm, exT, goff, rstart, rlo, rhi, chk,
        )  # fmt: skip
        if root:
            root = False
            if not ok:
                return 0
        elif not ok:
            continue
        leaf = child == m
        if not leaf and cut >= 0:  # does the node hold at most 2^cut scenarios (its undecided variant sets)?
            space = 1.0
            for x in range(child, m):
                space *= _nbits(doms[child, perm[x]])
                if space > room:
                    break
            leaf = space <= room
        if leaf:
            if erow >= 0 and erow + found < elb.shape[0]:
                for p in range(P):
                    elb[erow + found, p] = lbs[bc + p]
                for d in range(n):
                    edom[erow + found, d] = doms[child, d]
            _keep(scen, out, found, tally, offsets, do_tally and child == m)
            found += 1
            if limit >= 0 and found > limit:
                nodes[0] += count
                return found
            if child == L:
                return found
        else:
            depth = child
    nodes[0] += count
    return found


# Thin dispatchers are inlined into their callers (numba IR): each compiled function re-optimises and re-emits
# the code of every function it calls, so a wrapper level costs seconds of first-use compilation (issue 14, P6).
@njit(cache=True, inline="always")
def _walk(offsets, counts, fixed, tested, k, order, prefix, tables, out, tally, max_nodes, limit, nodes):
    """One search with the tables of :func:`search_tables`: with forward checking (:func:`_walk_fc`) when its
    tables were built, else plain branch-and-bound (:func:`_walk_plain`). The same scenarios."""
    ft = tables[6]
    mx = np.int64(max_nodes)  # not a literal type: see the note on literal arguments before frontier
    lm = np.int64(limit)
    if ft[0][0]:
        none = (np.empty((0, 0), dtype=np.int32), np.empty((0, 0), dtype=np.int64), np.int64(-1))
        return _walk_fc(
            offsets, counts, fixed, tested, k, order, prefix, ft, out, tally, mx, lm, nodes, -1.0, none, none
        )
    return _walk_plain(offsets, counts, fixed, tested, k, order, prefix, tables, out, tally, mx, lm, nodes)


@njit(cache=True, inline="always")  # see _walk
def _dfs(
    matrix,
    offsets,
    counts,
    fixed,
    tested,
    k,
    order,
    prefix,
    out,
    tally,
    max_nodes=-1,
    limit=-1,
    propagate=True,
    nodes=None,
):
    """One search along ``order`` (:func:`_walk` with freshly built tables); the nodes visited are added to
    ``nodes[0]`` when given."""
    tables = search_tables(matrix, offsets, counts, tested, order, propagate)
    if nodes is None:
        nodes = np.zeros(1, dtype=np.int64)
    return _walk(offsets, counts, fixed, tested, k, order, prefix, tables, out, tally, max_nodes, limit, nodes)


@njit(cache=True)
def split_prefixes(counts, order, min_tasks):
    """All variant combinations of the first L descriptors of ``order``, L the smallest giving at least
    ``min_tasks`` combinations (or all of ``order``): (T, L) int64, the first of them varying fastest."""
    m = order.shape[0]
    L = 0
    T = 1
    while m > L and min_tasks > T:
        T *= counts[order[L]]
        L += 1
    pre = np.zeros((T, L), dtype=np.int64)
    for t in range(T):
        rem = t
        for q in range(L):
            nq = counts[order[q]]
            pre[t, q] = rem % nq
            rem //= nq
    return pre


# ----------------------------------------------------------------------------------------------------------------
# Threads: subtrees handed out as threads free up
# ----------------------------------------------------------------------------------------------------------------

#: Subtrees per thread the threaded search (:func:`bnb_search_threads`) cuts the tree into, at least.
TASKS_PER_THREAD = 16
#: int64 entries the threaded search's slots take in all (as ``search.FIRST_ENTRIES``): just under 32 MiB, the
#: largest block glibc serves from its heap once one has been freed rather than mapping it afresh on every call.
BLOCK_ENTRIES = (1 << 22) - (1 << 16)


@intrinsic
def _fetch_add(typingctx, arr, idx, val):
    """Atomically add ``val`` to ``arr[idx]`` ((N,) int64) and return the value before: how a thread takes the
    next subtree (sequentially consistent; numba has no atomics of its own on the CPU)."""
    if not _is_vector(arr, types.int64):
        return None

    def codegen(context, builder, sig, args):
        ptr, v = _element_pointer(context, builder, sig, args, types.int64)
        return builder.atomic_rmw("add", ptr, v, "seq_cst")

    return types.int64(arr, idx, val), codegen


@njit(cache=True)
def _fc_rest(offsets, counts, tested, ft, work, k32):
    """What a propagating walk from the root that gave up (``max_nodes`` passed; its arrays ``work`` as it left
    them) had still to search, as subtrees with their states: ``(pre, lbs, doms)`` as :func:`frontier` returns,
    R ≤ depth + 1 rows.

    At the give-up the walk stands at ``depth = at[0]``; for every depth t on its path the children of the node
    there up to ``cur[t]`` are searched (or being searched, deeper on the path) and the rest are not. So what is
    left is, for each t, the node of depth t with its branching descriptor's set narrowed to the variants after
    ``cur[t]`` (its bounds raised for the narrowing as :func:`_fc_remove` does; skipped when none is left), and the
    node of ``depth`` whole when it has not branched yet. Each row's decided descriptors are those above t on the
    path; the narrowed node is not at its fixed point, which the walk restores from it (a seeded root runs every
    rule). Together with the scenarios the walk found (``out[:at[1]]``), these subtrees hold every scenario of the
    tree exactly once, so the try's nodes are not searched again."""
    pb, gval, gvT, gm, goff = ft[1], ft[5], ft[6], ft[7], ft[9]
    rstart, rlo, rhi = ft[10], ft[11], ft[12]
    scen, lbs, doms, mo, mn, cur, perm, at = work[0], work[1], work[2], work[3], work[4], work[9], work[10], work[13]
    n = counts.shape[0]
    m = perm.shape[0]
    P = gvT.shape[0]
    depth = at[0]
    pre = np.empty((depth + 1, n), dtype=np.int64)
    rl = np.empty((depth + 1, P), dtype=np.int32)
    rd = np.empty((depth + 1, n), dtype=np.int64)
    sb = m * P  # the stack's last row is free (the walk never stands at depth m: leaves are not descended into)
    R = 0
    for t in range(depth, -1, -1):  # deepest first: the order in which the walk would have met them
        whole = t == depth and cur[t] < 0
        i = perm[t]
        D = doms[t, i]
        left = D if whole else D & ~((np.int64(2) << cur[t]) - 1)  # the variants after the one searched
        if left == 0:
            continue
        for d in range(n):
            pre[R, d] = scen[d]
            rd[R, d] = doms[t, d]
        for x in range(t, m):
            pre[R, perm[x]] = -1
        if whole:
            for p in range(P):
                rl[R, p] = lbs[t * P + p]
            R += 1
            continue
        rd[R, i] = left
        if goff[i] >= 0:
            _fc_shift(lbs, sb, t * P, gm, goff[i], rstart[i], rstart[i + 1], rlo, rhi, P, D, left, k32)
        else:
            _fc_shift_wide(
                lbs, sb, t * P, gval, offsets, counts, i, rstart[i], rstart[i + 1], rlo, rhi, P, D, left, k32, mo, mn
            )
        if tested[i]:
            ni = counts[i]
            for c in range(ni):
                if ((D & ~left) >> c) & 1:
                    for p in range(pb[i] + c * (ni - 1), pb[i] + (c + 1) * (ni - 1)):
                        lbs[sb + p] = FC_DEAD
        for p in range(P):
            rl[R, p] = lbs[sb + p]
        R += 1
    return pre[:R].copy(), rl[:R].copy(), rd[:R].copy()


# Literal arguments: numba types a constant (``-1``, ``0``) passed to a compiled function, even inside a tuple, as
# a literal type of its own (``Literal[int](-1)``) and compiles the callee once more for it. The walks are the
# largest functions here, so every call passes such values as ``np.int64``.
@njit(cache=True)
def frontier(offsets, counts, fixed, tested, k, order, tables, target, nodes, seeds):
    """The search tree cut into subtrees for threads: ``(pre, lbs, doms)``, T ≥ ``target // 2`` subtrees
    (usually ≥ ``target``) unless the tree has fewer live nodes at every depth.

    With forward checking (the tables of :func:`fc_tables` built): ``pre`` holds (T, n) rows, each a node's
    decided variants (-1 for the undecided), and ``lbs`` (T, P) int32 and ``doms`` (T, n) int64 the node's state at
    its fixed point (the ``seed`` of :func:`_walk_fc`, from which its subtree is searched without propagating
    again). The search itself makes the cut: it branches as the one-thread walk does (fewest variants first) down
    to depth L (the smallest with at least ``target`` variant combinations along ``order``) and keeps the nodes
    that survive propagation there; while fewer than ``target`` survive (``target // 2`` after the first pass),
    each is cut deeper, from its state. Every node above the cut is visited once here (added to ``nodes[0]``),
    every node at the cut or below by the subtree that holds it.

    ``seeds`` = ``(pre, lbs, doms, use)``: with ``use`` ≠ 0 (forward checking only) the cut starts from these
    nodes instead of the root (the subtrees a one-thread try left, :func:`_fc_rest`), each cut as deep as its size
    asks.

    Without forward checking: ``pre`` (T, L) holds every combination of the variants of ``order[:L]``, in the
    order the search meets them (dead ones end at their root, and the nodes above L are not counted); ``lbs`` and
    ``doms`` are (0, 0).
    """
    ft = tables[6]
    n = counts.shape[0]
    m = order.shape[0]
    L = 0
    T = 1
    while m > L and target > T:
        T *= counts[order[L]]
        L += 1
    if not ft[0][0]:  # every combination, the last descriptor fastest (the order of the search)
        pre = np.zeros((T, L), dtype=np.int64)
        for t in range(T):
            rem = t
            for q in range(L - 1, -1, -1):
                nq = counts[order[q]]
                pre[t, q] = rem % nq
                rem //= nq
        return pre, np.zeros((0, 0), dtype=np.int32), np.zeros((0, 0), dtype=np.int64)
    P = ft[6].shape[0]
    big = 1
    for t in range(m):
        big = max(big, counts[order[t]])
    empty = np.zeros(0, dtype=np.int64)
    m1 = np.int64(-1)  # not a literal type (see the note above)
    none = (np.empty((0, 0), dtype=np.int32), np.empty((0, 0), dtype=np.int64), m1)
    work = _fc_work(offsets, counts, order, ft)  # one set of arrays for every walk below
    k32 = np.int32(min(k, 1 << 30))
    if seeds[3] != 0:
        rows, lbs, doms = seeds[0], seeds[1], seeds[2]
        f = rows.shape[0]
    else:
        rows = np.empty((1, n), dtype=np.int64)
        lbs = np.empty((1, P), dtype=np.int32)
        doms = np.empty((1, n), dtype=np.int64)
        # the root at its fixed point (emitted at once: every node holds fewer than 2^1e9 scenarios)
        f = _fc_walk(
            offsets, counts, tested, k32, order, empty, ft, rows, empty, m1, m1, nodes, 1e9, fixed, work, none,
            (lbs, doms, np.int64(0)),
        )  # fmt: skip
    cut = 0.0  # log2 of the largest node's scenarios (its undecided variant sets)
    for r in range(f):
        size = 0.0
        for t in range(m):
            size += np.log2(np.float64(_popcount(np.uint64(doms[r, order[t]]))))
        cut = max(cut, size)
    # Each pass cuts the nodes it is given deeper: a node is emitted once it holds at most 2^cut scenarios, cut
    # lowered by log2 of the subtrees still missing plus a margin for the nodes propagation kills: 1 bit on the
    # first pass (on dense random models it then about meets the target), 4 on later ones (a tree that has
    # thinned out by then keeps doing so: the flagship needs 3 passes so, 7 with 1 bit each). Later passes stop
    # at half the target: 4 bits too many multiply the subtrees by up to 16, all cut on one thread (bench_50x50
    # from a try's subtrees: 27 subtrees became 616, after 1 325 serial nodes instead of 49).
    passes = 0
    while 0 < f < (target if passes == 0 else target // 2) and cut > 0 and passes < 64:
        cut = max(0.0, cut - np.log2(target / f) - (1.0 if passes == 0 else 4.0))
        passes += 1
        R = max(f * big, 2 * target)
        while True:
            deeper = np.empty((R, n), dtype=np.int64)
            dlbs = np.empty((R, P), dtype=np.int32)
            ddoms = np.empty((R, n), dtype=np.int64)
            before = nodes[0]
            g = 0
            for t in range(f):
                g += _fc_walk(
                    offsets, counts, tested, k32, order, rows[t], ft, deeper[g:], empty, m1, m1, nodes, cut, fixed,
                    work, (lbs, doms, t), (dlbs, ddoms, g),
                )  # fmt: skip
            if g <= R:
                break
            R = g  # more emitted than the rows held: once more, with room for all
            nodes[0] = before
        rows = deeper
        lbs = dlbs
        doms = ddoms
        f = g
    return rows[:f].copy(), lbs[:f].copy(), doms[:f].copy()


@njit(cache=True)
def _probe(offsets, counts, fixed, tested, k, order, tables, probe, limit, nodes):
    """The whole search on one thread, given up after ``probe`` nodes: ``(found, rows)``, found = -1 when given up
    (rows then empty, or when more than ``limit`` ≥ 0 were found); its nodes are added to ``nodes[0]``."""
    n = counts.shape[0]
    empty = np.zeros(0, dtype=np.int64)
    rows = np.empty((probe + 1, n), dtype=np.int64)  # every scenario found is one node
    f = _walk(offsets, counts, fixed, tested, k, order, empty, tables, rows, empty, probe, limit, nodes)
    if f < 0 or (limit >= 0 and f > limit):
        return f, np.zeros((0, n), dtype=np.int64)
    return f, rows[:f].copy()


@njit(cache=True)
def _threads_start(matrix, offsets, counts, fixed, tested, k, n_threads, limit, propagate, probe, slot):
    """Everything :func:`bnb_search_threads` does before its threads start: the order, the tables, the
    one-thread try (``probe`` > 0) and, when that gave up, the subtrees and the slots they write to. Kept out of
    the parallel function: there numba makes every array it allocates a parallel region of its own, and each wakes
    the threads (about 60 µs in all, on a search the try finishes)."""
    n = counts.shape[0]
    order = search_order(matrix, offsets, counts, fixed, tested)
    tables = search_tables(matrix, offsets, counts, tested, order, propagate)
    ft = tables[6]
    top = np.zeros(1, dtype=np.int64)
    f0 = -1
    rows = np.zeros((0, n), dtype=np.int64)
    seeds = (np.zeros((0, n), dtype=np.int64), np.zeros((0, 0), dtype=np.int32), np.zeros((0, n), dtype=np.int64), 0)
    if probe > 0 and ft[0][0]:  # the try's nodes are kept: what it found, and what it left as subtrees
        work = _fc_work(offsets, counts, order, ft)
        empty = np.zeros(0, dtype=np.int64)
        m1 = np.int64(-1)
        none = (np.empty((0, 0), dtype=np.int32), np.empty((0, 0), dtype=np.int64), m1)
        rows = np.empty((probe + 1, n), dtype=np.int64)  # every scenario found is one node
        f0 = _fc_walk(
            offsets, counts, tested, np.int32(min(k, 1 << 30)), order, empty, ft, rows, empty, probe, limit, top,
            -1.0, fixed, work, none, none,
        )  # fmt: skip
        if f0 >= 0:
            rows = rows[:f0].copy() if limit < 0 or f0 <= limit else np.zeros((0, n), dtype=np.int64)
        else:
            rows = rows[: work[13][1]].copy()
            sp, sl, sd = _fc_rest(offsets, counts, tested, ft, work, np.int32(min(k, 1 << 30)))
            seeds = (sp, sl, sd, 1)
    elif probe > 0:  # the whole tree on this thread first, up to ``probe`` nodes (each leaf is one: rows enough)
        f0, rows = _probe(offsets, counts, fixed, tested, k, order, tables, probe, limit, top)
    if f0 >= 0:
        pre = np.zeros((0, 0), dtype=np.int64)
        lbs = np.zeros((0, 0), dtype=np.int32)
        doms = np.zeros((0, 0), dtype=np.int64)
    else:
        pre, lbs, doms = frontier(
            offsets, counts, fixed, tested, k, order, tables, TASKS_PER_THREAD * n_threads, top, seeds
        )
    T = pre.shape[0]
    # rows per subtree: BLOCK_ENTRIES in all, whose pages are touched only as rows are written
    cap = slot if slot > 0 else max(4, BLOCK_ENTRIES // max(1, T * n))
    out = np.empty((T, cap, n), dtype=np.int64)  # rows past a subtree's count are never read
    found = np.zeros(T, dtype=np.int64)
    per = np.zeros((T, 1), dtype=np.int64)  # each subtree's nodes in the first pass
    again = np.zeros((T, 1), dtype=np.int64)  # and in the second
    ctr = np.zeros(3, dtype=np.int64)  # the next subtree of the first pass, the scenarios found, the next of the second
    ctr[1] = rows.shape[0]  # a try given up found these (they come first)
    return order, tables, f0, rows, top, pre, lbs, doms, out, found, per, again, ctr


@njit(cache=True)
def _threads_gather(first, out, found, per, top, limit):
    """The rows ``first`` (what a try given up found) and then the subtrees' rows in subtree order
    (:func:`bnb_search_threads`): ``(res, starts, big, nb, nodes)``; the ``nb`` subtrees ``big[:nb]`` found more
    than their slot holds and left their rows ``res[starts[t]:starts[t+1]]`` to be filled by a second pass. ``res``
    is empty when more than ``limit`` ≥ 0 were found."""
    T, cap, n = out.shape
    nodes = top[0]
    for t in range(T):
        nodes += per[t, 0]
    starts = np.zeros(T + 1, dtype=np.int64)
    starts[0] = first.shape[0]
    for t in range(T):
        starts[t + 1] = starts[t] + found[t]
    big = np.zeros(T, dtype=np.int64)
    if limit >= 0 and starts[T] > limit:
        return np.zeros((0, n), dtype=np.int64), starts, big, 0, nodes
    res = np.empty((starts[T], n), dtype=np.int64)
    res[: starts[0]] = first
    nb = 0
    for t in range(T):
        if found[t] > cap:
            big[nb] = t
            nb += 1
        else:
            res[starts[t] : starts[t + 1]] = out[t, : found[t]]
    return res, starts, big, nb, nodes


@njit(cache=True, parallel=True)
def bnb_search_threads(matrix, offsets, counts, fixed, tested, k, n_threads, limit=-1, propagate=True, probe=0, slot=0):
    """:func:`bnb_search` on ``n_threads`` threads: the same scenarios (in the same order when the search does
    not propagate; sorted, the same rows when it does) after the same number of nodes when it propagates (plus those
    of a try given up and of subtrees searched again, below).

    The tree is cut into subtrees (:func:`frontier`: about :data:`TASKS_PER_THREAD` per thread). With forward
    checking the cut is made by the one-thread walk itself and each subtree starts from the state the cut left
    it in, so the subtrees are that walk's tree in pieces. Each thread takes the next subtree as it frees up (an
    atomic counter), so a thread slowed by a busy core takes fewer. Each subtree writes its first rows to a slot
    of its own (``slot`` rows, or, with 0, as many as :data:`BLOCK_ENTRIES` in all allow); subtrees that found more are
    searched again into their place once the counts are known. Results are merged in subtree order (the
    one-thread search's order when it does not propagate).

    Parameters as :func:`bnb_search`. ``limit`` ≥ 0: the search stops once more than ``limit`` scenarios are found
    in all (a subtree starts with what the others have left it, and none starts once the limit is passed).
    ``probe`` > 0: first search the whole tree on this thread, giving up after ``probe`` nodes; a tree that small
    is done without waking the threads, with the tables computed once for both. With forward checking a try given
    up is not wasted: the scenarios it found are kept (they come first) and what it left is cut into the subtrees
    (:func:`_fc_rest`, then :func:`frontier` from there); without, its nodes are counted and searched again.

    Returns
    -------
    scenarios : (N, n) int64
        Every scenario with inconsistency ≤ k (empty when more than ``limit`` were found).
    found : int
        N, or a number > ``limit`` when the limit was passed (then a lower bound).
    nodes : int
        Search nodes visited (every pass counted).
    """
    # only the loops over threads are here, the rest in serial helpers (see _threads_start)
    order, tables, f0, rows, top, pre, lbs, doms, out, found, per, again, ctr = _threads_start(
        matrix, offsets, counts, fixed, tested, k, n_threads, limit, propagate, probe, slot
    )
    if f0 >= 0:
        return rows, f0, top[0]
    plain = (tables[0], tables[1], tables[2], tables[3], tables[4], tables[5])  # parfors take flat tuples only
    ft = tables[6]
    fc = ft[0][0]
    T = pre.shape[0]
    empty = found[:0]
    m1 = np.int64(-1)  # not a literal type (see the note before frontier)
    none = (np.empty((0, 0), dtype=np.int32), np.empty((0, 0), dtype=np.int64), m1)  # not parfors: no fill
    k32 = np.int32(min(k, 1 << 30))
    for _w in prange(n_threads):
        work = _fc_work(offsets, counts, order, ft)  # each thread's arrays, for all its subtrees
        while True:
            t = _fetch_add(ctr, 0, 1)
            if t >= T:
                break
            left = m1
            if limit >= 0:
                done = _fetch_add(ctr, 1, 0)
                if done > limit:
                    continue
                left = limit - done
            if fc:
                f = _fc_walk(
                    offsets, counts, tested, k32, order, pre[t], ft, out[t], empty, m1, left, per[t], -1.0, fixed,
                    work, (lbs, doms, t), none,
                )  # fmt: skip
            else:
                f = _walk_plain(
                    offsets, counts, fixed, tested, k, order, pre[t], plain, out[t], empty, m1, left, per[t]
                )
            found[t] = f
            _fetch_add(ctr, 1, f)
    res, starts, big, nb, nodes = _threads_gather(rows, out, found, per, top, limit)
    if limit >= 0 and starts[T] > limit:
        return res, starts[T], nodes
    if nb > 0:
        for _w in prange(n_threads):
            work = _fc_work(offsets, counts, order, ft)
            while True:
                u = _fetch_add(ctr, 2, 1)
                if u >= nb:
                    break
                t = big[u]
                sub = res[starts[t] : starts[t + 1]]
                if fc:
                    _fc_walk(
                        offsets, counts, tested, k32, order, pre[t], ft, sub, empty, m1, m1, again[t], -1.0, fixed,
                        work, (lbs, doms, t), none,
                    )  # fmt: skip
                else:
                    _walk_plain(offsets, counts, fixed, tested, k, order, pre[t], plain, sub, empty, m1, m1, again[t])
        for t in range(T):
            nodes += again[t, 0]
    return res, starts[T], nodes


@njit(cache=True)
def bnb_search(matrix, offsets, counts, fixed, tested, k, out, max_nodes=-1, limit=-1, propagate=True, nodes=None):
    """Exact search by branch-and-bound; scenarios go to ``out`` ((cap, n) int64) in search order.

    Returns the number found; when it exceeds ``cap`` only the first ``cap`` are written (call again with a larger
    ``out``). Returns -1 when ``max_nodes`` ≥ 0 and the search needed more nodes (used to decide when splitting
    the search over threads pays). ``limit`` ≥ 0: stop after ``limit + 1`` scenarios (see :func:`_walk`).
    ``propagate``: forward checking (:func:`_walk_fc`); ``nodes`` ((1,) int64, optional): the nodes visited are
    added to it. Kernel-level entry point for tight loops: no validation, no Python objects.
    """
    order = search_order(matrix, offsets, counts, fixed, tested)
    return _dfs(
        matrix,
        offsets,
        counts,
        fixed,
        tested,
        k,
        order,
        np.zeros(0, dtype=np.int64),
        out,
        np.zeros(0, dtype=np.int64),
        max_nodes,
        limit,
        propagate,
        nodes,
    )


@njit(cache=True)
def bnb_count(matrix, offsets, counts, fixed, tested, k, tally, limit=-1):
    """Number of kept scenarios, adding each one's variants to ``tally`` ((V,) int64, zeroed by the caller; may be
    empty). ``limit`` ≥ 0: stop counting at ``limit + 1`` (the tally then covers only those)."""
    order = search_order(matrix, offsets, counts, fixed, tested)
    return _dfs(
        matrix,
        offsets,
        counts,
        fixed,
        tested,
        k,
        order,
        np.zeros(0, dtype=np.int64),
        np.zeros((0, counts.shape[0]), dtype=np.int64),
        tally,
        -1,
        limit,
    )


@njit(cache=True)
def bnb_nodes(matrix, offsets, counts, fixed, tested, k, order):
    """Search nodes the search along ``order`` visits (scenarios are counted, not kept): the cost by which a
    caller compares candidate orders. Counted without forward checking, as the orders were always compared (so
    the order chosen, and the order of the scenarios found along it, do not change). ``order`` lists exactly the free descriptors."""
    tables = search_tables(matrix, offsets, counts, tested, order, False)
    nodes = np.zeros(1, dtype=np.int64)
    _walk_plain(
        offsets,
        counts,
        fixed,
        tested,
        k,
        order,
        np.zeros(0, dtype=np.int64),
        tables,
        np.zeros((0, counts.shape[0]), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.int64(-1),
        np.int64(-1),
        nodes,
    )
    return nodes[0]


@njit(cache=True)
def _collect(offsets, counts, fixed, tested, k, order, tables, out, n_out, nodes):
    """Append the search's scenarios to ``out`` from row ``n_out``, growing it when full (the search then runs
    again into the larger array). Returns ``(out, number now in out)``."""
    empty = np.zeros(0, dtype=np.int64)
    prefix = np.zeros(0, dtype=np.int64)
    got = _walk(offsets, counts, fixed, tested, k, order, prefix, tables, out[n_out:], empty, -1, -1, nodes)
    if n_out + got > out.shape[0]:
        grown = np.empty((max(2 * out.shape[0], n_out + got), out.shape[1]), dtype=np.int64)
        grown[:n_out] = out[:n_out]
        out = grown
        _walk(offsets, counts, fixed, tested, k, order, prefix, tables, out[n_out:], empty, -1, -1, nodes)
    return out, n_out + got


@njit(cache=True, nogil=True)  # judgment draws run it on several Python threads at once
def bnb_by_combination(matrix, offsets, counts, fixed, tested, k, order, exo, rows):
    """Every scenario with inconsistency ≤ k, tagged by the combination of the descriptors ``exo`` it takes.

    One search along ``order`` (which lists exactly the free descriptors, ``exo`` among them; they are not
    tested): searching the combinations together shares the work above them in the tree, and an order with
    ``exo`` last visits each combination at the leaves, one after the other. ``rows``: initial capacity.

    Returns ``(scenarios (m, n) int64, tags (m,) int64, nodes)``: ``tags[s] = Σ_e v_e · Π_{e' > e} n_{e'}`` over the
    positions e of ``exo`` (first ``exo`` descriptor most significant, so tag order is the lexicographic order of
    the combinations), ``nodes`` the search nodes visited.
    """
    tables = search_tables(matrix, offsets, counts, tested, order)
    nodes = np.zeros(1, dtype=np.int64)
    out = np.empty((max(rows, 1), counts.shape[0]), dtype=np.int64)
    out, m = _collect(offsets, counts, fixed, tested, k, order, tables, out, 0, nodes)
    tags = np.zeros(m, dtype=np.int64)
    for s in range(m):
        tag = 0
        for e in range(exo.shape[0]):
            tag = tag * counts[exo[e]] + out[s, exo[e]]
        tags[s] = tag
    return out[:m].copy(), tags, nodes[0]


@njit(cache=True, nogil=True)  # judgment draws run it on several Python threads at once
def bnb_combinations_in_turn(matrix, offsets, counts, fixed, tested, k, order, exo, combos, rows):
    """Every scenario with inconsistency ≤ k for each combination of the descriptors ``exo`` in turn.

    Row q of ``combos`` ((F, len(exo)) int64 variant positions) is fixed on top of ``fixed`` and the rest
    searched along ``order`` (the free descriptors other than ``exo``; one set of tables serves every row). Made
    for combinations too many to enumerate, of which a sample is searched. ``rows``: initial capacity.

    Returns ``(scenarios (m, n) int64, tags (m,) int64, nodes)``: the scenarios row by row, ``tags[s]`` the row of
    ``combos`` scenario s was found under, ``nodes`` the search nodes visited.
    """
    tables = search_tables(matrix, offsets, counts, tested, order)
    nodes = np.zeros(1, dtype=np.int64)
    n = counts.shape[0]
    out = np.empty((max(rows, 1), n), dtype=np.int64)
    tags = np.empty(out.shape[0], dtype=np.int64)
    fx = fixed.copy()
    m = 0
    for q in range(combos.shape[0]):
        for e in range(exo.shape[0]):
            fx[exo[e]] = combos[q, e]
        out, m_new = _collect(offsets, counts, fx, tested, k, order, tables, out, m, nodes)
        if tags.shape[0] < out.shape[0]:
            grown = np.empty(out.shape[0], dtype=np.int64)
            grown[:m] = tags[:m]
            tags = grown
        for s in range(m, m_new):
            tags[s] = q
        m = m_new
    return out[:m].copy(), tags[:m].copy(), nodes[0]


@njit(cache=True, parallel=True)
def bnb_tally_batch(matrices, offsets, counts, fixed, exogenous, k):
    """Many searches at once, in parallel: every matrix × every intervention vector.

    Parameters
    ----------
    matrices : (R, V, V) int64
    fixed : (F, n) int64, -1 where free
    exogenous : (n,) bool (left out of the test like a fixed descriptor)

    Returns
    -------
    found : (R, F) int64 number of scenarios with inconsistency ≤ k
    tally : (R, F, V) int64 how many of them take each variant
    """
    R = matrices.shape[0]
    F = fixed.shape[0]
    n = counts.shape[0]
    V = offsets[n]
    found = np.zeros((R, F), dtype=np.int64)
    tally = np.zeros((R, F, V), dtype=np.int64)
    for job in prange(R * F):
        r = job // F
        f = job % F
        tested = np.empty(n, dtype=np.bool_)
        for d in range(n):
            tested[d] = fixed[f, d] < 0 and not exogenous[d]
        found[r, f] = bnb_count(matrices[r], offsets, counts, fixed[f], tested, k, tally[r, f])
    return found, tally


# ----------------------------------------------------------------------------------------------------------------
# Incremental sweep (reflected mixed-radix Gray code)
# ----------------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _ok(bal, offsets, counts, tested, scen, k):
    """Exact test: every tested descriptor's inconsistency ≤ k."""
    n = counts.shape[0]
    for j in range(n):
        if not tested[j]:
            continue
        oj = offsets[j]
        bc = bal[oj + scen[j]]
        for b in range(counts[j]):
            if bal[oj + b] - bc > k:
                return False
    return True


@njit(cache=True)
def sweep_search(matrix, offsets, counts, fixed, tested, k, out, limit=-1):
    """Exact search visiting every scenario in reflected Gray-code order: consecutive scenarios differ in one
    descriptor by one variant, so the balances are updated by subtracting one row and adding one. Same contract
    as :func:`bnb_search` (``limit`` included)."""
    n = counts.shape[0]
    V = offsets[n]
    free = np.empty(n, dtype=np.int64)
    m = 0
    for d in range(n):
        if fixed[d] < 0:
            free[m] = d
            m += 1
    scen = np.empty(n, dtype=np.int64)
    bal = np.zeros(V, dtype=np.int64)
    for d in range(n):
        scen[d] = fixed[d] if fixed[d] >= 0 else 0
        r = offsets[d] + scen[d]
        for c in range(V):
            bal[c] += matrix[r, c]
    direction = np.ones(m, dtype=np.int64)
    cap = out.shape[0]
    found = 0
    while True:
        if _ok(bal, offsets, counts, tested, scen, k):
            if found < cap:
                for d in range(n):
                    out[found, d] = scen[d]
            found += 1
            if limit >= 0 and found > limit:
                return found
        t = 0
        while t < m:
            d = free[t]
            nv = scen[d] + direction[t]
            if 0 <= nv < counts[d]:
                break
            direction[t] = -direction[t]
            t += 1
        if t == m:
            break
        d = free[t]
        r_old = offsets[d] + scen[d]
        scen[d] += direction[t]
        r_new = offsets[d] + scen[d]
        for c in range(V):
            bal[c] += matrix[r_new, c] - matrix[r_old, c]
    return found


# ----------------------------------------------------------------------------------------------------------------
# Evaluation of many scenarios
# ----------------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _score_into(bal, offsets, counts, scenarios, tested, any_tested, s, ic, cv, tis):
    # Scenario s's IC, CV and TIS into ic[s], cv[s], tis[s], from its impact balances bal ((V,) int64).
    n = counts.shape[0]
    worst = 0
    margin = np.iinfo(np.int64).max
    total = 0
    for j in range(n):
        oj = offsets[j]
        c = scenarios[s, j]
        bc = bal[oj + c]
        total += bc
        if not tested[j]:
            continue
        best = bc
        rival = np.iinfo(np.int64).min
        for b in range(counts[j]):
            if b != c:
                if bal[oj + b] > rival:
                    rival = bal[oj + b]
                if bal[oj + b] > best:
                    best = bal[oj + b]
        if best - bc > worst:
            worst = best - bc
        if bc - rival < margin:
            margin = bc - rival
    ic[s] = worst
    cv[s] = margin if any_tested else 0
    tis[s] = total


@njit(cache=True)
def _evaluate_into(matrix, offsets, counts, scenarios, tested, any_tested, s, ic, cv, tis):
    # One scenario's IC, CV and TIS into ic[s], cv[s], tis[s] (the threaded loop below).
    n = counts.shape[0]
    V = offsets[n]
    bal = np.zeros(V, dtype=np.int64)
    for d in range(n):
        r = offsets[d] + scenarios[s, d]
        for c in range(V):
            bal[c] += matrix[r, c]
    _score_into(bal, offsets, counts, scenarios, tested, any_tested, s, ic, cv, tis)


@njit(cache=True)
def evaluate_many(matrix, offsets, counts, scenarios, tested):
    """Inconsistency, consistency value and total impact score of each scenario ((N, n) int64): three (N,) int64.

    With no tested descriptor, inconsistency and consistency value are 0 (as :mod:`scenarist.cib.core`). Serial:
    small sets do not pay for starting threads; :func:`evaluate_many_parallel` is the same over threads. Each
    scenario's balances are the previous one's plus the rows of the descriptors that changed (a search's list
    changes a few descriptors from row to row: the flagship's 902 scenarios in a third of the time); integers,
    so the same numbers as summing every row."""
    N = scenarios.shape[0]
    n = counts.shape[0]
    V = offsets[n]
    ic = np.zeros(N, dtype=np.int64)
    cv = np.zeros(N, dtype=np.int64)
    tis = np.zeros(N, dtype=np.int64)
    any_tested = tested.any()
    bal = np.zeros(V, dtype=np.int64)
    for s in range(N):
        for d in range(n):
            a = scenarios[s, d]
            if s == 0:
                r = offsets[d] + a
                for c in range(V):
                    bal[c] += matrix[r, c]
            elif a != scenarios[s - 1, d]:
                ra = offsets[d] + a
                rb = offsets[d] + scenarios[s - 1, d]
                for c in range(V):
                    bal[c] += matrix[ra, c] - matrix[rb, c]
        _score_into(bal, offsets, counts, scenarios, tested, any_tested, s, ic, cv, tis)
    return ic, cv, tis


@njit(cache=True)
def score_sorted(matrix, offsets, counts, scenarios, tested):
    """Scenarios ((N, n) int64, variants ≥ 0) put in tableau order and scored: ``(ok, rows, ic, cv, tis)``, rows
    (N, n) and three (N,) int64 as :func:`evaluate_many`, ordered by total impact score descending, ties by variant
    positions ascending (the first descriptor first), as ``search.order_scenarios``.

    One compiled pass for what ``make_set`` did in three: the rows are scored in the order given (a search's order,
    where neighbouring rows share most descriptors, so the balances carried from row to row change little: on the
    flagship a third faster than in variant order), sorted by one mixed-radix code of their variants (the first
    descriptor the highest digit, each digit's radix its column's largest variant + 1), then stably by total impact
    score. ``ok`` is False, and nothing else computed, when a variant is negative or
    the code could reach 2^62 (the caller then scores and orders in numpy)."""
    N, n = scenarios.shape
    width = np.ones(n, dtype=np.int64)
    ok = True
    for s in range(N):
        for d in range(n):
            a = scenarios[s, d]
            if a < 0:
                ok = False
            elif a + 1 > width[d]:
                width[d] = a + 1
    space = 1.0
    for d in range(n):
        space *= width[d]
    empty = np.zeros(0, dtype=np.int64)
    if not ok or space >= 2.0**62:
        return False, scenarios[:0].copy(), empty, empty, empty
    ic, cv, tis = evaluate_many(matrix, offsets, counts, scenarios, tested)  # in the given order: see above
    code = np.zeros(N, dtype=np.int64)
    for s in range(N):
        x = np.int64(0)
        for d in range(n):
            x = x * width[d] + scenarios[s, d]
        code[s] = x
    lo = tis.min() if N > 0 else 0
    hi = tis.max() if N > 0 else 0
    if space * (hi - lo + 1.0) < 2.0**62:  # one key: score descending, then the code (one quicksort)
        span = np.int64(1)
        for d in range(n):
            span *= width[d]
        for s in range(N):
            code[s] += (hi - tis[s]) * span
        lex = np.arange(N)
        by = np.argsort(code)
    else:
        lex = np.argsort(code)
        key = np.empty(N, dtype=np.int64)
        for s in range(N):
            key[s] = -tis[lex[s]]
        by = np.argsort(key, kind="mergesort")  # stable: ties keep the variant order
    out = np.empty((N, n), dtype=np.int64)
    ic2 = np.empty(N, dtype=np.int64)
    cv2 = np.empty(N, dtype=np.int64)
    tis2 = np.empty(N, dtype=np.int64)
    for s in range(N):
        t = lex[by[s]]
        for d in range(n):
            out[s, d] = scenarios[t, d]
        ic2[s] = ic[t]
        cv2[s] = cv[t]
        tis2[s] = tis[t]
    return True, out, ic2, cv2, tis2


@njit(cache=True, parallel=True)
def evaluate_many_parallel(matrix, offsets, counts, scenarios, tested):
    """Inconsistency, consistency value and total impact score of each scenario ((N, n) int64): three (N,) int64.

    Same as :func:`evaluate_many`, over threads (for large sets)."""
    N = scenarios.shape[0]
    ic = np.zeros(N, dtype=np.int64)
    cv = np.zeros(N, dtype=np.int64)
    tis = np.zeros(N, dtype=np.int64)
    any_tested = tested.any()
    for s in prange(N):
        _evaluate_into(matrix, offsets, counts, scenarios, tested, any_tested, s, ic, cv, tis)
    return ic, cv, tis


# ----------------------------------------------------------------------------------------------------------------
# Succession
# ----------------------------------------------------------------------------------------------------------------

#: Succession operators, as kernel codes.
GLOBAL, LOCAL, SEQUENTIAL = 0, 1, 2


@njit(cache=True)
def _best_variant(bal, oj, nj, current):
    """The variant a descriptor moves to: its current one when that has the highest balance (a tie keeps the
    current variant), otherwise the first variant with the highest balance."""
    top = bal[oj + current]
    best = current
    for b in range(nj):
        if bal[oj + b] > top:
            top = bal[oj + b]
            best = b
    return best


@njit(cache=True)
def _step_from_balances(matrix, offsets, counts, moving, op, scen, bal, nxt):
    """One succession step from ``scen`` whose balances are ``bal``; writes the next state to ``nxt``.

    ``op``: GLOBAL (every moving descriptor switches at once to its best variant), LOCAL (only the most
    inconsistent moving descriptor switches; the first one among equals), SEQUENTIAL (the moving descriptors in
    order, each seeing the switches made before it; ``bal`` is updated in place then). Non-moving descriptors
    (fixed, exogenous) stay.
    """
    n = counts.shape[0]
    V = offsets[n]
    for d in range(n):
        nxt[d] = scen[d]
    if op == GLOBAL:
        for j in range(n):
            if moving[j]:
                nxt[j] = _best_variant(bal, offsets[j], counts[j], scen[j])
    elif op == LOCAL:
        worst = 0
        which = -1
        for j in range(n):
            if not moving[j]:
                continue
            oj = offsets[j]
            bc = bal[oj + scen[j]]
            top = bc
            for b in range(counts[j]):
                if bal[oj + b] > top:
                    top = bal[oj + b]
            if top - bc > worst:
                worst = top - bc
                which = j
        if which >= 0:
            nxt[which] = _best_variant(bal, offsets[which], counts[which], scen[which])
    else:
        for j in range(n):
            if not moving[j]:
                continue
            nv = _best_variant(bal, offsets[j], counts[j], nxt[j])
            if nv != nxt[j]:
                r_old = offsets[j] + nxt[j]
                r_new = offsets[j] + nv
                for c in range(V):
                    bal[c] += matrix[r_new, c] - matrix[r_old, c]
                nxt[j] = nv


@njit(cache=True)
def succession_step(matrix, offsets, counts, moving, op, scen, nxt):
    """One succession step from ``scen`` ((n,) int64) into ``nxt`` ((n,) int64), balances computed afresh."""
    n = counts.shape[0]
    V = offsets[n]
    bal = np.zeros(V, dtype=np.int64)
    for d in range(n):
        r = offsets[d] + scen[d]
        for c in range(V):
            bal[c] += matrix[r, c]
    _step_from_balances(matrix, offsets, counts, moving, op, scen, bal, nxt)


@njit(cache=True)
def follow(matrix, offsets, counts, moving, op, start, path):
    """Follow succession from ``start`` until a state repeats.

    ``path`` ((max_states, n) int64) receives the states visited, ``path[0] = start``. Returns ``(length,
    cycle_start)``: ``path[cycle_start:length]`` is the attractor (one state) or the cycle; ``cycle_start = -1``
    when no state repeated within ``max_states`` states.
    """
    n = counts.shape[0]
    L = path.shape[0]
    for d in range(n):
        path[0, d] = start[d]
    nxt = np.empty(n, dtype=np.int64)
    for t in range(1, L):
        succession_step(matrix, offsets, counts, moving, op, path[t - 1], nxt)
        for q in range(t):
            same = True
            for d in range(n):
                if path[q, d] != nxt[d]:
                    same = False
                    break
            if same:
                return t, q
        for d in range(n):
            path[t, d] = nxt[d]
    return L, -1


# ----------------------------------------------------------------------------------------------------------------
# Basins over the whole space
# ----------------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _free_layout(counts, fixed):
    """Free descriptors (first varies fastest in the numbering) and their strides: two (m,) int64."""
    n = counts.shape[0]
    m = 0
    for d in range(n):
        if fixed[d] < 0:
            m += 1
    free = np.empty(m, dtype=np.int64)
    stride = np.empty(m, dtype=np.int64)
    q = 0
    s = 1
    for d in range(n):
        if fixed[d] < 0:
            free[q] = d
            stride[q] = s
            s *= counts[d]
            q += 1
    return free, stride


@njit(cache=True)
def low_split(counts, free, limit):
    """How many leading free descriptors form the "low" block enumerated from a table: the most whose product
    stays ≤ ``limit`` (at least 1 when there is a free descriptor)."""
    q = 0
    prod = 1
    while q < free.shape[0] and (q == 0 or prod * counts[free[q]] <= limit):
        prod *= counts[free[q]]
        q += 1
    return q


@njit(cache=True)
def _low_tables(matrix, offsets, counts, free, ql, NL):
    """Balances (int32) and digits of every combination of the low block (the first ``ql`` free descriptors)."""
    n = counts.shape[0]
    V = offsets[n]
    low_bal = np.zeros((NL, V), dtype=np.int32)
    low_dig = np.zeros((NL, max(ql, 1)), dtype=np.int64)
    for l in range(NL):
        rem = l
        for q in range(ql):
            d = free[q]
            v = rem % counts[d]
            rem //= counts[d]
            low_dig[l, q] = v
            r = offsets[d] + v
            for c in range(V):
                low_bal[l, c] += matrix[r, c]
    return low_bal, low_dig


@njit(cache=True)
def _high_state(matrix, offsets, counts, fixed, free, ql, h, scen, hb):
    """Set the high block's digits of number h (and the fixed variants) in ``scen``; their balances in ``hb``."""
    n = counts.shape[0]
    V = offsets[n]
    m = free.shape[0]
    for d in range(n):
        scen[d] = fixed[d]
    hr = h
    for q in range(ql, m):
        d = free[q]
        scen[d] = hr % counts[d]
        hr //= counts[d]
    for c in range(V):
        hb[c] = 0
    for d in range(n):
        if scen[d] >= 0:
            r = offsets[d] + scen[d]
            for c in range(V):
                hb[c] += matrix[r, c]


@njit(cache=True)
def _global_block(offsets, counts, moving, free, stride, ql, NL, lbT, ldT, hb, scen, M, A, VC, SIG):
    """Global-succession successors of the NL scenarios sharing one high block, into ``SIG`` ((NL,) int32).

    The hot loop of the basins, written across the low block (one lane per scenario) so that it compiles to
    vector instructions: for each descriptor, a running maximum ``M`` and first argmax ``A`` over its variants,
    and the current variant's balance ``VC``; the tie rule then keeps the current variant where ``VC == M``.
    ``lbT`` (V, NL) int32 holds the low block's balances transposed, ``ldT`` (ql, NL) int32 its digits.
    """
    m = free.shape[0]
    for l in range(NL):
        SIG[l] = 0
    for q in range(m):
        j = free[q]
        st = np.int32(stride[q])
        oj = offsets[j]
        if q < ql:
            cur = ldT[q]
            if not moving[j]:
                for l in range(NL):
                    SIG[l] += cur[l] * st
                continue
            for l in range(NL):
                M[l] = -2147483647
                A[l] = 0
                VC[l] = 0
            for b in range(counts[j]):
                hv = hb[oj + b]
                row = lbT[oj + b]
                bb = np.int32(b)
                for l in range(NL):
                    v = hv + row[l]
                    gt = v > M[l]
                    M[l] = v if gt else M[l]
                    A[l] = bb if gt else A[l]
                    VC[l] = v if cur[l] == bb else VC[l]
            for l in range(NL):
                SIG[l] += (cur[l] if VC[l] == M[l] else A[l]) * st
        else:
            c0 = np.int32(scen[j])
            if not moving[j]:
                for l in range(NL):
                    SIG[l] += c0 * st
                continue
            for l in range(NL):
                M[l] = -2147483647
                A[l] = 0
            for b in range(counts[j]):
                hv = hb[oj + b]
                row = lbT[oj + b]
                bb = np.int32(b)
                for l in range(NL):
                    v = hv + row[l]
                    gt = v > M[l]
                    M[l] = v if gt else M[l]
                    A[l] = bb if gt else A[l]
            hvc = hb[oj + c0]
            rowc = lbT[oj + c0]
            for l in range(NL):
                SIG[l] += (c0 if hvc + rowc[l] == M[l] else A[l]) * st


@njit(cache=True)
def _generic_block(matrix, offsets, counts, moving, op, free, stride, ql, NL, lbT, ldT, hb, scen, SIG):
    """Successors of the NL scenarios sharing one high block, for any operator (scalar; slower)."""
    n = counts.shape[0]
    V = offsets[n]
    m = free.shape[0]
    nxt = np.empty(n, dtype=np.int64)
    bal = np.empty(V, dtype=np.int64)
    for l in range(NL):
        for q in range(ql):
            scen[free[q]] = ldT[q, l]
        for c in range(V):
            bal[c] = hb[c] + lbT[c, l]
        _step_from_balances(matrix, offsets, counts, moving, op, scen, bal, nxt)
        sig = 0
        for q in range(m):
            sig += nxt[free[q]] * stride[q]
        SIG[l] = sig


@njit(cache=True, parallel=True)
def successors(matrix, offsets, counts, fixed, moving, op, out, parts, h_lo, h_hi):
    """Successor of every scenario of the free space, and the set of successors (the image).

    ``out[s]`` ((N,) int32) receives the number of the state scenario s moves to (numbering over the free
    descriptors, first fastest). ``parts`` ((P, ceil(N / 64)) uint64, zeroed) receives one bitmap of successors per
    worker; OR them for the image. Balances are assembled from two tables: the low block (the first free
    descriptors, fastest varying, up to 2048 combinations) and the high block (the rest, plus fixed rows); the P
    workers take contiguous runs of high blocks. Only high blocks ``h_lo <= h < h_hi`` are done (so a caller can
    go in chunks and show progress; :func:`block_counts` gives the number of high blocks). Matrix entries and
    balances must fit in int32.
    """
    n = counts.shape[0]
    V = offsets[n]
    free, stride = _free_layout(counts, fixed)
    m = free.shape[0]
    ql = low_split(counts, free, 2048)
    NL = 1
    for q in range(ql):
        NL *= counts[free[q]]
    NH = 1
    for q in range(ql, m):
        NH *= counts[free[q]]
    low_bal, low_dig = _low_tables(matrix, offsets, counts, free, ql, NL)
    lbT = np.ascontiguousarray(low_bal.T)
    ldT = np.empty((max(ql, 1), NL), dtype=np.int32)
    for q in range(max(ql, 1)):
        for l in range(NL):
            ldT[q, l] = low_dig[l, q]
    P = parts.shape[0]
    h_hi = min(h_hi, NH)
    chunk = (h_hi - h_lo + P - 1) // P
    for p in prange(P):
        scen = np.empty(n, dtype=np.int64)
        hb = np.empty(V, dtype=np.int32)
        M = np.empty(NL, dtype=np.int32)
        A = np.empty(NL, dtype=np.int32)
        VC = np.empty(NL, dtype=np.int32)
        SIG = np.empty(NL, dtype=np.int32)
        bits = parts[p]
        for h in range(h_lo + p * chunk, min(h_hi, h_lo + (p + 1) * chunk)):
            _high_state(matrix, offsets, counts, fixed, free, ql, h, scen, hb)
            if op == GLOBAL:
                _global_block(offsets, counts, moving, free, stride, ql, NL, lbT, ldT, hb, scen, M, A, VC, SIG)
            else:
                _generic_block(matrix, offsets, counts, moving, op, free, stride, ql, NL, lbT, ldT, hb, scen, SIG)
            base = h * NL
            for l in range(NL):
                x = SIG[l]
                out[base + l] = x
                bits[x >> 6] |= np.uint64(1) << np.uint64(x & 63)


@njit(cache=True)
def block_counts(counts, fixed):
    """``(NL, NH)``: scenarios per high block and number of high blocks in :func:`successors`."""
    free, _ = _free_layout(counts, fixed)
    ql = low_split(counts, free, 2048)
    NL = 1
    for q in range(ql):
        NL *= counts[free[q]]
    NH = 1
    for q in range(ql, free.shape[0]):
        NH *= counts[free[q]]
    return NL, NH


@njit(cache=True)
def _full_signature(scen, counts):
    sig = 0
    mult = 1
    for d in range(counts.shape[0]):
        sig += scen[d] * mult
        mult *= counts[d]
    return sig


@njit(cache=True)
def _same(a, b):
    for d in range(a.shape[0]):
        if a[d] != b[d]:
            return False
    return True


@njit(cache=True)
def end_of(matrix, offsets, counts, moving, op, start, max_steps, end):
    """Where succession from ``start`` ends, in constant memory (Brent's cycle detection).

    Writes into ``end`` ((n,) int64) the attractor, or the state of the cycle with the smallest full signature
    (first descriptor fastest). Returns 0 for an attractor, 1 for a cycle, -1 when no repeat was seen within
    ``max_steps`` steps.

    Reference: Brent, R. P. (1980). An improved Monte Carlo factorization algorithm. BIT 20, 176–184.
    https://doi.org/10.1007/BF01933190
    """
    n = counts.shape[0]
    tortoise = start.copy()
    hare = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    succession_step(matrix, offsets, counts, moving, op, tortoise, hare)
    power = 1
    lam = 1
    steps = 1
    while not _same(tortoise, hare):
        if steps >= max_steps:
            return -1
        if power == lam:
            for d in range(n):
                tortoise[d] = hare[d]
            power *= 2
            lam = 0
        succession_step(matrix, offsets, counts, moving, op, hare, tmp)
        for d in range(n):
            hare[d] = tmp[d]
        lam += 1
        steps += 1
    # hare is on the cycle (length lam); pick its smallest-signature state
    best = _full_signature(hare, counts)
    for d in range(n):
        end[d] = hare[d]
    for _ in range(lam - 1):
        succession_step(matrix, offsets, counts, moving, op, hare, tmp)
        for d in range(n):
            hare[d] = tmp[d]
        sig = _full_signature(hare, counts)
        if sig < best:
            best = sig
            for d in range(n):
                end[d] = hare[d]
    return 0 if lam == 1 else 1


@njit(cache=True)
def _find_sorted(arr, x):
    """Index of x in the sorted array ``arr``, or -1."""
    lo = 0
    hi = arr.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if arr[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    if lo < arr.shape[0] and arr[lo] == x:
        return lo
    return -1


@njit(cache=True)
def end_of_known(matrix, offsets, counts, moving, op, start, max_steps, known_sigs, known_ids, end):
    """:func:`end_of`, stopping early at a state of a known attractor or cycle.

    Returns the known terminal's number (≥ 0), or -2 - kind when the walk ends somewhere unknown (``kind`` as in
    :func:`end_of`; ``end`` then holds the end state).
    """
    n = counts.shape[0]
    q = _find_sorted(known_sigs, _full_signature(start, counts))
    if q >= 0:
        return known_ids[q]
    tortoise = start.copy()
    hare = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    succession_step(matrix, offsets, counts, moving, op, tortoise, hare)
    power = 1
    lam = 1
    steps = 1
    while not _same(tortoise, hare):
        q = _find_sorted(known_sigs, _full_signature(hare, counts))
        if q >= 0:
            return known_ids[q]
        if steps >= max_steps:
            return -1
        if power == lam:
            for d in range(n):
                tortoise[d] = hare[d]
            power *= 2
            lam = 0
        succession_step(matrix, offsets, counts, moving, op, hare, tmp)
        for d in range(n):
            hare[d] = tmp[d]
        lam += 1
        steps += 1
    kind = end_of(matrix, offsets, counts, moving, op, hare, max_steps, end)
    q = _find_sorted(known_sigs, _full_signature(end, counts))
    if q >= 0:
        return known_ids[q]
    return -2 - kind


@njit(cache=True, parallel=True)
def sample_known_ends(matrix, offsets, counts, moving, op, starts, max_steps, known_sigs, known_ids, ends):
    """:func:`end_of_known` for every start ((S, n) int64), in parallel: (S,) int64 results; ``ends`` (S, n)
    receives the end states of walks that ended somewhere unknown."""
    S = starts.shape[0]
    out = np.zeros(S, dtype=np.int64)
    for i in prange(S):
        out[i] = end_of_known(matrix, offsets, counts, moving, op, starts[i], max_steps, known_sigs, known_ids, ends[i])
    return out


@njit(cache=True, parallel=True)
def sample_ends(matrix, offsets, counts, moving, op, starts, max_steps):
    """Where each start scenario ends under succession, in parallel (see :func:`end_of`).

    ``starts`` (S, n) int64. Returns ``ends`` (S, n) int64 and ``kind`` (S,) int64: 0 an attractor, 1 a cycle
    (``ends`` holds its smallest-signature state), -1 no repeat within ``max_steps`` steps.
    """
    S = starts.shape[0]
    n = counts.shape[0]
    ends = np.zeros((S, n), dtype=np.int64)
    kind = np.zeros(S, dtype=np.int64)
    for i in prange(S):
        kind[i] = end_of(matrix, offsets, counts, moving, op, starts[i], max_steps, ends[i])
    return ends, kind


@njit(cache=True)
def _popcount(x):
    """Number of set bits of a uint64 (SWAR)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True)
def image_index(parts):
    """OR the workers' bitmaps and add ranks: (W, 2) uint64, ``[w, 0]`` the image bits of word w and ``[w, 1]``
    the number of image states before it (kept side by side so a lookup touches one cache line)."""
    P, W = parts.shape
    idx = np.empty((W, 2), dtype=np.uint64)
    total = np.uint64(0)
    for w in range(W):
        v = np.uint64(0)
        for p in range(P):
            v |= parts[p, w]
        idx[w, 0] = v
        idx[w, 1] = total
        total += np.uint64(_popcount(v))
    return idx


@njit(cache=True)
def _rank(idx, x):
    """Position of state x among the image states (x must be in the image)."""
    w = x >> 6
    below = idx[w, 0] & ((np.uint64(1) << np.uint64(x & 63)) - np.uint64(1))
    return np.int64(idx[w, 1]) + _popcount(below)


@njit(cache=True)
def image_states(idx):
    """The image states in increasing order: (I,) int64."""
    W = idx.shape[0]
    I = np.int64(idx[W - 1, 1]) + _popcount(idx[W - 1, 0]) if W > 0 else 0
    out = np.empty(I, dtype=np.int64)
    k = 0
    for w in range(W):
        v = idx[w, 0]
        b = 0
        while v != np.uint64(0):
            if v & np.uint64(1):
                out[k] = w * 64 + b
                k += 1
            v >>= np.uint64(1)
            b += 1
    return out


@njit(cache=True, parallel=True)
def dense_successors(succ, img, idx):
    """Successor of each image state as a position in ``img``: (I,) int64. (The image is closed under
    succession: a successor's successor is a successor too.)"""
    I = img.shape[0]
    out = np.empty(I, dtype=np.int64)
    for k in prange(I):
        out[k] = _rank(idx, np.int64(succ[img[k]]))
    return out


@njit(cache=True, parallel=True)
def gather_labels(succ, idx, dense_label):
    """Every scenario ends where its successor ends: ``succ[s] = dense_label[rank(succ[s])]``, in place."""
    for s in prange(succ.shape[0]):
        succ[s] = dense_label[_rank(idx, np.int64(succ[s]))]


#: Offset that tells an "on the current walk" mark from a resolved label in :func:`resolve_terminals`.
_WALK = np.int64(1) << np.int64(40)


@njit(cache=True)
def resolve_terminals(arr, members, member_start):
    """Turn the successor array into terminal labels, in place.

    On entry ``arr[s]`` ((N,) int64) is the successor of s. On exit ``arr[s] = -1 - t`` where t numbers the
    attractor or cycle that s ends in, in order of discovery. ``members`` ((N,) int64) receives the states of each
    terminal one after the other, and ``member_start`` ((N + 1,) int64) where each begins. Returns the number of
    terminals T; terminal t's states are ``members[member_start[t]:member_start[t + 1]]`` (one state: an
    attractor; more: a cycle, in the order succession runs through it).

    Each state is visited by one walk: a walk follows successors, marking states, until it meets a state
    already labelled (it inherits that label) or one marked by itself (a new cycle or attractor).
    """
    N = arr.shape[0]
    stack = np.empty(1024, dtype=np.int64)
    T = 0
    used = 0
    member_start[0] = 0
    for s in range(N):
        if arr[s] < 0:
            continue
        top = 0
        x = s
        while arr[x] >= 0:
            if top == stack.shape[0]:
                bigger = np.empty(2 * top, dtype=np.int64)
                bigger[:top] = stack
                stack = bigger
            stack[top] = x
            nx = arr[x]
            arr[x] = -1 - (_WALK + top)
            top += 1
            x = nx
        code = -arr[x] - 1
        if code >= _WALK:
            p = code - _WALK
            t = T
            T += 1
            for q in range(p, top):
                members[used] = stack[q]
                used += 1
            member_start[T] = used
        else:
            t = code
        for q in range(top):
            arr[stack[q]] = -1 - t
    return T


@njit(cache=True, parallel=True)
def labels_from_codes(arr):
    """``arr[s] = -1 - t`` → ``t`` in place, in parallel."""
    for s in prange(arr.shape[0]):
        arr[s] = -1 - arr[s]


@njit(cache=True, parallel=True)
def label_histogram(labels, n_cycles, n_attractors, n_parts):
    """Counts of each label in ``labels`` ((N,) int32; attractor a ≥ 0, cycle c as ``-1 - c``): two int64 arrays
    (n_attractors,) and (n_cycles,). Each of ``n_parts`` threads counts its share; the parts are then summed."""
    N = labels.shape[0]
    K = n_cycles + n_attractors
    parts = np.zeros((n_parts, K), dtype=np.int64)
    chunk = (N + n_parts - 1) // n_parts
    for p in prange(n_parts):
        for s in range(p * chunk, min(N, (p + 1) * chunk)):
            parts[p, labels[s] + n_cycles] += 1
    att = np.zeros(n_attractors, dtype=np.int64)
    cyc = np.zeros(n_cycles, dtype=np.int64)
    for p in range(n_parts):
        for a in range(n_attractors):
            att[a] += parts[p, n_cycles + a]
        for c in range(n_cycles):
            cyc[c] += parts[p, n_cycles - 1 - c]
    return att, cyc
