"""Compiled kernels for exact basins under local and sequential succession (numba), vectorised over blocks.

:func:`scenarist.cib._kernels.successors` computes the successor of every scenario of the free space one "high
block" at a time: the scenarios of a block share the variants of the slow descriptors (their balances ``hb``) and
differ in the fast "low" descriptors, whose balances come from a table (``_low_tables``). Its global-succession
kernel works across the block's scenarios (one lane each) so that it compiles to vector instructions; local and
sequential succession used a scalar loop over the scenarios. The kernels here do local and sequential succession
across the lanes too, with the same numbering, tables and tie rule, so their successors are identical to the
scalar kernel's (``_step_from_balances``), state for state:

- **local**: per descriptor, a running maximum, first argmax and current balance across the lanes give each lane's
  inconsistency; the lane keeps the first descriptor (model order) with the largest positive inconsistency and the
  first variant with the highest balance (the current variant cannot tie the top when it is inconsistent).
- **sequential**: the descriptors are visited in model order and each sees the moves made before it. The low
  descriptors come first: a lane's balances are those of its current low combination, read from the low table
  (the combination changes as the lane's low descriptors move). From then on each lane carries its own balances
  for the high descriptors' columns, and a high descriptor's move adds the difference of its two matrix rows to
  the columns of the descriptors still to come.

Arguments as in :mod:`scenarist.cib._kernels`; balances must fit in int32 (checked by
:func:`scenarist.cib.basins.exact_basins`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._kernels import LOCAL, _free_layout, _high_state, _low_tables, low_split

#: Lowest int32 balance (start of the running maxima).
_MIN = -2147483647


@njit(cache=True)
def _local_block(offsets, counts, moving, free, stride, ql, NL, lbT, ldT, hb, scen, base, M, A, VC, W, D, SIG):
    """Local-succession successors of the NL scenarios of one high block (numbers ``base .. base + NL - 1``).

    Per lane: ``W`` the largest inconsistency met so far (0 at first, so a consistent lane stays put) and ``D`` the
    change of the lane's number that moving that descriptor makes. A later descriptor replaces it only when
    strictly more inconsistent, so among equals the first in model order moves, as in the scalar kernel.
    """
    m = free.shape[0]
    for i in range(NL):
        W[i] = 0
        D[i] = 0
    for q in range(m):
        j = free[q]
        if not moving[j]:
            continue
        st = np.int32(stride[q])
        oj = offsets[j]
        for i in range(NL):
            M[i] = _MIN
            A[i] = 0
        if q < ql:
            cur = ldT[q]
            for i in range(NL):
                VC[i] = 0
            for b in range(counts[j]):
                hv = hb[oj + b]
                row = lbT[oj + b]
                bb = np.int32(b)
                for i in range(NL):
                    v = hv + row[i]
                    gt = v > M[i]
                    M[i] = v if gt else M[i]
                    A[i] = bb if gt else A[i]
                    VC[i] = v if cur[i] == bb else VC[i]
            for i in range(NL):
                ic = M[i] - VC[i]
                gt = ic > W[i]
                W[i] = ic if gt else W[i]
                D[i] = (A[i] - cur[i]) * st if gt else D[i]
        else:
            c0 = np.int32(scen[j])
            for b in range(counts[j]):
                hv = hb[oj + b]
                row = lbT[oj + b]
                bb = np.int32(b)
                for i in range(NL):
                    v = hv + row[i]
                    gt = v > M[i]
                    M[i] = v if gt else M[i]
                    A[i] = bb if gt else A[i]
            hvc = hb[oj + c0]
            rowc = lbT[oj + c0]
            for i in range(NL):
                ic = M[i] - (hvc + rowc[i])
                gt = ic > W[i]
                W[i] = ic if gt else W[i]
                D[i] = (A[i] - c0) * st if gt else D[i]
    for i in range(NL):
        SIG[i] = np.int32(base + i) + D[i]


@njit(cache=True)
def _sequential_block(
    matrix, offsets, counts, moving, free, stride, ql, NL, S, low_flat, ldT, hb, scen, base, M, A, LC, NV, HD, B, SIG
):
    """Sequential-succession successors of the NL scenarios of one high block (numbers ``base .. base + NL - 1``).

    ``B`` ((V, NL) int32) holds each lane's balances, column by column. Low descriptors' columns start from
    ``hb + S`` (``S`` from :func:`_sequential_start`: the rows of the low descriptors that have not yet had their
    turn); when a low descriptor has had its turn, its row for the variant it now takes is added to the columns of
    the low descriptors still to come. High descriptors' columns start from ``hb`` plus the low table's row of the
    lane's low combination after the low turns (``low_flat``, (NL * V,) int32, row by row); a high descriptor's
    move adds the difference of its two rows to the columns of the high descriptors still to come. ``LC`` (NL,) is
    each lane's number within the low block, ``HD`` the change of number its high moves make.
    """
    n = counts.shape[0]
    V = offsets[n]
    m = free.shape[0]
    mq = min(ql, m)
    for i in range(NL):
        LC[i] = i
        HD[i] = 0
    for q in range(mq):
        j = free[q]
        if moving[j]:
            for c in range(offsets[j], offsets[j] + counts[j]):
                hv = hb[c]
                row = S[c]
                bc = B[c]
                for i in range(NL):
                    bc[i] = hv + row[i]
    for q in range(mq):
        j = free[q]
        if not moving[j]:
            continue
        st = np.int32(stride[q])
        oj = offsets[j]
        cur = ldT[q]
        for i in range(NL):
            M[i] = _MIN
            A[i] = 0
            NV[i] = 0  # balance of the current variant, for now
        for b in range(counts[j]):
            bl = B[oj + b]
            bb = np.int32(b)
            for i in range(NL):
                v = bl[i]
                gt = v > M[i]
                M[i] = v if gt else M[i]
                A[i] = bb if gt else A[i]
                NV[i] = v if cur[i] == bb else NV[i]
        for i in range(NL):
            ci = cur[i]
            nv = ci if NV[i] == M[i] else A[i]
            NV[i] = nv
            LC[i] += (nv - ci) * st
        for q2 in range(q + 1, mq):
            j2 = free[q2]
            if not moving[j2]:
                continue
            for c in range(offsets[j2], offsets[j2] + counts[j2]):
                bl = B[c]
                for b in range(counts[j]):
                    delta = np.int32(matrix[oj + b, c])
                    if delta == 0:
                        continue
                    bb = np.int32(b)
                    for i in range(NL):
                        bl[i] += delta if NV[i] == bb else np.int32(0)
    if ql < m:
        # high columns: a gather from the low table (unsigned indices spare numba's negative-index wraparound,
        # which would stop it from vectorising)
        uV = np.uint64(V)
        for q in range(ql, m):
            j = free[q]
            if not moving[j]:
                continue
            for c in range(offsets[j], offsets[j] + counts[j]):
                hv = hb[c]
                bl = B[c]
                col = np.uint64(c)
                for i in range(NL):
                    bl[i] = hv + low_flat[np.uint64(LC[i]) * uV + col]
    for q in range(ql, m):
        j = free[q]
        if not moving[j]:
            continue
        st = np.int32(stride[q])
        oj = offsets[j]
        c0 = np.int32(scen[j])
        for i in range(NL):
            M[i] = _MIN
            A[i] = 0
        for b in range(counts[j]):
            bl = B[oj + b]
            bb = np.int32(b)
            for i in range(NL):
                v = bl[i]
                gt = v > M[i]
                M[i] = v if gt else M[i]
                A[i] = bb if gt else A[i]
        bc = B[oj + c0]
        moved = 0
        for i in range(NL):
            nv = c0 if bc[i] == M[i] else A[i]
            NV[i] = nv
            HD[i] += (nv - c0) * st
            moved += nv != c0
        if moved == 0:
            continue
        r0 = oj + c0
        for q2 in range(q + 1, m):
            j2 = free[q2]
            if not moving[j2]:
                continue
            for c in range(offsets[j2], offsets[j2] + counts[j2]):
                bl = B[c]
                for b in range(counts[j]):
                    delta = np.int32(matrix[oj + b, c] - matrix[r0, c])
                    if b == c0 or delta == 0:
                        continue
                    bb = np.int32(b)
                    for i in range(NL):
                        bl[i] += delta if NV[i] == bb else np.int32(0)
    for i in range(NL):
        SIG[i] = np.int32(base) + LC[i] + HD[i]


@njit(cache=True)
def _sequential_start(matrix, offsets, counts, moving, free, ql, NL, ldT):
    """``S`` ((V, NL) int32; only the rows of moving low descriptors' columns are filled): for each such column
    and each combination of the low block, the sum of the rows of the low descriptors that still hold their
    original variant when that descriptor's turn comes: itself, those after it, and those that never move."""
    n = counts.shape[0]
    V = offsets[n]
    mq = min(ql, free.shape[0])
    S = np.zeros((V, NL), dtype=np.int32)
    for q in range(mq):
        j = free[q]
        if not moving[j]:
            continue
        for q2 in range(mq):
            j2 = free[q2]
            if moving[j2] and q2 < q:
                continue
            o2 = offsets[j2]
            cur = ldT[q2]
            for c in range(offsets[j], offsets[j] + counts[j]):
                row = S[c]
                for i in range(NL):
                    row[i] += np.int32(matrix[o2 + cur[i], c])
    return S


@njit(cache=True)
def block_counts_ls(counts, fixed, low_limit):
    """``(NL, NH)``: scenarios per high block and number of high blocks in :func:`successors_ls` when the low
    block holds at most ``low_limit`` combinations."""
    free, _ = _free_layout(counts, fixed)
    ql = low_split(counts, free, low_limit)
    NL = 1
    for q in range(ql):
        NL *= counts[free[q]]
    NH = 1
    for q in range(ql, free.shape[0]):
        NH *= counts[free[q]]
    return NL, NH


@njit(cache=True, parallel=True)
def successors_ls(matrix, offsets, counts, fixed, moving, op, out, parts, h_lo, h_hi, low_limit):
    """Local (``op`` = 1) or sequential (any other ``op``) successor of every scenario of the free space.

    Same contract as :func:`scenarist.cib._kernels.successors`: ``out`` ((N,) int32) receives each scenario's
    successor (numbering over the free descriptors, first fastest); ``parts`` ((P, ceil(N / 64)) uint64, zeroed)
    one bitmap of successors per worker; only high blocks ``h_lo <= h < h_hi`` are done (:func:`block_counts_ls`
    gives their number). The low block is the longest run of leading free descriptors with at most
    ``low_limit`` combinations (at least one descriptor); the successors do not depend on it. Matrix entries and
    balances must fit in int32.
    """
    n = counts.shape[0]
    V = offsets[n]
    free, stride = _free_layout(counts, fixed)
    m = free.shape[0]
    ql = low_split(counts, free, low_limit)
    NL = 1
    for q in range(ql):
        NL *= counts[free[q]]
    NH = 1
    for q in range(ql, m):
        NH *= counts[free[q]]
    low_bal, low_dig = _low_tables(matrix, offsets, counts, free, ql, NL)
    lbT = np.ascontiguousarray(low_bal.T)
    low_flat = low_bal.ravel()
    ldT = np.empty((max(ql, 1), NL), dtype=np.int32)
    for q in range(max(ql, 1)):
        for i in range(NL):
            ldT[q, i] = low_dig[i, q]
    S = _sequential_start(matrix, offsets, counts, moving, free, ql, NL, ldT) if op != LOCAL else lbT[:0]
    P = parts.shape[0]
    h_hi = min(h_hi, NH)
    chunk = (h_hi - h_lo + P - 1) // P
    for p in prange(P):
        scen = np.empty(n, dtype=np.int64)
        hb = np.empty(V, dtype=np.int32)
        M = np.empty(NL, dtype=np.int32)
        A = np.empty(NL, dtype=np.int32)
        X = np.empty(NL, dtype=np.int32)
        Y = np.empty(NL, dtype=np.int32)
        Z = np.empty(NL, dtype=np.int32)
        SIG = np.empty(NL, dtype=np.int32)
        B = np.empty((V if op != LOCAL else 0, NL), dtype=np.int32)
        bits = parts[p]
        for h in range(h_lo + p * chunk, min(h_hi, h_lo + (p + 1) * chunk)):
            _high_state(matrix, offsets, counts, fixed, free, ql, h, scen, hb)
            base = h * NL
            if op == LOCAL:
                _local_block(
                    offsets, counts, moving, free, stride, ql, NL, lbT, ldT, hb, scen, base, M, A, X, Y, Z, SIG
                )
            else:
                _sequential_block(
                    matrix, offsets, counts, moving, free, stride, ql, NL, S, low_flat, ldT, hb, scen, base, M, A, X, Y, Z,
                    B, SIG,
                )  # fmt: skip
            for i in range(NL):
                x = SIG[i]
                out[base + i] = x
                bits[x >> 6] |= np.uint64(1) << np.uint64(x & 63)


#: Mark of a state on the walk in progress in :func:`walk_terminals` (below every terminal code ``-1 - t``).
_ON_WALK = np.int32(-2147483648)


@njit(cache=True)
def walk_terminals(arr):
    """Turn the successor array into terminal codes in place, without an image index.

    On entry ``arr[s]`` ((N,) int32) is the successor of s; on exit ``arr[s] = -1 - t``, t numbering the attractor
    or cycle s ends in (in order of discovery). Returns ``(T, members, member_start)``: terminal t's states are
    ``members[member_start[t]:member_start[t + 1]]`` in the order succession runs through them (one state: an
    attractor). Each state is walked once: a walk follows successors, marking states, until it meets a labelled
    state (whose label it takes) or one of its own (a new terminal: the states from there on).
    """
    N = arr.shape[0]
    stack = np.empty(1024, dtype=np.int64)
    members = np.empty(64, dtype=np.int64)
    member_start = np.zeros(65, dtype=np.int64)
    T = 0
    used = 0
    for s in range(N):
        if arr[s] < 0:
            continue
        top = 0
        x = np.int64(s)
        while arr[x] >= 0:
            if top == stack.shape[0]:
                bigger = np.empty(2 * top, dtype=np.int64)
                bigger[:top] = stack
                stack = bigger
            stack[top] = x
            top += 1
            nx = np.int64(arr[x])
            arr[x] = _ON_WALK
            x = nx
        if arr[x] == _ON_WALK:
            p = top - 1
            while stack[p] != x:
                p -= 1
            while used + top - p > members.shape[0]:
                bigger = np.empty(2 * members.shape[0], dtype=np.int64)
                bigger[:used] = members[:used]
                members = bigger
            for q in range(p, top):
                members[used] = stack[q]
                used += 1
            if member_start.shape[0] < T + 2:
                bigger = np.zeros(2 * member_start.shape[0], dtype=np.int64)
                bigger[: T + 1] = member_start[: T + 1]
                member_start = bigger
            T += 1
            member_start[T] = used
            code = np.int32(-T)
        else:
            code = arr[x]
        for q in range(top):
            arr[stack[q]] = code
    return T, members[:used].copy(), member_start[: T + 1].copy()


@njit(cache=True, parallel=True)
def codes_to_labels(arr, lut):
    """``arr[s] = lut[-1 - arr[s]]`` in place, in parallel: terminal codes ((N,) int32) → final labels."""
    for s in prange(arr.shape[0]):
        arr[s] = lut[-1 - arr[s]]


__all__ = ["block_counts_ls", "codes_to_labels", "successors_ls", "walk_terminals"]
