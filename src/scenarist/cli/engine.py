"""Commands ``import``, ``export``, ``succession`` and ``basins`` (the CIB engine and its file formats).

``import`` turns a ScenarioWizard project (``.scw``) or a CSV/XLSX matrix into a Scenarist YAML model; ``export``
writes a model as ``.scw``, a ScenarioWizard solution list (``.sl``), or a CSV/XLSX matrix. ``succession`` follows
one start scenario; ``basins`` follows all of them (or a sample). Each is a thin adapter over the library.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from ..cib import compile_model
from ..cib.compile import CompiledModel
from ..cib.search import MAX_RESULTS
from ..errors import InputFileError, OptionError
from ..io.output import check_output_path
from ..io.paths import resolve_model_path
from .common import (
    FixOpt,
    JsonOpt,
    MaxInconsistencyOpt,
    MaxResultsOpt,
    ModelArg,
    SeedOpt,
    SelfImpactsOpt,
    command,
    console,
    emit_json,
    err_console,
    load_model_as,
    note_written,
    parse_assignments,
    search_limit_error,
)

OperatorOpt = Annotated[
    str,
    typer.Option(
        "--operator",
        metavar="global|local|sequential",
        help="Succession operator: global (all descriptors switch at once; ScenarioWizard's), local (the most "
        "inconsistent one switches) or sequential (one after another, in order).",
    ),
]
TimingsOpt = Annotated[
    bool,
    typer.Option(
        "--timings",
        help="Report the engine's own time apart from file reading and kernel compilation (stderr; 'timings' in --json).",
    ),
]
OutOpt = Annotated[
    str, typer.Option("--output", "-o", metavar="FILE", help="File to write (never one of the input files).")
]


# -- helpers ------------------------------------------------------------------------------------------------------


def load_compiled(model: str | None, self_impacts: str | None = None):
    """``(Model, CompiledModel, seconds)``: the model as ``MODEL`` and ``--self-impacts`` give it (see
    :func:`~scenarist.cli.common.load_model_as`; warnings reach stderr as one ``warning:`` line each)."""
    t0 = time.perf_counter()
    m = load_model_as(model, self_impacts)
    return m, compile_model(m), time.perf_counter() - t0


def check_seed(seed: int | None) -> None:
    """Refuse a negative ``--seed`` (numpy's generators take none), as every command does."""
    if seed is not None and seed < 0:
        raise OptionError(f"--seed must be ≥ 0, got {seed}")


class LazyProgress:
    """A Rich progress bar on stderr that appears only once the work has run for more than ``delay`` seconds.

    Call the instance as a progress callback ``(fraction, phase)``; use it as a context manager.
    """

    def __init__(self, description: str, delay: float = 1.0, enabled: bool = True):
        self.description = description
        self.delay = delay
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.bar = None
        self.task = None

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __call__(self, fraction: float, phase: str = "") -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.t0 < self.delay:
                return
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), console=err_console, transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=1.0)
        self.bar.update(self.task, completed=fraction, description=f"{self.description} ({phase})" if phase else
                        self.description)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _tiny(compiled_like: CompiledModel | None = None) -> CompiledModel:
    """A 2 × 2 model with the array types of a real one: running the engines on it loads or compiles the kernels."""
    counts = np.array([2, 2], dtype=np.int64)
    return CompiledModel(
        descriptor_ids=("a", "b"), descriptor_names=("a", "b"), variant_ids=(("x", "y"), ("x", "y")),
        variant_names=(("x", "y"), ("x", "y")), counts=counts, offsets=np.array([0, 2, 4], dtype=np.int64),
        matrix=np.array([[0, 0, 1, -1], [0, 0, -1, 1], [1, -1, 0, 0], [-1, 1, 0, 0]], dtype=np.int64),
        exogenous=np.zeros(2, dtype=bool),
    )


def warm_up(kind: str, operator: str = "global") -> float:
    """Load (or, the first time, compile) the kernels a command needs; returns the seconds it took."""
    t0 = time.perf_counter()
    tiny = _tiny()
    if kind == "succession":
        from ..cib.succession import succession

        succession(tiny, np.array([0, 0]), operator)
    elif kind == "basins-exact":
        from ..cib.basins import exact_basins

        exact_basins(tiny, operator)
    elif kind == "basins-sampled":
        from ..cib.basins import sampled_basins

        sampled_basins(tiny, 4, seed=0, operator=operator)
    return time.perf_counter() - t0


