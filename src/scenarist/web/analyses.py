"""Pages and JSON twins for the analyses beyond the tableau: succession, basins, sensitivity, readings and their
ensemble, the evidence list and its form, the tracking timeline, the ACH matrix, and the forecast ledger.

Each route parses its request, calls the public library (through :mod:`.compute` where a result is cached by
model version) and renders the result's ``.to_dict()``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import api
from ..errors import ModelError, OptionError, ScenaristError, UnknownNameError
from . import compute
from .pages import Fix, Version, _model_context, render

pages = APIRouter(include_in_schema=False)
twins = APIRouter(prefix="/api", tags=["analyses"])

Operator = Annotated[str, Query(pattern="^(global|local|sequential)$")]
Seed = Annotated[int, Query(ge=0, le=2**63 - 1)]
Draws = Annotated[int, Query(ge=0, le=compute.MAX_PAGE_DRAWS)]
#: Most start scenarios a page samples for basins (the CLI allows 10^7).
MAX_PAGE_SAMPLES = 200_000


# -- succession and basins -------------------------------------------------------------------------------------


def _succession(request, model_id, version, operator, seed, fix):
    v = compute.version_of(request.app.state, model_id, version)
    model = compute.model_at(request.app.state, model_id, v.version)
    fixed = compute.parse_fixed(fix)
    key = (model_id, v.version, "succession", operator, seed, tuple(sorted(fixed.items())))
    return request.app.state.cache.get(
        key, lambda: api.succession(model, random=True, seed=seed, operator=operator, fixed=fixed or None)
    )


@pages.get("/models/{model_id}/succession", response_class=HTMLResponse)
def succession_page(
    request: Request,
    model_id: str,
    version: Version = None,
    operator: Operator = "global",
    seed: Seed = 0,
    fix: Fix = None,
):
    """A succession path from a random start scenario (seeded) to its attractor or cycle."""
    ctx = _model_context(request, model_id, version)
    result = _succession(request, model_id, ctx["version"].version, operator, seed, fix)
    return render(
        request, "succession.html", title="Succession", s=result.to_dict(), operator=operator, seed=seed, **ctx
    )


@twins.get("/models/{model_id}/succession")
def succession_json(
    request: Request,
    model_id: str,
    version: Version = None,
    operator: Operator = "global",
    seed: Seed = 0,
    fix: Fix = None,
) -> dict:
    """As ``scenarist succession --random --seed S --json``."""
    return _succession(request, model_id, version, operator, seed, fix).to_dict()


def _basins(request, model_id, version, operator, method, samples, seed, fix):
    if samples > MAX_PAGE_SAMPLES:
        raise OptionError(f"samples must be at most {MAX_PAGE_SAMPLES:,} on a page (the CLI allows more)")
    v = compute.version_of(request.app.state, model_id, version)
    model = compute.model_at(request.app.state, model_id, v.version)
    fixed = compute.parse_fixed(fix)
    key = (model_id, v.version, "basins", operator, method, samples, seed, tuple(sorted(fixed.items())))
    return compute.Task(
        key,
        lambda progress: api.basins(
            model,
            operator=operator,
            method=method,
            samples=samples,
            seed=seed,
            fixed=fixed or None,
            progress=progress,
        ),
    )


@pages.get("/models/{model_id}/basins", response_class=HTMLResponse)
def basins_page(
    request: Request,
    model_id: str,
    version: Version = None,
    operator: Operator = "global",
    method: Annotated[str, Query(pattern="^(auto|exact|sampled)$")] = "auto",
    samples: Annotated[int, Query(ge=1, le=MAX_PAGE_SAMPLES)] = 100_000,
    seed: Seed = 0,
    fix: Fix = None,
):
    """Attractors and the share of start scenarios (basin) that ends in each."""
    ctx = _model_context(request, model_id, version)
    task = _basins(request, model_id, ctx["version"].version, operator, method, samples, seed, fix)
    result, job = compute.for_page(request.app.state, task)
    if job is not None:
        return render(request, "progress.html", title="Basins", job=job, **ctx)
    return render(request, "basins.html", title="Basins", b=result.to_dict(), operator=operator, method=method, **ctx)


@twins.get("/models/{model_id}/basins")
def basins_json(
    request: Request,
    model_id: str,
    version: Version = None,
    operator: Operator = "global",
    method: Annotated[str, Query(pattern="^(auto|exact|sampled)$")] = "auto",
    samples: Annotated[int, Query(ge=1, le=MAX_PAGE_SAMPLES)] = 100_000,
    seed: Seed = 0,
    fix: Fix = None,
) -> dict:
    """As ``scenarist basins --json``."""
    return compute.now(
        request.app.state, _basins(request, model_id, version, operator, method, samples, seed, fix)
    ).to_dict()


# -- sensitivity ------------------------------------------------------------------------------------------------


def _sensitivity(request, model_id, version, fix):
    v = compute.version_of(request.app.state, model_id, version)
    model = compute.model_at(request.app.state, model_id, v.version)
    fixed = compute.parse_fixed(fix)
    key = (model_id, v.version, "sensitivity", tuple(sorted(fixed.items())))
    return compute.Task(key, lambda progress: api.sensitivity(model, fixed=fixed or None))


@pages.get("/models/{model_id}/sensitivity", response_class=HTMLResponse)
def sensitivity_page(request: Request, model_id: str, version: Version = None, fix: Fix = None):
    """Each judgment moved one step down and up: how far the outcome distribution moves, largest first."""
    ctx = _model_context(request, model_id, version)
    result, job = compute.for_page(request.app.state, _sensitivity(request, model_id, ctx["version"].version, fix))
    if job is not None:
        return render(request, "progress.html", title="Sensitivity", job=job, **ctx)
    return render(request, "sensitivity.html", title="Sensitivity", se=result.to_dict(), **ctx)


@twins.get("/models/{model_id}/sensitivity")
def sensitivity_json(request: Request, model_id: str, version: Version = None, fix: Fix = None) -> dict:
    """As ``scenarist sensitivity --json``."""
    return compute.now(request.app.state, _sensitivity(request, model_id, version, fix)).to_dict()


# -- readings and the ensemble ------------------------------------------------------------------------------


@pages.get("/models/{model_id}/readings", response_class=HTMLResponse)
def readings_page(request: Request, model_id: str):
    """The readings of a model compared cell by cell, a form to add one, and their ensemble."""
    return _readings(request, model_id)


def _readings(request: Request, model_id: str, status: int = 200, errors=None, form=None) -> HTMLResponse:
    ctx = _model_context(request, model_id, None)
    ws = request.app.state.workspace
    readings = ws.readings(model_id)
    stated = {(j.from_, j.to): j.score for j in ctx["model"].judgments}
    cells = sorted({c for r in readings for c in r.overrides})
    rows = []
    for cell in cells:
        scores = [stated.get(cell, 0)] + [r.overrides.get(cell, stated.get(cell, 0)) for r in readings]
        rows.append(
            {"cell": cell, "scores": scores, "spread": max(scores) - min(scores), "agree": len(set(scores)) == 1}
        )
    ensemble = compute.ensemble(request.app.state, model_id, None).to_dict() if readings else None
    return render(
        request,
        "readings.html",
        status=status,
        title="Readings",
        readings=readings,
        rows=rows,
        ensemble=ensemble,
        errors=errors or [],
        form=form,
        **ctx,
    )


@pages.post("/models/{model_id}/readings", response_class=HTMLResponse)
def add_reading(
    request: Request,
    model_id: str,
    name: Annotated[str, Form(max_length=200)],
    overrides: Annotated[str, Form(max_length=200_000)],
    author: Annotated[str, Form(max_length=200)] = "analyst",
    weight: Annotated[str, Form(max_length=30)] = "1",
):
    """Keep a reading given as lines ``from to score`` (``policy.open politics.liberal -1``)."""
    try:
        parsed = _parse_overrides(overrides)
        try:
            w = float(weight)
        except ValueError:
            raise OptionError(f"weight must be a number, got {weight!r}") from None
        request.app.state.workspace.save_reading(model_id, name, parsed, author, w)
    except ScenaristError as exc:
        messages = [str(p) for p in exc.problems] if isinstance(exc, ModelError) else [str(exc)]
        form = {"name": name, "overrides": overrides, "author": author, "weight": weight}
        return _readings(request, model_id, status=422, errors=messages, form=form)
    return RedirectResponse(f"/models/{model_id}/readings", status_code=303)


def _parse_overrides(text: str) -> dict:
    out = {}
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 3:
            raise OptionError(f"overrides line {number}: write 'from to score', e.g. 'a.x b.y -1'")
        try:
            out[(parts[0], parts[1])] = int(parts[2])
        except ValueError:
            raise OptionError(f"overrides line {number}: score must be a whole number, got {parts[2]!r}") from None
    return out


# -- evidence, tracking and forecasts -------------------------------------------------------------------------

STATUSES = ("confirmed", "report", "claim", "leak", "denied")
BEARINGS = ("likelihood", "intervention", "indicator", "outside")


@pages.get("/models/{model_id}/evidence", response_class=HTMLResponse)
def evidence_page(request: Request, model_id: str, edit: Annotated[str | None, Query(max_length=200)] = None):
    """The evidence stored for the model, by date, with Admiralty grades; a form adds an item, or edits the one
    named by ``edit``."""
    form = None
    if edit:
        item = next((i for i in request.app.state.workspace.store.items(model_id) if i.id == edit), None)
        if item is None:
            raise UnknownNameError(f"no evidence item {edit!r} is stored for {model_id}")
        form = _form_of(item)
    return _evidence(request, model_id, form=form)


def _form_of(item) -> dict:
    """The add/edit form's fields for a stored item."""
    b = item.bearing
    likelihoods = getattr(b, "likelihoods", None) or {}
    return {
        "item_id": item.id,
        "date": item.date.isoformat(),
        "title": item.title,
        "summary": item.summary,
        "outlet": item.source.outlet,
        "address": item.source.address or "",
        "reliability": item.grade.reliability,
        "credibility": item.grade.credibility,
        "status": item.status,
        "kind": b.kind,
        "descriptor": getattr(b, "descriptor", None) or "",
        "variant": getattr(b, "variant", None) or "",
        "likelihoods": ", ".join(f"{k}={v:g}" for k, v in likelihoods.items()),
        "rationale": getattr(b, "rationale", None) or "",
        "cluster": item.cluster or "",
        "replace": True,
    }


