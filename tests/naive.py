"""Slow, plainly correct references for the CIB engine (stumpy's pattern: every kernel is checked against one).

Written from the definitions (Weimer-Jehle 2006; docs/cib.md §3) in plain Python loops over nested lists, sharing no
code with ``scenarist.cib``. Use only on small spaces.

Conventions: ``matrix`` is a list of lists (or array) of ints, row = impacting variant, column = impacted variant;
``counts`` lists the variants per descriptor; a scenario is a tuple of 0-based variant positions; ``fixed`` maps a
descriptor position to its variant (an intervention); ``exogenous`` is a set of descriptor positions. Fixed and
exogenous descriptors are not tested; their impacts count.
"""

from __future__ import annotations

import itertools


def starts(counts):
    """First matrix row of each descriptor."""
    out, at = [], 0
    for c in counts:
        out.append(at)
        at += c
    return out


def balances(matrix, counts, scenario):
    """``θ[j][b]`` = Σ over all descriptors i of ``C[i, s_i][j, b]`` (self-blocks are whatever the matrix holds)."""
    st = starts(counts)
    out = []
    for j, nj in enumerate(counts):
        row = []
        for b in range(nj):
            total = 0
            for i, si in enumerate(scenario):
                total += int(matrix[st[i] + si][st[j] + b])
            row.append(total)
        out.append(row)
    return out


def tested_list(n, fixed=None, exogenous=()):
    fixed = fixed or {}
    return [d not in fixed and d not in exogenous for d in range(n)]


def score(matrix, counts, scenario, tested):
    """``(inconsistency, consistency value, total impact score)`` of one scenario."""
    th = balances(matrix, counts, scenario)
    ic, cv = 0, None
    tis = 0
    for j, vj in enumerate(scenario):
        tis += th[j][vj]
        if not tested[j]:
            continue
        ic = max(ic, max(th[j]) - th[j][vj])
        margin = th[j][vj] - max(th[j][b] for b in range(counts[j]) if b != vj)
        cv = margin if cv is None else min(cv, margin)
    return ic, (0 if cv is None else cv), tis


def consistent_scenarios(matrix, counts, k=0, fixed=None, exogenous=()):
    """Every scenario (with ``fixed`` applied) whose inconsistency is ≤ k, as ``(scenario, IC, CV, TIS)`` tuples in
    tableau order: total impact score descending, then variant positions ascending."""
    fixed = fixed or {}
    tested = tested_list(len(counts), fixed, exogenous)
    ranges = [[fixed[d]] if d in fixed else range(c) for d, c in enumerate(counts)]
    found = []
    for s in itertools.product(*ranges):
        ic, cv, tis = score(matrix, counts, s, tested)
        if ic <= k:
            found.append((tuple(s), ic, cv, tis))
    found.sort(key=lambda r: (-r[3], r[0]))
    return found


# -- succession (tie rule: a descriptor whose current variant has the highest balance keeps it; otherwise it takes
#    the first variant with the highest balance) --


def _best(row, current):
    top = max(row)
    return current if row[current] == top else row.index(top)


def step(matrix, counts, scenario, operator="global", moving=None):
    """One succession step. ``moving[j]`` False keeps descriptor j where it is (fixed or exogenous)."""
    n = len(counts)
    moving = [True] * n if moving is None else moving
    s = list(scenario)
    if operator == "global":
        th = balances(matrix, counts, s)
        return tuple(_best(th[j], s[j]) if moving[j] else s[j] for j in range(n))
    if operator == "local":
        th = balances(matrix, counts, s)
        worst, which = 0, None
        for j in range(n):
            if moving[j]:
                ic = max(th[j]) - th[j][s[j]]
                if ic > worst:
                    worst, which = ic, j
        if which is not None:
            s[which] = _best(th[which], s[which])
        return tuple(s)
    if operator == "sequential":
        for j in range(n):
            if moving[j]:
                th = balances(matrix, counts, s)
                s[j] = _best(th[j], s[j])
        return tuple(s)
    raise ValueError(operator)


def follow(matrix, counts, start, operator="global", moving=None):
    """Follow succession from ``start``: ``("attractor", scenario)`` or ``("cycle", tuple of scenarios)`` with the
    cycle listed from the first state of it that was reached."""
    seen = {}
    path = []
    s = tuple(start)
    while s not in seen:
        seen[s] = len(path)
        path.append(s)
        s = step(matrix, counts, s, operator, moving)
    cyc = tuple(path[seen[s] :])
    if len(cyc) == 1:
        return ("attractor", cyc[0])
    return ("cycle", cyc)


def basins(matrix, counts, operator="global", fixed=None, exogenous=()):
    """Basin size of each attractor over every start scenario (fixed descriptors held): ``(sizes, in_cycles)`` with
    ``sizes`` a dict attractor → number of starts, and ``in_cycles`` the number of starts that end in a cycle."""
    fixed = fixed or {}
    moving = tested_list(len(counts), fixed, exogenous)
    ranges = [[fixed[d]] if d in fixed else range(c) for d, c in enumerate(counts)]
    sizes: dict = {}
    cyc = 0
    for s in itertools.product(*ranges):
        kind, end = follow(matrix, counts, s, operator, moving)
        if kind == "attractor":
            sizes[end] = sizes.get(end, 0) + 1
        else:
            cyc += 1
    return sizes, cyc
