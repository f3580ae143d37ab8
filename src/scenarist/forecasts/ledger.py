"""The forecast ledger in the evidence store: record, list, resolve and score stored forecasts.

Storage only: the forecasts themselves and their scoring rules are in :mod:`scenarist.forecasts.scoring`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from ..errors import OptionError, UnknownNameError
from ..evidence.store import (
    EvidenceStore,
    RowDamage,
    StoreError,
    canonical_json,
    date_value,
    datetime_value,
    insert_new,
    json_value,
    required,
    text_value,
)
from ..evidence.tables import evidence_items
from ..evidence.tables import forecasts as forecasts_table
from ..evidence.tables import resolutions as resolutions_table
from . import chain
from .scoring import Forecast, Resolution, Scores, score


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record_forecast(store: EvidenceStore, forecast: Forecast) -> bool:
    """Add a forecast to the ledger in one transaction: a row of ``forecasts`` (the index) and a record appended to
    the hash chain (:mod:`scenarist.forecasts.chain`). Recording the same forecast again changes nothing.

    Returns
    -------
    bool
        True when it was added, False when an identical forecast with this id was already recorded.

    Raises
    ------
    StoreError
        A different forecast with this id exists (forecasts are never edited: record a new one), or the write
        failed (nothing written). Safe under concurrency: the same forecast recorded by several processes at once
        is added once (the others get False); a different one under the same id is refused.
    """
    now = _now()
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
        "created_at": now,
    }
    with store.writing(f"recording forecast {forecast.id!r}") as conn:
        chain.lock_chain(conn)
        if insert_new(conn, forecasts_table, row, ["forecast_id"]):
            chain.append(conn, chain.forecast_content(forecast, chain.time_text(now)), now)
            return True
    # recorded before (or by another process just now): the same forecast is a no-op, another a conflict
    old = _chained(store).get(forecast.id)
    if old is not None and old == forecast:
        return False
    raise StoreError(
        f"forecast {forecast.id!r} is already recorded with different content; "
        "a forecast is never edited: record a new one under another id"
    )


def _chained(store: EvidenceStore) -> dict[str, Forecast]:
    """The ledger's current state from the chain (see :func:`scenarist.forecasts.chain.replay`)."""
    try:
        return chain.replay(chain.read_records(store))
    except RowDamage as exc:
        raise StoreError(
            f"{store.shown}: damaged store: table ledger_records, {exc} (run `scenarist forecast verify`)"
        ) from None


def _string_list(value: Any, column: str) -> tuple[str, ...]:
    data = json_value(value, column)
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise RowDamage(f"{column} is not a JSON list of names")
    return tuple(data)


def decode_forecast(row: Mapping[str, Any], resolution: Resolution | None = None, strict: bool = False) -> Forecast:
    """The :class:`Forecast` of a row of ``forecasts`` (selected with :func:`~scenarist.evidence.store.raw_columns`).

    ``strict`` (what :func:`~scenarist.evidence.check_store` uses) also checks that the dates lie in
    ``checks.EARLIEST_DATE``..``LATEST_DATE`` and the probabilities sum to 1.

    Raises
    ------
    RowDamage
        An empty required column, text that is not JSON, a date that is not a date, variants and probabilities
        that do not pair up or are not probabilities, a horizon before the forecast's date.
    """
    required(row, forecasts_table)
    variants = _string_list(row.get("variants"), "variants")
    probs = json_value(row.get("probabilities"), "probabilities")
    if not isinstance(probs, list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and 0 <= x <= 1 for x in probs
    ):
        raise RowDamage("probabilities is not a JSON list of numbers in [0, 1]")
    if len(probs) != len(variants) or not variants:
        raise RowDamage(f"{len(variants)} variant(s) but {len(probs)} probabilities")
    made_on, horizon = date_value(row.get("made_on"), "made_on"), date_value(row.get("horizon"), "horizon")
    if horizon < made_on:
        raise RowDamage(f"horizon {horizon} is before made_on {made_on}")
    note = row.get("note")
    if note is not None:
        text_value(note, "note")
    if strict:
        from ..checks import check_date
        from .scoring import SUM_TOLERANCE

        for day, name in ((made_on, "made_on"), (horizon, "horizon")):
            try:
                check_date(day, name)
            except OptionError as exc:
                raise RowDamage(str(exc)) from None
        if abs(sum(probs) - 1) > SUM_TOLERANCE:
            raise RowDamage(f"probabilities sum to {sum(probs):.6g}, not 1")
        datetime_value(row.get("created_at"), "created_at")
    return Forecast(
        id=text_value(row["forecast_id"], "forecast_id"),
        model_id=text_value(row["model_id"], "model_id"),
        outcome=text_value(row["outcome"], "outcome"),
        forecaster=text_value(row["forecaster"], "forecaster"),
        made_on=made_on,
        horizon=horizon,
        variants=variants,
        probabilities=tuple(float(x) for x in probs),
        criteria=text_value(row["criteria"], "criteria"),
        note=note,
        resolution=resolution,
    )


