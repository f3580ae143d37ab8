"""Command ``ach``: the evidence as Heuer's Analysis of Competing Hypotheses matrix (evidence × hypotheses).

A thin adapter: parse the options, call :func:`scenarist.ach`, present the result (a Rich table that fits 80 columns,
or ``--json``, the result's ``to_dict``). Definitions: ``docs/evidence.md``, "ACH view".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import scenarist

from .common import JsonOpt, ModelArg, SelfImpactsOpt, command, console, emit_json, err_console, parse_date

#: From this terminal width on, the matrix shows each item's id, date and family in the table itself; below it the
#: rows are numbered and a key after the table gives them (ids and dates are never cut).
WIDE = 120


def _cell(x: float, rating: str | None) -> str:
    if rating is None or x is None or math.isnan(x):
        return "–"
    return f"{x:.2f} {rating}"


def _diag(d: float) -> str:
    if math.isnan(d):
        return "–"
    if math.isinf(d):
        return "∞"
    return f"{d:.1f}" if d < 100 else f"{d:.0f}"


def _weight(a: float) -> str:
    return "0" if a == 0 else ("1" if a == 1 else f"{a:.2g}")


def _head(name: str, n: int) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(1, n - 1)].rstrip() + "…"


def _print(r) -> None:
    wide = console.width >= WIDE
    hyps = r.hypotheses
    room = max(6, (console.width - (70 if wide else 24)) // max(1, len(hyps)) - 3)
    t = Table(
        title=f"{r.model_id}: evidence × {r.descriptor} (ACH; P(E|h) relative to the row's largest, rated)",
        show_edge=wide,
        pad_edge=wide,
    )
    if wide:
        t.add_column("date", no_wrap=True)
        t.add_column("item", no_wrap=True)
        t.add_column("family", overflow="fold")
    else:
        t.add_column("#", justify="right", no_wrap=True)
    t.add_column("grade", no_wrap=True)
    for h in hyps:
        t.add_column(h if wide else _head(h, room), justify="right", no_wrap=True)
    t.add_column("diag", justify="right", no_wrap=True)
    t.add_column("a", justify="right", no_wrap=True)
    for n, row in enumerate(r.rows, 1):
        grade = row.grade + ("*" if row.derived else "")
        cells = [_cell(float(x), g) for x, g in zip(row.likelihood, row.ratings)]
        lead = [row.date.isoformat(), row.id, row.family or ""] if wide else [str(n)]
        t.add_row(*lead, grade, *cells, _diag(row.diagnosticity), _weight(row.score_weight))
    t.add_section()
    scores = [f"{s:.3g}" for s in r.scores]
    t.add_row(*([""] * 3 if wide else [""]), "score", *scores, "", "")
    t.add_row(*([""] * 3 if wide else [""]), "post.", *[_pct(p) for p in r.posterior], "", "")
    console.print(t)
    high, low = r.thresholds
    _line(
        f"Ratings on ratio = P(E|h) / row max: C ≥ {high:.3g}, I {low:.3g}–{high:.3g}, II < {low:.3g} (Jeffreys' "
        "grades). diag = max/min of the row. a = what the item counts for in the score (0: superseded in its "
        "cluster or a family duplicate; ρ: a family's weaker item). * = derived through the model."
    )
    if not wide:
        _line("Items:")
        width = max(20, console.width - 1)
        for n, row in enumerate(r.rows, 1):
            how = f" [via {row.descriptor}, {row.mode}]" if row.derived else ""
            fam = f" family {row.family}" if row.family else ""
            _line(_cut(f"{n:>3} {row.date.isoformat()} {row.id}{how}{fam}", width))
            _line(_cut(f"      {row.title}", width))
        short = [h for h in hyps if _head(h, room) != h]
        if short:
            _line("Columns: " + ", ".join(f"{_head(h, room)} = {h}" for h in short))
    _line("")
    _line(
        "Inconsistency score (Heuer: I = 1, II = 2, times a): "
        + ", ".join(f"{h} {s:.3g} (weighted {w:.3g})" for h, s, w in zip(hyps, r.scores, r.weighted_scores))
    )
    _line(f"Least inconsistent (leading): {', '.join(r.leading)}")
    _line(
        "Evidence layer's posterior (stated matrix, conditional on consistency): "
        + ", ".join(f"{h} {_pct(p)}" for h, p in zip(hyps, r.posterior))
        + f"; highest: {', '.join(r.leading_posterior) or '–'}"
        + (f"; none bin {_pct(r.none)}" if r.none > 0 else "")
    )
    for label, crit, leading in (
        ("score", r.critical_score, r.leading),
        ("posterior", r.critical_posterior, r.leading_posterior),
    ):
        if crit:
            _line(f"Critical items by {label} (removing one changes {', '.join(leading)}):")
            for c in crit:
                _line(f"  {c.id} → {', '.join(c.leading_without) or '–'}")
        else:
            _line(f"Critical items by {label}: none (no single item's removal changes {', '.join(leading) or '–'}).")
    moved = sorted((x for x in r.rows if x.influence), key=lambda x: -x.influence)[:3]
    if moved:
        _line(
            "Most influential (posterior moved when the item is removed, total variation): "
            + "; ".join(f"{x.id} {100 * x.influence:.1f} pts" for x in moved)
        )
    for nb in r.not_bearing:
        _line(f"Not bearing: {nb.date} {nb.id}: {nb.reason}")
    if r.background:
        _line(f"{len(r.background)} background item(s) on or before {r.as_of}: already inside the model, no row.")
    for note in r.notes:
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _pct(x: float | None) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


@command("ach")
def ach_cmd(
    model: ModelArg = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            "-e",
            metavar="FILE",
            help="Evidence file or packaged evidence name (e.g. iran-russia-2024-2026); default: the store (--db).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL|FILE",
            help="Store: a SQLAlchemy URL or a SQLite file path (default: $SCENARIST_DB, else ./scenarist.db).",
        ),
    ] = None,
    hypotheses: Annotated[
        str | None,
        typer.Option(
            "--hypotheses",
            metavar="DESCRIPTOR",
            help="Descriptor whose variants are the competing hypotheses (default: the outcome).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", metavar="DATE", help="Take the evidence dated on or before DATE (YYYY-MM-DD)."),
    ] = None,
    self_impacts: SelfImpactsOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Lay the evidence out as Heuer's Analysis of Competing Hypotheses: each item against each hypothesis (the
    outcome's variants, or --hypotheses DESCRIPTOR's), P(E|h) tempered by the item's Admiralty grade (derived through
    the model for items on other descriptors), rated consistent / inconsistent / very inconsistent, with each item's
    diagnosticity, Heuer's inconsistency score per hypothesis, the evidence layer's posterior beside it, and the
    critical items whose removal would change the leading hypothesis. Stated matrix only (no judgment draws)."""
    if evidence is not None and db is not None:
        raise scenarist.OptionError("give --evidence or --db, not both")
    scenarist.evidence.evidence_source(evidence, db)  # a store that does not exist: one line, nothing created
    result = scenarist.ach(
        model,
        evidence=evidence,
        db=db,
        hypotheses=hypotheses,
        as_of=parse_date(as_of, "--as-of"),
        self_impacts=self_impacts,
    )
    if json_out:
        emit_json(result.to_dict())
        return
    _print(result)
