"""Models kept in the store, with every saved version and named readings: what the browser workspace edits and
what ``--db URL --model ID[@VERSION]`` reads back on the command line.

Every save appends a version (author, time, reason, the whole model as canonical JSON and its SHA-256); nothing is
ever updated in place, so a history can always be shown and any version restored (a restore is itself a new save).
A save whose model equals the newest version's is not a change and appends nothing.

A *reading* is a named set of judgment overrides on one model version (``ensemble:`` members in the file format):
an author's and a sceptic's reading of one matrix are kept side by side and can be run as an ensemble.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import OptionError, UnknownNameError
from ..model import Model
from .tables import workspace_models, workspace_readings, workspace_versions
from .versions import Change, canonical_json, diff, model_data, model_from_data, version_id

#: Longest author name and reason kept with a version (characters).
MAX_AUTHOR = 200
MAX_REASON = 2000
#: Most readings one model may keep, and most overrides in one reading (a 40-descriptor flagship has about 1,300
#: judgments; a reading overrides some of them).
MAX_READINGS = 100
MAX_OVERRIDES = 10_000


@dataclass(frozen=True)
class Version:
    """One saved version of a stored model.

    Attributes
    ----------
    model_id : str
    seq : int ≥ 1
        Its place in the model's history (1 is the first save).
    version : str
        SHA-256 of the model's canonical JSON (64 hexadecimal digits); ``short`` gives the first 12.
    parent : str or None
        The version it was saved over (``None`` for the first).
    author, reason : str
    created_at : datetime (UTC)
    """

    model_id: str
    seq: int
    version: str
    parent: str | None
    author: str
    reason: str
    created_at: dt.datetime

    @property
    def short(self) -> str:
        """The first 12 hexadecimal digits of the version, as pages and messages show it."""
        return self.version[:12]

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "model_id": self.model_id,
            "seq": self.seq,
            "version": self.version,
            "parent": self.parent,
            "author": self.author,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class Reading:
    """A named set of judgment overrides on one model version.

    Attributes
    ----------
    model_id, name : str
    version : str
        The model version the reading was made on.
    author : str
    weight : float > 0
        Its weight when run as an ensemble member.
    overrides : dict
        ``(from, to) → score`` for the cells this reading judges differently.
    """

    model_id: str
    name: str
    version: str
    author: str
    weight: float
    overrides: dict
    created_at: dt.datetime

    def to_dict(self) -> dict:
        """Plain data for JSON (overrides as a list of ``{from, to, score}``)."""
        return {
            "model_id": self.model_id,
            "name": self.name,
            "version": self.version,
            "author": self.author,
            "weight": self.weight,
            "overrides": [{"from": f, "to": t, "score": s} for (f, t), s in self.overrides.items()],
            "created_at": self.created_at.isoformat(),
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _check_text(value: str, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise OptionError(f"{name} must not be empty")
    if len(value) > limit:
        raise OptionError(f"{name} is {len(value):,} characters, more than the limit of {limit:,}")
    return value


def parse_model_ref(ref: str) -> tuple[str, str | None]:
    """Split ``ID[@VERSION]`` into the model id and the version (``None`` for the newest).

    Examples
    --------
    >>> parse_model_ref("flagship@3f2a")
    ('flagship', '3f2a')
    >>> parse_model_ref("flagship")
    ('flagship', None)
    """
    model_id, _, version = str(ref).partition("@")
    return model_id, (version or None)


class Workspace:
    """The models kept in one store.

    Parameters
    ----------
    db : str, path or EvidenceStore, optional
        SQLAlchemy URL or SQLite file (see :func:`scenarist.evidence.store.resolve_db_url`), or an open store.

    Raises
    ------
    StoreError
        The store cannot be opened (see :class:`~scenarist.evidence.store.EvidenceStore`).

    Examples
    --------
    >>> import scenarist
    >>> ws = Workspace("sqlite://")
    >>> v = ws.add(scenarist.load("example"), author="ana", reason="first import")
    >>> v.seq, ws.get("example-trade").metadata.id
    (1, 'example-trade')
    """

    def __init__(self, db: Any = None):
        from ..evidence.store import EvidenceStore

        self.store = db if isinstance(db, EvidenceStore) else EvidenceStore(db)
        self.engine = self.store.engine

    def close(self) -> None:
        """Release the connection pool."""
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- models and versions -------------------------------------------------------------------------------

    def model_ids(self) -> list[str]:
        """Ids of the stored models, sorted."""
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(select(workspace_models.c.model_id)))

    def __contains__(self, model_id: str) -> bool:
        return model_id in self.model_ids()

    def add(self, model: Model, author: str, reason: str) -> Version:
        """Keep a new model (its first version) under its ``metadata.id``.

        Raises
        ------
        OptionError
            A model with that id is already kept (save a version of it instead), or an empty author or reason.
        """
        author = _check_text(author, "author", MAX_AUTHOR)
        reason = _check_text(reason, "reason", MAX_REASON)
        model_id = model.metadata.id
        try:
            with self.engine.begin() as conn:
                conn.execute(workspace_models.insert().values(model_id=model_id, created_at=_now()))
                return self._append(conn, model_id, model, author, reason, None, 1)
        except IntegrityError:
            raise OptionError(f"a model with id {model_id!r} is already in the workspace") from None

    def _append(self, conn, model_id: str, model: Model, author: str, reason: str, parent, seq: int) -> Version:
        row = {
            "model_id": model_id,
            "seq": seq,
            "version": version_id(model),
            "parent": parent,
            "author": author,
            "reason": reason,
            "content": canonical_json(model),
            "created_at": _now(),
        }
        conn.execute(workspace_versions.insert().values(**row))
        return _version(row)

    def save(self, model_id: str, model: Model, author: str, reason: str) -> Version:
        """Append ``model`` as the newest version of ``model_id`` (nothing is appended when it equals the newest).

        Returns
        -------
        Version
            The new version, or the newest one unchanged.

        Raises
        ------
        UnknownNameError
            No model ``model_id`` is kept.
        OptionError
            The model's own id differs from ``model_id``, or an empty author or reason.
        """
        author = _check_text(author, "author", MAX_AUTHOR)
        reason = _check_text(reason, "reason", MAX_REASON)
        if model.metadata.id != model_id:
            raise OptionError(f"metadata.id is {model.metadata.id!r}; a version of {model_id!r} must keep its id")
        for _ in range(5):  # two saves at once: the loser takes the next number
            head = self.head(model_id)
            if head.version == version_id(model):
                return head
            try:
                with self.engine.begin() as conn:
                    return self._append(conn, model_id, model, author, reason, head.version, head.seq + 1)
            except IntegrityError:
                continue
        raise OptionError(f"{model_id}: too many saves at once; try again")

    def history(self, model_id: str) -> list[Version]:
        """Every version of ``model_id``, newest first.

        Raises
        ------
        UnknownNameError
            No model ``model_id`` is kept.
        """
        q = (
            select(*[c for c in workspace_versions.c if c.name not in ("content", "pk")])
            .where(workspace_versions.c.model_id == model_id)
            .order_by(workspace_versions.c.seq.desc())
        )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        if not rows:
            raise self._unknown(model_id)
        return [_version(r) for r in rows]

    def head(self, model_id: str) -> Version:
        """The newest version of ``model_id`` (raises :class:`UnknownNameError` when none is kept)."""
        return self.history(model_id)[0]

    def resolve(self, model_id: str, version: str | int | None = None) -> Version:
        """The version named by ``version``: ``None`` (the newest), a number in the history (``3``) or a unique
        prefix of at least 4 hexadecimal digits of its SHA-256.

        Raises
        ------
        UnknownNameError
            No such model, or no version (or more than one) matches.
        """
        history = self.history(model_id)
        if version is None or version == "":
            return history[0]
        text = str(version).strip().lower()
        if text.isdigit() and len(text) < 8:
            match = [v for v in history if v.seq == int(text)]
        elif len(text) >= 4 and all(c in "0123456789abcdef" for c in text):
            match = list({v.version: v for v in history if v.version.startswith(text)}.values())
        else:
            match = []
        if len(match) != 1:
            shown = ", ".join(f"{v.seq} ({v.short})" for v in history[:5])
            what = "matches more than one version" if match else "is not a version"
            raise UnknownNameError(f"{model_id}@{version} {what} of {model_id} (newest: {shown})")
        return match[0]

    def get(self, model_id: str, version: str | int | None = None) -> Model:
        """The model as kept at ``version`` (see :meth:`resolve`; default the newest).

        Raises
        ------
        UnknownNameError
            No such model or version.
        """
        v = self.resolve(model_id, version)
        q = (
            select(workspace_versions.c.content)
            .where(workspace_versions.c.model_id == model_id, workspace_versions.c.version == v.version)
            .limit(1)
        )
        with self.engine.connect() as conn:
            content = conn.execute(q).scalar_one()
        return model_from_data(json.loads(content), f"{model_id}@{v.short}")

    def restore(self, model_id: str, version: str | int, author: str, reason: str | None = None) -> Version:
        """Save an earlier version again as the newest (history keeps everything in between).

        Raises
        ------
        UnknownNameError
            No such model or version.
        """
        old = self.resolve(model_id, version)
        return self.save(
            model_id, self.get(model_id, old.version), author, reason or f"restore version {old.seq} ({old.short})"
        )

    def changes(self, model_id: str, before: str | int, after: str | int | None = None) -> list[Change]:
        """The differences between two versions (:func:`~scenarist.workspace.versions.diff`)."""
        return diff(self.get(model_id, before), self.get(model_id, after))

    def edit(self, model_id: str, change, author: str, reason: str) -> Version:
        """Apply ``change`` (a function of the model's plain data that edits it in place) to the newest version,
        validate the result as a file would be, and save it.

        Raises
        ------
        ModelError
            The edited model is not valid; nothing is saved. Problems name fields (``judgments[3].score``).
        """
        data = model_data(self.get(model_id))
        change(data)
        return self.save(model_id, model_from_data(data, model_id), author, reason)

    def set_judgment(
        self,
        model_id: str,
        source: str,
        target: str,
        *,
        score: int,
        author: str,
        reason: str,
        spread: int | None = None,
        rationale: str | None = None,
        citations: list[dict] | None = None,
        section: str | None = None,
    ) -> Version:
        """Set the judgment of one cell (``source`` and ``target`` as ``descriptor.variant``) and save a version.

        ``spread``, ``rationale``, ``citations`` and ``section`` left as ``None`` keep what the cell has; an empty
        value (``""``, ``[]``) clears it. A score of 0 with no rationale and no citations removes the judgment (an
        empty cell). Bounds are those of the file format (``metadata.scale``; see ``docs/model-format.md``).

        Raises
        ------
        ModelError
            An unknown variant, a score outside the scale, a citation of an unknown source, ...; nothing is saved.
        """

        def change(data: dict) -> None:
            judgments = data.setdefault("judgments", [])
            at = next((i for i, j in enumerate(judgments) if j["from"] == source and j["to"] == target), None)
            new = dict(judgments[at]) if at is not None else {"from": source, "to": target}
            new["score"] = score
            given = {"spread": spread, "section": section, "rationale": rationale, "citations": citations}
            for key, value in given.items():
                if value is None:
                    continue  # not given: keep what the cell has
                if value in ("", []):
                    new.pop(key, None)
                else:
                    new[key] = value
            empty = score == 0 and not new.get("rationale") and not new.get("citations")
            if at is None:
                if not empty:
                    judgments.append(new)
            elif empty:
                judgments.pop(at)
            else:
                judgments[at] = new

        return self.edit(model_id, change, author, reason)

    # -- readings ------------------------------------------------------------------------------------------

    def readings(self, model_id: str) -> list[Reading]:
        """The readings kept for ``model_id``, by name."""
        q = select(workspace_readings).where(workspace_readings.c.model_id == model_id)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q.order_by(workspace_readings.c.name))]
        return [_reading(r) for r in rows]

    def save_reading(
        self, model_id: str, name: str, overrides: dict, author: str, weight: float = 1.0, version: str | None = None
    ) -> Reading:
        """Keep (or replace) the reading ``name``: ``overrides`` maps ``(from, to)`` cells to scores.

        Raises
        ------
        ModelError
            An override names an unknown cell or a score outside the model's scale.
        OptionError
            An empty name or author, a weight that is not finite and in (0, 10^6], too many readings or overrides.
        """
        name = _check_text(name, "reading name", 200)
        author = _check_text(author, "author", MAX_AUTHOR)
        if not (isinstance(weight, (int, float)) and math.isfinite(weight) and 0 < weight <= 1e6):
            raise OptionError(f"weight must be a number in (0, 1000000], got {weight!r}")
        if len(overrides) > MAX_OVERRIDES:
            raise OptionError(f"a reading may override at most {MAX_OVERRIDES:,} cells, got {len(overrides):,}")
        v = self.resolve(model_id, version)
        base = self.get(model_id, v.version)
        # Checked as the ensemble member it becomes: unknown cells and out-of-scale scores are refused here.
        data = model_data(base)
        data["ensemble"] = [_member(name, weight, overrides)]
        model_from_data(data, f"reading {name}")
        row = {
            "model_id": model_id,
            "name": name,
            "version": v.version,
            "author": author,
            "weight": repr(float(weight)),
            "overrides": json.dumps([[f, t, int(s)] for (f, t), s in overrides.items()]),
            "created_at": _now(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    workspace_readings.delete().where(
                        workspace_readings.c.model_id == model_id, workspace_readings.c.name == name
                    )
                )
                count = conn.execute(
                    select(func.count())
                    .select_from(workspace_readings)
                    .where(workspace_readings.c.model_id == model_id)
                ).scalar_one()
                if count >= MAX_READINGS:
                    raise OptionError(f"{model_id} already keeps {MAX_READINGS} readings, the most allowed")
                conn.execute(workspace_readings.insert().values(**row))
        except SQLAlchemyError as exc:
            raise OptionError(f"cannot keep reading {name!r}: {getattr(exc, 'orig', exc)}") from None
        return _reading(row)

    def delete_reading(self, model_id: str, name: str) -> None:
        """Forget the reading ``name`` (no error when there is none)."""
        with self.engine.begin() as conn:
            conn.execute(
                workspace_readings.delete().where(
                    workspace_readings.c.model_id == model_id, workspace_readings.c.name == name
                )
            )

    def ensemble_model(self, model_id: str, version: str | None = None) -> Model:
        """The model at ``version`` with its readings as ``ensemble:`` members (the model's own judgments as the
        first member, "as stated"), ready for :func:`scenarist.ensemble`; readings made on other versions apply
        their overrides to this one.

        Raises
        ------
        OptionError
            No readings are kept for the model.
        """
        readings = self.readings(model_id)
        if not readings:
            raise OptionError(f"{model_id} has no readings; add one first")
        data = model_data(self.get(model_id, version))
        data["ensemble"] = [_member("as-stated", 1.0, {})] + [
            _member(r.name, r.weight, r.overrides) for r in readings if r.name != "as-stated"
        ]
        return model_from_data(data, model_id)

    def _unknown(self, model_id: str) -> UnknownNameError:
        kept = ", ".join(self.model_ids()) or "none"
        return UnknownNameError(f"no model {model_id!r} in the workspace (kept: {kept})")


def _member(name: str, weight: float, overrides: dict) -> dict:
    return {
        "id": name,
        "weight": float(weight),
        "judgments": [{"from": f, "to": t, "score": int(s)} for (f, t), s in overrides.items()],
    }


def _version(row: dict) -> Version:
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=dt.UTC)
    return Version(row["model_id"], row["seq"], row["version"], row["parent"], row["author"], row["reason"], created)


def _reading(row: dict) -> Reading:
    created = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    overrides = {(f, t): int(s) for f, t, s in json.loads(row["overrides"])}
    return Reading(
        row["model_id"], row["name"], row["version"], row["author"], float(row["weight"]), overrides, created
    )


def load_stored(ref: str, db: str | os.PathLike | None = None) -> Model:
    """The model a reference ``ID[@VERSION]`` names in the workspace of store ``db`` (what ``--db URL --model``
    reads on the command line): the newest version, or the one given by its number or a prefix of its SHA-256.

    A SQLite store that does not exist is an error, never created by reading.

    Raises
    ------
    StoreError
        No such store, or it cannot be opened.
    UnknownNameError
        No such model or version in it.
    """
    from ..evidence.store import EvidenceStore

    model_id, version = parse_model_ref(ref)
    with Workspace(EvidenceStore(db, create=False)) as ws:
        return ws.get(model_id, version)


def open_workspace(db: str | os.PathLike | None = None) -> Workspace:
    """Open the workspace in the store named by ``db`` / ``$SCENARIST_DB`` / the default file."""
    return Workspace(db)


__all__ = ["Reading", "Version", "Workspace", "load_stored", "open_workspace", "parse_model_ref"]