def decode_resolution(
    row: Mapping[str, Any], variants: Sequence[str] | None = None, strict: bool = False
) -> Resolution:
    """The :class:`Resolution` of a row of ``resolutions`` (columns ``resolved_on``, ``outcome_variant``,
    ``evidence``, ``note``), checked against the forecast's ``variants`` when given.

    Raises
    ------
    RowDamage
        An empty required column, a bad date, evidence that is not a JSON list, a variant the forecast lacks.
    """
    if strict:
        required(row, resolutions_table)
    outcome = text_value(row.get("outcome_variant"), "outcome_variant")
    if variants is not None and outcome not in variants:
        raise RowDamage(f"outcome_variant {outcome!r} is not one of the forecast's variants ({', '.join(variants)})")
    resolved_on = date_value(row.get("resolved_on"), "resolved_on")
    evidence = _string_list(row.get("evidence"), "evidence")
    note = row.get("note")
    if note is not None:
        text_value(note, "note")
    if strict:
        from ..checks import check_date

        try:
            check_date(resolved_on, "resolved_on")
        except OptionError as exc:
            raise RowDamage(str(exc)) from None
        datetime_value(row.get("created_at"), "created_at")
    return Resolution(outcome, resolved_on, evidence, note)


def list_forecasts(store: EvidenceStore, model_id: str | None = None, forecaster: str | None = None) -> list[Forecast]:
    """Forecasts in the ledger (optionally of one model or forecaster), by date then id, with their current
    resolutions, read from the hash chain.

    Raises
    ------
    StoreError
        A damaged ledger: the message names the store and the record that cannot be read.
    """
    out = [
        f
        for f in _chained(store).values()
        if (model_id is None or f.model_id == model_id) and (forecaster is None or f.forecaster == forecaster)
    ]
    return sorted(out, key=lambda x: (x.made_on, x.id))


def get_forecast(store: EvidenceStore, forecast_id: str) -> Forecast:
    """One forecast by id. Raises :class:`UnknownNameError` when absent."""
    f = _chained(store).get(forecast_id)
    if f is None:
        raise UnknownNameError(f"no forecast {forecast_id!r} in the ledger")
    return f


def resolve_forecast(
    store: EvidenceStore,
    forecast_id: str,
    outcome: str | None,
    resolved_on: dt.date,
    evidence: Sequence[str] = (),
    note: str | None = None,
    replace: bool = False,
    *,
    state: str = "resolved",
    resolver: str | None = None,
    source: str | None = None,
) -> Forecast:
    """Record what happened to a forecast: a resolution record appended to the chain, in one transaction.

    Parameters
    ----------
    outcome : str or None
        The variant that happened (one of the forecast's variants); None when ``state`` is ``annulled`` or
        ``ambiguous``.
    resolved_on : date
        The day it was judged (not before the forecast's date).
    evidence : sequence of str
        Ids of stored evidence items of the forecast's model that show it.
    replace : bool
        Supersede an earlier, different resolution (default: refuse); the earlier one stays in the chain. The same
        resolution again changes nothing.
    state : {"resolved", "annulled", "ambiguous"}
    resolver, source : str, optional
        Who judged it, and the source they relied on.

    Raises
    ------
    UnknownNameError
        Unknown forecast, variant or evidence item.
    OptionError
        ``resolved_on`` before the forecast's date, or outside ``checks.EARLIEST_DATE``..``LATEST_DATE``; an unknown
        state; a variant with an annulled or ambiguous state, or none with ``resolved``.
    StoreError
        Already resolved differently (without ``replace``), or the write failed (nothing written); a damaged
        ledger.
    """
    from .scoring import RESOLUTION_STATES

    f = get_forecast(store, forecast_id)
    if state not in RESOLUTION_STATES:
        raise OptionError(f"unknown resolution state {state!r} (known: {', '.join(RESOLUTION_STATES)})")
    if state == "resolved":
        if outcome is None:
            raise OptionError(
                "a resolution names the variant that happened (--outcome), or a state of annulled or ambiguous"
            )
        if outcome not in f.variants:
            raise UnknownNameError(
                f"forecast {forecast_id!r}: unknown variant {outcome!r} (known: {', '.join(f.variants)})"
            )
    elif outcome is not None:
        raise OptionError(f"an {state} resolution names no variant (drop --outcome)")
    from ..checks import check_date

    check_date(resolved_on, "resolution date")
    if resolved_on < f.made_on:
        raise OptionError(f"resolution date {resolved_on} is before the forecast's date {f.made_on}")
    res = Resolution(outcome, resolved_on, tuple(evidence), note, state, resolver, source)
    if f.resolution == res:
        return f
    if f.resolution is not None and not replace:
        old = f.resolution
        shown = old.outcome if old.scored else old.state
        raise StoreError(
            f"forecast {forecast_id!r} is already resolved as {shown!r} on "
            f"{old.resolved_on}; use --replace to change the resolution"
        )
    now = _now()
    with store.writing(f"resolving forecast {forecast_id!r}") as conn:
        known = {
            r[0] for r in conn.execute(select(evidence_items.c.item_id).where(evidence_items.c.model_id == f.model_id))
        }
        unknown = [e for e in evidence if e not in known]
        if unknown:
            raise UnknownNameError(
                f"unknown evidence item(s) {', '.join(unknown)} for model {f.model_id!r} (import them first)"
            )
        chain.lock_chain(conn)
        chain.append(conn, chain.resolution_content(forecast_id, res, chain.time_text(now)), now)
    return Forecast(**{**f.__dict__, "resolution": res})


