"""What a user does with evidence, one function each: check a file against its model, import it into the store,
read the stored evidence back, and list items with their grade, weight and bearing.

The ``scenarist evidence`` commands call these and only present the results. ``db`` is a SQLAlchemy URL or a
SQLite file path; ``None`` means ``$SCENARIST_DB``, else ``./scenarist.db``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import OptionError, ScenaristError, UnknownNameError
from ..model import Model
from ..results import Result
from .files import load_evidence
from .items import EvidenceFile
from .store import EvidenceStore, ImportResult


def packaged_model(model_id: str) -> Model | None:
    """The packaged model whose ``metadata.id`` is ``model_id`` (``None`` when none is)."""
    from ..io.paths import packaged_models
    from ..io.yaml_model import load_model

    for path in packaged_models().values():
        try:
            m = load_model(path)
        except ScenaristError:
            continue
        if m.metadata.id == model_id:
            return m
    return None


def model_for(file: str | os.PathLike | None, model: Any = None) -> Model:
    """The model to read an evidence file against: ``model`` when given (a Model, path or packaged name), else the
    packaged model whose id the file's ``model:`` key names, else the flagship.

    Raises
    ------
    OptionError
        The file names a model that is not packaged (give it explicitly).
    """
    from ..io.yaml_text import read_yaml
    from ..loading import load

    if model is not None or file is None:
        return load(model)
    path = Path(file)
    wanted = None
    if path.suffix.lower() in (".yaml", ".yml") and path.exists():
        tree = read_yaml(path)
        if isinstance(tree, dict):
            wanted = tree.get("model")
    if wanted:
        m = packaged_model(str(wanted))
        if m is not None:
            return m
        raise OptionError(f"{file}: names model {wanted!r}, which is not packaged; give the model file with --model")
    return load(None)


@dataclass(frozen=True, repr=False)
class EvidenceCheck(Result):
    """An evidence file that passed every check against its model.

    Attributes
    ----------
    file : str
    model : Model
    evidence : EvidenceFile
    """

    file: str
    model: Model
    evidence: EvidenceFile

    @property
    def background(self) -> int:
        """Items dated on or before the model's as-of date (stored, never replayed)."""
        as_of = self.model.metadata.as_of
        return sum(1 for it in self.evidence.items if as_of is not None and it.date <= as_of)

    def _summary(self) -> dict:
        return {"file": self.file, "model": self.model.metadata.id, "items": len(self.evidence.items)}

    def to_dict(self) -> dict:
        """What ``scenarist evidence validate --json`` prints: file, model, ok, items, background,
        contradicted_claims (counts)."""
        return {
            "file": self.file,
            "model": self.model.metadata.id,
            "ok": True,
            "items": len(self.evidence.items),
            "background": self.background,
            "contradicted_claims": len(self.evidence.contradicted_claims),
        }

    def to_frame(self):
        """pandas DataFrame of the items (see :func:`list_items`)."""
        return _listing(self.model.metadata.id, self.model.metadata.as_of, self.evidence.items).to_frame()


def check_file(file: str | os.PathLike, model: Any = None) -> EvidenceCheck:
    """Read an evidence file and check it against its model (see :func:`model_for`).

    Raises
    ------
    InputFileError
        Missing or malformed file.
    ModelError
        Every problem, each with file, line and field.
    """
    m = model_for(file, model)
    return EvidenceCheck(str(file), m, load_evidence(file, m))


def import_file(
    file: str | os.PathLike, model: Any = None, db: str | None = None, replace_changed: bool = False
) -> ImportResult:
    """Check an evidence file and add it to the store in one transaction (all or nothing).

    Importing the same file again adds nothing; an item stored with different content is refused (nothing written)
    unless ``replace_changed``. The result's ``db`` names the store.

    Raises
    ------
    ModelError, InputFileError
        The file does not pass :func:`check_file`.
    StoreError
        The store refuses the import (changed items without ``replace_changed``, a damaged store).
    """
    m = model_for(file, model)
    ev = load_evidence(file, m)
    with EvidenceStore(db) as store:
        result = store.import_evidence(ev, m.metadata.id, replace=replace_changed, origin=str(file))
        return replace(result, db=store._shown_url())


def store_model_id(store: EvidenceStore, model_id: str | None) -> str:
    """The model whose stored evidence to use: ``model_id`` if the store holds evidence for it, else the only one.

    Raises
    ------
    OptionError
        An empty store, or several models and none chosen.
    UnknownNameError
        An id the store does not hold (the message lists those it does).
    """
    ids = store.model_ids()
    if not ids:
        raise OptionError(f"{store._shown_url()}: the store holds no evidence")
    if model_id is not None:
        if model_id not in ids:
            raise UnknownNameError(
                f"--model-id {model_id!r}: {store._shown_url()} holds no evidence for it (known: {', '.join(ids)})"
            )
        return model_id
    if len(ids) == 1:
        return ids[0]
    raise OptionError(f"the store holds evidence for several models ({', '.join(ids)}); choose one with --model-id")


