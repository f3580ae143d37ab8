"""The browser workspace: :func:`create_app` (the FastAPI application) and :func:`serve` (run it on loopback).

Needs FastAPI, Uvicorn and python-multipart (installed with Scenarist). Pages and their JSON twins call the public
library only; see ``docs/workspace.md``.
"""

from __future__ import annotations

import os

from ..errors import OptionError
from .security import LOOPBACK_BINDS

#: Port ``serve`` uses when none is given.
DEFAULT_PORT = 8000


def check_bind(host: str, port: int) -> tuple[str, int]:
    """``(host, port)`` if the workspace may listen there: a loopback address and a port in 1…65535.

    Raises
    ------
    OptionError
        Any other address (the single-user workspace has no logins, so it must not be reachable from other
        machines), or a port out of range.

    Examples
    --------
    >>> check_bind("127.0.0.1", 8000)
    ('127.0.0.1', 8000)
    >>> check_bind("0.0.0.0", 8000)
    Traceback (most recent call last):
    scenarist.errors.OptionError: --host 0.0.0.0 is not a loopback address; the workspace has no logins, so it listens on 127.0.0.1, localhost or ::1 only
    """
    if host not in LOOPBACK_BINDS:
        raise OptionError(
            f"--host {host} is not a loopback address; the workspace has no logins, so it listens on "
            f"{', '.join(LOOPBACK_BINDS[:-1])} or {LOOPBACK_BINDS[-1]} only"
        )
    if not 1 <= int(port) <= 65535:
        raise OptionError(f"--port must be in 1…65535, got {port}")
    return host, int(port)


def create_app(db: str | os.PathLike | None = None, **kwargs):
    """Build the workspace application (see :func:`scenarist.web.app.create_app`)."""
    from .app import create_app as _create

    return _create(db, **kwargs)


def serve(db: str | os.PathLike | None = None, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve the workspace at ``http://host:port/`` until interrupted.

    Raises
    ------
    OptionError
        A non-loopback ``host`` or a port out of range (see :func:`check_bind`).
    StoreError
        The store cannot be opened.
    """
    import uvicorn

    host, port = check_bind(host, port)
    app = create_app(db)
    uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = ["DEFAULT_PORT", "check_bind", "create_app", "serve"]
