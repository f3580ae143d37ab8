"""The evidence store: a SQL database (SQLite file by default, any SQLAlchemy URL) holding evidence items,
contradicted claims, the import log and the forecast ledger.

Opening a store runs the Alembic migrations up to the newest schema, so there is nothing to set up. Every write is
one transaction: an import either adds all its new items and claims or, on any problem, nothing. Importing the same
file again adds nothing: items and claims are keyed by (model id, item id) and compared by the SHA-256 digest of
their canonical JSON content; an item whose id exists with different content is a conflict, refused unless the
caller asks to replace it.

Where the database is: ``--db`` (a SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``, or a plain file path
for SQLite), else the ``SCENARIST_DB`` environment variable, else ``scenarist.db`` in the current directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import ScenaristError
from .items import ContradictedClaim, EvidenceFile, EvidenceItem
from .tables import contradicted_claims, evidence_items, imports

#: Environment variable naming the store when ``--db`` is not given.
ENV_VAR = "SCENARIST_DB"
#: File used when neither ``--db`` nor ``SCENARIST_DB`` is given (relative to the current directory).
DEFAULT_FILE = "scenarist.db"


class StoreError(ScenaristError):
    """The store cannot be opened or refuses a write (bad URL, server down, not a Scenarist store, conflicting
    content)."""


#: The first 16 bytes of every SQLite 3 database file.
SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and for in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except ArgumentError:
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or u.database.startswith("file:"):
        return None
    return Path(u.database)


def check_sqlite_file(path: Path, shown: str) -> None:
    """Refuse a path that cannot hold a SQLite store before SQLAlchemy touches it.

    A missing file is fine (it is created) when its directory exists; an existing path must be a regular file
    that is empty or starts with the SQLite header.

    Raises
    ------
    StoreError
        ``shown: not a Scenarist store`` (a directory, a device, a file of another format), or the directory
        does not exist.
    """
    if not path.exists():
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise StoreError(f"{shown}: cannot create the store: directory {parent} does not exist")
        return
    if path.is_dir():
        raise StoreError(f"{shown}: is a directory, not a Scenarist store")
    if not path.is_file():
        raise StoreError(f"{shown}: not a regular file, not a Scenarist store")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"{shown}: cannot read the store: {exc.strerror or exc}") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{shown}: not a Scenarist store (not a SQLite database)")


def resolve_db_url(db: str | os.PathLike | None = None) -> str:
    """The SQLAlchemy URL of the store: ``db``, else ``$SCENARIST_DB``, else ``sqlite:///scenarist.db``.

    A value without ``://`` is taken as a SQLite file path. Raises :class:`StoreError` for an empty ``db``.
    """
    if db is not None and not str(db).strip():
        raise StoreError("--db: the store name is empty; give a SQLite file path or a database URL")
    value = str(db) if db is not None else os.environ.get(ENV_VAR) or DEFAULT_FILE
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def canonical_json(data: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces): what digests are computed over."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(text: str) -> str:
    """SHA-256 hex digest of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    Attributes
    ----------
    model_id : str
    added, replaced, unchanged : tuple of str
        Item ids new to the store, overwritten (only with ``replace=True``), and already present with equal content.
    claims_added, claims_replaced, claims_unchanged : tuple of str
        The same for contradicted claims.
    db : str or None
        The store, as shown to the user (a SQLite file's path; a URL without its password).
    """

    model_id: str
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    unchanged: tuple[str, ...]
    claims_added: tuple[str, ...] = ()
    claims_replaced: tuple[str, ...] = ()
    claims_unchanged: tuple[str, ...] = ()
    db: str | None = None

    def to_dict(self) -> dict:
        """JSON-safe dict with the id lists and their counts."""
        out: dict[str, Any] = {"model": self.model_id}
        for k in ("added", "replaced", "unchanged", "claims_added", "claims_replaced", "claims_unchanged"):
            out[k] = list(getattr(self, k))
        out["counts"] = {k: len(getattr(self, k)) for k in ("added", "replaced", "unchanged")}
        if self.db is not None:
            out["db"] = self.db
        return out

    def to_frame(self):
        """pandas DataFrame: one row per item or claim with what happened to it."""
        import pandas as pd

        rows = [(kind, "item", i) for kind in ("added", "replaced", "unchanged") for i in getattr(self, kind)]
        rows += [
            (kind[7:], "claim", i)
            for kind in ("claims_added", "claims_replaced", "claims_unchanged")
            for i in getattr(self, kind)
        ]
        return pd.DataFrame(rows, columns=["action", "type", "id"])


def _item_row(model_id: str, item: EvidenceItem, now: dt.datetime) -> dict:
    content = canonical_json(item.model_dump(mode="json"))
    return {
        "model_id": model_id,
        "item_id": item.id,
        "date": item.date,
        "title": item.title,
        "status": item.status,
        "reliability": item.grade.reliability,
        "credibility": int(item.grade.credibility),
        "cluster": item.cluster,
        "kind": item.bearing.kind,
        "descriptor": getattr(item.bearing, "descriptor", None),
        "digest": digest(content),
        "content": content,
        "imported_at": now,
    }


def _claim_row(model_id: str, claim: ContradictedClaim, now: dt.datetime) -> dict:
    content = canonical_json(claim.model_dump(mode="json"))
    return {
        "model_id": model_id,
        "claim_id": claim.id,
        "digest": digest(content),
        "content": content,
        "imported_at": now,
    }


class EvidenceStore:
    """An open evidence store (migrated to the newest schema on opening).

    Parameters
    ----------
    db : str or path, optional
        SQLAlchemy URL or SQLite file path; see :func:`resolve_db_url`.
    migrate : bool
        Run the Alembic migrations on opening (default). Turn off only to inspect an old store as it is.

    Raises
    ------
    StoreError
        The URL is malformed, the driver is missing, the server cannot be reached or the file cannot be opened.

    Examples
    --------
    >>> store = EvidenceStore("sqlite://")            # an in-memory store
    >>> store.model_ids()
    []
    """

    def __init__(self, db: str | os.PathLike | None = None, migrate: bool = True):
        self.url = resolve_db_url(db)
        self.file = sqlite_file(self.url)
        if self.file is not None:
            check_sqlite_file(self.file, self._shown_url())
        try:
            if self.url.startswith("sqlite") and (
                self.url in ("sqlite://", "sqlite:///:memory:") or ":memory:" in self.url
            ):
                self.engine: Engine = create_engine(
                    self.url, poolclass=StaticPool, connect_args={"check_same_thread": False}
                )
            else:
                self.engine = create_engine(self.url)
        except (ArgumentError, ImportError, SQLAlchemyError) as exc:
            raise StoreError(f"{self._shown_url()}: cannot use this database URL: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.migrate()

    def _shown_url(self) -> str:
        # A SQLite file is shown as its path (what the user typed); a URL never with its password.
        file = getattr(self, "file", None)
        if file is not None:
            return str(file)
        try:
            from sqlalchemy.engine import make_url

            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:
            return self.url

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("scenarist.evidence") / "migrations"))
        from alembic.util import CommandError
        from sqlalchemy import inspect

        try:
            with self.engine.begin() as conn:
                if self.file is not None:
                    tables = set(inspect(conn).get_table_names())
                    if tables and "alembic_version" not in tables:
                        # A SQLite database of some other program: never add our tables to it.
                        raise StoreError(
                            f"{self._shown_url()}: not a Scenarist store (a SQLite database with "
                            f"other tables: {', '.join(sorted(tables)[:5])})"
                        )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except CommandError as exc:
            raise StoreError(
                f"{self._shown_url()}: not a Scenarist store, or one written by a newer Scenarist ({exc})"
            ) from None
        except OperationalError as exc:
            raise StoreError(f"{self._shown_url()}: cannot open the store: {exc.orig}") from None
        except DatabaseError as exc:
            if self.file is not None:
                raise StoreError(f"{self._shown_url()}: not a Scenarist store ({exc.orig})") from None
            raise StoreError(f"{self._shown_url()}: cannot open the store: {exc.orig}") from None

    def schema_revision(self) -> str | None:
        """The Alembic revision the store is at (None for an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- evidence --------------------------------------------------------------------------------------------

    def import_evidence(
        self, ev: EvidenceFile, model_id: str | None = None, replace: bool = False, origin: str = ""
    ) -> ImportResult:
        """Add a checked evidence file's items and contradicted claims, in one transaction.

        Parameters
        ----------
        ev : EvidenceFile
            Already checked against its model (:func:`~.files.load_evidence` with the model).
        model_id : str, optional
            The model the items bear on; default ``ev.model``.
        replace : bool
            Overwrite items and claims whose id exists with different content (default: refuse).
        origin : str
            Where the file came from, for the import log.

        Returns
        -------
        ImportResult

        Raises
        ------
        StoreError
            No model id; an id already stored with different content (unless ``replace``); a database failure.
            In every case nothing is written.
        """
        model_id = model_id or ev.model
        if not model_id:
            raise StoreError("the evidence names no model (give the file a 'model:' key or pass a model)")
        if ev.model is not None and ev.model != model_id:
            raise StoreError(f"the evidence is written for model {ev.model!r}, not {model_id!r}")
        now = _now()
        try:
            with self.engine.begin() as conn:
                items = self._upsert(
                    conn,
                    evidence_items,
                    "item_id",
                    model_id,
                    [_item_row(model_id, it, now) for it in ev.items],
                    replace,
                )
                claims = self._upsert(
                    conn,
                    contradicted_claims,
                    "claim_id",
                    model_id,
                    [_claim_row(model_id, c, now) for c in ev.contradicted_claims],
                    replace,
                )
                conn.execute(
                    imports.insert().values(
                        model_id=model_id,
                        origin=origin or "<api>",
                        added=len(items[0]),
                        replaced=len(items[1]),
                        unchanged=len(items[2]),
                        imported_at=now,
                    )
                )
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{self._shown_url()}: import failed, nothing written: {getattr(exc, 'orig', exc)}"
            ) from None
        return ImportResult(model_id, *items, *claims)

    @staticmethod
    def _upsert(conn: Connection, table, key: str, model_id: str, rows: list[dict], replace: bool):
        existing = {
            r[0]: (r[1], r[2])
            for r in conn.execute(select(table.c[key], table.c.digest, table.c.pk).where(table.c.model_id == model_id))
        }
        added, replaced, unchanged, conflicts = [], [], [], []
        for row in rows:
            old = existing.get(row[key])
            if old is None:
                added.append(row)
            elif old[0] == row["digest"]:
                unchanged.append(row[key])
            elif replace:
                replaced.append((old[1], row))
            else:
                conflicts.append(row[key])
        if conflicts:
            shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
            what = "item" if key == "item_id" else "claim"
            raise StoreError(
                f"{len(conflicts)} {what}(s) already stored for model {model_id!r} with different content: {shown}; "
                "nothing was imported (use --replace to overwrite them)"
            )
        if added:
            conn.execute(table.insert(), added)
        for pk, row in replaced:
            conn.execute(table.update().where(table.c.pk == pk).values(**row))
        return tuple(r[key] for r in added), tuple(r[key] for _, r in replaced), tuple(unchanged)

    def items(
        self,
        model_id: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[EvidenceItem]:
        """Stored items (optionally of one model, within [start, end]) in (date, id) order."""
        q = select(evidence_items.c.content)
        if model_id is not None:
            q = q.where(evidence_items.c.model_id == model_id)
        if start is not None:
            q = q.where(evidence_items.c.date >= start)
        if end is not None:
            q = q.where(evidence_items.c.date <= end)
        q = q.order_by(evidence_items.c.date, evidence_items.c.item_id)
        with self.engine.connect() as conn:
            return [EvidenceItem.model_validate(json.loads(r[0])) for r in conn.execute(q)]

    def claims(self, model_id: str | None = None) -> list[ContradictedClaim]:
        """Stored contradicted claims (optionally of one model) in the order imported: a file's own order, so that
        ``track --db`` and ``track -e`` list them alike and ``evidence export`` gives the file back."""
        q = select(contradicted_claims.c.content).order_by(contradicted_claims.c.pk)
        if model_id is not None:
            q = q.where(contradicted_claims.c.model_id == model_id)
        with self.engine.connect() as conn:
            return [ContradictedClaim.model_validate(json.loads(r[0])) for r in conn.execute(q)]

    def evidence_file(self, model_id: str) -> EvidenceFile:
        """Everything stored for one model as an :class:`EvidenceFile` (what ``evidence export`` writes)."""
        return EvidenceFile(
            model=model_id, items=tuple(self.items(model_id)), contradicted_claims=tuple(self.claims(model_id))
        )

    def model_ids(self) -> list[str]:
        """Ids of the models that have stored items or claims, sorted."""
        with self.engine.connect() as conn:
            a = {r[0] for r in conn.execute(select(evidence_items.c.model_id).distinct())}
            b = {r[0] for r in conn.execute(select(contradicted_claims.c.model_id).distinct())}
        return sorted(a | b)

    def count(self, model_id: str | None = None) -> int:
        """Number of stored items (of one model, or all)."""
        q = select(func.count()).select_from(evidence_items)
        if model_id is not None:
            q = q.where(evidence_items.c.model_id == model_id)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_store(db: str | os.PathLike | None = None) -> EvidenceStore:
    """Open (and migrate) the store named by ``db`` / ``$SCENARIST_DB`` / the default file."""
    return EvidenceStore(db)


__all__ = ["DEFAULT_FILE", "ENV_VAR", "EvidenceStore", "ImportResult", "StoreError", "open_store", "resolve_db_url"]