def print_timings(timings: dict[str, float]) -> None:
    """Timings table on stderr, milliseconds."""
    table = Table(title="Timings", title_justify="left", header_style="bold")
    table.add_column("Step")
    table.add_column("ms", justify="right")
    for step, seconds in timings.items():
        table.add_row(step, f"{1000 * seconds:.1f}", style="bold" if step == "engine" else None)
    err_console.print(table)


# -- import / export ----------------------------------------------------------------------------------------------


@command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="A ScenarioWizard project (.scw) or a CSV/XLSX cross-impact matrix.", metavar="FILE"),
    ],
    output: OutOpt = "model.yaml",
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Import a ScenarioWizard project or a CSV/XLSX matrix as a Scenarist YAML model.

    Names, descriptions and block notes (as rationales) carry over; ids derive from the names; the model records
    its origin, a scale wide enough for its scores, and provenance: optional. The written model validates.
    """
    from ..io.matrix_table import read_matrix_table
    from ..io.scw import import_scw, project_to_model
    from ..io.yaml_model import save_model

    if self_impacts not in (None, "count", "ignore"):
        raise OptionError(f"--self-impacts must be count or ignore, got {self_impacts!r}")
    if not file.exists():
        raise InputFileError(f"{file}: no such file")
    check_output_path(output, inputs=[file], option="--output")
    if file.suffix.lower() == ".scw":
        model = import_scw(file, self_impacts=self_impacts)
    elif file.suffix.lower() in (".csv", ".xlsx", ".tsv", ".txt"):
        model = project_to_model(read_matrix_table(file), str(file), self_impacts)
    else:
        raise InputFileError(f"{file}: unknown file type (import reads .scw, .csv and .xlsx)")
    save_model(model, output)
    V = sum(len(d.variants) for d in model.descriptors)
    note_written(output, f"{len(model.descriptors)} descriptors, {V} variants, {len(model.judgments)} judgments")


@command("export")
def export_command(
    model: ModelArg = None,
    to: Annotated[
        Optional[str],
        typer.Option(
            "--to", metavar="scw|sl|csv|xlsx", help="Format (default: from the output file's suffix).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Optional[str],
        typer.Option(
            "--output", "-o", metavar="FILE", help="File to write (required; never the model file).",
            show_default=False,
        ),
    ] = None,
    layout: Annotated[
        str,
        typer.Option(
            "--layout", metavar="scenariowizard|labelled",
            help="CSV/XLSX layout: scenariowizard (two header rows/columns) or labelled.",
        ),
    ] = "scenariowizard",
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    weights: Annotated[
        bool, typer.Option("--weights", help="For sl: fill the weight column with exact global-succession basins.")
    ] = False,
    max_results: MaxResultsOpt = MAX_RESULTS,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Export a model as a ScenarioWizard project (scw), its scenarios as a solution list (sl), or its matrix as
    CSV/XLSX. A .sl lists the scenarios with inconsistency ≤ K in tableau order, 1-based variants, as
    ScenarioWizard writes them."""
    from ..io.matrix_table import write_matrix_table
    from ..io.scw import model_to_project, write_scw
    from ..io.sl import from_scenario_set, write_sl

    if output is None:
        raise OptionError("--output/-o is required")
    check_output_path(output, inputs=[resolve_model_path(model)], option="--output")
    fmt = (to or Path(output).suffix.lstrip(".")).lower()
    if fmt not in ("scw", "sl", "csv", "xlsx"):
        raise OptionError(f"--to must be scw, sl, csv or xlsx, got {fmt!r}")
    m, compiled, _ = load_compiled(model, self_impacts)
    if fmt == "scw":
        write_scw(model_to_project(m), output)
    elif fmt in ("csv", "xlsx"):
        if Path(output).suffix.lower() != f".{fmt}":
            raise OptionError(f"--output for {fmt} must end in .{fmt}")
        write_matrix_table(model_to_project(m), output, layout)
    else:
        from ..cib import find_scenarios
        from ..cib.search import TooManyScenariosError

        fixed = parse_assignments(fix) or None
        try:
            found = find_scenarios(compiled, max_inconsistency, fixed, max_results=max_results)
        except TooManyScenariosError as exc:
            raise search_limit_error(exc) from None
        w = None
        if weights:
            from ..cib.basins import exact_basins

            with LazyProgress("basins") as bar:
                w = exact_basins(compiled, fixed=fixed, keep_labels=False, progress=bar).weight_of(found.scenarios)
        write_sl(from_scenario_set(found, w), output)
    note_written(output)


