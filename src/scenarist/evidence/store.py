"""The evidence store: a SQL database (SQLite file by default, any SQLAlchemy URL) holding evidence items,
contradicted claims, the import log and the forecast ledger.

Opening a store for writing runs the Alembic migrations up to the newest schema, so there is nothing to set up;
opening one for reading (``create=False``) refuses a store that does not exist instead of creating it. Every write
is one transaction: an import either adds all its new items and claims or, on any problem, nothing. Importing the
same file again adds nothing: items and claims are keyed by (model id, item id) and compared by the SHA-256 digest
of their canonical JSON content; an item whose id exists with different content is a conflict, refused unless the
caller asks to replace it.

Concurrency: the first migration of a store runs under a lock (an exclusive ``flock`` on a lock file beside a
SQLite file, removed afterwards; ``pg_advisory_xact_lock`` on PostgreSQL), so that processes opening a new store at
once create it once. Writes on SQLite take the write lock up front (``BEGIN IMMEDIATE``), and inserts do nothing on
a conflicting key and then compare digests, so that identical imports at once are one import and a no-op, and
different ones are a conflict.

Damage: a row that cannot be read back (text that is not JSON, a date that is not a date, an empty required column)
and a database that cannot be read (a missing table or column, a corrupt SQLite page) raise :class:`StoreError`
with one line naming the store and the table or row; :func:`scenarist.evidence.check_store` lists every problem.

Where the database is: ``--db`` (a SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``, or a plain file path
for SQLite), else the ``SCENARIST_DB`` environment variable, else ``scenarist.db`` in the current directory.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import String, create_engine, event, func, select, text, type_coerce
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import ScenaristError
from .items import ContradictedClaim, EvidenceFile, EvidenceItem
from .tables import contradicted_claims, evidence_items, imports, metadata

#: Environment variable naming the store when ``--db`` is not given.
ENV_VAR = "SCENARIST_DB"
#: File used when neither ``--db`` nor ``SCENARIST_DB`` is given (relative to the current directory).
DEFAULT_FILE = "scenarist.db"
#: Key of the PostgreSQL advisory lock held while a store is migrated (any constant 64-bit number will do; this
#: one is the first 8 bytes of SHA-256("scenarist.evidence.migrate") as a signed integer).
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"scenarist.evidence.migrate").digest()[:8], "big", signed=True)
#: Seconds a process waits for another one to finish creating or upgrading a SQLite store.
LOCK_TIMEOUT = 120.0
#: Seconds SQLite waits for another connection's write lock before giving up ("database is locked").
BUSY_TIMEOUT = 60.0
#: Appended to every damage message: where to see all of it.
CHECK_HINT = "; `scenarist store check` lists every problem"


class StoreError(ScenaristError):
    """The store cannot be opened or refuses a write (bad URL, server down, not a Scenarist store, no such store,
    a damaged store, conflicting content)."""


class RowDamage(ValueError):
    """A stored row that cannot be read back. Internal: the store turns it into a :class:`StoreError` that names the
    store, the table and the row."""


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
        "family": item.family,
        "variant": getattr(item.bearing, "variant", None),
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


def no_such_store(shown: str, why: str = "") -> StoreError:
    """The error a reading command gives for a store that does not exist (nothing is created)."""
    what = f"no such store: {shown}" + (f" ({why})" if why else "")
    return StoreError(f"{what}; create one with `scenarist evidence import FILE --db {shown}`")


def first_line(value: Any, limit: int = 300) -> str:
    """The first line of an error or text, at most ``limit`` characters: what a one-line message quotes."""
    orig = getattr(value, "orig", None) or value
    lines = str(orig).strip().splitlines()
    line = lines[0].strip() if lines else type(orig).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- row decoding ----------------------------------------------------------------------------------------------


def required(row: Mapping[str, Any], table, columns: tuple[str, ...] | None = None) -> None:
    """Refuse a row in which a column the schema declares NOT NULL holds NULL.

    Raises
    ------
    RowDamage
        ``column is empty (NULL)``.
    """
    for col in table.columns:
        if col.nullable or (columns is not None and col.name not in columns) or col.name not in row:
            continue
        if row[col.name] is None:
            raise RowDamage(f"{col.name} is empty (NULL)")


def text_value(value: Any, column: str) -> str:
    """``value`` if it is text. Raises :class:`RowDamage` for NULL or another type."""
    if value is None:
        raise RowDamage(f"{column} is empty (NULL)")
    if not isinstance(value, str):
        raise RowDamage(f"{column} holds a {type(value).__name__}, not text")
    return value


def json_value(value: Any, column: str) -> Any:
    """The JSON document in a text column. Raises :class:`RowDamage` naming the column and the JSON error."""
    raw = text_value(value, column)
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RowDamage(f"{column} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise RowDamage(f"{column} is JSON nested too deeply") from None


def date_value(value: Any, column: str) -> dt.date:
    """A stored date (a ``date`` from the driver, or SQLite's ``YYYY-MM-DD`` text). Raises :class:`RowDamage`."""
    if value is None:
        raise RowDamage(f"{column} is empty (NULL)")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RowDamage(f"{column} {str(value)[:40]!r} is not a date (YYYY-MM-DD)")


def datetime_value(value: Any, column: str) -> dt.datetime:
    """A stored timestamp (a ``datetime`` from the driver, or SQLite's ISO text). Raises :class:`RowDamage`."""
    if value is None:
        raise RowDamage(f"{column} is empty (NULL)")
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise RowDamage(f"{column} {str(value)[:40]!r} is not a date and time")


def validation_text(exc: Exception) -> str:
    """A pydantic ValidationError (or other error) as one short line: the first problem's field and message."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            errs = errors()
        except Exception:
            errs = []
        if errs:
            from ..io.yaml_text import pydantic_message

            e = errs[0]
            loc = ".".join(str(x) for x in e.get("loc", ()))
            msg = pydantic_message(e)
            more = f" (and {len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
            return (f"{loc}: {msg}" if loc else msg) + more
    return first_line(exc)


def _check_digest(row: Mapping[str, Any]) -> None:
    if "digest" in row and digest(row["content"]) != row["digest"]:
        raise RowDamage("the digest does not match the content (the content was edited by hand)")


def decode_item(row: Mapping[str, Any], strict: bool = False) -> EvidenceItem:
    """The :class:`EvidenceItem` of a row of ``evidence_items`` (``content`` and, when selected, ``item_id`` and
    ``date``). ``strict`` (what :func:`~scenarist.evidence.check_store` uses) also checks the digest, the stored
    dates' range and every NOT NULL column.

    Raises
    ------
    RowDamage
        What is wrong with the row, in one line.
    """
    if strict:
        required(row, evidence_items)
    data = json_value(row.get("content"), "content")
    try:
        item = EvidenceItem.model_validate(data)
    except Exception as exc:  # pydantic's ValidationError, or a validator's own error
        raise RowDamage(f"content is not a valid evidence item: {validation_text(exc)}") from None
    if "item_id" in row and row["item_id"] != item.id:
        raise RowDamage(f"item_id {row['item_id']!r} disagrees with the content's id {item.id!r}")
    if "date" in row:
        day = date_value(row["date"], "date")
        if day != item.date:
            raise RowDamage(f"date {day} disagrees with the content's date {item.date}")
    # family and variant (revision 0004) copy the content for queries; a copy that differs was edited by hand
    for column, value in (("family", item.family), ("variant", getattr(item.bearing, "variant", None))):
        if column in row and row[column] != value:
            raise RowDamage(f"{column} {row[column]!r} disagrees with the content's {column} {value!r}")
    if strict:
        _check_digest(row)
        datetime_value(row.get("imported_at"), "imported_at")
    return item


def decode_claim(row: Mapping[str, Any], strict: bool = False) -> ContradictedClaim:
    """The :class:`ContradictedClaim` of a row of ``contradicted_claims``; see :func:`decode_item`.

    Raises
    ------
    RowDamage
    """
    if strict:
        required(row, contradicted_claims)
    data = json_value(row.get("content"), "content")
    try:
        claim = ContradictedClaim.model_validate(data)
    except Exception as exc:
        raise RowDamage(f"content is not a valid contradicted claim: {validation_text(exc)}") from None
    if "claim_id" in row and row["claim_id"] != claim.id:
        raise RowDamage(f"claim_id {row['claim_id']!r} disagrees with the content's id {claim.id!r}")
    if strict:
        _check_digest(row)
        datetime_value(row.get("imported_at"), "imported_at")
    return claim


def decode_import(row: Mapping[str, Any], strict: bool = True) -> dict:
    """A row of the import log, checked: counts are integers ≥ 0 and the time is a time. Raises :class:`RowDamage`."""
    required(row, imports)
    for col in ("added", "replaced", "unchanged"):
        if col in row and (not isinstance(row[col], int) or row[col] < 0):
            raise RowDamage(f"{col} {row[col]!r} is not a count")
    datetime_value(row.get("imported_at"), "imported_at")
    return dict(row)


def row_key(table: str, row: Mapping[str, Any]) -> str:
    """How a message names a row: its primary key and, when known, its natural key."""
    parts = [f"pk={row.get('pk')}"]
    for col, label in (
        ("model_id", "model"),
        ("item_id", "item"),
        ("claim_id", "claim"),
        ("forecast_id", "forecast"),
        ("forecast_pk", "forecast pk"),
    ):
        if row.get(col) is not None:
            parts.append(f"{label} {row[col]!r}")
    return parts[0] + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


def raw_columns(table, present: set[str] | None = None) -> list:
    """The table's columns for a damage-proof select: dates and times come back as stored (SQLite's text), not
    parsed by SQLAlchemy (which would fail on a bad one with no row to name). Only ``present`` columns if given."""
    out = []
    for col in table.columns:
        if present is not None and col.name not in present:
            continue
        try:
            kind = col.type.python_type
        except NotImplementedError:  # pragma: no cover - a type without a Python equivalent
            kind = None
        if kind in (dt.date, dt.datetime):
            out.append(type_coerce(col, String).label(col.name))
        else:
            out.append(col)
    return out


# -- migrations and locks ----------------------------------------------------------------------------------------


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("scenarist.evidence") / "migrations"))
    return cfg


@functools.lru_cache(maxsize=1)
def _revisions() -> tuple[str, frozenset[str]]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return script.get_current_head(), frozenset(r.revision for r in script.walk_revisions())


def schema_head() -> str:
    """The newest schema revision this Scenarist knows (what opening a store migrates to)."""
    return _revisions()[0]


def known_revisions() -> frozenset[str]:
    """Every schema revision this Scenarist knows."""
    return _revisions()[1]


@contextmanager
def sqlite_lock(path: Path, shown: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` + ``.lock`` (``fcntl.flock``) while creating or upgrading that store; the
    lock file is removed when done. Without ``fcntl`` (Windows), or where the lock file cannot be created (a
    read-only folder, where nothing can be migrated anyway), no lock is taken.

    Removing the file is safe: a process that wins the lock checks that the file it locked is still the one at
    the path, else locks afresh; and whoever locks after the migration finds the store migrated.

    Raises
    ------
    StoreError
        Another process held the lock for more than ``timeout`` seconds.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    lock = path.with_name(path.name + ".lock")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield
            return
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"{shown}: another process has been creating or upgrading the store for over "
                            f"{timeout:.0f} s (it holds {lock}); try again, or remove that file if no process does"
                        ) from None
                    time.sleep(0.02)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock))
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)  # the holder removed the file meanwhile: lock the new one
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def insert_new(conn: Connection, table, row: dict, keys: list[str]) -> bool:
    """Insert ``row`` unless a row with the same ``keys`` exists (then do nothing): True when inserted.

    On SQLite and PostgreSQL this is ``INSERT … ON CONFLICT (keys) DO NOTHING``, so that two transactions adding
    the same key at once do not fail: the later one waits for the earlier and then inserts nothing. Elsewhere the
    insert runs in a savepoint and a unique-key failure counts as "exists".
    """
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        if name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(table).values(**row).on_conflict_do_nothing(index_elements=keys).returning(table.c.pk)
        return conn.execute(stmt).first() is not None
    try:  # pragma: no cover - other databases
        with conn.begin_nested():
            conn.execute(table.insert().values(**row))
        return True
    except IntegrityError:  # pragma: no cover
        return False


class EvidenceStore:
    """An open evidence store.

    Parameters
    ----------
    db : str or path, optional
        SQLAlchemy URL or SQLite file path; see :func:`resolve_db_url`.
    migrate : bool
        Run the Alembic migrations on opening (default). Turn off only to inspect a store as it is
        (:func:`~scenarist.evidence.check_store` does).
    create : bool
        Create the store if it does not exist (default; what writing commands do). ``False`` (what reading
        commands do) refuses a missing or empty SQLite file, or a database without Scenarist's tables, and leaves
        no file behind.

    Raises
    ------
    StoreError
        The URL is malformed, the driver is missing, the server cannot be reached, the file cannot be opened, is not
        a Scenarist store or is damaged; with ``create=False``, there is no such store.

    Examples
    --------
    >>> store = EvidenceStore("sqlite://")            # an in-memory store
    >>> store.model_ids()
    []
    """

    def __init__(self, db: str | os.PathLike | None = None, migrate: bool = True, create: bool = True):
        self.url = resolve_db_url(db)
        self.file = sqlite_file(self.url)
        shown = self._shown_url()
        if self.file is not None:
            if not create and not self.file.exists():
                raise no_such_store(shown)
            check_sqlite_file(self.file, shown)
            if not create and self.file.stat().st_size == 0:
                raise no_such_store(shown, "an empty file")
        try:
            if self.url.startswith("sqlite") and (
                self.url in ("sqlite://", "sqlite:///:memory:") or ":memory:" in self.url
            ):
                self.engine: Engine = create_engine(
                    self.url, poolclass=StaticPool, connect_args={"check_same_thread": False}
                )
            elif self.url.startswith("sqlite"):
                self.engine = create_engine(self.url, connect_args={"timeout": BUSY_TIMEOUT})
            else:
                self.engine = create_engine(self.url)
        except (ArgumentError, ImportError, SQLAlchemyError, TypeError) as exc:
            raise StoreError(f"{shown}: cannot use this database URL: {first_line(exc)}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._writer = self.engine.execution_options(scenarist_write=True)
        if migrate:
            self.migrate(create=create)

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

    @property
    def shown(self) -> str:
        """The store as messages name it: a SQLite file's path, or the URL without its password."""
        return self._shown_url()

    # -- opening -----------------------------------------------------------------------------------------------

    def _state(self, conn: Connection) -> tuple[str, str | None, set[str]]:
        """(state, revision, tables): state is ``current``, ``behind``, ``unknown`` (a revision this Scenarist
        does not know), ``empty`` (no tables), ``unversioned`` (only Scenarist's tables, no alembic_version) or
        ``foreign`` (other tables, no alembic_version)."""
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy import inspect

        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            if not tables:
                return "empty", None, tables
            ours = {t.name for t in metadata.sorted_tables}
            return ("unversioned" if tables <= ours else "foreign"), None, tables
        revision = MigrationContext.configure(conn).get_current_revision()
        head, known = _revisions()
        if revision == head:
            return "current", revision, tables
        if revision is None or revision in known:
            return "behind", revision, tables
        return "unknown", revision, tables

    def migrate(self, create: bool = True) -> None:
        """Upgrade the schema to the newest migration (idempotent; safe when several processes do it at once).

        Raises
        ------
        StoreError
            Not a Scenarist store (another program's SQLite database), a store written by a newer Scenarist, a
            damaged store; with ``create=False``, a database that holds no store yet.
        """
        from alembic import command
        from alembic.util import CommandError

        shown = self._shown_url()
        server = self.file is None
        try:
            with self.engine.connect() as conn:
                state, revision, tables = self._state(conn)
            if state == "current":
                return
            self._refuse(state, revision, tables, create, server)
            lock = sqlite_lock(self.file, shown) if self.file is not None else _no_lock()
            with lock, self._writer.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                # again under the lock: another process may have created or upgraded the store meanwhile
                state, revision, tables = self._state(conn)
                if state == "current":
                    return
                self._refuse(state, revision, tables, create, server)
                cfg = _alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except CommandError as exc:
            raise StoreError(
                f"{shown}: not a Scenarist store, or one written by a newer Scenarist ({first_line(exc)})"
            ) from None
        except StoreError as exc:  # a migration found a damaged row: name the store
            if str(exc).startswith(shown):
                raise
            raise StoreError(f"{shown}: {exc}") from None
        except OperationalError as exc:
            raise StoreError(f"{shown}: cannot open the store: {first_line(exc)}") from None
        except DatabaseError as exc:
            if self.file is not None:
                if "malformed" in str(exc.orig):
                    raise StoreError(f"{shown}: damaged store: {first_line(exc)}{CHECK_HINT}") from None
                raise StoreError(f"{shown}: not a Scenarist store ({first_line(exc)})") from None
            raise StoreError(f"{shown}: cannot open the store: {first_line(exc)}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"{shown}: cannot open the store: {first_line(exc)}") from None
        except UnicodeDecodeError as exc:  # SQLite hands back bytes of a damaged schema page as text
            raise StoreError(f"{shown}: damaged store: the schema cannot be read ({exc.reason}){CHECK_HINT}") from None

    def _refuse(self, state: str, revision: str | None, tables: set[str], create: bool, server: bool) -> None:
        shown = self._shown_url()
        if state == "unknown":
            raise StoreError(
                f"{shown}: the store's schema revision {revision!r} is not one this Scenarist knows (written by a "
                "newer Scenarist?); upgrade Scenarist"
            )
        if state == "unversioned":
            raise StoreError(
                f"{shown}: damaged store: table alembic_version is missing, so the schema revision is unknown"
                f"{CHECK_HINT}"
            )
        if state == "foreign" and not server:
            # A SQLite database of some other program: never add our tables to it.
            raise StoreError(
                f"{shown}: not a Scenarist store (a SQLite database with other tables: {', '.join(sorted(tables)[:5])})"
            )
        if state in ("empty", "foreign") and not create:
            raise no_such_store(shown, "the database holds no Scenarist tables")

    def schema_revision(self) -> str | None:
        """The Alembic revision the store is at (None for an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.reading("alembic_version") as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading and writing -------------------------------------------------------------------------------

    @contextmanager
    def reading(self, table: str) -> Iterator[Connection]:
        """A connection for reading ``table``; a database error becomes a one-line :class:`StoreError` naming the
        store and the table (a missing table or column, a corrupt page, a lost server)."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise self._read_error(exc, table) from None

    def _read_error(self, exc: SQLAlchemyError, table: str) -> StoreError:
        shown, why = self._shown_url(), first_line(exc)
        low = why.lower()
        if "no such table" in low or ("relation" in low and "does not exist" in low):
            missing = why.split(":", 1)[1].strip() if "no such table" in low else table
            return StoreError(f"{shown}: damaged store: table {missing.strip(chr(34))} is missing{CHECK_HINT}")
        if "no such column" in low or ("column" in low and "does not exist" in low):
            return StoreError(f"{shown}: damaged store: table {table}: {why}{CHECK_HINT}")
        if (isinstance(exc, DatabaseError) and not isinstance(exc, OperationalError)) or "malformed" in low:
            return StoreError(f"{shown}: damaged store: table {table} cannot be read: {why}{CHECK_HINT}")
        return StoreError(f"{shown}: cannot read table {table}: {why}")

    def decode(self, table: str, row: Mapping[str, Any], decoder: Callable[[Mapping[str, Any]], Any]) -> Any:
        """``decoder(row)``; a :class:`RowDamage` becomes a one-line :class:`StoreError` naming the store, the
        table and the row's primary key."""
        try:
            return decoder(row)
        except RowDamage as exc:
            raise StoreError(
                f"{self._shown_url()}: damaged store: table {table}, row {row_key(table, row)}: {exc}{CHECK_HINT}"
            ) from None

    @contextmanager
    def writing(self, what: str) -> Iterator[Connection]:
        """One write transaction (on SQLite it takes the write lock at once, ``BEGIN IMMEDIATE``, so that
        concurrent writers queue instead of failing). A database error becomes ``StoreError`` naming ``what``
        failed and that nothing was written; a :class:`ScenaristError` raised inside rolls back and propagates."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except ScenaristError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"{self._shown_url()}: {what} failed, nothing written: {first_line(exc)}") from None

    # -- evidence --------------------------------------------------------------------------------------------

    def import_evidence(
        self, ev: EvidenceFile, model_id: str | None = None, replace: bool = False, origin: str = ""
    ) -> ImportResult:
        """Add a checked evidence file's items and contradicted claims, in one transaction.

        Safe to run in several processes at once: identical imports add the items once (the others find them
        unchanged); an import whose content differs from what another one stored meanwhile is a conflict.

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
        with self.writing("import") as conn:
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
        return ImportResult(model_id, *items, *claims)

    @staticmethod
    def _upsert(conn: Connection, table, key: str, model_id: str, rows: list[dict], replace: bool):
        def stored() -> dict[str, tuple[str, int]]:
            q = select(table.c[key], table.c.digest, table.c.pk).where(table.c.model_id == model_id)
            return {r[0]: (r[1], r[2]) for r in conn.execute(q)}

        existing = stored()
        added, replaced, unchanged, conflicts = [], [], [], []
        for row in rows:
            old = existing.get(row[key])
            if old is None:
                if insert_new(conn, table, row, ["model_id", key]):
                    added.append(row)
                    continue
                # another transaction stored this id since we looked: compare with what it stored
                existing = stored()
                old = existing[row[key]]
            if old[0] == row["digest"]:
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
        for pk, row in replaced:
            conn.execute(table.update().where(table.c.pk == pk).values(**row))
        return tuple(r[key] for r in added), tuple(r[key] for _, r in replaced), tuple(unchanged)

    def items(
        self,
        model_id: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        family: str | None = None,
    ) -> list[EvidenceItem]:
        """Stored items (optionally of one model, within [start, end], of one ``family``) in (date, id) order.

        Raises
        ------
        StoreError
            A damaged store: the message names the table, or the row (primary key) that cannot be read back.
        """
        t = evidence_items
        q = select(t.c.pk, t.c.model_id, t.c.item_id, type_coerce(t.c.date, String).label("date"), t.c.content)
        if model_id is not None:
            q = q.where(t.c.model_id == model_id)
        if start is not None:
            q = q.where(t.c.date >= start)
        if end is not None:
            q = q.where(t.c.date <= end)
        if family is not None:
            q = q.where(t.c.family == family).add_columns(t.c.family)
        q = q.order_by(t.c.date, t.c.item_id)
        with self.reading("evidence_items") as conn:
            rows = conn.execute(q).mappings().all()
        out = [self.decode("evidence_items", r, decode_item) for r in rows]
        return sorted(out, key=lambda it: (it.date, it.id))

    def claims(self, model_id: str | None = None) -> list[ContradictedClaim]:
        """Stored contradicted claims (optionally of one model) in the order imported: a file's own order, so that
        ``track --db`` and ``track -e`` list them alike and ``evidence export`` gives the file back.

        Raises
        ------
        StoreError
            A damaged store (the table, or the row that cannot be read back).
        """
        t = contradicted_claims
        q = select(t.c.pk, t.c.model_id, t.c.claim_id, t.c.content).order_by(t.c.pk)
        if model_id is not None:
            q = q.where(t.c.model_id == model_id)
        with self.reading("contradicted_claims") as conn:
            rows = conn.execute(q).mappings().all()
        return [self.decode("contradicted_claims", r, decode_claim) for r in rows]

    def evidence_file(self, model_id: str) -> EvidenceFile:
        """Everything stored for one model as an :class:`EvidenceFile` (what ``evidence export`` writes).

        Raises :class:`StoreError` for a damaged store."""
        return EvidenceFile(
            model=model_id, items=tuple(self.items(model_id)), contradicted_claims=tuple(self.claims(model_id))
        )

    def model_ids(self) -> list[str]:
        """Ids of the models that have stored items or claims, sorted. Raises :class:`StoreError` when damaged."""
        with self.reading("evidence_items") as conn:
            a = {r[0] for r in conn.execute(select(evidence_items.c.model_id).distinct())}
        with self.reading("contradicted_claims") as conn:
            b = {r[0] for r in conn.execute(select(contradicted_claims.c.model_id).distinct())}
        bad = [x for x in a | b if x is not None and not isinstance(x, str)]
        if bad:
            raise StoreError(
                f"{self._shown_url()}: damaged store: a model_id of evidence_items or contradicted_claims is not "
                f"text ({bad[0]!r:.40}){CHECK_HINT}"
            )
        return sorted(x for x in a | b if x is not None)

    def count(self, model_id: str | None = None) -> int:
        """Number of stored items (of one model, or all). Raises :class:`StoreError` when damaged."""
        q = select(func.count()).select_from(evidence_items)
        if model_id is not None:
            q = q.where(evidence_items.c.model_id == model_id)
        with self.reading("evidence_items") as conn:
            return int(conn.execute(q).scalar_one())


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event start transactions (pysqlite's own implicit BEGIN would not cover DDL, so a
    # migration would not be one transaction), and enforce foreign keys.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take SQLite's write lock at once: a deferred transaction that reads and then writes can fail with
    # "database is locked" when another writer got there first, where an immediate one waits its turn.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("scenarist_write") else "BEGIN")


def open_store(db: str | os.PathLike | None = None, create: bool = True) -> EvidenceStore:
    """Open (and migrate) the store named by ``db`` / ``$SCENARIST_DB`` / the default file.

    ``create=False`` refuses a store that does not exist (:class:`StoreError` "no such store") instead of
    creating it."""
    return EvidenceStore(db, create=create)


def finite(x: Any) -> bool:
    """True for a real number that is not NaN or infinite (and not a bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


__all__ = [
    "DEFAULT_FILE",
    "ENV_VAR",
    "EvidenceStore",
    "ImportResult",
    "RowDamage",
    "StoreError",
    "no_such_store",
    "open_store",
    "resolve_db_url",
    "schema_head",
]
