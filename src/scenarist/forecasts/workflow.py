"""What a user does with the forecast ledger, one function each, given a store by URL: record a forecast (from
stated probabilities, the model's distribution or the source's own words), list the ledger, resolve a forecast and
score the resolved ones. The ``scenarist forecast`` commands call these and only present the results.

``db`` is a SQLAlchemy URL or a SQLite file path; ``None`` means ``$SCENARIST_DB``, else ``./scenarist.db``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import OptionError
from ..results import Result
from .scoring import Forecast, Scores


@dataclass(frozen=True, repr=False)
class Recorded(Result):
    """A forecast handed to the ledger, and whether it was new (``added``) or already there, identical."""

    forecast: Forecast
    added: bool

    def _summary(self) -> dict:
        return {"id": self.forecast.id, "forecaster": self.forecast.forecaster, "added": self.added}

    def to_dict(self) -> dict:
        """What ``scenarist forecast record --json`` prints: the forecast's fields and ``added``."""
        return {**self.forecast.to_dict(), "added": self.added}

    def to_frame(self):
        """pandas DataFrame: one row per variant with its probability."""
        import pandas as pd

        return pd.DataFrame({"variant": list(self.forecast.variants), "probability": list(self.forecast.probabilities)})


def record(
    forecast_id: str,
    criteria: str,
    horizon: dt.date,
    model: Any = None,
    *,
    probabilities: Mapping[str, float] | None = None,
    from_model: bool = False,
    from_assessments: bool = False,
    made_on: dt.date | None = None,
    forecaster: str | None = None,
    note: str | None = None,
    draws: int = 500,
    seed: int | None = 0,
    self_impacts: str | None = None,
    db: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Recorded:
    """Record a forecast over the model's outcome in the ledger.

    Give exactly one source of probabilities: ``probabilities`` (variant → probability, summing to 1; the
    forecaster defaults to ``analyst``), ``from_model`` (the model's outcome distribution conditional on some
    consistent scenario, from ``draws`` judgment draws with ``seed``; ``model``) or ``from_assessments`` (the
    source's own verbal assessments mapped by the model's WEP table; ``article``). ``made_on`` defaults to the
    model's as-of date.

    Raises
    ------
    OptionError
        Not exactly one source; a model without an outcome descriptor (the message says how to mark one); draws
        out of range; no date; a date or horizon outside ``checks.EARLIEST_DATE``..``LATEST_DATE``; probabilities
        outside [0, 1] or not summing to 1; a horizon before the date; an id that is not valid.
    UnknownNameError
        A variant the outcome does not have.
    StoreError
        The id is already recorded with other content; the store cannot be opened or is damaged. The store is
        created if it does not exist.
    """
    from ..checks import check_draws
    from ..evidence import EvidenceStore
    from ..loading import load
    from .ledger import record_forecast
    from .scoring import assessment_probabilities, make_forecast, no_outcome_message

    if sum([bool(probabilities), from_model, from_assessments]) != 1:
        raise OptionError("give exactly one of --p, --from-model, --from-assessments")
    check_draws(draws, "--draws")
    m = load(model, self_impacts=self_impacts)
    if m.outcome is None:  # before any source, so that no source's own wording (another command's options) shows
        raise OptionError(no_outcome_message(m))
    if from_model:
        from ..probability import outcome_distribution

        probs: Mapping[str, float] = outcome_distribution(m, draws=draws, seed=seed, progress=progress).conditional
        who = "model"
    elif from_assessments:
        probs, who = assessment_probabilities(m), "article"
    else:
        probs, who = dict(probabilities or {}), "analyst"
    day = made_on or m.metadata.as_of
    if day is None:
        raise OptionError("--date is needed: the model states no as-of date")
    f = make_forecast(forecast_id, m, probs, day, horizon, criteria, forecaster or who, note)
    with EvidenceStore(db) as store:
        added = record_forecast(store, f)
    return Recorded(f, added)


@dataclass(frozen=True, repr=False)
class Ledger(Result):
    """The forecasts of the ledger (optionally those of one model or forecaster), with their resolutions."""

    forecasts: tuple[Forecast, ...]

    def _summary(self) -> dict:
        return {
            "forecasts": len(self.forecasts),
            "resolved": sum(1 for f in self.forecasts if f.resolution is not None),
        }

    def to_dict(self) -> dict:
        """What ``scenarist forecast list --json`` prints: ``{"forecasts": [forecast, ...]}``."""
        return {"forecasts": [f.to_dict() for f in self.forecasts]}

    def to_frame(self):
        """pandas DataFrame, one row per forecast: id, forecaster, dates, outcome when resolved."""
        import pandas as pd

        rows = [
            {
                "id": f.id,
                "forecaster": f.forecaster,
                "made_on": f.made_on,
                "horizon": f.horizon,
                "outcome": None if f.resolution is None else f.resolution.outcome,
            }
            for f in self.forecasts
        ]
        return pd.DataFrame(rows, columns=["id", "forecaster", "made_on", "horizon", "outcome"])


def list_ledger(db: str | None = None, model_id: str | None = None, forecaster: str | None = None) -> Ledger:
    """The ledger's forecasts, filtered by model id and forecaster.

    Raises
    ------
    UnknownNameError
        A model id or forecaster the ledger does not hold (the message lists those it does).
    StoreError
        No such store (nothing is created), not a store, or a damaged one (the message names the table or row).
    """
    from ..evidence import EvidenceStore
    from .ledger import check_ledger_filter, list_forecasts

    with EvidenceStore(db, create=False) as store:
        check_ledger_filter(store, model_id, forecaster)
        return Ledger(tuple(list_forecasts(store, model_id, forecaster)))


def resolve(
    forecast_id: str,
    outcome: str,
    resolved_on: dt.date,
    evidence: Sequence[str] = (),
    note: str | None = None,
    replace: bool = False,
    db: str | None = None,
) -> Forecast:
    """Record what happened to a forecast (the variant, the day it was judged, the evidence items showing it).

    Resolving before the horizon is allowed (the faces warn). Returns the forecast with its resolution.

    Raises
    ------
    UnknownNameError
        No such forecast, variant or evidence item.
    OptionError
        A date outside ``checks.EARLIEST_DATE``..``LATEST_DATE`` or before the forecast's.
    StoreError
        Already resolved differently (without ``replace``); no such store (nothing is created); a damaged one.
    """
    from ..evidence import EvidenceStore
    from .ledger import resolve_forecast

    with EvidenceStore(db, create=False) as store:
        return resolve_forecast(store, forecast_id, outcome, resolved_on, list(evidence), note, replace)


def scores(db: str | None = None, model_id: str | None = None, forecaster: str | None = None) -> Scores:
    """Brier and log scores of the resolved forecasts, per forecaster, and the calibration table
    (see :mod:`scenarist.forecasts.scoring`).

    Raises
    ------
    UnknownNameError
        A model id or forecaster the ledger does not hold.
    StoreError
        No such store (nothing is created), not a store, or a damaged one (the message names the table or row).
    """
    from ..evidence import EvidenceStore
    from .ledger import score_ledger as _score_ledger

    with EvidenceStore(db, create=False) as store:
        return _score_ledger(store, model_id, forecaster)


__all__ = ["Ledger", "Recorded", "list_ledger", "record", "resolve", "scores"]