# -- succession ---------------------------------------------------------------------------------------------------

#: Most path states shown as columns by ``succession`` (longer paths show their start and their end).
MAX_STEP_COLUMNS = 10


def succession_table(result) -> Table:
    """The path as a tableau: a row per descriptor, a column per step (``*`` marks states of the cycle or the
    attractor); long paths show their first 3 and last 7 states."""
    c = result.compiled
    L = len(result.path)
    shown = list(range(L)) if L <= MAX_STEP_COLUMNS else [0, 1, 2, None, *range(L - 7, L)]
    table = Table(title=f"Succession ({result.operator})", title_justify="left", header_style="bold")
    table.add_column("Descriptor", style="bold")
    for i in shown:
        table.add_column("…" if i is None else f"{i}{' *' if i >= result.cycle_start else ''}", overflow="fold")
    for d in range(c.n_descriptors):
        cells = []
        for i in shown:
            if i is None:
                cells.append("…")
                continue
            v = int(result.path[i, d])
            changed = i > 0 and v != int(result.path[i - 1, d])
            cells.append(Text(c.variant_names[d][v], style="yellow" if changed else ""))
        table.add_row(c.descriptor_names[d], *cells)
    return table



@command("succession")
def succession_command(
    model: ModelArg = None,
    start: Annotated[
        Optional[list[str]],
        typer.Option(
            "--start", metavar="D=V,...",
            help="Start scenario D=V,D=V,... (every descriptor not fixed by --fix; repeatable).",
        ),
    ] = None,
    reference: Annotated[
        Optional[str],
        typer.Option("--reference", metavar="ID", help="Start from one of the model's reference scenarios (its id)."),
    ] = None,
    random_start: Annotated[
        bool, typer.Option("--random", help="Start from a scenario drawn uniformly at random (see --seed).")
    ] = False,
    seed: SeedOpt = None,
    operator: OperatorOpt = "global",
    fix: FixOpt = None,
    json_out: JsonOpt = False,
    timings: TimingsOpt = False,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Follow a start scenario under succession to the attractor (a consistent scenario) or cycle it ends in.

    Give exactly one of --start D=V,..., --reference ID or --random. Prints the path, one row per step, and where
    it ends. A descriptor whose current variant ties for the highest balance keeps it. Fixed descriptors (--fix)
    stay put.
    """
    from ..cib.succession import operator_code, succession
    from ..errors import UnknownNameError

    operator_code(operator)
    check_seed(seed)
    if sum([bool(start), reference is not None, random_start]) != 1:
        raise OptionError("give exactly one of --start D=V,..., --reference ID or --random")
    t_all = time.perf_counter()
    m, compiled, read_s = load_compiled(model, self_impacts)
    if reference is not None:
        refs = {r.id: r for r in m.reference_scenarios}
        if reference not in refs:
            raise UnknownNameError(f"--reference {reference}: no such reference scenario (known: {', '.join(refs) or 'none'})")
        start_map: Any = dict(refs[reference].variants)
    elif random_start:
        rng = np.random.default_rng(seed)
        start_map = np.array([rng.integers(0, c) for c in compiled.counts], dtype=np.int64)
    else:
        start_map = parse_assignments(start, "--start")
    compile_s = warm_up("succession", operator)
    t0 = time.perf_counter()
    result = succession(compiled, start_map, operator, fixed=parse_assignments(fix) or None)
    engine_s = time.perf_counter() - t0
    t_info = {"read": read_s, "compile": compile_s, "engine": engine_s, "total": time.perf_counter() - t_all}
    if json_out:
        doc: dict[str, Any] = result.to_dict()
        if timings:
            doc["timings"] = t_info
        emit_json(doc)
    else:
        console.print(succession_table(result))
        if result.is_attractor:
            console.print(f"Reaches an attractor after {result.steps} step(s).", markup=False, highlight=False,
                          soft_wrap=True)
        else:
            console.print(
                f"Enters a cycle of {len(result.end)} states after {result.steps} step(s) (columns marked *).",
                markup=False, highlight=False, soft_wrap=True,
            )
    if timings:
        print_timings(t_info)


# -- basins -------------------------------------------------------------------------------------------------------


#: Attractors listed by ``basins`` unless --rows says otherwise (the largest basins first).
BASIN_ROWS = 20


def share_text(share: float) -> str:
    """A share as a percentage that never reads as zero when it is not: ``12.34%``, ``0.0047%``, ``0%``."""
    if share == 0:
        return "0%"
    pct = 100 * share
    return f"{pct:.2f}%" if pct >= 0.01 else f"{pct:.2g}%"


def variant_code(compiled: CompiledModel, scenario) -> str:
    """A scenario as one character per descriptor, the 1-based position of its variant (``1``–``9``, then ``a``–
    ``z`` for a 10th to 35th variant), in groups of five: ``21132 11213``. Dot-separated numbers when a descriptor
    has more than 35 variants."""
    digits = "123456789abcdefghijklmnopqrstuvwxyz"
    if int(np.max(compiled.counts)) > len(digits):
        return ".".join(str(int(v) + 1) for v in scenario)
    text = "".join(digits[int(v)] for v in scenario)
    return " ".join(text[i : i + 5] for i in range(0, len(text), 5))


def basins_table(result, rows: int | None = BASIN_ROWS) -> tuple[Table, list[str]]:
    """The basins as a table, one row per attractor, largest basin first, and the notes to print after it.

    Each row: the attractor's number (tableau order), its basin size and share (and interval when sampled), and
    its variants as a compact code (:func:`variant_code`); ``rows`` limits the rows (``None`` or 0: all). The
    notes explain the numbering and the code, and say how many rows were left out.
    """
    c = result.compiled
    order = np.argsort(-np.asarray(result.sizes), kind="stable")
    shown = order if not rows else order[:rows]
    table = Table(header_style="bold", box=None, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("size" if result.exact else "samples", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    if not result.exact:
        table.add_column(f"{result.confidence:.0%} interval", justify="right", no_wrap=True)
    table.add_column("variants", no_wrap=True)
    total = max(result.total, 1)
    for i in shown:
        row = [str(int(i) + 1), f"{int(result.sizes[i]):,}", share_text(result.sizes[i] / total)]
        if not result.exact:
            row.append(f"{share_text(result.share_low[i])}–{share_text(result.share_high[i])}")
        row.append(variant_code(c, result.attractors[i]))
        table.add_row(*row)
    free = [d for d in range(c.n_descriptors) if result.fixed[d] < 0]
    notes = [
        "variants: one character per descriptor, in model order, the position of its variant (1 = first): "
        + ", ".join(c.descriptor_ids[d] + (" (fixed)" if d not in free else "") for d in range(c.n_descriptors))
        + ".",
        "#: the attractor's number in tableau order"
        + (" (the attractors are the consistent scenarios: 'analyze' and 'explain -s #' use the same numbers "
           "with the same --fix)." if result.exact else " among the attractors the samples reached."),
    ]
    left = len(order) - len(shown)
    if left:
        notes.append(f"{left:,} smaller basin(s) not shown; --rows 0 lists all, --json names every variant.")
    return table, notes


@command("basins")
def basins_command(
    model: ModelArg = None,
    operator: OperatorOpt = "global",
    fix: FixOpt = None,
    method: Annotated[
        str,
        typer.Option(
            "--method", metavar="auto|exact|sampled",
            help="exact (follow every scenario), sampled, or auto (exact when it fits).",
        ),
    ] = "auto",
    samples: Annotated[
        int, typer.Option("--samples", min=1, metavar="N", help="Start scenarios to sample (sampled method).")
    ] = 100_000,
    seed: SeedOpt = None,
    confidence: Annotated[
        float,
        typer.Option("--confidence", metavar="LEVEL", help="Level of the sampled intervals, between 0 and 1."),
    ] = 0.95,
    rows: Annotated[
        int,
        typer.Option(
            "--rows", min=0, metavar="N", help="Attractors to list, largest basin first (0: all; --json has all)."
        ),
    ] = BASIN_ROWS,
    json_out: JsonOpt = False,
    timings: TimingsOpt = False,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Basins of attraction (volume weights): how many start scenarios end in each attractor under succession.

    Exact over the whole space when it fits in memory (4 bytes per scenario), otherwise from random starts with a
    Wilson interval for each share. Scenarios whose succession enters a cycle are counted apart. Lists the
    largest basins first, each attractor's variants as a compact code (--json names them).
    """
    from ..cib.basins import MAX_EXACT, basins
    from ..cib.succession import operator_code

    operator_code(operator)
    check_seed(seed)
    if method not in ("auto", "exact", "sampled"):
        raise OptionError(f"--method must be auto, exact or sampled, got {method!r}")
    if not 0 < confidence < 1:
        raise OptionError(f"--confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    t_all = time.perf_counter()
    m, compiled, read_s = load_compiled(model, self_impacts)
    fixed = parse_assignments(fix) or None
    from ..cib.search import normalise_fixed

    fx = normalise_fixed(compiled, fixed)
    space = int(np.prod([int(c) for c, f in zip(compiled.counts, fx) if f < 0], dtype=object))
    exact = method == "exact" or (method == "auto" and space <= MAX_EXACT)
    compile_s = warm_up("basins-exact" if exact else "basins-sampled", operator)
    t0 = time.perf_counter()
    with LazyProgress("basins", enabled=True) as bar:
        result = basins(compiled, operator, fx, "exact" if exact else "sampled", samples, seed, confidence,
                        progress=bar)
    engine_s = time.perf_counter() - t0
    t_info = {"read": read_s, "compile": compile_s, "engine": engine_s}
    t_info.update({f"engine: {k}": v for k, v in result.seconds.items() if k != "total"})
    t_info["total"] = time.perf_counter() - t_all
    if json_out:
        doc = result.to_dict()
        doc["model"] = {"id": m.metadata.id, "descriptors": compiled.n_descriptors, "space": compiled.space_size}
        if timings:
            doc["timings"] = t_info
        emit_json(doc)
    else:
        n = len(result.attractors)
        count = f"{n:,} attractor{'s' if n != 1 else ''}"
        what = (f"exact): {count}, {result.total:,} start scenarios" if result.exact
                else f"sampled): {count} reached from {result.total:,} random start scenarios")
        console.print(Text.assemble(("Basins", "bold"), f" ({operator} succession, {what}"))
        table, notes = basins_table(result, rows)
        console.print(table)
        share = result.in_cycles / max(result.total, 1)
        notes.append(
            f"{result.in_cycles:,} of {result.total:,} start scenarios ({share_text(share)}) end in "
            f"{len(result.cycles)} distinct cycle(s)."
        )
        for line in notes:
            console.print(line, markup=False, highlight=False, style="dim" if line.startswith(("variants", "#")) else None)
    if timings:
        print_timings(t_info)


# -- analyze --basins ---------------------------------------------------------------------------------------------


def basins_for_analysis(result) -> tuple[dict, Any, Any]:
    """What ``analyze --basins`` adds: ``(json keys, Rich panel, report section)``.

    Each scenario of the tableau gets its volume weight: the number of start scenarios (with the same
    interventions) whose global succession ends in it. Exact when the space fits, else sampled (seed 0, with a
    95 % interval). A scenario found with tolerance k > 0 that is not an attractor has weight 0.
    """
    from ..cib.basins import basins
    from ..reporting import Section, escape

    found = result.scenarios
    with LazyProgress("basins") as bar:
        b = basins(result.compiled, "global", found.fixed, seed=0, progress=bar)
    weights = b.weight_of(found.scenarios) if len(found) else np.zeros(0, dtype=np.int64)
    doc = {
        "volume_weights": {
            "method": "exact" if b.exact else "sampled",
            "operator": "global",
            "total": int(b.total),
            "in_cycles": b.in_cycles,
            "by_scenario": [{"number": i + 1, "weight": int(w), "share": float(w / max(b.total, 1))}
                            for i, w in enumerate(weights)],
            "seconds": b.seconds.get("total"),
        }
    }
    kind = "exact" if b.exact else f"sampled from {b.total:,} starts"
    table = Table(title=f"Volume weights (global succession, {kind})", header_style="bold")
    table.add_column("scenario", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("share", justify="right")
    rows = []
    for i, w in enumerate(weights):
        table.add_row(str(i + 1), f"{int(w):,}", f"{w / max(b.total, 1):.4%}")
        rows.append(f"<tr><td>{i + 1}</td><td>{int(w):,}</td><td>{w / max(b.total, 1):.4%}</td></tr>")
    table.caption = f"{b.in_cycles:,} of {b.total:,} start scenarios end in cycles."
    html = (
        f"<p>{escape(kind.capitalize())}: how many start scenarios end in each scenario of the tableau under global "
        f"succession; {b.in_cycles:,} of {b.total:,} end in cycles.</p><table><thead><tr><th>Scenario</th>"
        f"<th>Volume weight</th><th>Share</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return doc, table, Section("Volume weights", html)