def _evidence(request: Request, model_id: str, status: int = 200, errors=None, form=None) -> HTMLResponse:
    ctx = _model_context(request, model_id, None)
    items = request.app.state.workspace.store.items(model_id)
    return render(
        request,
        "evidence.html",
        status=status,
        title="Evidence",
        items=items,
        errors=errors or [],
        form=form or {},
        statuses=STATUSES,
        bearings=BEARINGS,
        **ctx,
    )


@pages.post("/models/{model_id}/evidence", response_class=HTMLResponse)
def add_evidence(
    request: Request,
    model_id: str,
    item_id: Annotated[str, Form(max_length=200)],
    date: Annotated[str, Form(max_length=10)],
    title: Annotated[str, Form(max_length=500)],
    summary: Annotated[str, Form(max_length=5000)],
    outlet: Annotated[str, Form(max_length=200)],
    reliability: Annotated[str, Form(pattern="^[A-F]$")],
    credibility: Annotated[int, Form(ge=1, le=6)],
    status: Annotated[str, Form(max_length=20)],
    kind: Annotated[str, Form(max_length=20)],
    descriptor: Annotated[str, Form(max_length=200)] = "",
    variant: Annotated[str, Form(max_length=200)] = "",
    likelihoods: Annotated[str, Form(max_length=2000)] = "",
    rationale: Annotated[str, Form(max_length=5000)] = "",
    address: Annotated[str, Form(max_length=2000)] = "",
    cluster: Annotated[str, Form(max_length=200)] = "",
    replace: Annotated[bool, Form()] = False,
):
    """Add (or, with ``replace``, edit) one evidence item; problems appear above the form and nothing is stored."""
    form = {k: v for k, v in locals().items() if k not in ("request", "model_id")}
    try:
        item = _item(form)
        model = compute.model_at(request.app.state, model_id, None)
        from ..workspace.evidence import add_item

        add_item(request.app.state.workspace.store, model, item, replace=replace)
    except ScenaristError as exc:
        messages = (
            [str(p).replace("<form>.yaml: ", "").replace("items[0].", "") for p in exc.problems]
            if isinstance(exc, ModelError)
            else [str(exc)]
        )
        return _evidence(request, model_id, status=422, errors=messages, form=form)
    return RedirectResponse(f"/models/{model_id}/evidence", status_code=303)