def unresolve_forecast(
    store: EvidenceStore, forecast_id: str, reason: str, on: dt.date | None = None, resolver: str | None = None
) -> Forecast:
    """Open a resolved forecast again: an un-resolution record appended to the chain (the resolution stays in it).

    Raises
    ------
    UnknownNameError
        No such forecast.
    OptionError
        The forecast is not resolved; no reason given.
    """
    f = get_forecast(store, forecast_id)
    if f.resolution is None:
        raise OptionError(f"forecast {forecast_id!r} is not resolved")
    if not reason or not reason.strip():
        raise OptionError("un-resolving needs a reason (--reason)")
    now = _now()
    with store.writing(f"un-resolving forecast {forecast_id!r}") as conn:
        chain.lock_chain(conn)
        content = chain.unresolution_content(
            forecast_id, on or now.date(), resolver, reason.strip(), chain.time_text(now)
        )
        chain.append(conn, content, now)
    return Forecast(**{**f.__dict__, "resolution": None})


def import_records(store: EvidenceStore, records: Sequence[chain.Record]) -> tuple[int, int]:
    """Append the records of a checked ledger file (:func:`chain.records_from_document`) to the store's chain, in
    one transaction, keeping their content (and so their original ``recorded_at``). A record whose content the
    store's chain already holds is skipped; a forecast id the store holds with other content refuses the whole
    import. Into an empty ledger the chain is copied as is, so the store's head equals the file's.

    Returns (added, skipped).
    """
    from ..evidence.store import canonical_json as cj

    have = chain.read_records(store)
    held = {cj(r.content) for r in have}
    state = _chained(store)
    for r in records:
        if r.kind == "forecast":
            f = chain.forecast_from_content(r.content)
            old = state.get(f.id)
            if old is not None and cj(r.content) not in held and old != f:
                raise StoreError(f"forecast {f.id!r} is already in the ledger with different content: nothing imported")
    added = skipped = 0
    now = _now()
    with store.writing("importing a forecast ledger") as conn:
        chain.lock_chain(conn)
        pos = chain.head(conn)
        for r in records:
            if cj(r.content) in held:
                skipped += 1
                continue
            if r.kind == "forecast":
                f = chain.forecast_from_content(r.content)
                if f.id in state:  # the same forecast recorded at another time: already there
                    skipped += 1
                    continue
                insert_new(
                    conn,
                    forecasts_table,
                    {
                        "forecast_id": f.id,
                        "model_id": f.model_id,
                        "outcome": f.outcome,
                        "forecaster": f.forecaster,
                        "made_on": f.made_on,
                        "horizon": f.horizon,
                        "variants": canonical_json(list(f.variants)),
                        "probabilities": canonical_json(list(f.probabilities)),
                        "criteria": f.criteria,
                        "note": f.note,
                        "created_at": now,
                    },
                    ["forecast_id"],
                )
                state[f.id] = f
            pos = chain.append(conn, r.content, now, pos)
            added += 1
    return added, skipped


def ledger_names(store: EvidenceStore) -> tuple[list[str], list[str]]:
    """The model ids and the forecasters that occur in the ledger, each sorted: ``(model_ids, forecasters)``."""
    f = forecasts_table
    with store.reading("forecasts") as conn:
        models = {r[0] for r in conn.execute(select(f.c.model_id).distinct()) if r[0] is not None}
        people = {r[0] for r in conn.execute(select(f.c.forecaster).distinct()) if r[0] is not None}
    for column, values in (("model_id", models), ("forecaster", people)):
        bad = [v for v in values if not isinstance(v, str)]
        if bad:
            raise StoreError(
                f"{store._shown_url()}: damaged store: table forecasts: a {column} is not text ({bad[0]!r:.40}); "
                "`scenarist store check` lists every problem"
            )
    return sorted(models), sorted(people)


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
