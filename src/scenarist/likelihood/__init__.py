"""From consistency to likelihood (DESIGN §3): priors, the exact outcome distribution of a matrix, judgment draws
with uncertainty bands, ensembles and sensitivity.

Stable public API (the evidence and tracking layers call it):

- :func:`outcome_distribution` → :class:`OutcomeDistribution` (``.probability``, ``.none``, ``.conditional``,
  ``.bands``, ``.standard_errors``, ``.marginal(d)``, ``.to_dict()``, ``.to_frame()``).
"""

from .distribution import Bin, Marginal, OutcomeDistribution, SourceComparison, outcome_distribution
from .draws import CONFIDENCE_TABLE, offset_distribution
from .priors import Priors, resolve_priors

__all__ = [
    "CONFIDENCE_TABLE",
    "Bin",
    "Marginal",
    "OutcomeDistribution",
    "Priors",
    "SourceComparison",
    "offset_distribution",
    "outcome_distribution",
    "resolve_priors",
]
