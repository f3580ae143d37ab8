"""Impact balances, inconsistency, consistency value and total impact score (Weimer-Jehle 2006).

All functions take plain arrays and accept one scenario ``(n_descriptors,)`` or many ``(n, n_descriptors)``;
scenario entries are 0-based variant positions. ``tested`` is an (n_descriptors,) bool mask of the descriptors
the consistency test looks at (exogenous and intervened descriptors are left out; their impacts still count).

Formulas (docs/cib.md §3): ``θ_j(b; s) = Σ_i C[i, s_i][j, b]``; ``IC_j(s) = max_b θ_j(b; s) − θ_j(s_j; s)``;
``IC(s) = max_{j tested} IC_j(s)``; ``CV(s) = min_{j tested} (θ_j(s_j; s) − max_{b ≠ s_j} θ_j(b; s))``;
``TIS(s) = Σ_j θ_j(s_j; s)`` over all descriptors. Blocks of a descriptor on itself are whatever the compiled
matrix holds (zero unless a ScenarioWizard model asks to count them).
"""

from __future__ import annotations

import numpy as np


def impact_balances(matrix: np.ndarray, offsets: np.ndarray, scenarios: np.ndarray) -> np.ndarray:
    """Impact balance of every variant.

    Parameters
    ----------
    matrix : (V, V) integer array
    offsets : (n_descriptors + 1,) int array
    scenarios : (n_descriptors,) or (n, n_descriptors) int array

    Returns
    -------
    (V,) or (n, V) int64 array
        ``out[..., offsets[j] + b] = θ_j(b; s)``.
    """
    s = np.asarray(scenarios, dtype=np.int64)
    rows = s + np.asarray(offsets[:-1], dtype=np.int64)
    return np.asarray(matrix, dtype=np.int64)[rows].sum(axis=-2)


def _per_descriptor(balances: np.ndarray, offsets: np.ndarray, scenarios: np.ndarray):
    """Chosen balance, best balance and best rival balance per descriptor: three (..., n_descriptors) arrays."""
    s = np.asarray(scenarios, dtype=np.int64)
    n_desc = len(offsets) - 1
    chosen = np.take_along_axis(balances, s + offsets[:-1], axis=-1)
    best = np.empty(s.shape, dtype=np.int64)
    rival = np.empty(s.shape, dtype=np.int64)
    for j in range(n_desc):
        block = balances[..., offsets[j] : offsets[j + 1]]
        best[..., j] = block.max(axis=-1)
        masked = np.where(np.arange(block.shape[-1]) == s[..., j, None], np.iinfo(np.int64).min, block)
        rival[..., j] = masked.max(axis=-1)
    return chosen, best, rival


def descriptor_inconsistency(matrix, offsets, scenarios) -> np.ndarray:
    """``IC_j(s)`` for every descriptor: (n_descriptors,) or (n, n_descriptors) int64, each ≥ 0."""
    bal = impact_balances(matrix, offsets, scenarios)
    chosen, best, _ = _per_descriptor(bal, np.asarray(offsets), scenarios)
    return best - chosen


def scenario_inconsistency(matrix, offsets, scenarios, tested=None) -> np.ndarray | int:
    """``IC(s)``: the largest descriptor inconsistency among tested descriptors (0 when none is tested)."""
    ic = descriptor_inconsistency(matrix, offsets, scenarios)
    mask = np.ones(ic.shape[-1], dtype=bool) if tested is None else np.asarray(tested, dtype=bool)
    out = np.where(mask, ic, 0).max(axis=-1) if mask.any() else np.zeros(ic.shape[:-1], dtype=np.int64)
    return out


def consistency_value(matrix, offsets, scenarios, tested=None) -> np.ndarray | int:
    """ScenarioWizard's consistency value ``CV(s)``: ≥ 0 exactly when s is consistent; 0 when some tested
    descriptor ties. Returns 0 when no descriptor is tested."""
    bal = impact_balances(matrix, offsets, scenarios)
    chosen, _, rival = _per_descriptor(bal, np.asarray(offsets), scenarios)
    margin = chosen - rival
    mask = np.ones(margin.shape[-1], dtype=bool) if tested is None else np.asarray(tested, dtype=bool)
    if not mask.any():
        return np.zeros(margin.shape[:-1], dtype=np.int64)
    return np.where(mask, margin, np.iinfo(np.int64).max).min(axis=-1)


def total_impact_score(matrix, offsets, scenarios) -> np.ndarray | int:
    """``TIS(s) = Σ_j θ_j(s_j; s)`` over all descriptors: scalar or (n,) int64."""
    bal = impact_balances(matrix, offsets, scenarios)
    s = np.asarray(scenarios, dtype=np.int64)
    return np.take_along_axis(bal, s + np.asarray(offsets[:-1]), axis=-1).sum(axis=-1)


def evaluate(matrix, offsets, scenarios, tested=None):
    """``(IC, CV, TIS)`` for one or many scenarios in one pass; see the module docstring for the formulas."""
    offsets = np.asarray(offsets, dtype=np.int64)
    bal = impact_balances(matrix, offsets, scenarios)
    chosen, best, rival = _per_descriptor(bal, offsets, scenarios)
    mask = np.ones(chosen.shape[-1], dtype=bool) if tested is None else np.asarray(tested, dtype=bool)
    if mask.any():
        ic = np.where(mask, best - chosen, 0).max(axis=-1)
        cv = np.where(mask, chosen - rival, np.iinfo(np.int64).max).min(axis=-1)
    else:
        ic = np.zeros(chosen.shape[:-1], dtype=np.int64)
        cv = np.zeros(chosen.shape[:-1], dtype=np.int64)
    return ic, cv, chosen.sum(axis=-1)
