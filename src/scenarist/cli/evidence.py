"""Commands ``evidence import|export|validate|list``, ``track`` and ``forecast record|list|resolve|score``.

Thin adapters: parse options, call one library function (:mod:`scenarist.evidence`, :mod:`scenarist.forecasts`),
present the result. ``--db`` (or ``$SCENARIST_DB``) names the store; default ``scenarist.db`` here.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.table import Table

from ..errors import OptionError, ScenaristError, UnknownNameError
from ..io.output import check_output_path
from ..io.yaml_model import load_model
from ..io.paths import packaged_models, resolve_model_path
from ..probability.distribution import DEFAULT_DRAWS, DEFAULT_SEED
from ..model import Model
from .common import MAX_DRAWS, JsonOpt, ModelArg, SeedOpt, SelfImpactsOpt, app, command, console, emit_json, err_console, check_draws, load_model_as, note_written

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
    Optional[str],
    typer.Option("--db", metavar="URL|FILE",
                 help="Store: a SQLAlchemy URL or a SQLite file path (default: $SCENARIST_DB, else ./scenarist.db)."),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", metavar="MODEL",
                 help="Model file or packaged model name to check the evidence against (default: the packaged model "
                      "whose id the evidence file's model: key names, else the flagship)."),
]
FileArg = Annotated[Path, typer.Argument(metavar="FILE", help="Evidence file (.yaml/.yml or .csv).", show_default=False)]
FromOpt = Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="First date (YYYY-MM-DD).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="Last date (YYYY-MM-DD).")]


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OptionError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def _packaged_model(model_id: str) -> Model | None:
    """The packaged model whose ``metadata.id`` is ``model_id`` (None when there is none)."""
    for path in packaged_models().values():
        try:
            m = load_model(path)
        except ScenaristError:
            continue
        if m.metadata.id == model_id:
            return m
    return None


def _model_for(file: Path | None, model: str | None) -> Model:
    """The model named by --model, else the packaged model whose id the evidence file names, else the default."""
    if model is not None or file is None:
        return load_model(model)
    from ..io.yaml_text import read_yaml

    wanted = None
    if file.suffix.lower() in (".yaml", ".yml") and file.exists():
        tree = read_yaml(file)
        if isinstance(tree, dict):
            wanted = tree.get("model")
    if wanted:
        m = _packaged_model(str(wanted))
        if m is not None:
            return m
        raise OptionError(f"{file}: names model {wanted!r}, which is not packaged; give the model file with --model")
    return load_model(None)


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


# -- evidence ------------------------------------------------------------------------------------------------


@_sub(evidence_app, "validate")
def evidence_validate(file: FileArg, model: ModelOpt = None, json_out: JsonOpt = False) -> None:
    """Check an evidence file against its model: print OK and exit 0, or list every problem
    (file:line: field: message) and exit 2."""
    from ..evidence import load_evidence

    m = _model_for(file, model)
    ev = load_evidence(file, m)
    as_of = m.metadata.as_of
    background = sum(1 for it in ev.items if as_of is not None and it.date <= as_of)
    if json_out:
        emit_json({"file": str(file), "model": m.metadata.id, "ok": True, "items": len(ev.items),
                   "background": background, "contradicted_claims": len(ev.contradicted_claims)})
        return
    console.print(f"OK {file}: {len(ev.items)} item(s) for model {m.metadata.id} ({background} background, "
                  f"{len(ev.contradicted_claims)} contradicted claim(s))", markup=False, highlight=False, soft_wrap=True)


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
    from ..evidence import EvidenceStore, load_evidence

    m = _model_for(file, model)
    ev = load_evidence(file, m)
    with EvidenceStore(db) as store:
        result = store.import_evidence(ev, m.metadata.id, replace=replace, origin=str(file))
    if json_out:
        emit_json({**result.to_dict(), "db": store._shown_url()})
        return
    console.print(
        f"{file}: {len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged "
        f"(model {m.metadata.id}; claims: {len(result.claims_added)} added) in {store._shown_url()}",
        markup=False, highlight=False, soft_wrap=True,
    )


def _store_model_id(store, model_id: str | None) -> str:
    """The model whose stored evidence to use: ``model_id`` if the store holds evidence for it, else the only one.

    Raises OptionError (empty store, several models and none chosen) or UnknownNameError (an id the store does
    not hold, with the ids it does)."""
    ids = store.model_ids()
    if not ids:
        raise OptionError(f"{store._shown_url()}: the store holds no evidence")
    if model_id is not None:
        if model_id not in ids:
            raise UnknownNameError(f"--model-id {model_id!r}: {store._shown_url()} holds no evidence for it "
                                   f"(known: {', '.join(ids)})")
        return model_id
    if len(ids) == 1:
        return ids[0]
    raise OptionError(f"the store holds evidence for several models ({', '.join(ids)}); choose one with --model-id")


ModelIdOpt = Annotated[
    Optional[str],
    typer.Option("--model-id", metavar="ID",
                 help="Model id (metadata.id) whose stored evidence to use (default: the only model in the store)."),
]
LedgerModelIdOpt = Annotated[
    Optional[str],
    typer.Option("--model-id", metavar="ID", help="Only forecasts about this model (its metadata.id)."),
]
ForecasterOpt = Annotated[Optional[str], typer.Option("--forecaster", metavar="NAME", help="Only this forecaster's.")]


@_sub(evidence_app, "export")
def evidence_export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="File to write (.yaml or .csv); default: YAML on stdout.")] = None,
    model_id: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Optional[str], typer.Option("--format", metavar="yaml|csv", help="yaml or csv (default: from the suffix of --output, else yaml).")] = None,
) -> None:
    """Write the stored evidence of one model as an evidence file (YAML keeps the contradicted claims; CSV holds
    the items only)."""
    from ..evidence import EvidenceStore, dump_csv, dump_evidence, save_evidence
    from ..evidence.store import resolve_db_url, sqlite_file

    if fmt is not None and fmt not in ("yaml", "csv"):
        raise OptionError(f"--format {fmt!r}: use yaml or csv")
    if output is not None:
        if fmt is None and output.suffix.lower() not in (".yaml", ".yml", ".csv"):
            raise OptionError(f"--output {output}: cannot tell the format from the suffix (use .yaml, .yml or .csv, "
                              "or give --format)")
        check_output_path(output, inputs=[sqlite_file(resolve_db_url(db))], option="--output")
    with EvidenceStore(db) as store:
        ev = store.evidence_file(_store_model_id(store, model_id))
    if output is None:
        text = dump_csv(ev.items) if fmt == "csv" else dump_evidence(ev)
        typer.echo(text, nl=False)
        return
    save_evidence(ev, output, fmt)
    note_written(output, f"{len(ev.items)} evidence item(s)")


@_sub(evidence_app, "list")
def evidence_list(
    model: ModelOpt = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", "-e", metavar="FILE", help="Read this file instead of the store.")] = None,
    db: DbOpt = None,
    model_id: ModelIdOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List evidence items (from the store, or a file with --evidence) with grade, weight, bearing and whether they
    are background (dated on or before the model's as-of date)."""
    from ..evidence import EvidenceStore, item_weight, load_evidence

    lo, hi = _date(start, "--from"), _date(end, "--to")
    as_of = None
    if evidence is not None:
        if db is not None:
            raise OptionError("give --evidence or --db, not both")
        m = _model_for(evidence, model)
        if model_id is not None and model_id != m.metadata.id:
            raise OptionError(f"--model-id {model_id!r}: the evidence file is read for model {m.metadata.id!r}; "
                              "--model-id selects evidence in the store (give --model to check the file against "
                              "another model)")
        items = list(load_evidence(evidence, m).items)
        as_of, mid = m.metadata.as_of, m.metadata.id
    else:
        with EvidenceStore(db) as store:
            if model is not None:
                m = load_model(model)
                as_of, mid = m.metadata.as_of, m.metadata.id
                if model_id is not None and model_id != mid:
                    raise OptionError(f"--model-id {model_id!r} and --model {model} (id {mid!r}) disagree; give one")
            else:
                mid = _store_model_id(store, model_id)
                packaged = _packaged_model(mid)
                as_of = packaged.metadata.as_of if packaged is not None else None
            items = store.items(mid)
    items = [it for it in items if (lo is None or it.date >= lo) and (hi is None or it.date <= hi)]
    rows = []
    for it in sorted(items, key=lambda it: (it.date, it.id)):
        b = it.bearing
        rows.append({
            "id": it.id, "date": it.date.isoformat(), "title": it.title, "grade": str(it.grade),
            "weight": item_weight(it), "status": it.status, "kind": b.kind,
            "target": getattr(b, "descriptor", None) or "(outcome)", "cluster": it.cluster,
            "background": None if as_of is None else it.date <= as_of,
        })
    if json_out:
        emit_json({"model": mid, "as_of": as_of.isoformat() if as_of else None, "items": rows})
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
            t.add_row(r["date"] + (" (bg)" if r["background"] else ""), r["id"], r["grade"], f"{r['weight']:.2f}",
                      r["status"], f"{r['kind']}: {r['target']}", r["cluster"] or "", r["title"])
    else:
        # compact: under the id, the title, then status, bearing and cluster; grade and weight together
        t.add_column("id / title / status, bearing, cluster", min_width=max((len(r["id"]) for r in rows), default=2),
                     overflow="fold")
        t.add_column("grade w", no_wrap=True)
        for r in rows:
            what = f"{r['status']}; {r['kind']}: {r['target']}" + (f"; cluster {r['cluster']}" if r["cluster"] else "")
            t.add_row(r["date"] + ("\n(bg)" if r["background"] else ""), f"{r['id']}\n{r['title']}\n{what}",
                      f"{r['grade']} {r['weight']:.2f}")
    console.print(t)
    if rows and any(r["background"] for r in rows):
        console.print("(bg): background, dated on or before the model's as-of date; not replayed by track.",
                      highlight=False, style="dim")


