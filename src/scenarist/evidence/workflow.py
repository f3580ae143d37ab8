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
from .store import EvidenceStore, ImportResult, StoreError


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
        tree = read_yaml(path, what="YAML evidence file")
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
        The store refuses the import (changed items without ``replace_changed``, a damaged store). The store is
        created (and migrated) if it does not exist; identical imports running at once are safe (one adds, the
        others find the items unchanged).
    """
    m = model_for(file, model)
    ev = load_evidence(file, m)
    with EvidenceStore(db) as store:
        result = store.import_evidence(ev, m.metadata.id, replace=replace_changed, origin=str(file))
        return replace(result, db=store.shown)


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
    StoreError
        No such store (nothing is created), not a store, or a damaged one (the message names the table or row).
    """
    with EvidenceStore(db, create=False) as store:
        return store.evidence_file(store_model_id(store, model_id))


def evidence_source(evidence: str | os.PathLike | None, db: str | None) -> Path | None:
    """The file a command reads its evidence from: the evidence file, or the SQLite file of the store (``None`` for
    a server store). Faces pass it to the output checks, so that no output overwrites it.

    Raises
    ------
    StoreError
        Without ``evidence``: the store is a SQLite file that does not exist (reading commands never create one).
    """
    if evidence is not None:
        from .files import resolve_evidence_path

        return resolve_evidence_path(evidence)
    from .store import no_such_store, resolve_db_url, sqlite_file

    file = sqlite_file(resolve_db_url(db))
    if file is not None and not file.exists():
        raise no_such_store(str(file))
    return file


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
    StoreError
        Reading the store: no such store (nothing is created), not a store, or a damaged one.
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
    with EvidenceStore(db, create=False) as store:
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


#: Problems :func:`check_store` lists per table before it only counts the rest.
MAX_PROBLEMS_PER_TABLE = 20


