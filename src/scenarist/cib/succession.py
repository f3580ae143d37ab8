"""Succession: follow a scenario, step by step, to the attractor (a consistent scenario) or cycle it ends in.

Operators (Weimer-Jehle 2006, §4; ScenarioWizard's manual):

``global``
    Every descriptor moves at once to the variant with the highest impact balance.
``local``
    Only the most inconsistent descriptor moves (the first one when several are equally inconsistent).
``sequential``
    The descriptors move one after the other, in model order, each seeing the moves made before it; one pass over
    all descriptors is one step.

Tie rule (all operators): a descriptor whose current variant has the highest balance keeps it; otherwise it takes
the first variant with the highest balance. Fixed descriptors (interventions) and exogenous ones never move.
A start scenario ends in an **attractor** (a state that succession leaves unchanged: a consistent scenario) or in a
**cycle** of two or more states.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import OptionError
from ..results import Result
from .compile import CompiledModel
from .search import normalise_fixed, tested_mask

OPERATORS = ("global", "local", "sequential")


def operator_code(operator: str) -> int:
    """Kernel code of an operator name. Raises :class:`OptionError` for an unknown one."""
    try:
        return OPERATORS.index(operator)
    except ValueError:
        raise OptionError(f"unknown succession operator {operator!r} (choose from {', '.join(OPERATORS)})") from None


@dataclass(frozen=True, repr=False)
class SuccessionResult(Result):
    """The path of one start scenario under succession.

    Attributes
    ----------
    compiled : CompiledModel
    operator : str
    path : (L, n_descriptors) int64
        The states visited, ``path[0]`` the start (with interventions applied).
    cycle_start : int
        ``path[cycle_start:]`` is where succession ends: one state (an attractor) or a cycle.
    fixed : (n_descriptors,) int64
        Interventions (-1 where free).
    timings : dict of str → float
        Seconds per step (``read``, ``compile``, ``engine``, ``total``) when :func:`scenarist.succession` ran it.
    """

    compiled: CompiledModel
    operator: str
    path: np.ndarray
    cycle_start: int
    fixed: np.ndarray
    timings: dict = field(default_factory=dict, compare=False)

    def _summary(self) -> dict:
        return {
            "operator": self.operator,
            "steps": int(self.steps),
            "ends_in": "attractor" if self.is_attractor else f"cycle of {len(self.end)}",
        }

    @property
    def is_attractor(self) -> bool:
        """True when succession ends in a single state (a consistent scenario)."""
        return len(self.path) - self.cycle_start == 1

    @property
    def end(self) -> np.ndarray:
        """The attractor (1, n) or the cycle (k, n) succession ends in."""
        return self.path[self.cycle_start :]

    @property
    def steps(self) -> int:
        """Steps taken before reaching the attractor or entering the cycle."""
        return self.cycle_start

    def to_dict(self) -> dict:
        """JSON-safe: operator, the path as descriptor → variant mappings, and where it ends."""
        c = self.compiled
        return {
            "operator": self.operator,
            "fixed": {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(self.fixed) if v >= 0},
            "path": [c.scenario_to_mapping(s) for s in self.path],
            "steps": int(self.steps),
            "ends_in": "attractor" if self.is_attractor else "cycle",
            "end": [c.scenario_to_mapping(s) for s in self.end],
        }

    def to_frame(self):
        """pandas DataFrame: one row per state (index = step 0..), one column per descriptor, and ``in_end``."""
        import pandas as pd

        rows = [self.compiled.scenario_to_mapping(s) for s in self.path]
        frame = pd.DataFrame(rows, columns=list(self.compiled.descriptor_ids))
        frame["in_end"] = np.arange(len(self.path)) >= self.cycle_start
        frame.index.name = "step"
        return frame


def succession(
    compiled: CompiledModel,
    start: Mapping[str, str] | np.ndarray,
    operator: str = "global",
    fixed: Mapping[str, str] | np.ndarray | None = None,
    max_states: int = 100_000,
) -> SuccessionResult:
    """Follow ``start`` under a succession operator until it reaches an attractor or enters a cycle.

    Parameters
    ----------
    start : mapping descriptor id → variant id (every descriptor not fixed), or (n,) int array of positions
    operator : {"global", "local", "sequential"}
    fixed : interventions, as for :func:`~scenarist.cib.search.find_scenarios`; they override ``start``
    max_states : int
        Safety bound on the path length (the space is finite, so a state always repeats eventually).

    Returns
    -------
    SuccessionResult

    Raises
    ------
    OptionError
        Unknown operator, a malformed start, or no repeat within ``max_states`` states.
    UnknownNameError
        Unknown descriptor or variant names.
    """
    from . import _kernels as K

    op = operator_code(operator)
    fx = normalise_fixed(compiled, fixed)
    if isinstance(start, Mapping):
        given = compiled.scenario_from_mapping(start, partial=True)
    else:
        given = np.asarray(start, dtype=np.int64)
        if given.shape != (compiled.n_descriptors,) or (given >= compiled.counts).any():
            raise OptionError("start must give a valid variant position for every descriptor")
    s0 = np.where(fx >= 0, fx, given).astype(np.int64)
    if (s0 < 0).any():
        missing = [compiled.descriptor_ids[d] for d in np.flatnonzero(s0 < 0)]
        raise OptionError(f"start scenario gives no variant for {', '.join(missing)}")
    moving = tested_mask(compiled, fx)
    limit = int(min(max_states, compiled.space_size + 1))
    path = np.zeros((limit, compiled.n_descriptors), dtype=np.int64)
    length, cstart = K.follow(
        np.ascontiguousarray(compiled.matrix, dtype=np.int64),
        np.ascontiguousarray(compiled.offsets, dtype=np.int64),
        np.ascontiguousarray(compiled.counts, dtype=np.int64),
        moving,
        np.int64(op),
        s0,
        path,
    )
    if cstart < 0:
        raise OptionError(f"no attractor or cycle within {max_states} states (raise max_states)")
    return SuccessionResult(compiled, operator, path[:length].copy(), int(cstart), fx)


__all__ = ["OPERATORS", "SuccessionResult", "succession"]
