"""What every command shares: the app, error handling, and the common arguments and options.

Commands are thin adapters (sqlite-utils' pattern): parse options, call one library function, present the result.
A :class:`~scenarist.errors.ScenaristError` becomes one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from ..checks import BoundError
from ..errors import OptionError, ScenaristError, UnknownNameError

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

    A warning that can name the option settling it (``describe``, e.g. ScenarioWizard's self-impacts) does so.
    """
    describe = getattr(message, "describe", None)
    text = describe("--self-impacts ") if callable(describe) else message
    note(f"warning: {' '.join(str(text).split())}")


def command(name: str | None = None, group: typer.Typer | None = None, **kwargs: Any) -> Callable:
    """Register a command on :data:`app` (or on a sub-group such as ``evidence``), turning any ScenaristError into
    a clean exit 2 and every warning into one plain ``warning: …`` line on stderr (:func:`show_warning`). A
    :class:`~scenarist.checks.BoundError` is worded with the command-line option (``-k must be 0..24 …``).

    Use instead of ``@app.command``; the command's docstring is its help text.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                with warnings.catch_warnings():
                    warnings.showwarning = show_warning
                    return fn(*args, **kw)
            except (BoundError, UnknownNameError) as exc:  # worded with the library's parameter: name the option
                raise fail(exc.describe()) from None
            except ScenaristError as exc:
                raise fail(str(exc)) from None

        (group or app).command(name, **kwargs)(wrapper)
        return fn

    return decorate


# -- shared arguments and options (define once, reuse everywhere) --
# Every argument and option names its metavar: otherwise the help shows internal types such as <list[str]>.
ModelArg = Annotated[
    str | None,
    typer.Argument(
        help="Model file (.yaml or ScenarioWizard .scw) or the name of a packaged model; default: the flagship.",
        show_default=False,
        metavar="MODEL",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Read MODEL as ID[@VERSION] from the browser workspace kept in this store (a SQLAlchemy URL or SQLite "
        "file): the newest version, or one given by its number or a prefix of its SHA-256.",
        metavar="URL",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")]
FixOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fix",
        help="Intervention DESCRIPTOR=VARIANT (repeatable): fix a descriptor to a variant.",
        metavar="DESCRIPTOR=VARIANT",
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed (an integer; 0 is a seed).", metavar="INT")]
SelfImpactsOpt = Annotated[
    str | None,
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
        metavar="N",
        help="Most scenarios to keep, at most 10,000,000: a search that finds more stops and is refused (lower -k "
        "or add --fix).",
    ),
]
MaxInconsistencyOpt = Annotated[
    int,
    typer.Option(
        "--max-inconsistency",
        "-k",
        metavar="K",
        help="Tolerance k: admit scenarios with inconsistency ≤ k (0 up to n_descriptors × the scale's span, the "
        "largest inconsistency possible).",
    ),
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


def parse_priors(items: list[str] | None) -> dict[str, dict[str, float]]:
    """Parse ``["d=a:0.7,b:0.3"]`` into ``{"d": {"a": 0.7, "b": 0.3}}``. Raises OptionError on malformed items."""
    out: dict[str, dict[str, float]] = {}
    for item in items or []:
        if "=" not in item:
            raise OptionError(f"--prior: expected DESCRIPTOR=VARIANT:P,..., got {item!r}")
        d, rest = (x.strip() for x in item.split("=", 1))
        if d in out:
            raise OptionError(f"--prior: descriptor {d!r} given twice")
        probs = {}
        for part in rest.split(","):
            if ":" not in part:
                raise OptionError(f"--prior {d}: expected VARIANT:P, got {part!r}")
            v, p = (x.strip() for x in part.split(":", 1))
            try:
                probs[v] = float(p)
            except ValueError:
                raise OptionError(f"--prior {d}: {p!r} is not a number") from None
        out[d] = probs
    return out


def parse_date(value: str | None, option: str):
    """``value`` (YYYY-MM-DD) as a date, ``None`` as None; :class:`OptionError` naming ``option`` otherwise."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OptionError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


class ProgressBar:
    """The one Rich adapter for the library's ``progress(fraction, phase)`` callbacks: a bar on stderr that
    appears only on a terminal and only once the work has run for more than ``delay`` seconds.

    Use it as a context manager and pass the instance as ``progress=``.
    """

    def __init__(self, description: str, delay: float = 1.0):
        import time

        self.description = description
        self.delay = delay
        self.clock = time.perf_counter
        self.t0 = self.clock()
        self.bar = None
        self.task = None

    def __enter__(self) -> ProgressBar:
        self.t0 = self.clock()
        return self

    def __call__(self, fraction: float, phase: str = "") -> None:
        if not err_console.is_terminal:
            return
        if self.bar is None:
            if self.clock() - self.t0 < self.delay:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=1.0)
        label = f"{self.description} ({phase})" if phase and phase != self.description else self.description
        self.bar.update(self.task, completed=fraction, description=label)

    def __exit__(self, *exc: Any) -> bool:
        if self.bar is not None:
            self.bar.stop()
        return False


def print_timings(timings: dict[str, float], rename: dict[str, str] | None = None) -> None:
    """A table of timed steps on stderr, in milliseconds (``total`` in bold)."""
    from rich.table import Table

    table = Table(title="Timings", title_justify="left", header_style="bold")
    table.add_column("Step")
    table.add_column("ms", justify="right")
    for step, seconds in timings.items():
        style = "bold" if step in ("engine", "total") else None
        table.add_row((rename or {}).get(step, step), f"{1000 * seconds:.1f}", style=style)
    err_console.print(table)


def emit_json(document: Any) -> None:
    """Write one JSON document to stdout (UTF-8, indented), nothing else."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=_json_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(obj: Any) -> Any:
    import datetime as dt

    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    if hasattr(obj, "tolist"):  # numpy scalars and arrays, without importing numpy here
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def version() -> str:
    """The installed Scenarist version (``"unknown"`` when run from a tree that was never installed)."""
    from .. import __version__

    return __version__


def _print_version(value: bool) -> None:
    if value:
        console.print(f"scenarist {version()}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
) -> None:
    """Structured scenario analysis: Cross-Impact Balance, likelihoods, evidence and scored forecasts."""


def stored_model(model: str | None, db: str | None) -> Any:
    """MODEL as given, or, with ``--db``, the workspace's model ``ID[@VERSION]`` read from that store.

    Raises
    ------
    OptionError
        ``--db`` without MODEL.
    StoreError, UnknownNameError
        No such store, model or version.
    """
    if db is None:
        return model
    if not model:
        raise OptionError("--db reads a model kept in the workspace: give MODEL as ID or ID@VERSION")
    from ..workspace import load_stored

    return load_stored(model, db)