def stored_evidence(db: str | None = None, model_id: str | None = None) -> EvidenceFile:
    """The stored evidence of one model as an :class:`EvidenceFile` (items and contradicted claims), ready to save
    with :func:`~scenarist.evidence.save_evidence`.

    Raises
    ------
    OptionError, UnknownNameError
        See :func:`store_model_id`.
    """
    with EvidenceStore(db) as store:
        return store.evidence_file(store_model_id(store, model_id))


def evidence_source(evidence: str | os.PathLike | None, db: str | None) -> Path | None:
    """The file a command reads its evidence from: the evidence file, or the SQLite file of the store (``None`` for
    a server store). Faces pass it to the output checks, so that no output overwrites it."""
    if evidence is not None:
        from .files import resolve_evidence_path

        return resolve_evidence_path(evidence)
    from .store import resolve_db_url, sqlite_file

    return sqlite_file(resolve_db_url(db))


@dataclass(frozen=True, repr=False)
class EvidenceListing(Result):
    """Evidence items of one model with what the replay makes of them.

    Attributes
    ----------
    model_id : str
    as_of : date or None
        The model's as-of date (items on or before it are background).
    rows : tuple of dict
        One per item, by date then id: ``id``, ``date`` (ISO), ``title``, ``grade``, ``weight`` (the Admiralty
        tempering weight in [0, 1]), ``status``, ``kind``, ``target``, ``cluster``, ``background`` (bool or None).
    """

    model_id: str
    as_of: dt.date | None
    rows: tuple

    def _summary(self) -> dict:
        return {"model": self.model_id, "items": len(self.rows)}

    def to_dict(self) -> dict:
        """What ``scenarist evidence list --json`` prints: ``{"model", "as_of", "items": [row, ...]}``."""
        return {
            "model": self.model_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "items": [dict(r) for r in self.rows],
        }

    def to_frame(self):
        """pandas DataFrame, one row per item."""
        import pandas as pd

        return pd.DataFrame(
            list(self.rows),
            columns=["id", "date", "title", "grade", "weight", "status", "kind", "target", "cluster", "background"],
        )


def _listing(
    model_id: str, as_of: dt.date | None, items, start: dt.date | None = None, end: dt.date | None = None
) -> EvidenceListing:
    from .bayes import item_weight

    rows = []
    chosen = [it for it in items if (start is None or it.date >= start) and (end is None or it.date <= end)]
    for it in sorted(chosen, key=lambda it: (it.date, it.id)):
        b = it.bearing
        rows.append(
            {
                "id": it.id,
                "date": it.date.isoformat(),
                "title": it.title,
                "grade": str(it.grade),
                "weight": item_weight(it),
                "status": it.status,
                "kind": b.kind,
                "target": getattr(b, "descriptor", None) or "(outcome)",
                "cluster": it.cluster,
                "background": None if as_of is None else it.date <= as_of,
            }
        )
    return EvidenceListing(model_id, as_of, tuple(rows))


def list_items(
    model: Any = None,
    evidence: str | os.PathLike | None = None,
    db: str | None = None,
    model_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> EvidenceListing:
    """List evidence items (from the store, or from the file ``evidence``) dated in [start, end].

    Parameters
    ----------
    model : Model, path or packaged name, optional
        The model to read them against (its as-of date marks background items).
    evidence : path or packaged evidence name, optional
        Read this file instead of the store; not with ``db``.
    model_id : str, optional
        Whose stored evidence (default: the store's only model).

    Raises
    ------
    OptionError
        ``evidence`` with ``db``; ``model_id`` disagreeing with ``model``; see :func:`store_model_id`.
    """
    from ..loading import load

    if evidence is not None:
        if db is not None:
            raise OptionError("give --evidence or --db, not both")
        m = model_for(evidence, model)
        if model_id is not None and model_id != m.metadata.id:
            raise OptionError(
                f"--model-id {model_id!r}: the evidence file is read for model {m.metadata.id!r}; "
                "--model-id selects evidence in the store (give --model to check the file against "
                "another model)"
            )
        items = list(load_evidence(evidence, m).items)
        return _listing(m.metadata.id, m.metadata.as_of, items, start, end)
    with EvidenceStore(db) as store:
        if model is not None:
            m = load(model)
            as_of, mid = m.metadata.as_of, m.metadata.id
            if model_id is not None and model_id != mid:
                raise OptionError(f"--model-id {model_id!r} and --model {model} (id {mid!r}) disagree; give one")
        else:
            mid = store_model_id(store, model_id)
            packaged = packaged_model(mid)
            as_of = packaged.metadata.as_of if packaged is not None else None
        items = store.items(mid)
    return _listing(mid, as_of, items, start, end)


__all__ = [
    "EvidenceCheck",
    "EvidenceListing",
    "check_file",
    "evidence_source",
    "import_file",
    "list_items",
    "model_for",
    "packaged_model",
    "store_model_id",
    "stored_evidence",
]
