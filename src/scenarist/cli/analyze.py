"""Commands ``validate``, ``analyze`` and ``explain``: parse the options, call :func:`scenarist.validate`,
:func:`scenarist.analyze` (and :func:`scenarist.report`) or :func:`scenarist.explain`, and present the result with
Rich, as JSON, or as the HTML report. Nothing is computed here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

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
    SelfImpactsOpt,
    StoreOpt,
    command,
    console,
    emit_json,
    note_written,
    parse_assignments,
    stored_model,
)

if TYPE_CHECKING:
    from scenarist import Analysis

#: Widest the descriptor column of the terminal tableau gets (longer names wrap).
DESCRIPTOR_WIDTH = 24
#: Widest a reference-scenario column gets (longer names wrap).
REFERENCE_WIDTH = 18
#: Widest a scenario column gets (longer variant names wrap, so more scenarios fit side by side).
SCENARIO_WIDTH = 16

ReportOpt = Annotated[
    str | None,
    typer.Option(
        "--report",
        help="Also write a self-contained HTML report to this file (written only when everything has computed; "
        "never over the model file).",
        metavar="FILE",
        show_default=False,
    ),
]
TimingsOpt = Annotated[
    bool,
    typer.Option(
        "--timings",
        help="Print the time of each step on stderr, writing the output included (and add 'timings' to --json, "
        "without that last step).",
    ),
]
ColumnsOpt = Annotated[
    int | None,
    typer.Option(
        "--columns",
        min=0,
        metavar="N",
        help="Scenario columns to show in the terminal tableau, in blocks as wide as the terminal (0: all; "
        "default: one block of as many as fit).",
        show_default=False,
    ),
]


@command("validate")
def validate(
    model: ModelArg = None, store_db: StoreOpt = None, json_out: JsonOpt = False, self_impacts: SelfImpactsOpt = None
) -> None:
    """Check a model file: print OK and exit 0, or list every problem (file:line: field: message) and exit 2.

    --json prints one JSON document instead, {"file", "valid", "problems": [{"file", "line", "field",
    "message"}]}, with the same exit status.
    """
    model = stored_model(model, store_db)
    result = scenarist.validate(model, self_impacts=self_impacts)
    if json_out:
        emit_json(result.to_dict())
        if not result.valid:
            raise typer.Exit(2)
        return
    result.raise_for_problems()
    console.print(f"OK {result.file}", highlight=False, soft_wrap=True)


@command("analyze")
def analyze_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    json_out: JsonOpt = False,
    report: ReportOpt = None,
    timings: TimingsOpt = False,
    columns: ColumnsOpt = None,
    basins: Annotated[
        bool, typer.Option("--basins", help="Add each scenario's volume weight (global-succession basin).")
    ] = False,
    max_results: MaxResultsOpt = scenarist.MAX_RESULTS,
    self_impacts: SelfImpactsOpt = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Run the search on this Dask scheduler (e.g. tcp://host:8786), its tree split over the workers; "
            "same scenarios as in-process.",
        ),
    ] = None,
) -> None:
    """Find the consistent scenarios of a model by Cross-Impact Balance analysis and show the scenario tableau.

    Prints the model size, the number of scenarios with inconsistency ≤ K, the scenario tableau (one column per
    scenario, numbered by total impact score), the reference scenarios beside it, and how the scenarios found
    distribute over the outcome's variants beside the source's own assessment. --fix D=V fixes a descriptor
    (an intervention: left out of the test, its impacts still count). --json prints one JSON document instead;
    --report writes an HTML report.
    """
    model = stored_model(model, store_db)
    source = scenarist.api.model_path(model)
    if report is not None:  # refuse a bad report path before a long search
        scenarist.api.check_output(report, inputs=[source], option="--report")
    with ProgressBar("basins") as bar:
        result = scenarist.analyze(
            model,
            max_inconsistency=max_inconsistency,
            fixed=parse_assignments(fix),
            max_results=max_results,
            basins=basins,
            self_impacts=self_impacts,
            progress=bar,
            scheduler=scheduler,
        )
    if report is not None:
        t0 = time.perf_counter()
        scenarist.report(result, path=report, inputs=[source])
        result = result.with_timings(report=time.perf_counter() - t0)
    t_out = time.perf_counter()
    if json_out:
        doc = result.to_dict(timings=timings)
        if timings and getattr(result.scenarios, "nodes", -1) >= 0:
            doc["search_nodes"] = int(result.scenarios.nodes)  # beside "timings", whose values are seconds
        if timings and getattr(result, "decomposition", None) is not None:
            doc["decomposition"] = result.decomposition.to_dict(result.compiled)
        emit_json(doc)
    else:
        print_analysis(result, columns=columns, source=str(source))
        if result.volume_weights is not None:
            console.print(volume_weights_table(result.volume_weights))
    if report is not None:
        note_written(report, "HTML report")
    if timings:
        print_timings(result, output=time.perf_counter() - t_out)


# -- presenters -------------------------------------------------------------------------------------------------


def print_analysis(result: Analysis, columns: int | None = None, source: str | None = None) -> None:
    """Print an analysis on the console: size, tableau with reference scenarios, outcome table.

    ``columns``: scenario columns to show (``None``: one block of as many as fit the console's width; 0: all;
    N > 0: the first N), in blocks no wider than the console (see :func:`plan_blocks`).
    """
    m = result.model
    size = result.size()
    console.print(Text.assemble(("Model ", "bold"), (m.metadata.id, "bold cyan"), f" — {m.metadata.title}"))
    if source:
        console.print(Text(source, style="dim"), soft_wrap=True)  # a path is never broken (copy it whole)
    exo = f" ({size['exogenous']} exogenous)" if size["exogenous"] else ""
    counts = f"{size['descriptors']} descriptors{exo}, {size['variants']} variants, {size['judgments']} judgments;"
    space = f"scenario space {size['scenario_space']:,}"
    # the space on a line of its own rather than its number cut from its name
    console.print(counts + (" " if len(counts) + 1 + len(space) <= console.width else "\n") + space, highlight=False)
    n = len(result.scenarios)
    noun = "consistent scenario" if result.max_inconsistency == 0 else "scenario"
    line = Text.assemble((f"{n:,} ", "bold"), noun + ("" if n == 1 else "s"))
    if result.max_inconsistency:
        line.append(f" with inconsistency ≤ {result.max_inconsistency}")
    if result.fixed:
        line.append(" under " + ", ".join(f"{d}={v}" for d, v in result.fixed.items()), style="yellow")
    console.print(line)
    blocks, use_ids = plan_blocks(result, console.width, columns)
    layout = tableau_layout(result, use_ids, blocks[-1].stop if blocks else 0)
    for block in blocks:
        title = "Scenario tableau"
        if len(blocks) > 1:
            span = (
                "reference scenarios"
                if not len(block.scenarios)
                else f"scenario {block.stop} of {n:,}"
                if len(block.scenarios) == 1
                else f"scenarios {block.start + 1}–{block.stop} of {n:,}"
            )
            title += f" ({span})"
            # On a line of its own: a table's title would wrap at the (narrow) table's width.
            console.print(Text(title, style="italic"), soft_wrap=True)
        console.print(
            tableau_table(
                result,
                block.stop,
                use_ids,
                fit=True,
                start=block.start,
                references=block.references,
                title=title if len(blocks) == 1 else None,
                layout=layout,
            )
        )
    shown = blocks[-1].stop if blocks else 0
    if use_ids:
        console.print(
            "Variant ids shown to fit the terminal; a wider terminal, --report or --json give the names.",
            style="dim",
        )
    if shown < n:
        console.print(
            f"{n - shown:,} more scenario(s) not shown; --columns 0 shows all (in blocks), --json lists them.",
            style="dim",
        )
    for r in result.references:
        if r.contradicts:
            against = ", ".join(
                f"{d} (it has {r.variants[d]}, the intervention fixes {v})" for d, v in r.contradicts.items()
            )
            noun = "intervention" if len(r.contradicts) == 1 else "interventions"
            console.print(
                f"Reference '{r.name}': contradicts the {noun} on {against}; it is no scenario of this analysis.",
                highlight=False,  # wrapped at word boundaries to the terminal's width, as the other sentences
            )
            continue
        where = f"equals scenario {r.matches}" if r.matches else "matches no scenario found"
        bad = [f"{d} ({ic})" for d, ic in r.descriptor_inconsistency.items() if ic]
        extra = f"; inconsistent descriptors: {', '.join(bad)}" if bad else ""
        console.print(f"Reference '{r.name}': inconsistency {r.inconsistency}, {where}{extra}", highlight=False)
    if result.outcome is not None:
        console.print(outcome_table(result))
        classification = result.classification()
        if classification is not None:
            # the heading on a line of its own: a table's title would wrap at the (narrow) table's width
            console.print(Text(definition_heading(classification), style="italic"))
            console.print(definition_table(classification))


def definition_heading(cl) -> str:
    """``Outcome by definition: D of N scenarios disagree (R %)`` for a
    :class:`~scenarist.classification.Classification`."""
    s = cl.summary()
    rate = "–" if s["disagreement_rate"] is None else f"{100 * s['disagreement_rate']:.1f} %"
    return f"Outcome by definition: {s['disagree']} of {s['n_scenarios']} scenarios disagree ({rate})"


def definition_table(cl) -> Table:
    """The outcome by its impact balance (rows) against its label by the variants' rules (columns), a
    :class:`~scenarist.classification.Classification`; fits 80 columns (the heading is :func:`definition_heading`)."""
    s = cl.summary()
    table = Table(
        header_style="bold",
        caption=f"Rows: the balance's variant; columns: the first rule that holds (no rule: unclassified). "
        f"{s['unclassified']} unclassified, "
        f"{s['multiply_matched']} multiply matched. --json and --report list each scenario.",
        caption_justify="left",
    )
    table.add_column("balance \\ rule")
    for v in cl.variant_ids:
        table.add_column(v, justify="right", overflow="fold")
    table.add_column("no rule", justify="right")
    counts = cl.counts()
    for b in cl.variant_ids:
        row = counts[b]
        table.add_row(b, *[str(row.get(v, 0)) for v in cl.variant_ids], str(row.get("unclassified", 0)))
    return table


_PIECE = re.compile(r"\S+?(?:[_-]+|$)|\S+")


def _pieces(text: str) -> list[str]:
    """Where a cell may break: at spaces, and after ``_`` or ``-`` inside ids (``russia_`` | ``accommodates``)."""
    return [p for word in text.split() for p in _PIECE.findall(word)]


def _break_ids(text: str, width: int) -> str:
    """``text`` with every word longer than ``width`` broken after ``_`` or ``-`` (hard only if a piece is still
    longer), so Rich never cuts an id mid-word; shorter words are left for Rich to wrap at spaces."""
    out = []
    for word in text.split(" "):
        if len(word) <= width:
            out.append(word)
            continue
        lines = [""]
        for piece in _PIECE.findall(word):
            while len(piece) > width:
                if lines[-1]:
                    lines.append("")
                lines[-1], piece = piece[:width], piece[width:]
                lines.append("")
            if lines[-1] and len(lines[-1]) + len(piece) > width:
                lines.append("")
            lines[-1] += piece
        out.append("\n".join(x for x in lines if x))
    return " ".join(out)


def _cells(result: Analysis, use_ids: bool, limit: int | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """Cell texts of the tableau: per scenario column (the first ``limit``; all when ``None``), then per reference
    column (descriptor order). Only the columns to be shown are built: a search may keep a million scenarios."""
    c = result.compiled
    labels = c.variant_ids if use_ids else c.variant_names
    scen = [[labels[d][int(v)] for d, v in enumerate(row)] for row in result.scenarios.scenarios[:limit]]
    refs = []
    for r in result.references:
        col = []
        for d, did in enumerate(c.descriptor_ids):
            text = labels[d][c.variant_ids[d].index(r.variants[did])]
            ic = r.descriptor_inconsistency[did]
            if did in r.contradicts:
                text += " ≠ fixed"
            elif ic and not r.contradicts:
                text += f" [{ic}]"
            col.append(text)
        refs.append(col)
    return scen, refs


def _comfort(text: str, lines: int) -> int:
    """Width at which ``text`` wraps into at most ``lines`` lines without breaking a word (roughly); ids break
    after ``_`` or ``-``."""
    return max([len(w) for w in _pieces(text)] + [-(-len(text) // lines)])


def _widths(
    result: Analysis, use_ids: bool, cells: tuple | None = None, limit: int | None = None
) -> tuple[int, list[int], list[int]]:
    """Readable widths of the tableau's columns: descriptor, each reference, each scenario (content only; the
    first ``limit`` scenarios).

    ``cells``: :func:`_cells` of the same arguments, when already at hand.
    """
    c = result.compiled
    scen, refs = cells or _cells(result, use_ids, limit)
    labels = [*c.descriptor_names, "Inconsistency", "Consistency value", "Total impact score"]
    desc_w = min(DESCRIPTOR_WIDTH, max(_comfort(x + " (fixed)", 3) for x in labels))
    ref_ws = [
        min(REFERENCE_WIDTH, max(_comfort(x, 2) for x in [*col, f"ref: {r.name}"]))
        for col, r in zip(refs, result.references)
    ]
    scen_ws = [
        min(SCENARIO_WIDTH, max(_comfort(x, 2) for x in [*col, str(result.scenarios.total_impact_score[i])]))
        for i, col in enumerate(scen)
    ]
    return desc_w, ref_ws, scen_ws


def tableau_layout(result: Analysis, use_ids: bool, limit: int | None = None) -> tuple:
    """``((scenario cells, reference cells), (descriptor width, reference widths, scenario widths))`` of the
    tableau's first ``limit`` scenarios, for :func:`tableau_table` (computing them once saves time when many blocks
    are printed)."""
    cells = _cells(result, use_ids, limit)
    return cells, _widths(result, use_ids, cells)


@dataclass(frozen=True)
class Block:
    """One printed piece of the tableau: scenario columns ``start``..``stop - 1`` (0-based), and the reference
    scenarios after them when ``references`` is true."""

    start: int
    stop: int
    references: bool

    @property
    def scenarios(self) -> range:
        """Positions of the scenario columns in the block."""
        return range(self.start, self.stop)


def _pack(desc_w: int, ref_ws: list[int], scen_ws: list[int], width: int, first_only: bool) -> list[Block]:
    """Greedy blocks of scenario columns no wider than ``width``; the references end the last block (or get one
    of their own). ``first_only``: one block with the references and as many scenarios as fit beside them."""
    base = 1 + desc_w + 3  # each column: content + 2 padding + 1 rule
    refs = sum(w + 3 for w in ref_ws)
    if first_only:
        used, shown = base + refs, 0
        for w in scen_ws:
            if used + w + 3 > width:
                break
            used, shown = used + w + 3, shown + 1
        return [Block(0, max(shown, min(len(scen_ws), 1)), True)]
    blocks: list[Block] = []
    start, used = 0, base
    for i, w in enumerate(scen_ws):
        if i > start and used + w + 3 > width:
            blocks.append(Block(start, i, False))
            start, used = i, base
        used += w + 3
    if start < len(scen_ws) or not blocks:
        blocks.append(Block(start, len(scen_ws), False))
    last = blocks[-1]
    if ref_ws and used + refs > width and last.stop > last.start:
        blocks.append(Block(last.stop, last.stop, True))
    else:
        blocks[-1] = Block(last.start, last.stop, True)
    return blocks


def plan_blocks(
    result: Analysis, width: int, columns: int | None = None, use_ids: bool | None = None
) -> tuple[list[Block], bool]:
    """How to print the tableau in ``width`` characters: its blocks and whether to show variant ids for names.

    ``columns`` = ``None`` gives one block, the references beside as many scenarios as fit; 0 gives every
    scenario and N > 0 the first N, in as many blocks as needed, each no wider than ``width`` (descriptor names
    wrap on up to three lines, variant names on up to two, ids only after ``_`` or ``-``). Names are used when at
    least three scenario columns (or all of them) fit a block, else the (usually shorter) variant ids;
    ``use_ids`` = True or False imposes one.
    """
    n = len(result.scenarios)
    want = n if columns is None or columns == 0 else min(n, columns)
    # One block holds at most width // 4 columns (content ≥ 1, padding and rule 3): measure no more than that.
    measure = min(want, max(1, width // 4)) if columns is None else want
    for ids in (False, True) if use_ids is None else (use_ids,):
        desc_w, ref_ws, scen_ws = _widths(result, ids, limit=measure)
        blocks = _pack(desc_w, ref_ws, scen_ws[:want], width, first_only=columns is None)
        if ids or use_ids is not None or len(blocks[0].scenarios) >= min(want, 3):
            return blocks, ids
    raise AssertionError("unreachable")


def plan_tableau(result: Analysis, width: int, columns: int | None = None) -> tuple[int, bool]:
    """``(shown, use_ids)`` of the first block of :func:`plan_blocks`: scenario columns that fit ``width``."""
    blocks, use_ids = plan_blocks(result, width, columns)
    return (blocks[-1].stop if columns is not None else blocks[0].stop), use_ids


def tableau_table(
    result: Analysis,
    shown: int | None = None,
    use_ids: bool = False,
    fit: bool = False,
    *,
    start: int = 0,
    references: bool = True,
    title: str | None = "Scenario tableau",
    layout: tuple | None = None,
) -> Table:
    """The scenario tableau as a Rich table: a column per scenario (positions ``start``..``shown - 1``; ``shown``
    ``None``: to the end), then the reference scenarios (unless ``references`` is false); a row per descriptor plus
    inconsistency, consistency value and total impact score.

    ``fit=True`` gives every column the width :func:`plan_blocks` planned (ids broken only after ``_`` or ``-``),
    so the table fits the width it was planned for; otherwise Rich sizes the columns. ``layout``: the cells and
    widths of :func:`tableau_layout`, computed once when several blocks are printed.
    """
    c = result.compiled
    sc = result.scenarios
    shown = len(sc) if shown is None else min(shown, len(sc))
    scen, refs = layout[0] if layout else _cells(result, use_ids, shown)
    refs_shown = list(zip(result.references, refs)) if references else []
    if fit:
        desc_w, ref_ws, scen_ws = layout[1] if layout else _widths(result, use_ids, (scen, refs))
    else:
        desc_w, ref_ws, scen_ws = None, [None] * len(refs), [None] * len(scen)

    def cell(text: str, w: int | None) -> str:
        return _break_ids(text, w) if w else text

    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("Descriptor", style="bold", width=desc_w, max_width=DESCRIPTOR_WIDTH)
    for i in range(start, shown):
        table.add_column(str(i + 1), width=scen_ws[i], min_width=scen_ws[i], max_width=SCENARIO_WIDTH, overflow="fold")
    for (r, _), w in zip(refs_shown, ref_ws):
        table.add_column(cell(f"ref: {r.name}", w), style="italic", width=w, max_width=REFERENCE_WIDTH, overflow="fold")
    for d in range(c.n_descriptors):
        label = Text(c.descriptor_names[d])
        if c.exogenous[d]:
            label.append(" (exo)", style="dim")
        if c.descriptor_ids[d] in result.fixed:
            label.append(" (fixed)", style="yellow")
        cells: list[Any] = [label] + [cell(scen[i][d], scen_ws[i]) for i in range(start, shown)]
        for (r, col), w in zip(refs_shown, ref_ws):
            did = c.descriptor_ids[d]
            bad = (r.descriptor_inconsistency[did] and not r.contradicts) or did in r.contradicts
            cells.append(Text(cell(col[d], w), style="red") if bad else cell(col[d], w))
        table.add_row(*cells, end_section=d == c.n_descriptors - 1)
    for label, values, attr in (
        ("Inconsistency", sc.inconsistency, "inconsistency"),
        ("Consistency value", sc.consistency_value, "consistency_value"),
        ("Total impact score", sc.total_impact_score, "total_impact_score"),
    ):
        # A reference that contradicts an intervention has no inconsistency under it (see ReferenceResult).
        ref_vals = [
            "—" if r.contradicts and attr != "total_impact_score" else str(getattr(r, attr)) for r, _ in refs_shown
        ]
        table.add_row(label, *(str(int(x)) for x in values[start:shown]), *ref_vals)
    return table


def outcome_table(result: Analysis) -> Table:
    """How the scenarios found distribute over the outcome's variants, beside the source's assessment."""
    o = result.outcome
    table = Table(
        title=f"Outcome: {o.descriptor_name}",
        title_justify="left",
        header_style="bold",
        caption="A share of scenarios is not a probability: `scenarist likelihood` gives probabilities with bands."
        if o.n_scenarios
        else None,
        caption_justify="left",
    )
    table.add_column("Variant")
    table.add_column("Scenarios", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("Source's assessment")
    for v in o.variants:
        table.add_row(v.name, str(v.count), f"{100 * v.share:.0f}%", _assessment_text(v.assessment))
    for j in o.joint:
        names = {v.id: v.name for v in o.variants}
        table.add_row(
            Text("jointly: " + " or ".join(names.get(x, x) for x in j.variants), style="italic"),
            str(j.count),
            f"{100 * j.share:.0f}%",
            _assessment_text(j.assessment),
        )
    return table


def _assessment_text(a) -> str:
    if a is None:
        return "—"
    if a.term is None:
        return a.statement
    # "%" attached: a range never wraps between its number and its unit.
    rng = f" ({100 * a.low:.0f}–{100 * a.high:.0f}%)" if a.low is not None else ""
    return f"{a.term}{rng}"


def print_timings(result: Analysis, output: float | None = None) -> None:
    """Print the timed steps of an analysis on stderr, in milliseconds; ``output`` (seconds), when given, is the
    time taken to print or write the result (the JSON document or the tables), shown as its own step and
    counted in the total (the document's own ``timings`` cannot hold it)."""
    from .common import print_timings as timings_table

    steps = result.timings.steps()
    total = result.timings.total
    if output is not None:
        steps, total = {**steps, "output": output}, total + output
    timings_table({**steps, "total": total}, rename={"search": "search (engine)"})
    nodes = getattr(result.scenarios, "nodes", -1)
    if nodes >= 0:
        from .common import err_console

        method = getattr(result.scenarios, "method", "")
        err_console.print(f"search nodes: {nodes:,} ({method})")
    if getattr(result, "decomposition", None) is not None:  # whether and how the search was split into blocks
        from .common import err_console

        err_console.print(result.decomposition.describe(), highlight=False)


def volume_weights_table(vw) -> Table:
    """Each scenario's volume weight and share (a :class:`~scenarist.analysis.VolumeWeights`) as a Rich table."""
    kind = "exact" if vw.method == "exact" else f"sampled from {vw.total:,} starts"
    table = Table(title=f"Volume weights ({vw.operator} succession, {kind})", header_style="bold")
    table.add_column("scenario", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("share", justify="right")
    for i, (w, share) in enumerate(zip(vw.weights, vw.shares)):
        table.add_row(str(i + 1), f"{int(w):,}", f"{share:.4%}")
    table.caption = f"{vw.in_cycles:,} of {vw.total:,} start scenarios end in cycles."
    return table


# -- explain ----------------------------------------------------------------------------------------------------


@command("explain")
def explain_command(
    model: ModelArg = None,
    store_db: StoreOpt = None,
    scenario: Annotated[
        int | None,
        typer.Option(
            "--scenario", "-s", metavar="N", help="Number N of a scenario in the tableau of 'analyze' (same -k/--fix)."
        ),
    ] = None,
    variants: Annotated[
        str | None,
        typer.Option(
            "--variants",
            metavar="D=V,...",
            help="A full scenario as D=V,D=V,... (descriptors fixed by --fix may be left out).",
        ),
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", metavar="ID", help="Id of one of the model's reference scenarios."),
    ] = None,
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    json_out: JsonOpt = False,
    max_results: MaxResultsOpt = scenarist.MAX_RESULTS,
    self_impacts: SelfImpactsOpt = None,
) -> None:
    """Explain a scenario: per descriptor, the impact balance of each variant and the judgments behind it.

    Give exactly one of --scenario N (numbered as in 'analyze' with the same -k and --fix), --variants D=V,...
    or --reference ID. For each descriptor it shows every variant's balance as the sum of its terms, whether
    the chosen variant wins, and the judgments pushing toward or against it, with rationales and citations.
    """
    model = stored_model(model, store_db)
    result = scenarist.explain(
        model,
        scenario=scenario,
        variants=parse_assignments([variants], option="--variants") if variants else None,
        reference=reference,
        max_inconsistency=max_inconsistency,
        fixed=parse_assignments(fix),
        max_results=max_results,
        self_impacts=self_impacts,
    )
    if json_out:
        emit_json(result.to_dict())
    else:
        print_explanation(result, title=f"reference {reference}" if reference else None)


def _cite(citations) -> str:
    from scenarist.reporting import format_citations

    text = format_citations(citations)
    return f" [{text}]" if text else ""


def print_explanation(result, title: str | None = None) -> None:
    """Print an :class:`~scenarist.explanation.Explanation` on the console, one table per descriptor."""
    head = f"Scenario {result.number}" if result.number else (title or "Scenario").capitalize()
    status = "consistent" if result.inconsistency == 0 else f"inconsistent (inconsistency {result.inconsistency})"
    console.print(
        Text.assemble(
            (head, "bold"),
            f": {status}; consistency value {result.consistency_value}, total impact score {result.total_impact_score}",
        )
    )
    for d in result.descriptors:
        verdict = {
            "wins": ("wins", "green"),
            "ties": ("ties (still consistent)", "yellow"),
            "loses": (f"loses by {d.inconsistency}", "red"),
            "not tested": ("not tested (exogenous or fixed)", "dim"),
        }[d.status]
        table = Table(
            title=Text.assemble((d.name, "bold"), " → ", (d.chosen_name, "bold cyan"), ": ", verdict),
            title_justify="left",
            header_style="bold",
            expand=False,
        )
        table.add_column("Variant")
        table.add_column("Balance", justify="right")
        table.add_column("= sum of active judgments")
        for b in d.balances:
            terms = " ".join(f"{t.score:+d} ({t.source_name})" for t in b.terms) or "0 (no active judgment)"
            name = Text(("▶ " if b.chosen else "  ") + b.name, style="bold" if b.chosen else "")
            table.add_row(name, f"{b.balance:+d}" if b.balance else "0", terms)
        console.print()
        console.print(table)
        names = {b.id: b.name for b in d.balances}
        for label, items, style in (("toward", d.toward, "green"), ("against", d.against, "red")):
            for t in items:
                target = "" if t.target_variant == d.chosen else f" on {names[t.target_variant]}"
                line = Text(f"  {label:>7} ", style=style)
                line.append(f"{t.score:+d}{target} from {t.source_name}: ")
                line.append(t.rationale or "(no rationale)", style="italic")
                line.append(_cite(t.citations), style="dim")
                console.print(line)
