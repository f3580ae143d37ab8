"""Forecasts over a model's variants: the scoring rules (:mod:`.scoring`, pure mathematics) and the ledger that
keeps forecasts and their resolutions in the evidence store (:mod:`.ledger`).

See ``docs/evidence.md`` for the ledger and the scores.
"""

from .ledger import (
    check_ledger_filter,
    get_forecast,
    ledger_names,
    list_forecasts,
    record_forecast,
    resolve_forecast,
    score_ledger,
)
from .scoring import (
    CALIBRATION_BINS,
    SUM_TOLERANCE,
    CalibrationBin,
    Forecast,
    Resolution,
    ScoreRow,
    Scores,
    assessment_probabilities,
    brier_score,
    calibration_table,
    log_score,
    make_forecast,
    score,
)
from .workflow import Ledger, Recorded, list_ledger, record, resolve, scores

__all__ = [
    "CALIBRATION_BINS",
    "SUM_TOLERANCE",
    "CalibrationBin",
    "Forecast",
    "Ledger",
    "Recorded",
    "Resolution",
    "ScoreRow",
    "Scores",
    "assessment_probabilities",
    "brier_score",
    "calibration_table",
    "check_ledger_filter",
    "get_forecast",
    "ledger_names",
    "list_forecasts",
    "list_ledger",
    "log_score",
    "make_forecast",
    "record",
    "record_forecast",
    "resolve",
    "resolve_forecast",
    "score",
    "score_ledger",
    "scores",
]
