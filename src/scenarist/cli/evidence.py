"""Commands ``evidence import|export|validate|list``, ``track`` and ``forecast record|list|resolve|unresolve|score|
verify|export|import|pool``.

Thin adapters: parse options, call one library function (:mod:`scenarist.evidence`, :mod:`scenarist.forecasts`),
present the result. ``--db`` (or ``$SCENARIST_DB``) names the store; default ``scenarist.db`` here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import scenarist

from .common import (
    JsonOpt,
    ModelArg,
    ProgressBar,
    SeedOpt,
    SelfImpactsOpt,
    app,
    command,
    console,
    emit_json,
    err_console,
    note_written,
    parse_assignments,
    parse_date,
)

#: Below this terminal width the tables switch to a compact layout, so that ids and dates (which a user types
#: back) are never cut; titles and other text wrap instead.
WIDE = 120

evidence_app = typer.Typer(
    name="evidence",
    help="Evidence files and the evidence store: validate, import, export, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
forecast_app = typer.Typer(
    name="forecast",
    help="The forecast ledger: record, list, resolve and score forecasts over a model's outcome.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(evidence_app, name="evidence")
app.add_typer(forecast_app, name="forecast")


def _sub(group: typer.Typer, name: str) -> Callable:
    """Register a command on a sub-group with the shared error and warning handling of :func:`command`."""
    return command(name, group=group)


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL|FILE",
        help="Store: a SQLAlchemy URL or a SQLite file path (default: $SCENARIST_DB, else ./scenarist.db).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="MODEL",
        help="Model file or packaged model name to check the evidence against (default: the packaged model "
        "whose id the evidence file's model: key names, else the flagship).",
    ),
]
FileArg = Annotated[
    Path, typer.Argument(metavar="FILE", help="Evidence file (.yaml/.yml or .csv).", show_default=False)
]
FromOpt = Annotated[str | None, typer.Option("--from", metavar="DATE", help="First date (YYYY-MM-DD).")]
ToOpt = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last date (YYYY-MM-DD).")]


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


# -- evidence ------------------------------------------------------------------------------------------------


@_sub(evidence_app, "validate")
def evidence_validate(file: FileArg, model: ModelOpt = None, json_out: JsonOpt = False) -> None:
    """Check an evidence file against its model: print OK and exit 0, or list every problem
    (file:line: field: message) and exit 2."""
    check = scenarist.evidence.check_file(file, model)
    if json_out:
        emit_json(check.to_dict())
        return
    m, ev, background = check.model, check.evidence, check.background
    console.print(
        f"OK {file}: {len(ev.items)} item(s) for model {m.metadata.id} ({background} background, "
        f"{len(ev.contradicted_claims)} contradicted claim(s))",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@_sub(evidence_app, "import")
def evidence_import(
    file: FileArg,
    model: ModelOpt = None,
    db: DbOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite stored items whose content differs.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Validate an evidence file against its model and add it to the store in one transaction.

    Importing the same file again adds nothing; an item stored with different content is refused (nothing is
    written) unless --replace is given."""
    result = scenarist.evidence.import_file(file, model, db, replace_changed=replace)
    if json_out:
        emit_json(result.to_dict())
        return
    console.print(
        f"{file}: {len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged "
        f"(model {result.model_id}; claims: {len(result.claims_added)} added) in {result.db}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


ModelIdOpt = Annotated[
    str | None,
    typer.Option(
        "--model-id",
        metavar="ID",
        help="Model id (metadata.id) whose stored evidence to use (default: the only model in the store).",
    ),
]
LedgerModelIdOpt = Annotated[
    str | None,
    typer.Option("--model-id", metavar="ID", help="Only forecasts about this model (its metadata.id)."),
]
ForecasterOpt = Annotated[str | None, typer.Option("--forecaster", metavar="NAME", help="Only this forecaster's.")]


@_sub(evidence_app, "export")
def evidence_export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="File to write (.yaml or .csv); default: YAML on stdout."),
    ] = None,
    model_id: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", metavar="yaml|csv", help="yaml or csv (default: from the suffix of --output, else yaml)."
        ),
    ] = None,
) -> None:
    """Write the stored evidence of one model as an evidence file (YAML keeps the contradicted claims; CSV holds
    the items only)."""
    if fmt is not None and fmt not in ("yaml", "csv"):
        raise scenarist.OptionError(f"--format {fmt!r}: use yaml or csv")
    if output is not None:
        if fmt is None and output.suffix.lower() not in (".yaml", ".yml", ".csv"):
            raise scenarist.OptionError(
                f"--output {output}: cannot tell the format from the suffix (use .yaml, .yml or .csv, or give --format)"
            )
        scenarist.api.check_output(output, inputs=[scenarist.evidence.evidence_source(None, db)], option="--output")
    ev = scenarist.evidence.stored_evidence(db, model_id)
    if output is None:
        text = scenarist.evidence.dump_csv(ev.items) if fmt == "csv" else scenarist.evidence.dump_evidence(ev)
        typer.echo(text, nl=False)
        return
    scenarist.evidence.save_evidence(ev, output, fmt)
    note_written(output, f"{len(ev.items)} evidence item(s)")


