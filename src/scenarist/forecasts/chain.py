"""The forecast ledger's hash chain: every forecast, resolution and un-resolution is one appended record.

A record is its **content** (a JSON object: the kind, the forecast id, the fields, and ``recorded_at``, when it was
appended) and its **hash**, ``SHA-256(prev_hash + "\\n" + canonical_json(content))`` in hexadecimal, where
``prev_hash`` is the hash of the record before it (64 zeros for the first). The last record's hash, the **head**,
therefore vouches for the whole ledger: changing, dropping or reordering any record changes every hash after it, and
:func:`verify` names the first record that no longer fits. Records are never updated or deleted. (Anyone who can
write the store can still rebuild a whole new chain: a head hash published elsewhere, such as the one committed in
the repository for the packaged ledger, is what makes that visible.)

Canonical JSON is :func:`scenarist.evidence.store.canonical_json` (sorted keys, no spaces, UTF-8).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..errors import OptionError
from ..evidence.store import EvidenceStore, RowDamage, StoreError, canonical_json
from ..evidence.tables import forecasts as forecasts_table
from ..evidence.tables import ledger_records
from ..results import Result
from .scoring import RESOLUTION_STATES, SUM_TOLERANCE, Forecast, Resolution

#: The ``prev_hash`` of the first record.
GENESIS = "0" * 64
#: Record kinds.
KINDS = ("forecast", "resolution", "unresolution")
#: Format name and version of an exported ledger file.
FILE_FORMAT = "scenarist-forecast-ledger"
FILE_VERSION = 1


def time_text(when: dt.datetime) -> str:
    """An instant as ISO 8601 in UTC with microseconds (``2026-12-05T10:00:00.000000Z``); a naive time is UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """``SHA-256(prev_hash + "\\n" + canonical_json(content))`` in hexadecimal."""
    return hashlib.sha256((prev_hash + "\n" + canonical_json(dict(content))).encode("utf-8")).hexdigest()


def forecast_content(f: Forecast, recorded_at: str) -> dict:
    """The content of a forecast record."""
    return {
        "kind": "forecast",
        "id": f.id,
        "model": f.model_id,
        "descriptor": f.outcome,
        "forecaster": f.forecaster,
        "made_on": f.made_on.isoformat(),
        "horizon": f.horizon.isoformat(),
        "variants": list(f.variants),
        "probabilities": list(f.probabilities),
        "criteria": f.criteria,
        "note": f.note,
        "retrodiction": f.retrodiction,
        "provenance": f.provenance,
        "recorded_at": recorded_at,
    }


def resolution_content(forecast_id: str, r: Resolution, recorded_at: str) -> dict:
    """The content of a resolution record."""
    return {
        "kind": "resolution",
        "id": forecast_id,
        "state": r.state,
        "outcome": r.outcome,
        "resolved_on": r.resolved_on.isoformat(),
        "resolver": r.resolver,
        "source": r.source,
        "evidence": list(r.evidence),
        "note": r.note,
        "recorded_at": recorded_at,
    }


def unresolution_content(forecast_id: str, on: dt.date, resolver: str | None, reason: str, recorded_at: str) -> dict:
    """The content of an un-resolution record: the forecast is open again from here on."""
    return {
        "kind": "unresolution",
        "id": forecast_id,
        "on": on.isoformat(),
        "resolver": resolver,
        "reason": reason,
        "recorded_at": recorded_at,
    }


