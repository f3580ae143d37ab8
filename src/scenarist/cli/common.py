"""What every command shares: the app, error handling, and the common arguments and options.

Commands are thin adapters (sqlite-utils' pattern): parse options, call one library function, present the result.
A :class:`~scenarist.errors.ScenaristError` becomes one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console

from ..errors import OptionError, ScenaristError

app = typer.Typer(
    name="scenarist",
    help="Structured scenario analysis: Cross-Impact Balance, likelihoods, evidence and scored forecasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

#: Human-readable output goes to stdout; notes, warnings and progress to stderr.
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` on stderr (each line as given) and return the ``typer.Exit`` to raise."""
    for line in str(message).splitlines() or [""]:
        err_console.print(line, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def command(name: str | None = None, **kwargs: Any) -> Callable:
    """Register a command on :data:`app`, turning any ScenaristError into a clean exit 2.

    Use instead of ``@app.command``; the command's docstring is its help text.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return fn(*args, **kw)
            except ScenaristError as exc:
                raise fail(str(exc)) from None

        app.command(name, **kwargs)(wrapper)
        return fn

    return decorate


# -- shared arguments and options (define once, reuse everywhere) --
ModelArg = Annotated[
    Optional[str],
    typer.Argument(
        help="Model file (.yaml or ScenarioWizard .scw) or the name of a packaged model; default: the flagship.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
FixOpt = Annotated[
    Optional[list[str]],
    typer.Option("--fix", help="Intervention DESCRIPTOR=VARIANT (repeatable): fix a descriptor to a variant."),
]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", help="Random seed (an integer; 0 is a seed).")]
MaxInconsistencyOpt = Annotated[
    int,
    typer.Option("--max-inconsistency", "-k", min=0, help="Tolerance k: admit scenarios with inconsistency ≤ k."),
]


def parse_assignments(items: list[str] | None, option: str = "--fix") -> dict[str, str]:
    """Parse ``["D=V", "E=W"]`` (or one ``"D=V,E=W"``) into ``{"D": "V", "E": "W"}``.

    Raises :class:`OptionError` for an item without ``=`` or a descriptor named twice.
    """
    out: dict[str, str] = {}
    for item in items or []:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise OptionError(f"{option}: expected DESCRIPTOR=VARIANT, got {part!r}")
            d, v = (x.strip() for x in part.split("=", 1))
            if d in out:
                raise OptionError(f"{option}: descriptor {d!r} given twice")
            out[d] = v
    return out


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (UTF-8, indented), nothing else."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=_json_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(obj: Any) -> Any:
    import datetime as dt

    import numpy as np

    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


@app.callback()
def _root() -> None:
    """Structured scenario analysis: Cross-Impact Balance, likelihoods, evidence and scored forecasts."""
