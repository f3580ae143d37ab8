"""What every command shares: the app, error handling, and the common arguments and options.

Commands are thin adapters (sqlite-utils' pattern): parse options, call one library function, present the result.
A :class:`~scenarist.errors.ScenaristError` becomes one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console

from ..errors import OptionError, ScenaristError

#: Widest the help text gets on a wide terminal (it follows COLUMNS below that).
HELP_WIDTH = 120

app = typer.Typer(
    name="scenarist",
    help="Structured scenario analysis: Cross-Impact Balance, likelihoods, evidence and scored forecasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"max_content_width": HELP_WIDTH},
)

#: Human-readable output goes to stdout; notes, warnings and progress to stderr.
#: Both print text literally: no Rich markup (``[bold]``) and no emoji codes, because the text holds user data —
#: ``file.yaml:100:`` must not turn into an emoji, nor ``[x]`` in a name vanish as a tag. Style with ``Text`` objects
#: or ``style=``, never with markup in strings.
console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` on stderr (each line as given, literally) and return the ``typer.Exit`` to raise."""
    for line in str(message).splitlines() or [""]:
        err_console.print(line, markup=False, emoji=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def note(message: str) -> None:
    """Print a note on stderr as given (literally, unwrapped): notes never mix with stdout or ``--json``."""
    err_console.print(message, markup=False, emoji=False, highlight=False, soft_wrap=True)


def note_written(path: Any, detail: str | None = None) -> None:
    """Tell the user a file was written, in the one phrasing every command uses: ``Wrote PATH`` (``: detail``).

    Parameters
    ----------
    path : str or path-like
        The path as the user gave it.
    detail : str, optional
        What the file holds, e.g. ``"HTML report"`` or ``"12 evidence items"``.
    """
    note(f"Wrote {path}" + (f": {detail}" if detail else ""))


def show_warning(message: Warning | str, *_: Any, **__: Any) -> None:
    """Print a warning as one plain line on stderr, ``warning: …`` (no file, line or source as Python shows them).

    A :class:`~scenarist.io.scw.SelfImpactWarning` names the option that settles it (``--self-impacts``).
    """
    from ..io.scw import SelfImpactWarning

    text = message.describe("--self-impacts ") if isinstance(message, SelfImpactWarning) else message
    note(f"warning: {' '.join(str(text).split())}")


def command(name: str | None = None, group: typer.Typer | None = None, **kwargs: Any) -> Callable:
    """Register a command on :data:`app` (or on a sub-group such as ``evidence``), turning any ScenaristError into
    a clean exit 2 and every warning into one plain ``warning: …`` line on stderr (:func:`show_warning`).

    Use instead of ``@app.command``; the command's docstring is its help text.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                with warnings.catch_warnings():
                    warnings.showwarning = show_warning
                    return fn(*args, **kw)
            except ScenaristError as exc:
                raise fail(str(exc)) from None

        (group or app).command(name, **kwargs)(wrapper)
        return fn

    return decorate


# -- shared arguments and options (define once, reuse everywhere) --
# Every argument and option names its metavar: otherwise the help shows internal types such as <list[str]>.
ModelArg = Annotated[
    Optional[str],
    typer.Argument(
        help="Model file (.yaml or ScenarioWizard .scw) or the name of a packaged model; default: the flagship.",
        show_default=False,
        metavar="MODEL",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
FixOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--fix",
        help="Intervention DESCRIPTOR=VARIANT (repeatable): fix a descriptor to a variant.",
        metavar="DESCRIPTOR=VARIANT",
    ),
]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", help="Random seed (an integer; 0 is a seed).", metavar="INT")]
SelfImpactsOpt = Annotated[
    Optional[str],
    typer.Option(
        "--self-impacts",
        metavar="count|ignore",
        help="For a ScenarioWizard (.scw) model: count a descriptor's impacts on itself in the balances (as "
        "ScenarioWizard does; the default, with a warning when there are any) or ignore them (as the method's "
        "definition does).",
        show_default=False,
    ),
]
MaxResultsOpt = Annotated[
    int,
    typer.Option(
        "--max-results",
        min=0,
        metavar="N",
        help="Most scenarios to keep: a search that finds more stops and is refused (lower -k or add --fix).",
    ),
]
MaxInconsistencyOpt = Annotated[
    int,
    typer.Option(
        "--max-inconsistency", "-k", min=0, metavar="K", help="Tolerance k: admit scenarios with inconsistency ≤ k."
    ),
]


#: Most judgment draws a command accepts. At 100,000 draws the Monte Carlo standard error of a probability is at most
#: 0.16 percentage points (√(0.25 / 100 000)); more only costs time (the flagship takes about 2 ms a draw).
MAX_DRAWS = 100_000


def check_draws(draws: int, option: str = "--draws") -> int:
    """``draws`` if it is at most :data:`MAX_DRAWS`; else :class:`OptionError` naming the limit."""
    if draws > MAX_DRAWS:
        raise OptionError(f"{option} {draws:,} is more than the limit of {MAX_DRAWS:,} judgment draws (the Monte Carlo "
                          f"error at {MAX_DRAWS:,} is already below 0.2 percentage points)")
    return draws


def load_model_as(model: str | None, self_impacts: str | None = None):
    """Load and validate a model as ``MODEL`` and ``--self-impacts`` (:data:`SelfImpactsOpt`) say.

    Returns the :class:`~scenarist.model.Model`. Raises what :func:`scenarist.io.yaml_model.load_model` raises, and
    :class:`OptionError` for a ``--self-impacts`` other than count or ignore, or one given with a model that is
    not a ``.scw`` file (a YAML model states ``metadata.self_impacts`` itself).
    """
    from ..io.yaml_model import load_model
    from ..io.paths import resolve_model_path

    if self_impacts is None:
        return load_model(model)
    if self_impacts not in ("count", "ignore"):
        raise OptionError(f"--self-impacts must be count or ignore, got {self_impacts!r}")
    path = resolve_model_path(model)
    if path.suffix.lower() != ".scw":
        raise OptionError(
            f"--self-impacts applies to ScenarioWizard (.scw) models; {path.name} states metadata.self_impacts itself"
        )
    from ..io.scw import import_scw

    return import_scw(path, self_impacts=self_impacts)


def search_limit_error(exc: Any) -> OptionError:
    """A :class:`~scenarist.cib.search.TooManyScenariosError` reworded with the command line's options."""
    return OptionError(exc.describe(limit="--max-results", tolerance="-k", fix="--fix"))


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


def version() -> str:
    """The installed Scenarist version (``"unknown"`` when run from a tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version("scenarist")
    except PackageNotFoundError:
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"scenarist {version()}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Structured scenario analysis: Cross-Impact Balance, likelihoods, evidence and scored forecasts."""