def _item(form: dict) -> dict:
    bearing: dict = {"kind": form["kind"]}
    if form["descriptor"]:
        bearing["descriptor"] = form["descriptor"]
    if form["kind"] == "intervention":
        bearing["variant"] = form["variant"]
    if form["kind"] in ("likelihood", "indicator"):
        bearing["likelihoods"] = {k: float(v) for k, v in _pairs(form["likelihoods"]).items()}
    if form["kind"] == "outside":
        bearing["what"] = form["rationale"] or form["title"]
    if form["rationale"]:
        bearing["rationale"] = form["rationale"]
    source = {"outlet": form["outlet"], "accessed": dt.date.today().isoformat()}
    if form["address"]:
        source["address"] = form["address"]
    item = {
        "id": form["item_id"],
        "date": form["date"],
        "title": form["title"],
        "summary": form["summary"],
        "source": source,
        "grade": {"reliability": form["reliability"], "credibility": form["credibility"]},
        "status": form["status"],
        "bearing": bearing,
    }
    if form["cluster"]:
        item["cluster"] = form["cluster"]
    return item


def _pairs(text: str) -> dict:
    out = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise OptionError(f"likelihoods: write variant=number pairs, got {part.strip()!r}")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise OptionError(f"likelihoods: {value.strip()!r} is not a number") from None
    return out