# -- track ---------------------------------------------------------------------------------------------------


@command("track")
def track_cmd(
    model: ModelArg = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", "-e", metavar="FILE", help="Evidence file or packaged evidence name to replay (instead of the store).")] = None,
    db: DbOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    draws: Annotated[int, typer.Option("--draws", min=0, metavar="N", help=f"Judgment draws per date for the bands (0: stated matrix only; at most {MAX_DRAWS:,}).")] = DEFAULT_DRAWS,
    seed: SeedOpt = DEFAULT_SEED,
    self_impacts: SelfImpactsOpt = None,
    json_out: JsonOpt = False,
    report: Annotated[Optional[Path], typer.Option("--report", metavar="FILE", help="Write an HTML report with the timeline chart.")] = None,
) -> None:
    """Replay the evidence after the model's as-of date in date order and print the outcome distribution after each
    date: "model" (updated priors and interventions through CIB) and "model + indicators", with 5-95 % bands and
    the none bin. Evidence comes from --evidence FILE or the store (--db). The as-of row is what `scenarist
    likelihood` prints with the same --draws and --seed (the defaults agree)."""
    from rich.progress import Progress

    from ..evidence import EvidenceStore, load_evidence
    from ..evidence.replay import track

    check_draws(draws)
    if evidence is not None and db is not None:
        raise OptionError("give --evidence or --db, not both")
    inputs = []
    if report is not None:
        from ..evidence.files import resolve_evidence_path
        from ..evidence.store import resolve_db_url, sqlite_file

        inputs = [resolve_model_path(model), resolve_evidence_path(evidence) if evidence is not None else
                  sqlite_file(resolve_db_url(db))]
        check_output_path(report, inputs=inputs, option="--report")
    m = load_model_as(model, self_impacts)
    ledger = None
    if evidence is not None:
        ev = load_evidence(evidence, m)
        items, claims = list(ev.items), list(ev.contradicted_claims)
    else:
        from ..forecasts import list_forecasts, score

        with EvidenceStore(db) as store:
            shown = store._shown_url()
            items, claims = store.items(m.metadata.id), store.claims(m.metadata.id)
            fs = list_forecasts(store, m.metadata.id)
            ledger = (score(fs), fs) if fs else None
            if not items:
                err_console.print(f"note: {store._shown_url()} holds no evidence for model {m.metadata.id}",
                                  markup=False, highlight=False, soft_wrap=True)
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("replaying evidence", total=None)
        result = track(m, items, start=_date(start, "--from"), end=_date(end, "--to"), draws=draws, seed=seed,
                       claims=claims, progress=lambda fraction, phase: bar.update(task, completed=fraction, total=1.0),
                       source=str(evidence) if evidence is not None else shown)
    if report is not None:
        from ..evidence.report import write_track_report

        write_track_report(m, result, report, *(ledger or ()), inputs=inputs)
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
    t = Table(title=f"{r.model_id}: {r.outcome} after each date (upper line: model; lower: model + indicators)"
              + (f", {r.draws} draws, seed {r.seed}" if r.draws else ""), show_edge=wide)
    t.add_column("date", no_wrap=True)
    if wide:
        t.add_column("evidence", overflow="fold", min_width=12)
    # narrow: variant ids (short, and what --outcome and --p take) head the columns; titles follow the table
    for name in (r.variant_names if wide else r.variants):
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
        console.print(f"5–95 % bands over the {r.draws} draws: a terminal of {WIDE}+ columns, --json or --report.",
                      highlight=False, style="dim")
    moved = r.moved_most()
    if moved:
        console.print("Moved the outcome most (total variation, model + indicators):", markup=False, soft_wrap=True)
        for p in moved:
            console.print(f"  {p.date}  {100 * p.shift:.1f} pts  " + "; ".join(r.item(i).title for i in p.items),
                          markup=False, highlight=False, soft_wrap=True)
    for i in r.outside:
        it = r.item(i)
        console.print(f"Outside the model: {it.date} {it.bearing.descriptor}: {it.bearing.what} ({it.id})",
                      markup=False, highlight=False, soft_wrap=True)
    if r.background:
        console.print(f"{len(r.background)} background item(s) on or before {r.as_of} are stored but not replayed.",
                      markup=False, highlight=False, soft_wrap=True)
    if r.claims:
        console.print(f"{len(r.claims)} contradicted claim(s) recorded (see --report or --json).", markup=False, soft_wrap=True)
    for n in r.notes:
        err_console.print(f"note: {n}", markup=False, highlight=False, soft_wrap=True)


