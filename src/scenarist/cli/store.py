"""Command ``store check``: is the evidence store sound?

A thin adapter: parse the options, call :func:`scenarist.evidence.check_store`, present the result.
"""

from __future__ import annotations

from typing import Annotated

import typer

import scenarist

from .common import JsonOpt, app, command, console, emit_json, fail
from .evidence import DbOpt

store_app = typer.Typer(
    name="store",
    help="The evidence store itself: check its integrity and schema.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(store_app, name="store")


@command("check", group=store_app)
def store_check(
    db: DbOpt = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="SQLite's faster quick_check instead of the full integrity_check.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Check the store without changing it: the SQLite file's integrity, the schema revision, every table and
    column, and every row (JSON, dates, ids, content digests). Prints a short report and exits 0 when all is well;
    else one line per problem on stderr and exit 2. A store that does not exist is an error (nothing is created)."""
    result = scenarist.evidence.check_store(db, quick=quick)
    if json_out:
        emit_json(result.to_dict())
        if not result.ok:
            raise typer.Exit(2)
        return
    if not result.ok:
        raise fail("\n".join(f"{result.db}: {p}" for p in result.problems))
    counts = ", ".join(f"{n} {table}" for table, n in result.rows)
    console.print(
        f"OK {result.db}: {result.dialect} store at schema revision {result.revision} (the newest), "
        f"integrity {result.integrity}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"rows: {counts}", markup=False, highlight=False, soft_wrap=True)