def _with_evidence(request, model_id, version, *params):
    """``(model, cache key, store URL)`` for a result computed over the stored evidence: the items are part of
    the key, so a new or edited item gives a new result."""
    v = compute.version_of(request.app.state, model_id, version)
    model = compute.model_at(request.app.state, model_id, v.version)
    items = request.app.state.workspace.store.items(model_id)
    key = (model_id, v.version, *params, hash(tuple(i.model_dump_json() for i in items)))
    return model, key, _store_url(request)


def _track(request, model_id, version, draws, seed):
    model, key, url = _with_evidence(request, model_id, version, "track", draws, seed)
    return compute.Task(key, lambda progress: api.track(model, db=url, draws=draws, seed=seed, progress=progress))


def _store_url(request: Request) -> str:
    return request.app.state.workspace.store.engine.url.render_as_string(hide_password=False)


@pages.get("/models/{model_id}/track", response_class=HTMLResponse)
def track_page(request: Request, model_id: str, version: Version = None, draws: Draws = 0, seed: Seed = 0):
    """The outcome distribution after each dated piece of evidence: the tracking timeline."""
    ctx = _model_context(request, model_id, version)
    result, job = compute.for_page(request.app.state, _track(request, model_id, ctx["version"].version, draws, seed))
    if job is not None:
        return render(request, "progress.html", title="Tracking", job=job, **ctx)
    chart = None
    if len(result.points) > 1:
        from ..reporting.plots import timeline_chart

        chart = timeline_chart(result)
    return render(request, "track.html", title="Tracking", t=result.to_dict(), chart=chart, draws=draws, **ctx)


@twins.get("/models/{model_id}/track")
def track_json(request: Request, model_id: str, version: Version = None, draws: Draws = 0, seed: Seed = 0) -> dict:
    """As ``scenarist track --db STORE --json``."""
    return compute.now(request.app.state, _track(request, model_id, version, draws, seed)).to_dict()


def _ach(request, model_id, version, hypotheses, as_of):
    model, key, url = _with_evidence(request, model_id, version, "ach", hypotheses, as_of)
    return request.app.state.cache.get(key, lambda: api.ach(model, db=url, hypotheses=hypotheses or None, as_of=as_of))


Hypotheses = Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_.\-]*$")]


@pages.get("/models/{model_id}/ach", response_class=HTMLResponse)
def ach_page(
    request: Request,
    model_id: str,
    version: Version = None,
    hypotheses: Hypotheses = None,
    as_of: dt.date | None = None,
):
    """The stored evidence as Heuer's ACH matrix: items × hypotheses (the outcome's variants, or ``hypotheses``'),
    each cell rated C / I / II, with diagnosticity, inconsistency scores and the critical items."""
    ctx = _model_context(request, model_id, version)
    result = _ach(request, model_id, ctx["version"].version, hypotheses, as_of)
    return render(request, "ach.html", title="ACH", a=result.to_dict(), hypotheses=hypotheses or "", **ctx)


@twins.get("/models/{model_id}/ach")
def ach_json(
    request: Request,
    model_id: str,
    version: Version = None,
    hypotheses: Hypotheses = None,
    as_of: dt.date | None = None,
) -> dict:
    """As ``scenarist ach --db STORE --json`` (``hypotheses``: a descriptor id; ``as_of``: last date of evidence)."""
    return _ach(request, model_id, version, hypotheses, as_of).to_dict()


