"""Commands ``validate``, ``analyze`` and ``explain`` (the foundation's commands).

Each command parses its options, calls one library function (:func:`scenarist.analysis.analyze`,
:func:`scenarist.explain.explain_scenario`) and presents the result with Rich, as JSON, or as the HTML report.

Extending ``analyze``: an optional analysis (basins, likelihoods, …) adds its option to :func:`analyze_command`,
computes its result in the marked block, and contributes through three lists: ``extra_json`` (keys added to the
JSON document), ``sections`` (report sections, :class:`scenarist.report.Section`) and ``panels`` (Rich renderables
printed after the core output).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from ..analysis import Analysis, analyze
from ..errors import OptionError, UnknownNameError
from ..io.yaml_model import load_model, resolve_model_path
from .common import (
    FixOpt,
    JsonOpt,
    MaxInconsistencyOpt,
    ModelArg,
    command,
    console,
    emit_json,
    err_console,
    parse_assignments,
)

#: Widest the descriptor column of the terminal tableau gets (longer names wrap).
DESCRIPTOR_WIDTH = 24
#: Widest a reference-scenario column gets (longer names wrap).
REFERENCE_WIDTH = 18
#: Widest a scenario column gets (longer variant names wrap, so more scenarios fit side by side).
SCENARIO_WIDTH = 16

ReportOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--report",
        help="Also write a self-contained HTML report to this file (written only when everything has computed).",
        dir_okay=False,
        show_default=False,
    ),
]
TimingsOpt = Annotated[
    bool, typer.Option("--timings", help="Print the time of each step on stderr (and add 'timings' to --json).")
]
ColumnsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--columns",
        min=0,
        help="Scenario columns to show in the terminal tableau (0: all; default: as many as fit the terminal).",
        show_default=False,
    ),
]


@command("validate")
def validate(model: ModelArg = None) -> None:
    """Check a model file: print OK and exit 0, or list every problem (file:line: field: message) and exit 2."""
    load_model(model)
    console.print(f"OK {resolve_model_path(model)}", markup=False, highlight=False)


def check_report_path(path: Path | None) -> None:
    """Fail early (before a long search) when the report could not be written there.

    Raises :class:`OptionError` when ``path`` is a directory or its directory does not exist.
    """
    if path is None:
        return
    if path.is_dir():
        raise OptionError(f"--report {path}: is a directory")
    if not path.parent.is_dir():
        raise OptionError(f"--report {path}: directory {str(path.parent)!r} does not exist")


def load_timed(model: str | None):
    """``(Model, seconds)``: load and validate a model, timing it."""
    t0 = time.perf_counter()
    m = load_model(model)
    return m, time.perf_counter() - t0


@command("analyze")
def analyze_command(
    model: ModelArg = None,
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    json_out: JsonOpt = False,
    report: ReportOpt = None,
    timings: TimingsOpt = False,
    columns: ColumnsOpt = None,
    basins: Annotated[bool, typer.Option("--basins", help="Add each scenario's volume weight (global-succession basin).")] = False,
) -> None:
    """Find the consistent scenarios of a model by Cross-Impact Balance analysis and show the scenario tableau.

    Prints the model size, the number of scenarios with inconsistency ≤ K, the scenario tableau (one column per
    scenario, numbered by total impact score), the reference scenarios beside it, and how the scenarios found
    distribute over the outcome's variants beside the source's own assessment. --fix D=V fixes a descriptor
    (an intervention: left out of the test, its impacts still count). --json prints one JSON document instead;
    --report writes an HTML report.
    """
    check_report_path(report)
    m, load_s = load_timed(model)
    result = analyze(m, max_inconsistency=max_inconsistency, fixed=parse_assignments(fix) or None)
    result = result.with_timings(load=load_s)

    extra_json: dict[str, Any] = {}
    sections: list = []
    panels: list = []
    # -- optional analyses: compute here (time them with result = result.with_timings(name=seconds));
    #    add to extra_json / sections / panels --
    if basins:
        from .engine import basins_for_analysis

        t0 = time.perf_counter()
        for target, item in zip((extra_json, panels, sections), basins_for_analysis(result)):
            target.update(item) if isinstance(target, dict) else target.append(item)
        result = result.with_timings(basins=time.perf_counter() - t0)

    if report is not None:
        from ..report import build_report, write_report

        t0 = time.perf_counter()
        html = build_report(result, extra_sections=sections)
        result = result.with_timings(report=time.perf_counter() - t0)
        write_report(report, html)
    if json_out:
        emit_json({**result.to_dict(timings=timings), **extra_json})
    else:
        print_analysis(result, columns=columns, source=str(resolve_model_path(model)))
        for panel in panels:
            console.print(panel)
    if report is not None:
        err_console.print(f"Report written to {report}", markup=False, highlight=False)
    if timings:
        print_timings(result)


# -- presenters -------------------------------------------------------------------------------------------------


def print_analysis(result: Analysis, columns: int | None = None, source: str | None = None) -> None:
    """Print an analysis on the console: size, tableau with reference scenarios, outcome table.

    ``columns``: scenario columns to show (0: all; ``None``: as many as fit the console's width).
    """
    m = result.model
    size = result.size()
    console.print(Text.assemble(("Model ", "bold"), (m.metadata.id, "bold cyan"), f" — {m.metadata.title}"))
    if source:
        console.print(Text(source, style="dim"))
    exo = f" ({size['exogenous']} exogenous)" if size["exogenous"] else ""
    console.print(
        f"{size['descriptors']} descriptors{exo}, {size['variants']} variants, {size['judgments']} judgments; "
        f"scenario space {size['scenario_space']:,}",
        markup=False,
        highlight=False,
    )
    n = len(result.scenarios)
    noun = "consistent scenario" if result.max_inconsistency == 0 else "scenario"
    line = Text.assemble((f"{n:,} ", "bold"), noun + ("" if n == 1 else "s"))
    if result.max_inconsistency:
        line.append(f" with inconsistency ≤ {result.max_inconsistency}")
    if result.fixed:
        line.append("  under " + ", ".join(f"{d}={v}" for d, v in result.fixed.items()), style="yellow")
    console.print(line)
    shown, use_ids = plan_tableau(result, console.width, columns)
    console.print(tableau_table(result, shown, use_ids, fit=columns is None))
    if use_ids:
        console.print("Variant ids shown to fit the terminal; --report shows the names.", style="dim")
    if shown < n:
        console.print(
            f"{n - shown:,} more scenario(s) not shown; use --columns 0 to show all, or --json / --report.",
            style="dim",
            markup=False,
        )
    for r in result.references:
        where = f"equals scenario {r.matches}" if r.matches else "matches no scenario found"
        bad = [f"{d} ({ic})" for d, ic in r.descriptor_inconsistency.items() if ic]
        extra = f"; inconsistent descriptors: {', '.join(bad)}" if bad else ""
        console.print(
            f"Reference '{r.name}': inconsistency {r.inconsistency}, {where}{extra}", markup=False, highlight=False
        )
    if result.outcome is not None:
        console.print(outcome_table(result))


def _cells(result: Analysis, use_ids: bool) -> tuple[list[list[str]], list[list[str]]]:
    """Cell texts of the tableau: per scenario column, then per reference column (descriptor order)."""
    c = result.compiled
    labels = c.variant_ids if use_ids else c.variant_names
    scen = [[labels[d][int(v)] for d, v in enumerate(row)] for row in result.scenarios.scenarios]
    refs = []
    for r in result.references:
        col = []
        for d, did in enumerate(c.descriptor_ids):
            text = labels[d][c.variant_ids[d].index(r.variants[did])]
            ic = r.descriptor_inconsistency[did]
            col.append(f"{text} [{ic}]" if ic else text)
        refs.append(col)
    return scen, refs


def _comfort(text: str, lines: int) -> int:
    """Width at which ``text`` wraps into at most ``lines`` lines without breaking a word (roughly)."""
    return max([len(w) for w in text.split()] + [-(-len(text) // lines)])


def _widths(result: Analysis, use_ids: bool) -> tuple[int, list[int], list[int]]:
    """Readable widths of the tableau's columns: descriptor, each reference, each scenario (content only)."""
    c = result.compiled
    scen, refs = _cells(result, use_ids)
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


def plan_tableau(result: Analysis, width: int, columns: int | None = None) -> tuple[int, bool]:
    """How many scenario columns to show and whether to show variant ids instead of names.

    ``columns`` = 0 shows all, N > 0 at most N (names); ``None`` fits as many columns into ``width`` characters
    as can be read with descriptor names wrapped on up to three lines and variant names on up to two, falling back
    to the (usually shorter) variant ids when names leave room for fewer than three columns.
    """
    n = len(result.scenarios)
    if columns is not None:
        return (n if columns == 0 else min(n, columns)), False
    for use_ids in (False, True):
        desc_w, ref_ws, scen_ws = _widths(result, use_ids)
        used = 1 + desc_w + 3 + sum(w + 3 for w in ref_ws)  # each column: content + 2 padding + 1 rule
        shown = 0
        for w in scen_ws:
            if used + w + 3 > width:
                break
            used += w + 3
            shown += 1
        if shown >= min(n, 3) or use_ids:
            return max(shown, min(n, 1)), use_ids
    raise AssertionError("unreachable")


def tableau_table(result: Analysis, shown: int | None = None, use_ids: bool = False, fit: bool = False) -> Table:
    """The scenario tableau as a Rich table: a column per scenario (the first ``shown``; ``None``: all), then the
    reference scenarios; a row per descriptor plus inconsistency, consistency value and total impact score.

    ``fit=True`` gives every column the width :func:`plan_tableau` planned, so the table fits the width it was
    planned for; otherwise Rich sizes the columns.
    """
    c = result.compiled
    sc = result.scenarios
    shown = len(sc) if shown is None else min(shown, len(sc))
    scen, refs = _cells(result, use_ids)
    desc_w, ref_ws, scen_ws = _widths(result, use_ids) if fit else (None, [None] * len(refs), [None] * len(scen))
    table = Table(title="Scenario tableau", title_justify="left", header_style="bold")
    table.add_column("Descriptor", style="bold", width=desc_w, max_width=DESCRIPTOR_WIDTH)
    for i in range(shown):
        table.add_column(str(i + 1), width=scen_ws[i], max_width=SCENARIO_WIDTH, overflow="fold")
    for r, w in zip(result.references, ref_ws):
        table.add_column(f"ref: {r.name}", style="italic", width=w, max_width=REFERENCE_WIDTH)
    for d in range(c.n_descriptors):
        label = Text(c.descriptor_names[d])
        if c.exogenous[d]:
            label.append(" (exo)", style="dim")
        if c.descriptor_ids[d] in result.fixed:
            label.append(" (fixed)", style="yellow")
        cells: list[Any] = [label] + [scen[i][d] for i in range(shown)]
        for r, col in zip(result.references, refs):
            bad = r.descriptor_inconsistency[c.descriptor_ids[d]]
            cells.append(Text(col[d], style="red") if bad else col[d])
        table.add_row(*cells, end_section=d == c.n_descriptors - 1)
    for label, values, attr in (
        ("Inconsistency", sc.inconsistency, "inconsistency"),
        ("Consistency value", sc.consistency_value, "consistency_value"),
        ("Total impact score", sc.total_impact_score, "total_impact_score"),
    ):
        table.add_row(label, *(str(int(x)) for x in values[:shown]), *(str(getattr(r, attr)) for r in result.references))
    return table


def outcome_table(result: Analysis) -> Table:
    """How the scenarios found distribute over the outcome's variants, beside the source's assessment."""
    o = result.outcome
    table = Table(
        title=f"Outcome: {o.descriptor_name}", title_justify="left", header_style="bold",
        caption="A share of scenarios is not a probability." if o.n_scenarios else None, caption_justify="left",
    )
    table.add_column("Variant")
    table.add_column("Scenarios", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("Source's assessment")
    for v in o.variants:
        table.add_row(v.name, str(v.count), f"{100 * v.share:.0f} %", _assessment_text(v.assessment))
    for j in o.joint:
        names = dict((v.id, v.name) for v in o.variants)
        table.add_row(
            Text("jointly: " + " or ".join(names.get(x, x) for x in j.variants), style="italic"),
            str(j.count),
            f"{100 * j.share:.0f} %",
            _assessment_text(j.assessment),
        )
    return table


def _assessment_text(a) -> str:
    if a is None:
        return "—"
    if a.term is None:
        return a.statement
    rng = f" ({100 * a.low:.0f}–{100 * a.high:.0f} %)" if a.low is not None else ""
    return f"{a.term}{rng}"


def print_timings(result: Analysis) -> None:
    """Print the timed steps on stderr, in milliseconds."""
    table = Table(title="Timings", title_justify="left", header_style="bold")
    table.add_column("Step")
    table.add_column("ms", justify="right")
    for step, seconds in result.timings.steps().items():
        label = "search (engine)" if step == "search" else step
        table.add_row(label, f"{1000 * seconds:.1f}")
    table.add_row("total", f"{1000 * result.timings.total:.1f}", style="bold")
    err_console.print(table)


# -- explain ----------------------------------------------------------------------------------------------------


@command("explain")
def explain_command(
    model: ModelArg = None,
    scenario: Annotated[
        Optional[int],
        typer.Option("--scenario", "-s", help="Number N of a scenario in the tableau of 'analyze' (same -k/--fix)."),
    ] = None,
    variants: Annotated[
        Optional[str],
        typer.Option("--variants", help="A full scenario as D=V,D=V,... (descriptors fixed by --fix may be left out)."),
    ] = None,
    reference: Annotated[
        Optional[str], typer.Option("--reference", help="Id of one of the model's reference scenarios.")
    ] = None,
    max_inconsistency: MaxInconsistencyOpt = 0,
    fix: FixOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Explain a scenario: per descriptor, the impact balance of each variant and the judgments behind it.

    Give exactly one of --scenario N (numbered as in 'analyze' with the same -k and --fix), --variants D=V,...
    or --reference ID. For each descriptor it shows every variant's balance as the sum of its terms, whether
    the chosen variant wins, and the judgments pushing toward or against it, with rationales and citations.
    """
    from ..cib import compile_model, find_scenarios
    from ..cib.search import normalise_fixed, tested_mask
    from ..explain import explain_scenario

    given = [x is not None for x in (scenario, variants, reference)]
    if sum(given) != 1:
        raise OptionError("give exactly one of --scenario N, --variants D=V,... or --reference ID")
    m = load_model(model)
    compiled = compile_model(m)
    fixed = parse_assignments(fix)
    fx = normalise_fixed(compiled, fixed or None)
    number = None
    if scenario is not None:
        found = find_scenarios(compiled, max_inconsistency=max_inconsistency, fixed=fx)
        if not 1 <= scenario <= len(found):
            span = f"1..{len(found)}" if len(found) else "none"
            raise UnknownNameError(f"--scenario {scenario}: no such scenario (found {len(found)}; numbers: {span})")
        chosen: Any = found.scenarios[scenario - 1]
        number = scenario
    elif variants is not None:
        given_map = parse_assignments([variants], option="--variants")
        for d, v in fixed.items():
            if d in given_map and compiled.variant_index(d, given_map[d]) != compiled.variant_index(d, v):
                raise OptionError(f"--variants gives {d}={given_map[d]} but --fix gives {d}={v}")
            given_map.setdefault(d, v)
        chosen = compiled.scenario_from_mapping(given_map)
    else:
        refs = {r.id: r for r in m.reference_scenarios}
        if reference not in refs:
            known = ", ".join(refs) or "none"
            raise UnknownNameError(f"--reference {reference}: no such reference scenario (known: {known})")
        chosen = compiled.scenario_from_mapping(refs[reference].variants)
        for d, v in enumerate(fx):
            if v >= 0 and v != chosen[d]:
                raise OptionError(
                    f"reference {reference!r} has {compiled.descriptor_ids[d]}={compiled.variant_ids[d][chosen[d]]}"
                    f" but --fix gives {compiled.variant_ids[d][v]}"
                )
    result = explain_scenario(m, compiled, np.asarray(chosen), tested=tested_mask(compiled, fx), number=number)
    if json_out:
        emit_json(result.to_dict())
    else:
        print_explanation(result, title=f"reference {reference}" if reference else None)


def _cite(citations) -> str:
    from ..report import format_citations

    text = format_citations(citations)
    return f" [{text}]" if text else ""


def print_explanation(result, title: str | None = None) -> None:
    """Print an :class:`~scenarist.explain.Explanation` on the console, one table per descriptor."""
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
