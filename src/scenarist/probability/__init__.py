"""From consistency to likelihood (docs/method.md): priors, the exact outcome distribution of a matrix, judgment draws
with uncertainty bands, ensembles and sensitivity.

Stable public API (the evidence and tracking layers call it):

- :func:`outcome_distribution` → :class:`OutcomeDistribution` (``.probability``, ``.none``, ``.conditional``,
  ``.bands``, ``.standard_errors``, ``.marginal(d)`` (with ``.stated``, ``.low``, ``.high``), ``.per_draw``
  (``(R, V + 1)`` per-draw rows, compiled variant order plus none), ``.seed``, ``.to_dict()``, ``.to_frame()``).
- :func:`ensemble_distribution` → :class:`EnsembleResult`; :func:`sensitivity` → :class:`SensitivityResult`.
"""

from .conventions import ConventionRange
from .distribution import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    Bin,
    Marginal,
    OutcomeDistribution,
    SourceComparison,
    convention_range,
    outcome_distribution,
)
from .draws import CONFIDENCE_TABLE, offset_distribution
from .ensemble import EnsembleResult, Member, ensemble_distribution, members_from_files, members_from_model
from .priors import Priors, resolve_priors
from .sensitivity import JudgmentEffect, PriorEffect, SensitivityResult, sensitivity

__all__ = [
    "CONFIDENCE_TABLE",
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "Bin",
    "ConventionRange",
    "EnsembleResult",
    "JudgmentEffect",
    "Marginal",
    "Member",
    "OutcomeDistribution",
    "PriorEffect",
    "Priors",
    "SensitivityResult",
    "SourceComparison",
    "convention_range",
    "ensemble_distribution",
    "members_from_files",
    "members_from_model",
    "offset_distribution",
    "outcome_distribution",
    "resolve_priors",
    "sensitivity",
]
