"""Exact search for all scenarios with inconsistency ≤ k, with interventions.

The public entry point is :func:`find_scenarios`; it validates its arguments, compiles the tested-descriptor mask
and hands plain arrays to an enumeration kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import OptionError
from .compile import CompiledModel
from .core import evaluate


@dataclass(frozen=True)
class ScenarioSet:
    """Scenarios found by a search, in tableau order.

    Order: total impact score descending, ties broken by variant order (lexicographic on variant positions,
    first descriptor first).

    Attributes
    ----------
    compiled : CompiledModel
    scenarios : (n, n_descriptors) int64
        0-based variant positions.
    inconsistency, consistency_value, total_impact_score : (n,) int64
    fixed : (n_descriptors,) int64
        The intervention applied (-1 where the descriptor was free).
    max_inconsistency : int
        Tolerance k of the search.
    """

    compiled: CompiledModel
    scenarios: np.ndarray
    inconsistency: np.ndarray
    consistency_value: np.ndarray
    total_impact_score: np.ndarray
    fixed: np.ndarray
    max_inconsistency: int = 0

    def __len__(self) -> int:
        return len(self.scenarios)

    def mapping(self, i: int) -> dict[str, str]:
        """Scenario ``i`` (0-based) as ``{descriptor id: variant id}``."""
        return self.compiled.scenario_to_mapping(self.scenarios[i])

    def to_dict(self) -> dict:
        """JSON-safe dict: one entry per scenario numbered 1.., plus the search settings."""
        c = self.compiled
        return {
            "max_inconsistency": int(self.max_inconsistency),
            "fixed": {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(self.fixed) if v >= 0},
            "scenarios": [
                {
                    "number": i + 1,
                    "variants": self.mapping(i),
                    "inconsistency": int(self.inconsistency[i]),
                    "consistency_value": int(self.consistency_value[i]),
                    "total_impact_score": int(self.total_impact_score[i]),
                }
                for i in range(len(self))
            ],
        }

    def to_frame(self):
        """pandas DataFrame: one row per scenario (index = number 1..), one column per descriptor + the scores."""
        import pandas as pd

        rows = []
        for i in range(len(self)):
            row = {"number": i + 1, **self.mapping(i)}
            row.update(
                inconsistency=int(self.inconsistency[i]),
                consistency_value=int(self.consistency_value[i]),
                total_impact_score=int(self.total_impact_score[i]),
            )
            rows.append(row)
        cols = ["number", *self.compiled.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score"]
        return pd.DataFrame(rows, columns=cols).set_index("number")


def tested_mask(compiled: CompiledModel, fixed: np.ndarray) -> np.ndarray:
    """Descriptors the consistency test looks at: neither exogenous nor fixed by an intervention."""
    return ~compiled.exogenous & (fixed < 0)


def normalise_fixed(compiled: CompiledModel, fixed: Mapping[str, str] | np.ndarray | None) -> np.ndarray:
    """Interventions as an (n_descriptors,) int64 array (-1 = free) from a mapping or array.

    Raises :class:`~scenarist.errors.UnknownNameError` for unknown names and :class:`OptionError` for
    out-of-range positions.
    """
    if fixed is None:
        return np.full(compiled.n_descriptors, -1, dtype=np.int64)
    if isinstance(fixed, Mapping):
        return compiled.scenario_from_mapping(fixed, partial=True)
    arr = np.asarray(fixed, dtype=np.int64)
    if arr.shape != (compiled.n_descriptors,) or (arr >= compiled.counts).any() or (arr < -1).any():
        raise OptionError("fixed must give, per descriptor, -1 or a valid variant position")
    return arr


def order_scenarios(scenarios: np.ndarray, tis: np.ndarray) -> np.ndarray:
    """Tableau order: indices sorting by total impact score descending, then variant positions ascending."""
    if len(scenarios) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = [scenarios[:, d] for d in range(scenarios.shape[1] - 1, -1, -1)] + [-tis]
    return np.lexsort(keys)


def _enumerate_chunked(matrix, offsets, counts, fixed, tested, k, chunk=1 << 18):
    """Plain exhaustive enumeration in chunks (first descriptor varies fastest). Returns matching scenarios."""
    free = np.flatnonzero(fixed < 0)
    sizes = counts[free]
    total = int(np.prod(sizes, dtype=object)) if len(free) else 1
    found = []
    for start in range(0, total, chunk):
        idx = np.arange(start, min(start + chunk, total), dtype=np.int64)
        sc = np.empty((len(idx), len(counts)), dtype=np.int64)
        sc[:] = np.where(fixed < 0, 0, fixed)
        rem = idx.copy()
        for d, n in zip(free, sizes):
            sc[:, d] = rem % n
            rem //= n
        ic, _, _ = evaluate(matrix, offsets, sc, tested)
        found.append(sc[ic <= k])
    return np.concatenate(found) if found else np.zeros((0, len(counts)), dtype=np.int64)


def find_scenarios(
    compiled: CompiledModel,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
) -> ScenarioSet:
    """All scenarios whose inconsistency is at most ``max_inconsistency`` (k), exactly.

    Parameters
    ----------
    compiled : CompiledModel
    max_inconsistency : int, ≥ 0
        Tolerance k; 0 finds the consistent scenarios.
    fixed : mapping descriptor id → variant id, or (n_descriptors,) int array with -1 for free descriptors
        Interventions: fixed descriptors keep their variant, are left out of the consistency test, and their
        impacts still count. Exogenous descriptors are likewise left out of the test.

    Returns
    -------
    ScenarioSet
        In tableau order (total impact score descending, ties by variant order).

    Raises
    ------
    OptionError
        ``max_inconsistency`` < 0 or malformed ``fixed``.
    UnknownNameError
        Unknown descriptor or variant in ``fixed``.
    """
    if max_inconsistency < 0:
        raise OptionError(f"max inconsistency must be ≥ 0, got {max_inconsistency}")
    fx = normalise_fixed(compiled, fixed)
    tested = tested_mask(compiled, fx)
    sc = _enumerate_chunked(compiled.matrix, compiled.offsets, compiled.counts, fx, tested, int(max_inconsistency))
    ic, cv, tis = evaluate(compiled.matrix, compiled.offsets, sc, tested)
    order = order_scenarios(sc, tis)
    return ScenarioSet(compiled, sc[order], ic[order], cv[order], tis[order], fx, int(max_inconsistency))
