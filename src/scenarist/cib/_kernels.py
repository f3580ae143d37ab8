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
as a depth-first branch-and-bound; see :func:`_dfs` for the bound.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

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
def _feasible(bal, offsets, counts, tested, scen, order, depth, suf, base, k):
    """False when some decided, tested descriptor is sure to be inconsistent by more than k whatever the undecided
    descriptors ``order[depth:]`` do: for its variant c and some rival b, ``bal[b] − bal[c] − suf[depth, (j,c,b)]
    > k`` (even the undecided descriptors' best help cannot close the gap). Exact once every descriptor is decided.

    (Checking undecided descriptors too, "forward checking", pruned too little on the reference files to pay for
    itself.)
    """
    for t in range(depth):
        j = order[t]
        if not tested[j]:
            continue
        oj = offsets[j]
        nj = counts[j]
        bj = base[j]
        c = scen[j]
        bc = bal[oj + c]
        for b in range(nj):
            if b != c and bal[oj + b] - bc - suf[depth, bj + c * nj + b] > k:
                return False
    return True


@njit(cache=True)
def _dfs(matrix, offsets, counts, fixed, tested, k, order, prefix, out, tally):
    """Depth-first branch-and-bound over the free descriptors in ``order``.

    The first ``len(prefix)`` descriptors of ``order`` are held at the variants in ``prefix`` (they are still
    tested; this is how the work is split between threads). Every scenario with inconsistency ≤ k on the tested
    descriptors is emitted: written to ``out`` while rows remain (``out`` may have 0 rows) and added to ``tally``
    (per-variant counts, (V,) int64, may be empty). Returns the number found (which may exceed ``out``'s rows).

    Soundness of the pruning: the final balance difference of rival b over chosen c of descriptor j is the
    partial difference over decided descriptors plus, for each undecided descriptor i, ``C[i,s_i][j,b] −
    C[i,s_i][j,c]``, which is at least ``−max_a (C[i,a][j,c] − C[i,a][j,b])``. When even that lower bound exceeds
    k, no completion of the partial scenario can be kept. At a full scenario the test is exact.
    """
    n = counts.shape[0]
    V = offsets[n]
    m = order.shape[0]
    L = prefix.shape[0]
    base = pair_bases(counts)
    suf = help_suffix(matrix, offsets, counts, order, base)
    bal = np.zeros(V, dtype=np.int64)
    scen = np.empty(n, dtype=np.int64)
    for d in range(n):
        scen[d] = fixed[d]
    for t in range(L):
        scen[order[t]] = prefix[t]
    for d in range(n):
        if scen[d] >= 0:
            r = offsets[d] + scen[d]
            for c in range(V):
                bal[c] += matrix[r, c]
    cap = out.shape[0]
    do_tally = tally.shape[0] > 0
    found = 0
    if not _feasible(bal, offsets, counts, tested, scen, order, L, suf, base, k):
        return 0
    if L == m:
        if cap > 0:
            for d in range(n):
                out[0, d] = scen[d]
        if do_tally:
            for d in range(n):
                tally[offsets[d] + scen[d]] += 1
        return 1
    cur = np.full(m, -1, dtype=np.int64)
    depth = L
    while depth >= L:
        i = order[depth]
        oi = offsets[i]
        if cur[depth] >= 0:
            r = oi + cur[depth]
            for c in range(V):
                bal[c] -= matrix[r, c]
        cur[depth] += 1
        if cur[depth] >= counts[i]:
            cur[depth] = -1
            scen[i] = -1
            depth -= 1
            continue
        r = oi + cur[depth]
        for c in range(V):
            bal[c] += matrix[r, c]
        scen[i] = cur[depth]
        if _feasible(bal, offsets, counts, tested, scen, order, depth + 1, suf, base, k):
            if depth + 1 == m:
                if found < cap:
                    for d in range(n):
                        out[found, d] = scen[d]
                if do_tally:
                    for d in range(n):
                        tally[offsets[d] + scen[d]] += 1
                found += 1
            else:
                depth += 1
    return found