# -- forecasts -----------------------------------------------------------------------------------------------


def _parse_probabilities(items: list[str] | None) -> dict[str, float]:
    from .common import parse_assignments

    out = {}
    for k, v in parse_assignments(items, "--p").items():
        try:
            out[k] = float(v)
        except ValueError:
            raise OptionError(f"--p {k}={v}: not a number") from None
    return out


@_sub(forecast_app, "record")
def forecast_record(
    forecast_id: Annotated[str, typer.Option("--id", metavar="ID", help="Forecast id, unique in the ledger (letters, digits and . _ : -; no spaces).")],
    criteria: Annotated[str, typer.Option("--criteria", metavar="TEXT", help="Written resolution criteria.")],
    horizon: Annotated[str, typer.Option("--horizon", metavar="DATE", help="Date by which to judge it (YYYY-MM-DD).")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", metavar="MODEL", help="Model file or packaged model name whose outcome is forecast (default: the flagship).")] = None,
    probabilities: Annotated[Optional[list[str]], typer.Option("--p", metavar="VARIANT=P", help="VARIANT=PROBABILITY (repeatable or comma-separated).")] = None,
    from_model: Annotated[bool, typer.Option("--from-model", help="Use the model's outcome distribution (conditional on consistency).")] = False,
    from_assessments: Annotated[bool, typer.Option("--from-assessments", help="Use the source's own verbal assessments mapped by the model's WEP table.")] = False,
    made_on: Annotated[Optional[str], typer.Option("--date", metavar="DATE", help="Date the forecast is made (default: the model's as-of date).")] = None,
    forecaster: Annotated[Optional[str], typer.Option("--forecaster", metavar="NAME", help="Who forecasts (default: model, article or analyst).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="Free note.")] = None,
    draws: Annotated[int, typer.Option("--draws", min=0, metavar="N", help=f"With --from-model: judgment draws (0: the stated matrix only; at most {MAX_DRAWS:,}).")] = DEFAULT_DRAWS,
    seed: SeedOpt = DEFAULT_SEED,
    self_impacts: SelfImpactsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a forecast over the model's outcome: from --p VARIANT=P, --from-model or --from-assessments."""
    from ..evidence import EvidenceStore
    from ..forecasts import assessment_probabilities, make_forecast, record_forecast

    if sum([bool(probabilities), from_model, from_assessments]) != 1:
        raise OptionError("give exactly one of --p, --from-model, --from-assessments")
    check_draws(draws)
    m = load_model_as(model, self_impacts)
    if from_model:
        from ..probability import outcome_distribution
        from .likelihood import _Bar

        with _Bar(draws) as bar:
            probs = outcome_distribution(m, draws=draws, seed=seed, progress=bar).conditional
        who = "model"
    elif from_assessments:
        probs, who = assessment_probabilities(m), "article"
    else:
        probs, who = _parse_probabilities(probabilities), "analyst"
    day = _date(made_on, "--date") or m.metadata.as_of
    if day is None:
        raise OptionError("--date is needed: the model states no as-of date")
    f = make_forecast(forecast_id, m, probs, day, _date(horizon, "--horizon"), criteria, forecaster or who, note)
    with EvidenceStore(db) as store:
        added = record_forecast(store, f)
    if json_out:
        emit_json({**f.to_dict(), "added": added})
        return
    shown = ", ".join(f"{v} {_pct(p)}" for v, p in zip(f.variants, f.probabilities))
    console.print(f"{'recorded' if added else 'already recorded'} {f.id} ({f.forecaster}, {f.made_on}): {shown}",
                  markup=False, highlight=False, soft_wrap=True)


@_sub(forecast_app, "list")
def forecast_list(
    model_id: LedgerModelIdOpt = None,
    forecaster: ForecasterOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the forecasts in the ledger with their resolutions."""
    from ..evidence import EvidenceStore
    from ..forecasts import check_ledger_filter, list_forecasts

    with EvidenceStore(db) as store:
        check_ledger_filter(store, model_id, forecaster)
        fs = list_forecasts(store, model_id, forecaster)
    if json_out:
        emit_json({"forecasts": [f.to_dict() for f in fs]})
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
        res = "open" if f.resolution is None else f"{f.resolution.outcome}\n{f.resolution.resolved_on}"
        probs = "\n".join(f"{v} {_pct(p)}" for v, p in zip(f.variants, f.probabilities))
        who = [f.forecaster] if wide else []
        t.add_row(f.id if wide else f"{f.id}\n{f.forecaster}", *who,
                  f"{f.made_on.isoformat()}\n{f.horizon.isoformat()}", probs, res)
    console.print(t)


@_sub(forecast_app, "resolve")
def forecast_resolve(
    forecast_id: Annotated[str, typer.Argument(metavar="ID", help="Forecast id.", show_default=False)],
    outcome: Annotated[str, typer.Option("--outcome", metavar="VARIANT", help="The variant that happened.")],
    resolved_on: Annotated[Optional[str], typer.Option("--date", metavar="DATE", help="Day of the judgment (default: today; a day before the horizon is warned about).")] = None,
    evidence: Annotated[Optional[list[str]], typer.Option("--evidence", metavar="ITEM", help="Evidence item id showing it (repeatable or comma-separated).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="Why: how the criteria were applied.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Change an earlier resolution.")] = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record what happened to a forecast and the evidence for it."""
    from ..evidence import EvidenceStore
    from ..forecasts import resolve_forecast

    ids = [e.strip() for item in evidence or [] for e in item.split(",") if e.strip()]
    with EvidenceStore(db) as store:
        f = resolve_forecast(store, forecast_id, outcome, _date(resolved_on, "--date") or dt.date.today(), ids, note, replace)
    if f.resolution.resolved_on < f.horizon:
        how = "--date" if resolved_on is not None else "today's date (the default; --date sets another)"
        err_console.print(f"warning: resolving {f.id} on {f.resolution.resolved_on} ({how}), before its horizon "
                          f"{f.horizon}", markup=False, highlight=False, soft_wrap=True)
    if json_out:
        emit_json(f.to_dict())
        return
    console.print(f"resolved {f.id}: {outcome} on {f.resolution.resolved_on}", markup=False, highlight=False, soft_wrap=True)


@_sub(forecast_app, "score")
def forecast_score(
    model_id: LedgerModelIdOpt = None,
    forecaster: ForecasterOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Brier and log scores of the resolved forecasts, side by side per forecaster, and the calibration table."""
    from ..evidence import EvidenceStore
    from ..forecasts import score_ledger

    with EvidenceStore(db) as store:
        s = score_ledger(store, model_id, forecaster)
    if json_out:
        emit_json(s.to_dict())
        return
    wide = console.width >= WIDE
    t = Table(title="Scores (lower is better: Brier 0..2, log = −ln p in nats; p: the forecast's probability of "
                    "the outcome)", show_edge=wide)
    t.add_column("forecast" if wide else "forecast\nforecaster", no_wrap=True)
    if wide:
        t.add_column("forecaster", overflow="fold")
    t.add_column("made on\nresolved", no_wrap=True)
    t.add_column("outcome", overflow="fold")
    for col in ("p", "Brier", "log"):
        t.add_column(col, justify="right", no_wrap=True)
    for r in s.rows:
        who = [r.forecaster] if wide else []
        t.add_row(r.forecast_id if wide else f"{r.forecast_id}\n{r.forecaster}", *who,
                  f"{r.made_on.isoformat()}\n{r.resolved_on.isoformat()}", r.outcome,
                  f"{r.probability:.3f}", f"{r.brier:.4f}", "inf" if math.isinf(r.log) else f"{r.log:.4f}")
    console.print(t)
    for name, v in s.summary.items():
        log = "inf" if math.isinf(v["log"]) else f"{v['log']:.4f}"
        console.print(f"{name}: {v['n']} resolved, mean Brier {v['brier']:.4f}, mean log {log}", markup=False, highlight=False, soft_wrap=True)
    c = Table(title="Calibration")
    for col in ("bin", "n", "mean forecast", "observed"):
        c.add_column(col)
    for b in s.calibration:
        if b.n:
            c.add_row(f"{b.low:.1f}–{b.high:.1f}", str(b.n), f"{b.mean_forecast:.3f}", f"{b.observed:.3f}")
    console.print(c)
    if s.unresolved:
        console.print(f"open (not scored): {', '.join(s.unresolved)}", markup=False, highlight=False, soft_wrap=True)
    for n in s.notes:
        err_console.print(f"note: {n}", markup=False, highlight=False, soft_wrap=True)
