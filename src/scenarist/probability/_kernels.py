"""Compiled kernels of the likelihood layer: all consistent scenarios of one matrix, fast enough to repeat for
every judgment draw and every sensitivity probe.

Plain arrays in, plain arrays out; no kernel raises. The public wrappers live in :mod:`.search`.

The search is a depth-first enumeration over the free descriptors in a given order, pruned by a bound that cannot
cut a consistent scenario: for a tested descriptor j, variant c and rival b, the descriptors still unassigned can
raise ``θ_j(c) − θ_j(b)`` by at most ``R[t, c, b] = Σ_{i unassigned} max_a (C[i,a][j,c] − C[i,a][j,b])``. A partial
scenario is abandoned when an assigned tested descriptor has a rival it can no longer beat, or an unassigned tested
descriptor has no variant left that could beat all its rivals.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def bound_table(matrix, offsets, counts, order, tested):
    """Pruning bounds ``R`` of shape ``(len(order) + 1, V, kmax)`` int64 (see the module docstring).

    ``R[t, offsets[j] + c, b]`` bounds what ``order[t:]`` can still add to ``θ_j(c) − θ_j(b)``; zero where j is
    untested or ``b == c``.
    """
    n_order = order.shape[0]
    n = counts.shape[0]
    V = offsets[n]
    kmax = 0
    for j in range(n):
        if counts[j] > kmax:
            kmax = counts[j]
    R = np.zeros((n_order + 1, V, kmax), dtype=np.int64)
    for t in range(n_order - 1, -1, -1):
        i = order[t]
        R[t, :, :] = R[t + 1, :, :]
        for j in range(n):
            if not tested[j]:
                continue
            for c in range(counts[j]):
                col_c = offsets[j] + c
                for b in range(counts[j]):
                    if b == c:
                        continue
                    col_b = offsets[j] + b
                    best = matrix[offsets[i], col_c] - matrix[offsets[i], col_b]
                    for a in range(1, counts[i]):
                        diff = matrix[offsets[i] + a, col_c] - matrix[offsets[i] + a, col_b]
                        if diff > best:
                            best = diff
                    R[t, col_c, b] += best
    return R


@njit(cache=True)
def _push(out, n_out, row):
    if n_out == out.shape[0]:
        grown = np.empty((2 * out.shape[0] + 16, out.shape[1]), dtype=np.int64)
        grown[:n_out, :] = out[:n_out, :]
        out = grown
    out[n_out, :] = row
    return out, n_out + 1


@njit(cache=True)
def impact_targets(matrix, offsets, counts):
    """``T[i, j]`` (n, n) bool: descriptor i has some non-zero impact on descriptor j."""
    n = counts.shape[0]
    T = np.zeros((n, n), dtype=np.bool_)
    for i in range(n):
        for j in range(n):
            for r in range(offsets[i], offsets[i + 1]):
                for c in range(offsets[j], offsets[j + 1]):
                    if matrix[r, c] != 0:
                        T[i, j] = True
                        break
                if T[i, j]:
                    break
    return T


@njit(cache=True)
def _ok_descriptor(j, bal, offsets, counts, assigned, cur, R, t):
    """Can tested descriptor j still end consistent (see module docstring)?"""
    o = offsets[j]
    if assigned[j]:
        c = cur[j]
        for b in range(counts[j]):
            if b != c and bal[o + c] - bal[o + b] + R[t, o + c, b] < 0:
                return False
        return True
    for c in range(counts[j]):
        ok = True
        for b in range(counts[j]):
            if b != c and bal[o + c] - bal[o + b] + R[t, o + c, b] < 0:
                ok = False
                break
        if ok:
            return True
    return False


@njit(cache=True)
def _feasible(bal, offsets, counts, tested, assigned, cur, R, t):
    """False when no completion of the partial scenario can be consistent (checks every tested descriptor)."""
    for j in range(counts.shape[0]):
        if tested[j] and not _ok_descriptor(j, bal, offsets, counts, assigned, cur, R, t):
            return False
    return True


@njit(cache=True)
def _feasible_after(d, T, bal, offsets, counts, tested, assigned, cur, R, t):
    """As :func:`_feasible` after assigning descriptor d to a feasible parent: only d and the descriptors d impacts
    can have changed (for the others neither the balances nor the bound moved)."""
    n = counts.shape[0]
    for j in range(n):
        if not tested[j]:
            continue
        if j != d and not T[d, j]:
            continue
        o = offsets[j]
        if assigned[j]:
            c = cur[j]
            for b in range(counts[j]):
                if b != c and bal[o + c] - bal[o + b] + R[t, o + c, b] < 0:
                    return False
        else:
            any_ok = False
            for c in range(counts[j]):
                ok = True
                for b in range(counts[j]):
                    if b != c and bal[o + c] - bal[o + b] + R[t, o + c, b] < 0:
                        ok = False
                        break
                if ok:
                    any_ok = True
                    break
            if not any_ok:
                return False
    return True


@njit(cache=True)
def search_into(matrix, offsets, counts, tested, fixed, order, R, out, n_out, tag, tags, nodes):
    """Append every consistent completion of ``fixed`` (-1 = free) to ``out`` and ``tag`` to ``tags``; count the
    search nodes visited in ``nodes[0]``.

    ``order`` lists exactly the free descriptors. Returns ``(out, n_out, tags)`` (arrays may be reallocated).
    """
    n = counts.shape[0]
    V = offsets[n]
    n_order = order.shape[0]
    bal = np.zeros(V, dtype=np.int64)
    cur = fixed.copy()
    assigned = fixed >= 0
    for d in range(n):
        if fixed[d] >= 0:
            bal += matrix[offsets[d] + fixed[d], :]
    if not _feasible(bal, offsets, counts, tested, assigned, cur, R, 0):
        return out, n_out, tags
    if n_order == 0:
        out, n_new = _push(out, n_out, cur)
        tags, _ = _push_tag(tags, n_out, tag)
        return out, n_new, tags
    T = impact_targets(matrix, offsets, counts)
    choice = np.full(n_order, -1, dtype=np.int64)
    t = 0
    while t >= 0:
        d = order[t]
        if choice[t] >= 0:
            bal -= matrix[offsets[d] + choice[t], :]
        choice[t] += 1
        if choice[t] >= counts[d]:
            choice[t] = -1
            assigned[d] = False
            cur[d] = -1
            t -= 1
            continue
        bal += matrix[offsets[d] + choice[t], :]
        nodes[0] += 1
        cur[d] = choice[t]
        assigned[d] = True
        if not _feasible_after(d, T, bal, offsets, counts, tested, assigned, cur, R, t + 1):
            continue
        if t == n_order - 1:
            out, n_new = _push(out, n_out, cur)
            tags, _ = _push_tag(tags, n_out, tag)
            n_out = n_new
            continue
        t += 1
    return out, n_out, tags


@njit(cache=True)
def _push_tag(tags, n, tag):
    if n == tags.shape[0]:
        grown = np.empty(2 * tags.shape[0] + 16, dtype=np.int64)
        grown[:n] = tags[:n]
        tags = grown
    tags[n] = tag
    return tags, n + 1


@njit(cache=True)
def consistent_scenarios(matrix, offsets, counts, tested, fixed, order):
    """All consistent scenarios (tested descriptors only) completing ``fixed``: (m, n_descriptors) int64."""
    R = bound_table(matrix, offsets, counts, order, tested)
    out = np.empty((16, counts.shape[0]), dtype=np.int64)
    tags = np.empty(16, dtype=np.int64)
    nodes = np.zeros(1, dtype=np.int64)
    out, n_out, tags = search_into(matrix, offsets, counts, tested, fixed, order, R, out, 0, 0, tags, nodes)
    return out[:n_out].copy()


@njit(cache=True)
def search_nodes(matrix, offsets, counts, tested, fixed, order):
    """Number of search nodes the search of :func:`consistent_scenarios` visits with this order (its cost)."""
    R = bound_table(matrix, offsets, counts, order, tested)
    out = np.empty((16, counts.shape[0]), dtype=np.int64)
    tags = np.empty(16, dtype=np.int64)
    nodes = np.zeros(1, dtype=np.int64)
    search_into(matrix, offsets, counts, tested, fixed, order, R, out, 0, 0, tags, nodes)
    return nodes[0]


@njit(cache=True)
def consistent_for_combinations(matrix, offsets, counts, tested, fixed, order, exo, combos):
    """For each row k of ``combos`` (variant positions of the descriptors ``exo``), the consistent completions of
    ``fixed`` with ``exo`` set to that row. Returns ``(scenarios (m, n) int64, combination index (m,) int64)``.

    ``order`` lists the free descriptors other than ``exo``.
    """
    R = bound_table(matrix, offsets, counts, order, tested)
    out = np.empty((16, counts.shape[0]), dtype=np.int64)
    tags = np.empty(16, dtype=np.int64)
    n_out = 0
    nodes = np.zeros(1, dtype=np.int64)
    fx = fixed.copy()
    for k in range(combos.shape[0]):
        for e in range(exo.shape[0]):
            fx[exo[e]] = combos[k, e]
        out, n_out, tags = search_into(matrix, offsets, counts, tested, fx, order, R, out, n_out, k, tags, nodes)
    return out[:n_out].copy(), tags[:n_out].copy()