@njit(cache=True)
def split_prefixes(counts, order, min_tasks):
    """All variant combinations of the first L descriptors of ``order``, L the smallest giving at least
    ``min_tasks`` combinations (or all of ``order``): (T, L) int64, the first of them varying fastest."""
    m = order.shape[0]
    L = 0
    T = 1
    while L < m and T < min_tasks:
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


@njit(cache=True, parallel=True)
def bnb_search_parallel(matrix, offsets, counts, fixed, tested, k, out, starts, n_threads):
    """:func:`bnb_search` split over threads: the tree is cut into subtrees by the variants of the first few
    descriptors of the search order, dealt round-robin to ``n_threads`` workers.

    Pass 1 (``starts`` empty): each subtree's scenarios are written to ``out[t]`` ((T, cap, n) int64); returns the
    per-subtree counts (T,). Pass 2 (``starts`` = exclusive cumulative counts, (T,)): ``out`` is (total, 1, n) and
    subtree t writes its scenarios at rows ``starts[t]:``. Call :func:`task_count` for T.
    """
    n = counts.shape[0]
    order = search_order(matrix, offsets, counts, fixed, tested)
    pre = split_prefixes(counts, order, 8 * n_threads)
    T = pre.shape[0]
    found = np.zeros(T, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    for w in prange(n_threads):
        for t in range(w, T, n_threads):
            if starts.shape[0] == 0:
                found[t] = _dfs(matrix, offsets, counts, fixed, tested, k, order, pre[t], out[t], empty)
            else:
                sub = out[starts[t] :, 0, :]
                found[t] = _dfs(matrix, offsets, counts, fixed, tested, k, order, pre[t], sub, empty)
    return found


@njit(cache=True)
def task_count(matrix, offsets, counts, fixed, tested, n_threads):
    """Number of subtrees :func:`bnb_search_parallel` cuts the search into."""
    order = search_order(matrix, offsets, counts, fixed, tested)
    return split_prefixes(counts, order, 8 * n_threads).shape[0]


@njit(cache=True)
def bnb_search(matrix, offsets, counts, fixed, tested, k, out):
    """Exact search by branch-and-bound; scenarios go to ``out`` ((cap, n) int64) in search order.

    Returns the number found; when it exceeds ``cap`` only the first ``cap`` are written (call again with a larger
    ``out``). Kernel-level entry point for tight loops: no validation, no Python objects.
    """
    order = search_order(matrix, offsets, counts, fixed, tested)
    return _dfs(matrix, offsets, counts, fixed, tested, k, order, np.zeros(0, dtype=np.int64), out,
                np.zeros(0, dtype=np.int64))


@njit(cache=True)
def bnb_count(matrix, offsets, counts, fixed, tested, k, tally):
    """Number of kept scenarios, adding each one's variants to ``tally`` ((V,) int64, zeroed by the caller)."""
    order = search_order(matrix, offsets, counts, fixed, tested)
    return _dfs(matrix, offsets, counts, fixed, tested, k, order, np.zeros(0, dtype=np.int64),
                np.zeros((0, counts.shape[0]), dtype=np.int64), tally)


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
def sweep_search(matrix, offsets, counts, fixed, tested, k, out):
    """Exact search visiting every scenario in reflected Gray-code order: consecutive scenarios differ in one
    descriptor by one variant, so the balances are updated by subtracting one row and adding one. Same contract
    as :func:`bnb_search`."""
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


@njit(cache=True, parallel=True)
def evaluate_many(matrix, offsets, counts, scenarios, tested):
    """Inconsistency, consistency value and total impact score of each scenario ((N, n) int64): three (N,) int64.

    With no tested descriptor, inconsistency and consistency value are 0 (as :mod:`scenarist.cib.core`)."""
    N = scenarios.shape[0]
    n = counts.shape[0]
    V = offsets[n]
    ic = np.zeros(N, dtype=np.int64)
    cv = np.zeros(N, dtype=np.int64)
    tis = np.zeros(N, dtype=np.int64)
    any_tested = False
    for d in range(n):
        if tested[d]:
            any_tested = True
    for s in prange(N):
        bal = np.zeros(V, dtype=np.int64)
        for d in range(n):
            r = offsets[d] + scenarios[s, d]
            for c in range(V):
                bal[c] += matrix[r, c]
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
    return ic, cv, tis