@_sub(evidence_app, "list")
def evidence_list(
    model: ModelOpt = None,
    evidence: Annotated[
        Path | None, typer.Option("--evidence", "-e", metavar="FILE", help="Read this file instead of the store.")
    ] = None,
    db: DbOpt = None,
    model_id: ModelIdOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List evidence items (from the store, or a file with --evidence) with grade, weight, bearing and whether they
    are background (dated on or before the model's as-of date)."""
    listing = scenarist.evidence.list_items(
        model, evidence, db, model_id, parse_date(start, "--from"), parse_date(end, "--to")
    )
    rows, mid, as_of = listing.rows, listing.model_id, listing.as_of
    if json_out:
        emit_json(listing.to_dict())
        return
    t = Table(title=f"Evidence for {mid}" + (f" (as of {as_of})" if as_of else ""))
    # Dates and ids are typed back (--from, forecast resolve --evidence): never cut; the other columns wrap.
    t.add_column("date", no_wrap=True)
    if console.width >= WIDE:
        t.add_column("id", no_wrap=True)
        for col in ("grade", "w"):
            t.add_column(col, no_wrap=True)
        for col in ("status", "bearing", "cluster", "title"):
            t.add_column(col, overflow="fold")
        for r in rows:
            t.add_row(
                r["date"] + (" (bg)" if r["background"] else ""),
                r["id"],
                r["grade"],
                f"{r['weight']:.2f}",
                r["status"],
                f"{r['kind']}: {r['target']}",
                r["cluster"] or "",
                r["title"],
            )
    else:
        # compact: under the id, the title, then status, bearing and cluster; grade and weight together
        t.add_column(
            "id / title / status, bearing, cluster",
            min_width=max((len(r["id"]) for r in rows), default=2),
            overflow="fold",
        )
        t.add_column("grade w", no_wrap=True)
        for r in rows:
            what = f"{r['status']}; {r['kind']}: {r['target']}" + (f"; cluster {r['cluster']}" if r["cluster"] else "")
            t.add_row(
                r["date"] + ("\n(bg)" if r["background"] else ""),
                f"{r['id']}\n{r['title']}\n{what}",
                f"{r['grade']} {r['weight']:.2f}",
            )
    console.print(t)
    if rows and any(r["background"] for r in rows):
        console.print(
            "(bg): background, dated on or before the model's as-of date; not replayed by track.",
            highlight=False,
            style="dim",
        )


# -- track ---------------------------------------------------------------------------------------------------


@command("track")
def track_cmd(
    model: ModelArg = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            "-e",
            metavar="FILE",
            help="Evidence file or packaged evidence name to replay (instead of the store).",
        ),
    ] = None,
    db: DbOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            min=0,
            metavar="N",
            help=f"Judgment draws per date for the bands (0: stated matrix only; at most {scenarist.MAX_DRAWS:,}).",
        ),
    ] = scenarist.DEFAULT_DRAWS,
    seed: SeedOpt = scenarist.DEFAULT_SEED,
    self_impacts: SelfImpactsOpt = None,
    json_out: JsonOpt = False,
    report: Annotated[
        Path | None, typer.Option("--report", metavar="FILE", help="Write an HTML report with the timeline chart.")
    ] = None,
) -> None:
    """Replay the evidence after the model's as-of date in date order and print the outcome distribution after each
    date: "model" (updated priors and interventions through CIB) and "model + indicators", with 5-95 % bands and
    the none bin. Evidence comes from --evidence FILE or the store (--db). The as-of row is what `scenarist
    likelihood` prints with the same --draws and --seed (the defaults agree)."""
    if evidence is not None and db is not None:
        raise scenarist.OptionError("give --evidence or --db, not both")
    inputs = [scenarist.api.model_path(model), scenarist.evidence.evidence_source(evidence, db)]
    if report is not None:  # refuse a bad report path before the replay
        scenarist.api.check_output(report, inputs=inputs, option="--report")
    with ProgressBar("replaying evidence", delay=0.0) as bar:
        result = scenarist.track(
            model,
            evidence=evidence,
            db=db,
            start=parse_date(start, "--from"),
            end=parse_date(end, "--to"),
            draws=draws,
            seed=seed,
            self_impacts=self_impacts,
            progress=bar,
        )
    if report is not None:
        scenarist.report(result, path=report, inputs=inputs, db=db, ledger=evidence is None)
        note_written(report, "HTML report")
    if json_out:
        emit_json(result.to_dict())
        return
    _print_track(result)


