"""The ``scenarist`` command line (Typer + Rich).

Each command group lives in its own module and registers its commands on :data:`app` through
:func:`scenarist.cli.common.command`; importing the modules below is what makes the commands exist.
"""

from __future__ import annotations

# Command modules (one import line each; keep them sorted).
from . import (
    ach,  # noqa: F401
    analyze,  # noqa: F401
    engine,  # noqa: F401
    evidence,  # noqa: F401
    likelihood,  # noqa: F401
    serve,  # noqa: F401
    store,  # noqa: F401
)
from .common import app


def main() -> None:
    """Entry point of the ``scenarist`` console script."""
    app()


__all__ = ["app", "main"]
