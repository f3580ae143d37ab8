"""Commands ``evidence import|export|validate|list``, ``track`` and ``forecast record|list|resolve|score``.

Thin adapters: parse options, call one library function (:mod:`scenarist.evidence`, :mod:`scenarist.forecasts`),
present the result. ``--db`` (or ``$SCENARIST_DB``) names the store; default ``scenarist.db`` here.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.table import Table

from ..errors import OptionError, ScenaristError
from ..io.yaml_model import load_model, packaged_models
from ..likelihood.distribution import DEFAULT_DRAWS, DEFAULT_SEED
from ..model import Model
from .common import JsonOpt, ModelArg, SeedOpt, app, command, console, emit_json, err_console, fail

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
    """Register a command on a sub-group, turning ScenaristError into one stderr message and exit 2."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kw: Any) -> Any:
            try:
                return fn(*args, **kw)
            except ScenaristError as exc:
                raise fail(str(exc)) from None

        group.command(name)(wrapper)
        return fn

    return decorate


DbOpt = Annotated[
    Optional[str],
    typer.Option("--db", help="Store: a SQLAlchemy URL or a SQLite file path (default: $SCENARIST_DB, else ./scenarist.db)."),
]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="Model file or packaged model name (default: the model the file names, else the flagship)."),
]
FileArg = Annotated[Path, typer.Argument(help="Evidence file (.yaml/.yml or .csv).", show_default=False)]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="First date (YYYY-MM-DD).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Last date (YYYY-MM-DD).")]


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
    from ..io.yaml_model import read_yaml

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
    if model_id is not None:
        return model_id
    ids = store.model_ids()
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise OptionError(f"{store._shown_url()}: the store holds no evidence")
    raise OptionError(f"the store holds evidence for several models ({', '.join(ids)}); choose one with --model-id")


ModelIdOpt = Annotated[Optional[str], typer.Option("--model-id", help="Model id (metadata.id) whose evidence to use.")]


@_sub(evidence_app, "export")
def evidence_export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (.yaml or .csv); default: YAML on stdout.")] = None,
    model_id: ModelIdOpt = None,
    db: DbOpt = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="yaml or csv (default: from the suffix).")] = None,
) -> None:
    """Write the stored evidence of one model as an evidence file (YAML keeps the contradicted claims; CSV holds
    the items only)."""
    from ..evidence import EvidenceStore, dump_csv, dump_evidence, save_evidence

    with EvidenceStore(db) as store:
        ev = store.evidence_file(_store_model_id(store, model_id))
    if output is None:
        text = dump_csv(ev.items) if fmt == "csv" else dump_evidence(ev)
        typer.echo(text, nl=False)
        return
    save_evidence(ev, output, fmt)
    err_console.print(f"wrote {len(ev.items)} item(s) to {output}", markup=False, highlight=False, soft_wrap=True)


@_sub(evidence_app, "list")
def evidence_list(
    model: ModelOpt = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", "-e", help="Read this file instead of the store.")] = None,
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
        items = list(load_evidence(evidence, m).items)
        as_of, mid = m.metadata.as_of, m.metadata.id
    else:
        with EvidenceStore(db) as store:
            if model is not None:
                m = load_model(model)
                as_of, mid = m.metadata.as_of, m.metadata.id
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
    for col in ("date", "id", "grade", "w", "status", "bearing", "cluster", "title"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["date"] + (" (bg)" if r["background"] else ""), r["id"], r["grade"], f"{r['weight']:.2f}",
                  r["status"], f"{r['kind']}: {r['target']}", r["cluster"] or "", r["title"])
    console.print(t)


# -- track ---------------------------------------------------------------------------------------------------


@command("track")
def track_cmd(
    model: ModelArg = None,
    evidence: Annotated[Optional[Path], typer.Option("--evidence", "-e", help="Evidence file to replay (instead of the store).")] = None,
    db: DbOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    draws: Annotated[int, typer.Option("--draws", min=0, help="Judgment draws per date for the bands (0: stated matrix only).")] = DEFAULT_DRAWS,
    seed: SeedOpt = DEFAULT_SEED,
    json_out: JsonOpt = False,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write an HTML report with the timeline chart.")] = None,
) -> None:
    """Replay the evidence after the model's as-of date in date order and print the outcome distribution after each
    date: "model" (updated priors and interventions through CIB) and "model + indicators", with 5-95 % bands and
    the none bin. Evidence comes from --evidence FILE or the store (--db). The as-of row is what `scenarist
    likelihood` prints with the same --draws and --seed (the defaults agree)."""
    from rich.progress import Progress

    from ..evidence import EvidenceStore, load_evidence
    from ..evidence.replay import track

    if evidence is not None and db is not None:
        raise OptionError("give --evidence or --db, not both")
    m = load_model(model)
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
                       claims=claims, progress=lambda done, total: bar.update(task, completed=done, total=total),
                       source=str(evidence) if evidence is not None else shown)
    if report is not None:
        from ..evidence.report import write_track_report

        write_track_report(m, result, report, *(ledger or ()))
        err_console.print(f"wrote {report}", markup=False, highlight=False, soft_wrap=True)
    if json_out:
        emit_json(result.to_dict())
        return
    _print_track(result)