def _date(value: Any, name: str) -> dt.date:
    if not isinstance(value, str):
        raise RowDamage(f"{name} is not a date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowDamage(f"{name} {value!r} is not a date") from None


def _text(value: Any, name: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not optional and not value.strip()):
        raise RowDamage(f"{name} is not a text")
    return value


def forecast_from_content(c: Mapping[str, Any]) -> Forecast:
    """The :class:`Forecast` of a forecast record's content. Raises :class:`RowDamage` when it does not decode."""
    variants, probs = c.get("variants"), c.get("probabilities")
    if not isinstance(variants, list) or not variants or not all(isinstance(v, str) for v in variants):
        raise RowDamage("variants is not a list of names")
    if (
        not isinstance(probs, list)
        or len(probs) != len(variants)
        or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and 0 <= x <= 1 for x in probs
        )
    ):
        raise RowDamage("probabilities is not one number in [0, 1] per variant")
    if abs(sum(probs) - 1) > SUM_TOLERANCE:
        raise RowDamage(f"probabilities sum to {sum(probs):.6g}, not 1")
    made_on, horizon = _date(c.get("made_on"), "made_on"), _date(c.get("horizon"), "horizon")
    if horizon < made_on:
        raise RowDamage(f"horizon {horizon} is before made_on {made_on}")
    prov = c.get("provenance")
    if prov is not None and not isinstance(prov, dict):
        raise RowDamage("provenance is not an object")
    return Forecast(
        id=_text(c.get("id"), "id"),
        model_id=_text(c.get("model"), "model"),
        outcome=_text(c.get("descriptor"), "descriptor"),
        forecaster=_text(c.get("forecaster"), "forecaster"),
        made_on=made_on,
        horizon=horizon,
        variants=tuple(variants),
        probabilities=tuple(float(x) for x in probs),
        criteria=_text(c.get("criteria"), "criteria"),
        note=_text(c.get("note"), "note", optional=True),
        retrodiction=_text(c.get("retrodiction"), "retrodiction", optional=True),
        provenance=prov,
    )


def resolution_from_content(c: Mapping[str, Any], variants: Sequence[str]) -> Resolution:
    """The :class:`Resolution` of a resolution record's content, checked against the forecast's variants."""
    state = c.get("state")
    if state not in RESOLUTION_STATES:
        raise RowDamage(f"state {state!r} is not one of {', '.join(RESOLUTION_STATES)}")
    outcome = c.get("outcome")
    if state == "resolved" and outcome not in variants:
        raise RowDamage(f"outcome {outcome!r} is not one of the forecast's variants ({', '.join(variants)})")
    if state != "resolved" and outcome is not None:
        raise RowDamage(f"an {state} resolution names no variant, got {outcome!r}")
    evidence = c.get("evidence")
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise RowDamage("evidence is not a list of ids")
    return Resolution(
        outcome,
        _date(c.get("resolved_on"), "resolved_on"),
        tuple(evidence),
        _text(c.get("note"), "note", optional=True),
        state,
        _text(c.get("resolver"), "resolver", optional=True),
        _text(c.get("source"), "source", optional=True),
    )


@dataclass(frozen=True)
class Record:
    """One record of the chain as stored."""

    seq: int
    kind: str
    forecast_id: str
    content: dict
    prev_hash: str
    hash: str

    def to_dict(self) -> dict:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "forecast": self.forecast_id,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "content": self.content,
        }


def read_records(store: EvidenceStore) -> list[Record]:
    """Every record of the store's chain, by ``seq``. Raises :class:`StoreError` when a content is not JSON."""
    t = ledger_records
    with store.reading("ledger_records") as conn:
        rows = conn.execute(
            select(t.c.seq, t.c.kind, t.c.forecast_id, t.c.content, t.c.prev_hash, t.c.hash).order_by(t.c.seq)
        ).all()
    out = []
    for seq, kind, fid, content, prev, h in rows:
        try:
            data = json.loads(content)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"{store.shown}: damaged store: table ledger_records, record #{seq}: content is not JSON ({exc})"
            ) from None
        out.append(Record(seq, kind, fid, data, prev, h))
    return out


