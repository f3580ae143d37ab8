"""``scenarist serve``: the browser workspace on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import command, note


@command("serve")
def serve_command(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="Loopback address to listen on (127.0.0.1, localhost or ::1).")
    ] = "127.0.0.1",
    db: Annotated[
        str | None,
        typer.Option("--db", help="Store: a SQLAlchemy URL or SQLite file (default $SCENARIST_DB or ./scenarist.db)."),
    ] = None,
) -> None:
    """Open the browser workspace: build and edit models (every save a version), run every analysis, and keep
    evidence and forecasts, in the same store the CLI uses.

    Listens on loopback only (the workspace has no logins); any other --host is refused. The packaged flagship
    and example are in the workspace on first start. Stop with Ctrl-C.
    """
    from ..web import check_bind, serve

    check_bind(host, port)
    note(f"Scenarist workspace at http://{host if ':' not in host else f'[{host}]'}:{port}/ (Ctrl-C to stop)")
    serve(db, host=host, port=port)