def _print_track(r) -> None:
    t = Table(title=f"{r.model_id}: {r.outcome} after each date (model | model + indicators)"
              + (f", {r.draws} draws, seed {r.seed}" if r.draws else ""))
    t.add_column("date")
    t.add_column("evidence")
    for name in r.variant_names:
        t.add_column(name, justify="right")
    t.add_column("none", justify="right")
    t.add_column("shift", justify="right")

    def cell(snap, i) -> str:
        s = _pct(snap.probability[i])
        if snap.low is not None:
            s += f" [{100 * snap.low[i]:.0f}–{100 * snap.high[i]:.0f}]"
        return s

    for k, p in enumerate(r.points):
        label = "as of" if k == 0 else ", ".join(r.item(i).title for i in p.items)
        cells = [f"{cell(p.model, i)} | {cell(p.indicators, i)}" for i in range(len(r.variants))]
        t.add_row(p.date.isoformat(), label[:70], *cells, _pct(p.model.none), f"{100 * p.shift:.1f}")
    console.print(t)
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
    forecast_id: Annotated[str, typer.Option("--id", help="Forecast id (unique in the ledger).")],
    criteria: Annotated[str, typer.Option("--criteria", help="Written resolution criteria.")],
    horizon: Annotated[str, typer.Option("--horizon", help="Date by which to judge it (YYYY-MM-DD).")],
    model: ModelOpt = None,
    probabilities: Annotated[Optional[list[str]], typer.Option("--p", help="VARIANT=PROBABILITY (repeatable or comma-separated).")] = None,
    from_model: Annotated[bool, typer.Option("--from-model", help="Use the model's outcome distribution (conditional on consistency).")] = False,
    from_assessments: Annotated[bool, typer.Option("--from-assessments", help="Use the source's own verbal assessments mapped by the model's WEP table.")] = False,
    made_on: Annotated[Optional[str], typer.Option("--date", help="Date the forecast is made (default: the model's as-of date).")] = None,
    forecaster: Annotated[Optional[str], typer.Option("--forecaster", help="Who forecasts (default: model, article or analyst).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="Free note.")] = None,
    draws: Annotated[int, typer.Option("--draws", min=0, help="With --from-model: judgment draws (0: the stated matrix only).")] = DEFAULT_DRAWS,
    seed: SeedOpt = DEFAULT_SEED,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a forecast over the model's outcome: from --p VARIANT=P, --from-model or --from-assessments."""
    from ..evidence import EvidenceStore
    from ..forecasts import assessment_probabilities, make_forecast, record_forecast

    if sum([bool(probabilities), from_model, from_assessments]) != 1:
        raise OptionError("give exactly one of --p, --from-model, --from-assessments")
    m = load_model(model)
    if from_model:
        from ..likelihood import outcome_distribution

        probs = outcome_distribution(m, draws=draws, seed=seed).conditional
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
    model_id: ModelIdOpt = None,
    forecaster: Annotated[Optional[str], typer.Option("--forecaster", help="Only this forecaster's.")] = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the forecasts in the ledger with their resolutions."""
    from ..evidence import EvidenceStore
    from ..forecasts import list_forecasts

    with EvidenceStore(db) as store:
        fs = list_forecasts(store, model_id, forecaster)
    if json_out:
        emit_json({"forecasts": [f.to_dict() for f in fs]})
        return
    t = Table(title="Forecast ledger")
    for col in ("id", "forecaster", "made on", "horizon", "probabilities", "resolution"):
        t.add_column(col)
    for f in fs:
        res = "open" if f.resolution is None else f"{f.resolution.outcome} ({f.resolution.resolved_on})"
        t.add_row(f.id, f.forecaster, f.made_on.isoformat(), f.horizon.isoformat(),
                  ", ".join(f"{v} {_pct(p)}" for v, p in zip(f.variants, f.probabilities)), res)
    console.print(t)


@_sub(forecast_app, "resolve")
def forecast_resolve(
    forecast_id: Annotated[str, typer.Argument(help="Forecast id.", show_default=False)],
    outcome: Annotated[str, typer.Option("--outcome", help="The variant that happened.")],
    resolved_on: Annotated[Optional[str], typer.Option("--date", help="Day of the judgment (default: today).")] = None,
    evidence: Annotated[Optional[list[str]], typer.Option("--evidence", help="Evidence item id showing it (repeatable).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="Why: how the criteria were applied.")] = None,
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
    if json_out:
        emit_json(f.to_dict())
        return
    console.print(f"resolved {f.id}: {outcome} on {f.resolution.resolved_on}", markup=False, highlight=False, soft_wrap=True)


@_sub(forecast_app, "score")
def forecast_score(
    model_id: ModelIdOpt = None,
    forecaster: Annotated[Optional[str], typer.Option("--forecaster", help="Only this forecaster's.")] = None,
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
    t = Table(title="Scores (lower is better: Brier 0..2, log = −ln p in nats)")
    for col in ("forecast", "forecaster", "made on", "resolved", "outcome", "p(outcome)", "Brier", "log"):
        t.add_column(col)
    for r in s.rows:
        t.add_row(r.forecast_id, r.forecaster, r.made_on.isoformat(), r.resolved_on.isoformat(), r.outcome,
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
