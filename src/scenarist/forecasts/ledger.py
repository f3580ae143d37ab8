"""The forecast ledger in the evidence store: record, list, resolve and score stored forecasts.

Storage only: the forecasts themselves and their scoring rules are in :mod:`scenarist.forecasts.scoring`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..errors import OptionError, UnknownNameError
from ..evidence.store import EvidenceStore, StoreError, canonical_json
from ..evidence.tables import evidence_items
from ..evidence.tables import forecasts as forecasts_table
from ..evidence.tables import resolutions as resolutions_table
from .scoring import Forecast, Resolution, Scores, score


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_forecast(store: EvidenceStore, forecast: Forecast) -> bool:
    """Add a forecast to the ledger in one transaction. Recording the same forecast again changes nothing.

    Returns
    -------
    bool
        True when it was added, False when an identical forecast with this id was already recorded.

    Raises
    ------
    StoreError
        A different forecast with this id exists (forecasts are never edited: record a new one), or the write
        failed (nothing written).
    """
    row = {
        "forecast_id": forecast.id,
        "model_id": forecast.model_id,
        "outcome": forecast.outcome,
        "forecaster": forecast.forecaster,
        "made_on": forecast.made_on,
        "horizon": forecast.horizon,
        "variants": canonical_json(list(forecast.variants)),
        "probabilities": canonical_json(list(forecast.probabilities)),
        "criteria": forecast.criteria,
        "note": forecast.note,
        "created_at": _now(),
    }
    try:
        with store.engine.begin() as conn:
            old = (
                conn.execute(select(forecasts_table).where(forecasts_table.c.forecast_id == forecast.id))
                .mappings()
                .first()
            )
            if old is not None:
                if _forecast_from_row(old) == forecast:
                    return False
                raise StoreError(
                    f"forecast {forecast.id!r} is already recorded with different content; "
                    "a forecast is never edited: record a new one under another id"
                )
            conn.execute(forecasts_table.insert().values(**row))
    except SQLAlchemyError as exc:
        raise StoreError(
            f"recording forecast {forecast.id!r} failed, nothing written: {getattr(exc, 'orig', exc)}"
        ) from None
    return True


def _forecast_from_row(row, resolution: Resolution | None = None) -> Forecast:
    return Forecast(
        id=row["forecast_id"],
        model_id=row["model_id"],
        outcome=row["outcome"],
        forecaster=row["forecaster"],
        made_on=row["made_on"],
        horizon=row["horizon"],
        variants=tuple(json.loads(row["variants"])),
        probabilities=tuple(float(x) for x in json.loads(row["probabilities"])),
        criteria=row["criteria"],
        note=row["note"],
        resolution=resolution,
    )


def list_forecasts(store: EvidenceStore, model_id: str | None = None, forecaster: str | None = None) -> list[Forecast]:
    """Forecasts in the ledger (optionally of one model or forecaster), by date then id, with their resolutions."""
    f, r = forecasts_table, resolutions_table
    q = select(f, r.c.resolved_on, r.c.outcome_variant, r.c.evidence, r.c.note.label("resolution_note")).outerjoin(
        r, r.c.forecast_pk == f.c.pk
    )
    if model_id is not None:
        q = q.where(f.c.model_id == model_id)
    if forecaster is not None:
        q = q.where(f.c.forecaster == forecaster)
    q = q.order_by(f.c.made_on, f.c.forecast_id)
    out = []
    with store.engine.connect() as conn:
        for row in conn.execute(q).mappings():
            res = None
            if row["outcome_variant"] is not None:
                res = Resolution(
                    row["outcome_variant"],
                    row["resolved_on"],
                    tuple(json.loads(row["evidence"])),
                    row["resolution_note"],
                )
            out.append(_forecast_from_row(row, res))
    return out


def get_forecast(store: EvidenceStore, forecast_id: str) -> Forecast:
    """One forecast by id. Raises :class:`UnknownNameError` when absent."""
    for f in list_forecasts(store):
        if f.id == forecast_id:
            return f
    raise UnknownNameError(f"no forecast {forecast_id!r} in the ledger")


def resolve_forecast(
    store: EvidenceStore,
    forecast_id: str,
    outcome: str,
    resolved_on: dt.date,
    evidence: Sequence[str] = (),
    note: str | None = None,
    replace: bool = False,
) -> Forecast:
    """Record what happened to a forecast, in one transaction.

    Parameters
    ----------
    outcome : str
        The variant that happened (one of the forecast's variants).
    resolved_on : date
        The day it was judged (not before the forecast's date).
    evidence : sequence of str
        Ids of stored evidence items of the forecast's model that show it.
    replace : bool
        Overwrite an earlier, different resolution (default: refuse). The same resolution again changes nothing.

    Returns
    -------
    Forecast
        With its resolution.

    Raises
    ------
    UnknownNameError
        Unknown forecast, variant or evidence item.
    OptionError
        ``resolved_on`` before the forecast's date.
    StoreError
        Already resolved differently (without ``replace``), or the write failed (nothing written).
    """
    f = get_forecast(store, forecast_id)
    if outcome not in f.variants:
        raise UnknownNameError(
            f"forecast {forecast_id!r}: unknown variant {outcome!r} (known: {', '.join(f.variants)})"
        )
    if resolved_on < f.made_on:
        raise OptionError(f"resolution date {resolved_on} is before the forecast's date {f.made_on}")
    res = Resolution(outcome, resolved_on, tuple(evidence), note)
    try:
        with store.engine.begin() as conn:
            known = {
                r[0]
                for r in conn.execute(select(evidence_items.c.item_id).where(evidence_items.c.model_id == f.model_id))
            }
            unknown = [e for e in evidence if e not in known]
            if unknown:
                raise UnknownNameError(
                    f"unknown evidence item(s) {', '.join(unknown)} for model {f.model_id!r} (import them first)"
                )
            pk = conn.execute(
                select(forecasts_table.c.pk).where(forecasts_table.c.forecast_id == forecast_id)
            ).scalar_one()
            row = {
                "forecast_pk": pk,
                "resolved_on": resolved_on,
                "outcome_variant": outcome,
                "evidence": canonical_json(list(evidence)),
                "note": note,
                "created_at": _now(),
            }
            if f.resolution is not None:
                if f.resolution == res:
                    return f
                if not replace:
                    raise StoreError(
                        f"forecast {forecast_id!r} is already resolved as {f.resolution.outcome!r} on "
                        f"{f.resolution.resolved_on}; use --replace to change the resolution"
                    )
                conn.execute(resolutions_table.update().where(resolutions_table.c.forecast_pk == pk).values(**row))
            else:
                conn.execute(resolutions_table.insert().values(**row))
    except SQLAlchemyError as exc:
        raise StoreError(
            f"resolving forecast {forecast_id!r} failed, nothing written: {getattr(exc, 'orig', exc)}"
        ) from None
    return Forecast(**{**f.__dict__, "resolution": res})


def ledger_names(store: EvidenceStore) -> tuple[list[str], list[str]]:
    """The model ids and the forecasters that occur in the ledger, each sorted: ``(model_ids, forecasters)``."""
    f = forecasts_table
    with store.engine.connect() as conn:
        models = sorted({r[0] for r in conn.execute(select(f.c.model_id).distinct())})
        people = sorted({r[0] for r in conn.execute(select(f.c.forecaster).distinct())})
    return models, people


def check_ledger_filter(store: EvidenceStore, model_id: str | None = None, forecaster: str | None = None) -> None:
    """Refuse a model id or forecaster that the ledger does not hold, so a typo is not read as "no forecasts".

    Raises
    ------
    UnknownNameError
        ``model_id`` or ``forecaster`` is given and no forecast has it; the message lists those that exist.
    """
    models, people = ledger_names(store)
    for option, value, known in (("--model-id", model_id, models), ("--forecaster", forecaster, people)):
        if value is not None and value not in known:
            listed = ", ".join(known) if known else "none: the ledger is empty"
            raise UnknownNameError(f"{option} {value!r}: no forecast in the ledger has it (known: {listed})")


def score_ledger(store: EvidenceStore, model_id: str | None = None, forecaster: str | None = None) -> Scores:
    """:func:`score` over the ledger's forecasts (optionally of one model or forecaster).

    Raises
    ------
    UnknownNameError
        ``model_id`` or ``forecaster`` names nothing in the ledger (see :func:`check_ledger_filter`).
    """
    check_ledger_filter(store, model_id, forecaster)
    return score(list_forecasts(store, model_id, forecaster))
