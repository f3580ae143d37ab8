"""Compiled kernel of the likelihood layer: sharing each exogenous combination's weight among what its consistent
scenarios show (``docs/method.md`` §2). The search for those scenarios is the engine's, in :mod:`scenarist.cib`.

Plain arrays in, plain arrays out; the kernel never raises. Its caller is :mod:`.combinations`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def credit_rows(scenarios, tags, n_tags, offsets, by_scenarios, drop_empty):
    """Share of each combination's weight credited to each variant.

    Parameters
    ----------
    scenarios : (m, n) int64
        Consistent scenarios (variant positions), any order.
    tags : (m,) int64
        The combination of each scenario, in ``[0, n_tags)``.
    n_tags : int
    offsets : (n + 1,) int64
        First matrix column of each descriptor; ``offsets[n] = V``.
    by_scenarios : bool
        False (crediting by variants): each variant of descriptor d that some scenario of the combination takes
        gets ``1 / |V_d|``, ``|V_d|`` the number of distinct variants of d among them. True (crediting by
        scenarios): each scenario gets ``1 / |S|`` of the combination and passes it to the variants it takes.
    drop_empty : bool
        True: rows only for the combinations with some scenario (their weight is P(x); the rest goes to the none
        bin by difference). False: a row for every tag, those without scenario with 1 in the none column.

    Returns
    -------
    kept : (g,) int64
        The tag of each row, increasing.
    credit : (g, V + 1) float64
        Shares in [0, 1] per variant column; column V is the none bin. Each descriptor's columns sum to 1 in a row
        with scenarios.

    The shares are added one scenario at a time, as equal addends, so the sums do not depend on the order of the
    scenarios (bit for bit).
    """
    m = scenarios.shape[0]
    n = offsets.shape[0] - 1
    V = offsets[n]
    n_sc = np.zeros(n_tags, dtype=np.int64)
    for s in range(m):
        n_sc[tags[s]] += 1
    row = np.full(n_tags, -1, dtype=np.int64)
    g = 0
    for t in range(n_tags):
        if n_sc[t] > 0 or not drop_empty:
            row[t] = g
            g += 1
    kept = np.empty(g, dtype=np.int64)
    credit = np.zeros((g, V + 1), dtype=np.float64)
    for t in range(n_tags):
        if row[t] >= 0:
            kept[row[t]] = t
            if n_sc[t] == 0:
                credit[row[t], V] = 1.0
    if by_scenarios:
        for s in range(m):
            r = row[tags[s]]
            share = 1.0 / n_sc[tags[s]]
            for d in range(n):
                credit[r, offsets[d] + scenarios[s, d]] += share
        return kept, credit
    # crediting by variants: mark the variants taken, then give each descriptor's marked variants equal shares
    for s in range(m):
        r = row[tags[s]]
        for d in range(n):
            credit[r, offsets[d] + scenarios[s, d]] = 1.0
    for r in range(g):
        if n_sc[kept[r]] == 0:
            continue
        for d in range(n):
            taken = 0
            for col in range(offsets[d], offsets[d + 1]):
                if credit[r, col] != 0.0:
                    taken += 1
            share = 1.0 / taken
            for col in range(offsets[d], offsets[d + 1]):
                if credit[r, col] != 0.0:
                    credit[r, col] = share
    return kept, credit
