"""The ``scenarist`` command line (Typer + Rich).

Each command group lives in its own module and registers its commands on :data:`app` through
:func:`scenarist.cli.common.command`; importing the modules below is what makes the commands exist.
"""

from __future__ import annotations

from .common import app

# Command modules (one import line each; keep them sorted).
from . import analyze  # noqa: F401,E402
from . import engine  # noqa: F401,E402
from . import evidence  # noqa: F401,E402
from . import likelihood  # noqa: F401,E402


def main() -> None:
    """Entry point of the ``scenarist`` console script."""
    app()


__all__ = ["app", "main"]
