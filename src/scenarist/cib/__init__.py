"""Cross-Impact Balance (CIB) analysis: pure functions over arrays, no I/O.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
"""

from . import _openmp  # noqa: F401  (how idle threads wait: set before numba first starts them)
from .compile import CompiledModel, compile_model
from .core import (
    consistency_value,
    descriptor_inconsistency,
    evaluate,
    impact_balances,
    scenario_inconsistency,
    total_impact_score,
)
from .decompose import (
    Decomposition,
    FrontierTooLargeError,
    count_kernel,
    decompose,
    find_scenarios_decomposed,
    plan_search,
)
from .search import ScenarioSet, find_scenarios

__all__ = [
    "CompiledModel",
    "Decomposition",
    "FrontierTooLargeError",
    "ScenarioSet",
    "compile_model",
    "consistency_value",
    "count_kernel",
    "decompose",
    "descriptor_inconsistency",
    "evaluate",
    "find_scenarios",
    "find_scenarios_decomposed",
    "impact_balances",
    "plan_search",
    "scenario_inconsistency",
    "total_impact_score",
]