def head(conn) -> tuple[int, str]:
    """(seq, hash) of the chain's last record, (0, GENESIS) for an empty chain."""
    t = ledger_records
    row = conn.execute(select(t.c.seq, t.c.hash).order_by(t.c.seq.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (int(row[0]), row[1])


def lock_chain(conn) -> None:
    """Serialise appenders: on PostgreSQL, lock the chain's table for the transaction (SQLite's ``BEGIN
    IMMEDIATE`` already does)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE ledger_records IN EXCLUSIVE MODE")


def append(conn, content: dict, created_at: dt.datetime, prev: tuple[int, str] | None = None) -> tuple[int, str]:
    """Append one record after the chain's head (or after ``prev``) in the open transaction ``conn``; returns its
    (seq, hash)."""
    seq, prev_hash = prev if prev is not None else head(conn)
    h = record_hash(prev_hash, content)
    conn.execute(
        ledger_records.insert().values(
            seq=seq + 1,
            kind=content["kind"],
            forecast_id=content["id"],
            content=canonical_json(content),
            prev_hash=prev_hash,
            hash=h,
            created_at=created_at,
        )
    )
    return seq + 1, h


def replay(records: Iterable[Record]) -> dict[str, Forecast]:
    """The ledger's current state: forecast id → forecast with its latest resolution (None after an
    un-resolution). Raises :class:`RowDamage` naming the record that does not decode or does not fit."""
    state: dict[str, Forecast] = {}
    for r in records:
        try:
            c = r.content
            if c.get("kind") != r.kind or c.get("id") != r.forecast_id or r.kind not in KINDS:
                raise RowDamage("kind or id do not match the record's columns")
            if r.kind == "forecast":
                f = forecast_from_content(c)
                if f.id in state:
                    raise RowDamage(f"forecast {f.id!r} is recorded twice")
                state[f.id] = f
                continue
            f = state.get(r.forecast_id)
            if f is None:
                raise RowDamage(f"{r.kind} of forecast {r.forecast_id!r}, which no earlier record holds")
            if r.kind == "resolution":
                res = resolution_from_content(c, f.variants)
            else:
                _date(c.get("on"), "on")
                if f.resolution is None:
                    raise RowDamage(f"un-resolution of forecast {f.id!r}, which is not resolved")
                res = None
            state[f.id] = Forecast(**{**f.__dict__, "resolution": res})
        except RowDamage as exc:
            raise RowDamage(f"record #{r.seq} ({r.kind} {r.forecast_id}): {exc}") from None
    return state


@dataclass(frozen=True, repr=False)
class ChainCheck(Result):
    """Result of :func:`verify`: the number of records, the head hash and the problems (empty: intact)."""

    records: int
    head: str
    problems: tuple[str, ...]
    expected_head: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def _summary(self) -> dict:
        return {"records": self.records, "head": self.head, "ok": self.ok}

    def to_dict(self) -> dict:
        """What ``scenarist forecast verify --json`` prints."""
        return {
            "records": self.records,
            "head": self.head,
            "expected_head": self.expected_head,
            "ok": self.ok,
            "problems": list(self.problems),
        }

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"problem": list(self.problems)})


def check_records(records: Sequence[Record], expected_head: str | None = None) -> list[str]:
    """Every problem of a chain, each naming its record: a broken sequence (a dropped record), a ``prev_hash`` that
    is not the previous record's hash (dropped or reordered), a hash that does not match the content (changed),
    content that does not decode, and a head other than ``expected_head``."""
    problems: list[str] = []
    prev = GENESIS
    for i, r in enumerate(records, start=1):
        name = f"record #{r.seq} ({r.kind} {r.forecast_id})"
        if r.seq != i:
            problems.append(f"{name}: expected record #{i} here: a record is missing or out of order")
        if r.prev_hash != prev:
            problems.append(
                f"{name}: prev_hash {r.prev_hash[:12]}… is not the previous record's hash {prev[:12]}…: "
                "a record before it was dropped, changed or reordered"
            )
        if record_hash(r.prev_hash, r.content) != r.hash:
            problems.append(f"{name}: its content does not match its hash: the record was changed")
        prev = r.hash
    if not problems:
        try:
            replay(records)
        except RowDamage as exc:
            problems.append(str(exc))
    last = records[-1].hash if records else GENESIS
    if expected_head is not None and last != expected_head:
        problems.append(f"head {last} is not the expected head {expected_head}")
    return problems


def verify(store: EvidenceStore, expected_head: str | None = None) -> ChainCheck:
    """Check the store's chain (see :func:`check_records`) and that the ``forecasts`` index agrees with it (a
    forecast row changed or added outside the ledger is named)."""
    records = read_records(store)
    problems = check_records(records, expected_head)
    chained = {r.forecast_id: r for r in records if r.kind == "forecast"}
    t = forecasts_table
    with store.reading("forecasts") as conn:
        rows = conn.execute(
            select(t.c.forecast_id, t.c.made_on, t.c.horizon, t.c.probabilities, t.c.variants, t.c.criteria)
        ).all()
    for fid, made_on, horizon, probs, variants, criteria in rows:
        r = chained.get(fid)
        if r is None:
            problems.append(f"forecast {fid}: in table forecasts but in no ledger record (added outside the ledger)")
            continue
        c = r.content
        try:
            same = (
                str(made_on)[:10] == c.get("made_on")
                and str(horizon)[:10] == c.get("horizon")
                and json.loads(probs) == c.get("probabilities")
                and json.loads(variants) == c.get("variants")
                and criteria == c.get("criteria")
            )
        except (TypeError, ValueError):
            same = False
        if not same:
            problems.append(f"forecast {fid}: table forecasts differs from its ledger record #{r.seq} (changed)")
    return ChainCheck(len(records), records[-1].hash if records else GENESIS, tuple(problems), expected_head)


# -- files --------------------------------------------------------------------------------------------------


def export_document(records: Sequence[Record]) -> dict:
    """The chain as a JSON-ready document: format, version, head hash and the records in order."""
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "head": records[-1].hash if records else GENESIS,
        "records": [{"seq": r.seq, "prev_hash": r.prev_hash, "hash": r.hash, "content": r.content} for r in records],
    }


def records_from_document(doc: Any, shown: str = "<ledger file>") -> list[Record]:
    """The records of an exported ledger document, checked (chain and stated head). Raises :class:`OptionError`
    naming the file and the first problems."""
    if not isinstance(doc, dict) or doc.get("format") != FILE_FORMAT:
        raise OptionError(f"{shown}: not a Scenarist forecast ledger file (format: {FILE_FORMAT})")
    if doc.get("version") != FILE_VERSION:
        raise OptionError(f"{shown}: ledger file version {doc.get('version')!r} is not {FILE_VERSION}")
    raw = doc.get("records")
    if not isinstance(raw, list):
        raise OptionError(f"{shown}: records is not a list")
    out = []
    for i, r in enumerate(raw, start=1):
        c = r.get("content") if isinstance(r, dict) else None
        if not isinstance(c, dict) or not all(isinstance(r.get(k), str) for k in ("prev_hash", "hash")):
            raise OptionError(f"{shown}: record {i} needs content, prev_hash and hash")
        if not isinstance(r.get("seq"), int):
            raise OptionError(f"{shown}: record {i} needs an integer seq")
        out.append(Record(r["seq"], str(c.get("kind")), str(c.get("id")), c, r["prev_hash"], r["hash"]))
    stated = doc.get("head")
    problems = check_records(out, stated if isinstance(stated, str) else None)
    if problems:
        raise OptionError(f"{shown}: the ledger does not verify: " + "; ".join(problems[:3]))
    return out


__all__ = [
    "GENESIS",
    "ChainCheck",
    "Record",
    "append",
    "check_records",
    "export_document",
    "forecast_content",
    "read_records",
    "record_hash",
    "records_from_document",
    "replay",
    "resolution_content",
    "unresolution_content",
    "verify",
]