@twins.get("/models/{model_id}/evidence")
def evidence_json(request: Request, model_id: str) -> dict:
    """The stored items of the model (as ``scenarist evidence list --json``)."""
    from ..evidence.files import item_to_dict

    request.app.state.workspace.head(model_id)  # 404 for an unknown model
    items = request.app.state.workspace.store.items(model_id)
    return {"model": model_id, "items": [item_to_dict(i) for i in items]}


@pages.get("/models/{model_id}/forecasts", response_class=HTMLResponse)
def forecasts_page(request: Request, model_id: str):
    """The forecast ledger of the model with Brier and log scores of the resolved forecasts."""
    return _forecasts(request, model_id)


def _forecasts(request: Request, model_id: str, status: int = 200, errors=None) -> HTMLResponse:
    ctx = _model_context(request, model_id, None)
    ledger, scores = _ledger(request, model_id)
    return render(
        request,
        "forecasts.html",
        status=status,
        errors=errors or [],
        title="Forecasts",
        ledger=ledger.to_dict(),
        scores=scores.to_dict() if scores else None,
        **ctx,
    )


@pages.post("/models/{model_id}/forecasts", response_class=HTMLResponse)
def record_forecast(
    request: Request,
    model_id: str,
    forecast_id: Annotated[str, Form(max_length=200)],
    horizon: Annotated[str, Form(max_length=10)],
    criteria: Annotated[str, Form(max_length=5000)],
    source: Annotated[str, Form(pattern="^(model|probabilities)$")] = "model",
    probabilities: Annotated[str, Form(max_length=2000)] = "",
    forecaster: Annotated[str, Form(max_length=200)] = "",
    made_on: Annotated[str, Form(max_length=10)] = "",
    draws: Annotated[int, Form(ge=0, le=compute.MAX_PAGE_DRAWS)] = 200,
):
    """Record a forecast over the outcome: the model's own distribution (``draws`` judgment draws, seed 0) or
    probabilities the analyst states (``variant=p`` pairs)."""
    from .. import forecasts

    try:
        model = compute.model_at(request.app.state, model_id, None)
        kwargs = {"from_model": True, "draws": draws} if source == "model" else {"probabilities": _pairs(probabilities)}
        forecasts.record(
            forecast_id,
            criteria,
            _date(horizon, "horizon"),
            model,
            made_on=_date(made_on, "made on") if made_on else None,
            forecaster=forecaster or None,
            db=_store_url(request),
            **kwargs,
        )
    except ScenaristError as exc:
        return _forecasts(request, model_id, status=422, errors=[str(exc)])
    return RedirectResponse(f"/models/{model_id}/forecasts", status_code=303)


@pages.post("/models/{model_id}/forecasts/resolve", response_class=HTMLResponse)
def resolve_forecast(
    request: Request,
    model_id: str,
    forecast_id: Annotated[str, Form(max_length=200)],
    outcome: Annotated[str, Form(max_length=200)],
    resolved_on: Annotated[str, Form(max_length=10)],
    evidence: Annotated[str, Form(max_length=5000)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
):
    """Record what happened to a forecast (the outcome variant, the day, the evidence items that show it)."""
    from .. import forecasts

    try:
        items = tuple(x.strip() for x in evidence.split(",") if x.strip())
        forecasts.resolve(
            forecast_id,
            outcome,
            _date(resolved_on, "resolved on"),
            evidence=items,
            note=note or None,
            db=_store_url(request),
        )
    except ScenaristError as exc:
        return _forecasts(request, model_id, status=422, errors=[str(exc)])
    return RedirectResponse(f"/models/{model_id}/forecasts", status_code=303)


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise OptionError(f"{name} must be a date YYYY-MM-DD, got {text!r}") from None


@twins.get("/models/{model_id}/forecasts")
def forecasts_json(request: Request, model_id: str) -> dict:
    """The ledger and scores (as ``scenarist forecast list --json`` and ``forecast score --json``)."""
    request.app.state.workspace.head(model_id)
    ledger, scores = _ledger(request, model_id)
    return {"ledger": ledger.to_dict(), "scores": scores.to_dict() if scores else None}


def _ledger(request: Request, model_id: str):
    """The model's forecasts and, when any is resolved, their scores (an empty ledger when it has none)."""
    from .. import forecasts
    from ..errors import UnknownNameError

    try:
        ledger = forecasts.list_ledger(db=_store_url(request), model_id=model_id)
    except UnknownNameError:
        return forecasts.Ledger(forecasts=()), None
    try:
        scores = forecasts.scores(db=_store_url(request), model_id=model_id)
    except ScenaristError:
        scores = None  # nothing resolved yet
    return ledger, scores
