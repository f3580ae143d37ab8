"""Crediting by volume weight: the option ``credit="volume"`` of the outcome distribution (docs/method.md §2).

Instead of sharing ``P(x)`` equally among the outcome variants (or scenarios) coherent under the exogenous
combination x, share it in proportion to the **volume weight** of each consistent scenario under x: the share of
start scenarios (with x fixed) whose succession ends in it (Weimer-Jehle 2006; ScenarioWizard's weight column).
Starts that end in a cycle belong to no attractor and are left out of the shares; when no start reaches an
attractor, ``P(x)`` goes to the none bin. Basins come from :func:`scenarist.cib.basins.basins`: exact when the
free space under x has at most ``max_exact`` scenarios, otherwise estimated from ``basin_samples`` random starts.

This credits attractors by how much of the state space flows into them — a dynamic reading of CIB that the
equal-share rule deliberately avoids. It costs one basin computation per exogenous combination, so it evaluates
the stated matrix only (no judgment draws).

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
https://doi.org/10.1016/j.techfore.2005.06.005
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from ..cib.basins import basins
from .combinations import PassResult, PassSpec

#: Largest free space per exogenous combination whose basins are computed exactly.
MAX_EXACT = 1 << 18
#: Random starts per exogenous combination above that.
BASIN_SAMPLES = 20_000


def volume_pass(
    spec: PassSpec,
    compiled,
    matrix: np.ndarray,
    operator: str = "global",
    max_exact: int = MAX_EXACT,
    basin_samples: int = BASIN_SAMPLES,
    seed: int = 0,
    skip_zero: bool = False,
) -> tuple[PassResult, bool]:
    """One matrix credited by volume weight, every exogenous combination enumerated.

    Returns ``(PassResult, sampled)``; ``sampled`` tells whether some combination's basins were estimated from
    random starts (seeded by ``(seed, combination number)``). With ``skip_zero`` the combinations whose prior weight
    is 0 are not computed (they add nothing to ``flat``, which is unchanged; their rows and attractors are left out
    of ``combos``, ``group_credit`` and ``scenarios``): the convention range uses this.
    """
    c = replace(compiled, matrix=np.asarray(matrix, dtype=np.int64))
    V = spec.n_variants
    exo = [int(e) for e in spec.exo]
    ranges = [range(int(spec.counts[e])) for e in exo]
    combos, weights, rows, found = [], [], [], []
    sampled = False
    for k, x in enumerate(itertools.product(*ranges)):
        w = 1.0
        for e, v in enumerate(x):
            w *= float(spec.prior[e, v])
        if skip_zero and w == 0.0:
            continue
        fx = spec.fixed.copy()
        for e, v in zip(exo, x):
            fx[e] = v
        b = basins(
            c,
            operator=operator,
            fixed=fx,
            samples=basin_samples,
            max_exact=max_exact,
            seed=np.random.default_rng([seed, k]),
        )
        sampled |= not b.exact
        row = np.zeros(V + 1)
        total = float(b.sizes.sum())
        if total == 0:
            row[V] = 1.0
        else:
            share = b.sizes / total
            for a in range(len(b.attractors)):
                row[spec.offsets[:-1] + b.attractors[a]] += share[a]
            found.append(b.attractors)
        combos.append(x)
        weights.append(w)
        rows.append(row)
    credit = np.array(rows)
    w = np.array(weights)
    flat = w @ credit
    n = len(spec.counts)
    scen = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, n), dtype=np.int64)
    return PassResult(
        flat, None, scen, np.array(combos, dtype=np.int64).reshape(len(combos), len(exo)), credit, w
    ), sampled
