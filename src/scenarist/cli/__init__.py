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
    """Entry point of the ``scenarist`` console script.

    Exits with status 2 and one line on standard error when ``NUMBA_NUM_THREADS`` is set to something other than
    a whole number ≥ 1 (numba would otherwise fail with a traceback, or warn and ignore it, at the first search),
    and when an option's value or name is not understood (``scenarist analyze: Invalid value for '-k': …``).
    """
    import os
    import sys

    problem = thread_setting_problem(os.environ.get("NUMBA_NUM_THREADS"))
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    import typer

    # Typer keeps its own copy of click; its usage errors are reached through the one it exports
    usage_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
    click_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    try:
        code = app(standalone_mode=False)
    except usage_error as exc:  # an option's value or name: one line, not click's four
        if type(exc).__name__ == "NoArgsIsHelpError":  # a command group run bare: its help, as before
            print(exc.format_message(), file=sys.stderr)
            raise SystemExit(2) from None
        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx is not None else "scenarist"
        print(f"{path}: {exc.format_message()} (see '{path} --help')", file=sys.stderr)
        raise SystemExit(2) from None
    except click_error as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def thread_setting_problem(value: str | None) -> str | None:
    """What is wrong with a ``NUMBA_NUM_THREADS`` value (the threads the searches use), or None when nothing is.

    Unset (None) means every core; a value must be a whole number from 1 up (numba accepts more threads than
    cores; a blank one it would only warn about and ignore).
    """
    if value is None:
        return None
    try:
        n = int(value.strip())
    except ValueError:
        n = 0
    if n >= 1:
        return None
    return (
        f"NUMBA_NUM_THREADS={value!r}: the number of threads the searches use must be a whole number from 1 up; "
        "unset it to use every core"
    )


__all__ = ["app", "main", "thread_setting_problem"]
