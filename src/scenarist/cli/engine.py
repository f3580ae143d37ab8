"""Commands ``import``, ``export``, ``succession`` and ``basins`` (the CIB engine and its file formats).

``import`` turns a ScenarioWizard project (``.scw``) or a CSV/XLSX matrix into a Scenarist YAML model; ``export``
writes a model as ``.scw``, a ScenarioWizard solution list (``.sl``), or a CSV/XLSX matrix. ``succession`` follows
one start scenario; ``basins`` follows all of them (or a sample). Each is a thin adapter over the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

import scenarist

from .common import (
    FixOpt,
    JsonOpt,
    MaxInconsistencyOpt,
    MaxResultsOpt,
    ModelArg,
    ProgressBar,
    SeedOpt,
    SelfImpactsOpt,
    StoreOpt,
    command,
    console,
    emit_json,
    note_written,
    parse_assignments,
    print_timings,
    stored_model,
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


# -- import / export ----------------------------------------------------------------------------------------------

#: Where ``import`` writes when no -o is given (refused when it exists, unless --force).
DEFAULT_IMPORT_OUTPUT = "model.yaml"


@command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="A ScenarioWizard project (.scw) or a CSV/XLSX cross-impact matrix.", metavar="FILE"),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write (default: model.yaml in the current folder, never over an existing one).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite model.yaml when it exists and no -o is given.")
    ] = False,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Import a ScenarioWizard project or a CSV/XLSX matrix as a Scenarist YAML model.

    Names, descriptions and block notes (as rationales) carry over; ids derive from the names; the model records
    its origin, a scale wide enough for its scores, and provenance: optional. The written model validates.

    Without -o the model goes to ./model.yaml, but an existing model.yaml is never overwritten silently: the import
    is refused unless --force is given. A file named with -o FILE is written (replaced when it exists), since the
    user chose it; it is never one of the input files.
    """
    if self_impacts is not None and self_impacts not in ("count", "ignore"):
        raise scenarist.OptionError(f"--self-impacts must be count or ignore, got {self_impacts!r}")
    if not file.exists():
        raise scenarist.InputFileError(f"{file}: no such file")
    if output is None:
        output = DEFAULT_IMPORT_OUTPUT
        if Path(output).exists() and not force:
            raise scenarist.OptionError(
                f"{output} exists: name the file to write with -o FILE, or pass --force to overwrite {output}"
            )
    scenarist.api.check_output(output, inputs=[file], option="--output")
    model = scenarist.import_model(file, self_impacts=self_impacts)
    scenarist.save(model, output)
    V = sum(len(d.variants) for d in model.descriptors)
    note_written(output, f"{len(model.descriptors)} descriptors, {V} variants, {len(model.judgments)} judgments")


@command("export")
def export_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="scw|sl|csv|xlsx",
            help="Format (default: from the output file's suffix).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write (required; never the model file).",
            show_default=False,
        ),
    ] = None,
    layout: Annotated[
        str,
        typer.Option(
            "--layout",
            metavar="scenariowizard|labelled",
            help="CSV/XLSX layout: scenariowizard (two header rows/columns) or labelled.",
        ),
    ] = "scenariowizard",
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    weights: Annotated[
        bool, typer.Option("--weights", help="For sl: fill the weight column with exact global-succession basins.")
    ] = False,
    max_results: MaxResultsOpt = scenarist.MAX_RESULTS,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Export a model as a ScenarioWizard project (scw), its scenarios as a solution list (sl), or its matrix as
    CSV/XLSX. A .sl lists the scenarios with inconsistency ≤ K in tableau order, 1-based variants, as
    ScenarioWizard writes them."""
    model = stored_model(model, store_db)
    if output is None:
        raise scenarist.OptionError("--output/-o is required")
    with ProgressBar("basins") as bar:
        scenarist.export(
            model,
            output,
            to=to,
            layout=layout,
            max_inconsistency=max_inconsistency,
            fixed=parse_assignments(fix),
            weights=weights,
            max_results=max_results,
            self_impacts=self_impacts,
            progress=bar,
        )
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
    store_db: StoreOpt = None,
    start: Annotated[
        list[str] | None,
        typer.Option(
            "--start",
            metavar="D=V,...",
            help="Start scenario D=V,D=V,... (every descriptor not fixed by --fix; repeatable).",
        ),
    ] = None,
    reference: Annotated[
        str | None,
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
    model = stored_model(model, store_db)
    result = scenarist.succession(
        model,
        start=parse_assignments(start, "--start") or None,
        reference=reference,
        random=random_start,
        seed=seed,
        operator=operator,
        fixed=parse_assignments(fix),
        self_impacts=self_impacts,
    )
    t_info = result.timings
    if json_out:
        doc = result.to_dict()
        if timings:
            doc["timings"] = t_info
        emit_json(doc)
    else:
        console.print(succession_table(result))
        if result.is_attractor:
            console.print(
                f"Reaches an attractor after {result.steps} step(s).", markup=False, highlight=False, soft_wrap=True
            )
        else:
            console.print(
                f"Enters a cycle of {len(result.end)} states after {result.steps} step(s) (columns marked *).",
                markup=False,
                highlight=False,
                soft_wrap=True,
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


def variant_code(compiled, scenario) -> str:
    """A scenario as one character per descriptor, the 1-based position of its variant (``1``–``9``, then ``a``–
    ``z`` for a 10th to 35th variant), in groups of five: ``21132 11213``. Dot-separated numbers when a descriptor
    has more than 35 variants."""
    digits = "123456789abcdefghijklmnopqrstuvwxyz"
    if max(int(c) for c in compiled.counts) > len(digits):
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
    sizes = [int(x) for x in result.sizes]
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])  # stable: ties keep tableau order
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
        + (
            " (the attractors are the consistent scenarios: 'analyze' and 'explain -s #' use the same numbers "
            "with the same --fix)."
            if result.exact
            else " among the attractors the samples reached."
        ),
    ]
    left = len(order) - len(shown)
    if left:
        notes.append(f"{left:,} smaller basin(s) not shown; --rows 0 lists all, --json names every variant.")
    return table, notes


@command("basins")
def basins_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    operator: OperatorOpt = "global",
    fix: FixOpt = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            metavar="auto|exact|sampled",
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
    model = stored_model(model, store_db)
    with ProgressBar("basins") as bar:
        result = scenarist.basins(
            model,
            operator=operator,
            fixed=parse_assignments(fix),
            method=method,
            samples=samples,
            seed=seed,
            confidence=confidence,
            self_impacts=self_impacts,
            progress=bar,
        )
    t_info = result.timings
    if json_out:
        doc = result.to_dict()
        if timings:
            doc["timings"] = t_info
        emit_json(doc)
    else:
        n = len(result.attractors)
        count = f"{n:,} attractor{'s' if n != 1 else ''}"
        what = (
            f"exact): {count}, {result.total:,} start scenarios"
            if result.exact
            else f"sampled): {count} reached from {result.total:,} random start scenarios"
        )
        console.print(Text.assemble(("Basins", "bold"), f" ({operator} succession, {what}"))
        table, notes = basins_table(result, rows)
        console.print(table)
        share = result.in_cycles / max(result.total, 1)
        notes.append(
            f"{result.in_cycles:,} of {result.total:,} start scenarios ({share_text(share)}) end in "
            f"{len(result.cycles)} distinct cycle(s)."
        )
        for line in notes:
            console.print(
                line, markup=False, highlight=False, style="dim" if line.startswith(("variants", "#")) else None
            )
    if timings:
        print_timings(t_info)