@dataclass(frozen=True, repr=False)
class StoreCheck(Result):
    """What :func:`check_store` found in a store.

    Attributes
    ----------
    db : str
        The store as shown to the user (a SQLite file's path; a URL without its password).
    dialect : str
        ``sqlite`` or ``postgresql`` (or another SQLAlchemy dialect).
    integrity : str
        ``ok``, what SQLite's ``PRAGMA integrity_check`` (or ``quick_check``) reported, or ``not applicable`` on a
        server database.
    revision, head : str or None
        The schema revision the store is at, and the newest one this Scenarist knows.
    revision_status : str
        ``current``, ``behind`` (an older revision: any command that opens the store upgrades it), ``unknown``
        (a revision this Scenarist does not know: written by a newer one) or ``missing`` (no alembic_version
        table).
    rows : tuple of (table, count)
        Rows read in every table that could be read.
    problems : tuple of str
        One line per problem: the table, or the row (primary key), and what is wrong. Empty when the store is
        sound.
    """

    db: str
    dialect: str
    integrity: str
    revision: str | None
    head: str | None
    revision_status: str
    rows: tuple[tuple[str, int], ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def _summary(self) -> dict:
        return {"db": self.db, "ok": self.ok, "problems": len(self.problems), "revision": self.revision}

    def to_dict(self) -> dict:
        """What ``scenarist store check --json`` prints: ``db``, ``ok``, ``dialect``, ``integrity``, ``revision``,
        ``head``, ``revision_status``, ``rows`` (table → count) and ``problems`` (list of str)."""
        return {
            "db": self.db,
            "ok": self.ok,
            "dialect": self.dialect,
            "integrity": self.integrity,
            "revision": self.revision,
            "head": self.head,
            "revision_status": self.revision_status,
            "rows": dict(self.rows),
            "problems": list(self.problems),
        }

    def to_frame(self):
        """pandas DataFrame, one row per problem (``problem``); empty when the store is sound."""
        import pandas as pd

        return pd.DataFrame({"problem": list(self.problems)}, columns=["problem"])


def check_store(db: str | os.PathLike | None = None, quick: bool = False) -> StoreCheck:
    """Check a store's integrity without changing it (no migration, no file created).

    Checks, in order: the SQLite file itself (``PRAGMA integrity_check``, or the faster ``quick_check`` with
    ``quick``); the schema revision against the newest this Scenarist knows; every expected table and column;
    every row of the evidence and ledger tables decodes (JSON, dates within ``checks.EARLIEST_DATE``..
    ``LATEST_DATE``, NOT NULL columns filled, ids and dates agreeing with the content, content digests matching
    the content, resolutions pointing at a forecast and one of its variants). At most
    :data:`MAX_PROBLEMS_PER_TABLE` problems are listed per table, then a count of the rest.

    Returns
    -------
    StoreCheck
        ``ok`` is True when nothing is wrong; ``problems`` has one line per problem otherwise.

    Raises
    ------
    StoreError
        The store cannot be checked at all: no such store, not a SQLite file, another program's database, a bad
        URL or an unreachable server.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from ..forecasts.ledger import decode_forecast, decode_resolution
    from .store import (
        RowDamage,
        decode_claim,
        decode_import,
        decode_item,
        first_line,
        known_revisions,
        required,
        schema_head,
    )
    from .tables import metadata

    problems: list[str] = []
    rows: dict[str, int] = {}
    with EvidenceStore(db, migrate=False, create=False) as store:
        dialect = store.engine.dialect.name
        integrity, revision, status = "not applicable", None, "missing"
        head = schema_head()
        if dialect == "sqlite":
            try:
                with store.engine.connect() as conn:
                    found = [r[0] for r in conn.exec_driver_sql(f"PRAGMA {'quick' if quick else 'integrity'}_check")]
            except SQLAlchemyError as exc:
                found = [f"the check itself failed: {first_line(exc)}"]
            bad = [str(x) for x in found if x != "ok"]
            integrity = "ok" if not bad else f"{len(bad)} problem(s)"
            problems += [f"SQLite integrity check: {first_line(x)}" for x in bad[:MAX_PROBLEMS_PER_TABLE]]
            if len(bad) > MAX_PROBLEMS_PER_TABLE:
                problems.append(f"SQLite integrity check: and {len(bad) - MAX_PROBLEMS_PER_TABLE} more")
        try:
            with store.engine.connect() as conn:
                inspector = inspect(conn)
                tables = set(inspector.get_table_names())
                columns = {t: {c["name"] for c in inspector.get_columns(t)} for t in tables}
        except SQLAlchemyError as exc:
            problems.append(f"the list of tables cannot be read: {first_line(exc)}")
            return StoreCheck(store.shown, dialect, integrity, None, head, "unknown", (), tuple(problems))
        expected = {t.name for t in metadata.sorted_tables}
        if "alembic_version" in tables:
            try:
                with store.engine.connect() as conn:
                    versions = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
            except SQLAlchemyError as exc:
                versions = None
                status = "unknown"
                problems.append(f"table alembic_version cannot be read: {first_line(exc)}")
            if versions is None:
                pass
            elif len(versions) != 1:
                status = "unknown"
                problems.append(f"table alembic_version holds {len(versions)} revisions, not one")
            else:
                revision = versions[0]
                if revision == head:
                    status = "current"
                elif revision in known_revisions():
                    status = "behind"
                    problems.append(
                        f"schema revision {revision} is behind the newest, {head}: opening the store with any "
                        "command (such as `scenarist evidence list`) upgrades it"
                    )
                else:
                    status = "unknown"
                    problems.append(
                        f"schema revision {revision!r} is not one this Scenarist knows (newest: {head}); the store "
                        "was written by a newer Scenarist: upgrade Scenarist"
                    )
        elif tables & expected:
            problems.append("table alembic_version is missing: the schema revision is unknown")
        else:
            others = ", ".join(sorted(tables)[:5]) or "none"
            problems.append(f"not a Scenarist store: none of its tables is there (tables: {others})")
        for table in metadata.sorted_tables:
            if table.name not in tables:
                if status != "behind":  # an older revision lacks the newer tables; the upgrade adds them
                    problems.append(f"table {table.name} is missing")
                continue
            missing = [c.name for c in table.columns if c.name not in columns[table.name]]
            if missing:
                problems.append(f"table {table.name}: column(s) {', '.join(missing)} missing")
        # rows: every table present, with the columns it has
        forecasts: dict[int, tuple[str, ...] | None] = {}  # pk → variants (None: the row is damaged)
        decoders = {
            "evidence_items": lambda r: decode_item(r, strict=True),
            "contradicted_claims": lambda r: decode_claim(r, strict=True),
            "imports": decode_import,
        }
        for table in metadata.sorted_tables:
            if table.name not in tables or table.name == "resolutions":
                continue
            present = columns[table.name]

            def decode(r, name=table.name, t=table, present=present):
                if name == "forecasts":
                    forecasts[r["pk"]] = None
                    f = decode_forecast(r, strict=True)
                    forecasts[r["pk"]] = f.variants
                    return f
                if name in decoders and not (
                    name in ("evidence_items", "contradicted_claims") and "content" not in present
                ):
                    return decoders[name](r)
                required(r, t)
                return None

            _check_rows(store, table, present, decode, problems, rows)
        if "resolutions" in tables:
            res = metadata.tables["resolutions"]
            known_forecast = "forecasts" in tables

            def decode_res(r):
                variants = forecasts.get(r.get("forecast_pk"))
                if known_forecast and r.get("forecast_pk") is not None and r["forecast_pk"] not in forecasts:
                    raise RowDamage(f"forecast_pk {r['forecast_pk']} names no forecast")
                return decode_resolution(r, variants, strict=True)

            _check_rows(store, res, columns["resolutions"], decode_res, problems, rows)
        if "ledger_records" in tables and "forecasts" in tables:
            # The forecast ledger's hash chain, as `scenarist forecast verify` checks it.
            from ..forecasts.chain import verify

            try:
                chain = verify(store)
                problems += [f"forecast ledger: {p}" for p in chain.problems[:MAX_PROBLEMS_PER_TABLE]]
            except StoreError as exc:
                problems.append(str(exc).removeprefix(f"{store.shown}: "))
    return StoreCheck(store.shown, dialect, integrity, revision, head, status, tuple(rows.items()), tuple(problems))


def _check_rows(store: EvidenceStore, table, present: set[str], decode, problems: list[str], counts: dict) -> None:
    """Read every row of ``table`` (the ``present`` columns), decode each, and add one line per bad row."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from .store import RowDamage, first_line, raw_columns, row_key

    cols = raw_columns(table, present)
    if not cols:
        return
    q = select(*cols)
    if "pk" in present:
        q = q.order_by(table.c.pk)
    bad = n = 0
    try:
        with store.engine.connect() as conn:
            for r in conn.execute(q).mappings():
                n += 1
                try:
                    decode(r)
                except RowDamage as exc:
                    bad += 1
                    if bad <= MAX_PROBLEMS_PER_TABLE:
                        problems.append(f"table {table.name}, row {row_key(table.name, r)}: {exc}")
    except SQLAlchemyError as exc:
        problems.append(f"table {table.name}: rows cannot be read after {n}: {first_line(exc)}")
    if bad > MAX_PROBLEMS_PER_TABLE:
        problems.append(f"table {table.name}: and {bad - MAX_PROBLEMS_PER_TABLE} more bad row(s)")
    counts[table.name] = n


__all__ = [
    "MAX_PROBLEMS_PER_TABLE",
    "EvidenceCheck",
    "EvidenceListing",
    "StoreCheck",
    "check_file",
    "check_store",
    "evidence_source",
    "import_file",
    "list_items",
    "model_for",
    "packaged_model",
    "store_model_id",
    "stored_evidence",
]