#: Evidence titles in the track table are cut to this many characters (with an ellipsis); --json has them whole.
TITLE_CUT = 70


def cut(text: str, n: int = TITLE_CUT) -> str:
    """``text`` if it has at most ``n`` characters, else its first ``n - 1`` and an ellipsis."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _print_track(r) -> None:
    # Per variant two lines: the model, then model + indicators. Bands need room: shown on wide terminals only.
    bands = r.draws > 0 and console.width >= WIDE
    wide = console.width >= WIDE
    t = Table(
        title=f"{r.model_id}: {r.outcome} after each date (upper line: model; lower: model + indicators)"
        + (f", {r.draws} draws, seed {r.seed}" if r.draws else ""),
        show_edge=wide,
    )
    t.add_column("date", no_wrap=True)
    if wide:
        t.add_column("evidence", overflow="fold", min_width=12)
    # narrow: variant ids (short, and what --outcome and --p take) head the columns; titles follow the table
    for name in r.variant_names if wide else r.variants:
        t.add_column(name, justify="right", overflow="fold")
    t.add_column("none", justify="right", no_wrap=True)
    t.add_column("shift", justify="right", no_wrap=True)

    def cell(snap, i) -> str:
        s = _pct(snap.probability[i])
        if bands and snap.low is not None:
            s += f" [{100 * snap.low[i]:.0f}–{100 * snap.high[i]:.0f}]"
        return s

    for k, p in enumerate(r.points):
        label = r.start_label if k == 0 else "; ".join(cut(r.item(i).title) for i in p.items)
        cells = [f"{cell(p.model, i)}\n{cell(p.indicators, i)}" for i in range(len(r.variants))]
        t.add_row(p.date.isoformat(), *([label] if wide else []), *cells, _pct(p.model.none), f"{100 * p.shift:.1f}")
    console.print(t)
    if not wide:
        # One line per item, cut to the terminal, so that nothing wraps into the next date's column
        console.print("Evidence by date:")
        room = max(20, console.width - 15)
        first = r.points[0]
        console.print(f"  {first.date}  {cut(r.start_label, room)}", markup=False, highlight=False, soft_wrap=True)
        for p in r.points[1:]:
            for j, i in enumerate(p.items):
                lead = f"  {p.date}  " if j == 0 else " " * 14
                console.print(lead + cut(r.item(i).title, room), markup=False, highlight=False, soft_wrap=True)
    if r.draws and not bands:
        console.print(
            f"5–95 % bands over the {r.draws} draws: a terminal of {WIDE}+ columns, --json or --report.",
            highlight=False,
            style="dim",
        )
    moved = r.moved_most()
    if moved:
        console.print("Moved the outcome most (total variation, model + indicators):", markup=False, soft_wrap=True)
        for p in moved:
            titles = "; ".join(r.item(i).title for i in p.items)
            _print_wrapped(f"  {p.date}  {100 * p.shift:.1f} pts  {titles}", 14)
    for i in r.outside:
        it = r.item(i)
        _print_wrapped(f"Outside the model: {it.date} {it.bearing.descriptor}: {it.bearing.what} ({it.id})", 2)
    if r.background:
        console.print(
            f"{len(r.background)} background item(s) on or before {r.as_of} are stored but not replayed.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if r.claims:
        console.print(
            f"{len(r.claims)} contradicted claim(s) recorded (see --report or --json).", markup=False, soft_wrap=True
        )
    for n in r.notes:
        err_console.print(f"note: {n}", markup=False, highlight=False, soft_wrap=True)


# -- forecasts -----------------------------------------------------------------------------------------------


def _print_wrapped(text: str, indent: int) -> None:
    """Print a line of prose wrapped at word boundaries to the terminal's width, the lines after the first
    indented by ``indent`` spaces (a long title otherwise ran past the edge and the terminal folded it mid-word)."""
    import textwrap

    lines = textwrap.wrap(text, width=max(40, console.width), subsequent_indent=" " * indent, break_on_hyphens=False)
    for line in lines or [""]:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def _parse_probabilities(items: list[str] | None) -> dict[str, float]:
    out = {}
    for k, v in parse_assignments(items, "--p").items():
        try:
            out[k] = float(v)
        except ValueError:
            raise scenarist.OptionError(f"--p {k}={v}: not a number") from None
    return out


@_sub(forecast_app, "record")
def forecast_record(
    forecast_id: Annotated[
        str,
        typer.Option(
            "--id", metavar="ID", help="Forecast id, unique in the ledger (letters, digits and . _ : -; no spaces)."
        ),
    ],
    criteria: Annotated[str, typer.Option("--criteria", metavar="TEXT", help="Written resolution criteria.")],
    horizon: Annotated[str, typer.Option("--horizon", metavar="DATE", help="Date by which to judge it (YYYY-MM-DD).")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="MODEL",
            help="Model file or packaged model name whose outcome is forecast (default: the flagship).",
        ),
    ] = None,
    probabilities: Annotated[
        list[str] | None,
        typer.Option("--p", metavar="VARIANT=P", help="VARIANT=PROBABILITY (repeatable or comma-separated)."),
    ] = None,
    from_model: Annotated[
        bool, typer.Option("--from-model", help="Use the model's outcome distribution (conditional on consistency).")
    ] = False,
    from_assessments: Annotated[
        bool,
        typer.Option(
            "--from-assessments", help="Use the source's own verbal assessments mapped by the model's WEP table."
        ),
    ] = False,
    made_on: Annotated[
        str | None,
        typer.Option("--date", metavar="DATE", help="Date the forecast is made (default: the model's as-of date)."),
    ] = None,
    forecaster: Annotated[
        str | None,
        typer.Option("--forecaster", metavar="NAME", help="Who forecasts (default: model, article or analyst)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="TEXT", help="Free note.")] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            min=0,
            metavar="N",
            help=f"With --from-model: judgment draws (0: the stated matrix only; at most {scenarist.MAX_DRAWS:,}).",
        ),
    ] = scenarist.DEFAULT_DRAWS,
    seed: SeedOpt = scenarist.DEFAULT_SEED,
    self_impacts: SelfImpactsOpt = None,
    descriptor: Annotated[
        str | None,
        typer.Option(
            "--descriptor", metavar="ID", help="Forecast this descriptor's variants (default: the model's outcome)."
        ),
    ] = None,
    evidence_file: Annotated[
        str | None,
        typer.Option(
            "--evidence",
            metavar="FILE",
            help="With --from-model: first update the model with this evidence file's items up to --date, as track does.",
        ),
    ] = None,
    retrodiction: Annotated[
        str | None,
        typer.Option(
            "--retrodiction",
            metavar="WHY",
            help="Label it a retrodiction (made after the events it is scored on) and say why.",
        ),
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a forecast over the model's outcome (or --descriptor's variants): from --p VARIANT=P, --from-model or
    --from-assessments. It is appended to the ledger's hash chain with its provenance."""
    with ProgressBar("judgment draws", delay=0.0) as bar:
        rec = scenarist.forecasts.record(
            forecast_id,
            criteria,
            parse_date(horizon, "--horizon"),
            model,
            probabilities=_parse_probabilities(probabilities) if probabilities else None,
            from_model=from_model,
            from_assessments=from_assessments,
            made_on=parse_date(made_on, "--date"),
            forecaster=forecaster,
            note=note,
            draws=draws,
            seed=seed,
            self_impacts=self_impacts,
            db=db,
            progress=bar,
            descriptor=descriptor,
            evidence=evidence_file,
            retrodiction=retrodiction,
        )
    f, added = rec.forecast, rec.added
    if json_out:
        emit_json(rec.to_dict())
        return
    shown = ", ".join(f"{v} {_pct(p)}" for v, p in zip(f.variants, f.probabilities))
    retro = " [RETRODICTION]" if f.retrodiction else ""
    console.print(
        f"{'recorded' if added else 'already recorded'} {f.id}{retro} ({f.forecaster}, {f.made_on}, {f.outcome}): "
        f"{shown}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@_sub(forecast_app, "list")
def forecast_list(
    model_id: LedgerModelIdOpt = None,
    forecaster: ForecasterOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the forecasts in the ledger with their resolutions."""
    ledger = scenarist.forecasts.list_ledger(db, model_id, forecaster)
    fs = ledger.forecasts
    if json_out:
        emit_json(ledger.to_dict())
        return
    # Ids and dates are typed back (forecast resolve ID, --date): never cut; the rest wraps.
    wide = console.width >= WIDE
    t = Table(title="Forecast ledger", show_edge=wide)
    t.add_column("id" if wide else "id\nforecaster", no_wrap=True)
    if wide:
        t.add_column("forecaster", overflow="fold")
    t.add_column("made on\nhorizon", no_wrap=True)
    t.add_column("probabilities", overflow="fold")
    t.add_column("resolution", overflow="fold")
    for f in fs:
        res = "open" if f.resolution is None else f"{_res_text(f.resolution)}\n{f.resolution.resolved_on}"
        if f.retrodiction:
            res += "\nRETRODICTION"
        probs = "\n".join(f"{v} {_pct(p)}" for v, p in zip(f.variants, f.probabilities))
        who = [f.forecaster] if wide else []
        t.add_row(
            f.id if wide else f"{f.id}\n{f.forecaster}",
            *who,
            f"{f.made_on.isoformat()}\n{f.horizon.isoformat()}",
            f"{f.outcome}:\n{probs}",
            res,
        )
    console.print(t)


def _res_text(r) -> str:
    """A resolution in a table: the variant, or the state of an unscored one."""
    return r.outcome if r.scored else f"{r.state.upper()} (not scored)"


@_sub(forecast_app, "resolve")
def forecast_resolve(
    forecast_id: Annotated[str, typer.Argument(metavar="ID", help="Forecast id.", show_default=False)],
    outcome: Annotated[
        str | None, typer.Option("--outcome", metavar="VARIANT", help="The variant that happened.")
    ] = None,
    state: Annotated[
        str,
        typer.Option(
            "--state", metavar="STATE", help="resolved (with --outcome), annulled or ambiguous (scored as nothing)."
        ),
    ] = "resolved",
    resolved_on: Annotated[
        str | None,
        typer.Option(
            "--date",
            metavar="DATE",
            help="Day of the judgment (default: today; a day before the horizon is warned about).",
        ),
    ] = None,
    resolver: Annotated[str | None, typer.Option("--resolver", metavar="NAME", help="Who judged it.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", metavar="TEXT", help="The source the judgment relies on.")
    ] = None,
    evidence: Annotated[
        list[str] | None,
        typer.Option("--evidence", metavar="ITEM", help="Evidence item id showing it (repeatable or comma-separated)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="Why: how the criteria were applied.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Supersede an earlier resolution (it stays in the chain).")
    ] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record what happened to a forecast, who judged it, on what source, and the evidence for it."""
    ids = [e.strip() for item in evidence or [] for e in item.split(",") if e.strip()]
    f = scenarist.forecasts.resolve(
        forecast_id,
        outcome,
        parse_date(resolved_on, "--date") or dt.date.today(),
        ids,
        note,
        replace,
        db,
        state=state,
        resolver=resolver,
        source=source,
    )
    if f.resolution.resolved_on < f.horizon:
        how = "--date" if resolved_on is not None else "today's date (the default; --date sets another)"
        err_console.print(
            f"warning: resolving {f.id} on {f.resolution.resolved_on} ({how}), before its horizon {f.horizon}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if json_out:
        emit_json(f.to_dict())
        return
    console.print(
        f"resolved {f.id}: {_res_text(f.resolution)} on {f.resolution.resolved_on}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@_sub(forecast_app, "unresolve")
def forecast_unresolve(
    forecast_id: Annotated[str, typer.Argument(metavar="ID", help="Forecast id.", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why the resolution is withdrawn.")],
    on: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Day (default: today).")] = None,
    resolver: Annotated[str | None, typer.Option("--resolver", metavar="NAME", help="Who withdraws it.")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a resolved forecast again: an appended un-resolution record (the resolution stays in the chain)."""
    f = scenarist.forecasts.unresolve(forecast_id, reason, parse_date(on, "--date"), resolver, db)
    if json_out:
        emit_json(f.to_dict())
        return
    console.print(f"un-resolved {f.id}: open again", markup=False, highlight=False, soft_wrap=True)


@_sub(forecast_app, "verify")
def forecast_verify(
    head: Annotated[
        str | None, typer.Option("--head", metavar="HASH", help="Also require this head hash (e.g. a published one).")
    ] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the ledger's hash chain and print its head hash; a changed, dropped or reordered record is named
    (exit status 2)."""
    c = scenarist.forecasts.verify(db, head)
    if json_out:
        emit_json(c.to_dict())
    else:
        state = "intact" if c.ok else "BROKEN"
        console.print(
            f"ledger {state}: {c.records} record(s), head {c.head}", markup=False, highlight=False, soft_wrap=True
        )
    for p in c.problems:
        err_console.print(f"error: {p}", markup=False, highlight=False, soft_wrap=True)
    if not c.ok:
        raise typer.Exit(2)


@_sub(forecast_app, "export")
def forecast_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE.json", help="Write here (default: stdout).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Write the whole ledger (its hash chain, with the head hash) as JSON, loadable by `forecast import`."""
    import json

    doc = scenarist.forecasts.export_ledger(db)
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err_console.print(
            f"wrote {len(doc['records'])} record(s) to {output}, head {doc['head']}", markup=False, highlight=False
        )


@_sub(forecast_app, "import")
def forecast_import(
    ledger_file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="Ledger file (.json from `forecast export`) or a packaged ledger's name.",
            show_default=False,
        ),
    ],
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Load a ledger file into the store: its chain is checked against its own head first; records the store
    already holds are skipped."""
    added, skipped, head = scenarist.forecasts.import_ledger(ledger_file, db)
    if json_out:
        emit_json({"added": added, "skipped": skipped, "head": head})
        return
    console.print(
        f"imported {added} record(s), {skipped} already held; ledger head {head}", markup=False, highlight=False
    )


@_sub(forecast_app, "pool")
def forecast_pool(
    forecast_ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="Forecasts of the same question.", show_default=False)
    ],
    a: Annotated[
        float, typer.Option("--a", metavar="A", help="Exponent of the extremised pool (stated, not fitted).")
    ] = 2.5,
    eps: Annotated[
        float, typer.Option("--eps", metavar="EPS", help="Floor of each probability in the geometric pools.")
    ] = 0.001,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Pool several forecasters' forecasts of one question: median, normalised geometric and extremised pools."""
    from scenarist.forecasts import extremised_pool, geometric_pool, median_pool

    fs = [f for f in scenarist.forecasts.list_ledger(db).forecasts if f.id in set(forecast_ids)]
    missing = [i for i in forecast_ids if i not in {f.id for f in fs}]
    if missing:
        raise scenarist.UnknownNameError(f"no forecast {', '.join(missing)} in the ledger")
    if len({(f.model_id, f.outcome, f.variants) for f in fs}) != 1:
        raise scenarist.OptionError("pooled forecasts must be over the same descriptor of the same model")
    vectors = [f.probabilities for f in fs]
    pools = {
        "median": median_pool(vectors),
        "geometric": geometric_pool(vectors, eps),
        "extremised": extremised_pool(vectors, a, eps),
    }
    variants = fs[0].variants
    if json_out:
        emit_json(
            {
                "forecasts": [f.id for f in fs],
                "eps": eps,
                "a": a,
                "pools": {k: dict(zip(variants, v)) for k, v in pools.items()},
            }
        )
        return
    t = Table(title=f"Pools of {len(fs)} forecasts (geometric: ε = {eps}; extremised: a = {a})")
    t.add_column("variant", no_wrap=True)
    for f in fs:
        t.add_column(f.id, justify="right")
    for k in pools:
        t.add_column(k, justify="right")
    for i, v in enumerate(variants):
        t.add_row(v, *[f"{f.probabilities[i]:.3f}" for f in fs], *[f"{p[i]:.3f}" for p in pools.values()])
    console.print(t)


@_sub(forecast_app, "score")
def forecast_score(
    model_id: LedgerModelIdOpt = None,
    forecaster: ForecasterOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Brier and log scores of the resolved forecasts, side by side per forecaster, and the calibration table."""
    s = scenarist.forecasts.scores(db, model_id, forecaster)
    if json_out:
        emit_json(s.to_dict())
        return
    wide = console.width >= WIDE
    t = Table(
        title="Scores (lower is better: Brier 0..2, log = −ln p in nats; p: the forecast's probability of the outcome)",
        show_edge=wide,
    )
    t.add_column("forecast" if wide else "forecast\nforecaster", no_wrap=True)
    if wide:
        t.add_column("forecaster", overflow="fold")
    t.add_column("made on\nresolved", no_wrap=True)
    t.add_column("outcome", overflow="fold")
    for col in ("p", "Brier", "log"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in s.rows:
        who = [r.forecaster] if wide else []
        t.add_row(
            (r.forecast_id if wide else f"{r.forecast_id}\n{r.forecaster}")
            + ("\nRETRODICTION" if r.retrodiction else ""),
            *who,
            f"{r.made_on.isoformat()}\n{r.resolved_on.isoformat()}",
            r.outcome,
            f"{r.probability:.3f}",
            f"{r.brier:.4f}",
            "inf" if math.isinf(r.log) else f"{r.log:.4f}",
        )
    console.print(t)

    def num(x, fmt=".4f"):
        return "–" if x is None else ("inf" if math.isinf(x) else format(x, fmt))

    for name, v0 in s.summary.items():
        v = {**v0, **s.skill[name]}
        line = (
            f"{name}: {v['n']} resolved, mean Brier {num(v['brier'])} (uniform {num(v['uniform_brier'])}, "
            f"skill {num(v['brier_skill_uniform'], '+.3f')}), mean log {num(v['log'])} "
            f"(uniform {num(v['uniform_log'])}, gain {num(v['log_skill_uniform'], '+.3f')} nats)"
        )
        if v["source_n"]:
            line += (
                f"; against the source's own forecast ({v['source_n']}): Brier skill "
                f"{num(v['brier_skill_source'], '+.3f')}, log gain {num(v['log_skill_source'], '+.3f')} nats"
            )
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if s.enough_for_calibration:
        c = Table(title="Calibration (reliability diagram as a table: observed against mean forecast)")
        for col in ("bin", "n", "mean forecast", "observed", "diagram"):
            c.add_column(col)
        for b in s.calibration:
            if b.n:
                bar = "".join("#" if i < round(b.observed * 20) else "." for i in range(20))
                c.add_row(f"{b.low:.1f}–{b.high:.1f}", str(b.n), f"{b.mean_forecast:.3f}", f"{b.observed:.3f}", bar)
        console.print(c)
        m = s.murphy
        console.print(
            f"Murphy decomposition: Brier {m.brier:.4f} = reliability {m.reliability:.4f} − resolution "
            f"{m.resolution:.4f} + uncertainty {m.uncertainty:.4f} + within-bin variance {m.within_variance:.4f} "
            f"− within-bin covariance {m.within_covariance:.4f}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if s.void:
        console.print(
            "scored as nothing: " + ", ".join(f"{i} ({st.upper()})" for i, st in s.void),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if s.unresolved:
        console.print(f"open (not scored): {', '.join(s.unresolved)}", markup=False, highlight=False, soft_wrap=True)
    for n in s.notes:
        err_console.print(f"note: {n}", markup=False, highlight=False, soft_wrap=True)
