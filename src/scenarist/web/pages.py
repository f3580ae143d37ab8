"""The workspace's HTML pages. Each route parses its request, calls :mod:`.compute` or the workspace, and renders
a template; htmx swaps the partials (a judgment form, an explanation) in place.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import api
from ..errors import ModelError, OptionError, ScenaristError
from . import compute, security

router = APIRouter(include_in_schema=False)

#: Largest upload accepted (the file readers' own limit).
MAX_UPLOAD_BYTES = 16 * 1024 * 1024
#: Upload kinds by suffix, and how each is read.
UPLOAD_SUFFIXES = (".yaml", ".yml", ".scw", ".csv", ".xlsx")
EXPORTS = {"yaml": ("application/yaml", ".yaml"), "scw": ("application/xml", ".scw"), "csv": ("text/csv", ".csv")}

Version = Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-fA-F]*$|^[0-9]+$")]
K = Annotated[int, Query(ge=0, le=1000)]
Fix = Annotated[list[str] | None, Query(max_length=200)]


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """Render template ``name`` with the CSRF token and the request in its context."""
    template = request.app.state.templates.get_template(name)
    html = template.render(request=request, csrf=security.csrf_token(request), **context)
    return HTMLResponse(html, status_code=status)


def _model_context(request: Request, model_id: str, version: str | None) -> dict:
    state = request.app.state
    v = compute.version_of(state, model_id, version)
    head = state.workspace.head(model_id)
    model = compute.model_at(state, model_id, v.version)
    return {"model": model, "model_id": model_id, "version": v, "head": head, "is_head": v.version == head.version}


# -- models ------------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(request: Request):
    """The models kept in the workspace, and forms to create or import one."""
    return render(request, "index.html", title="Models", **_index_context(request))


def _index_context(request: Request) -> dict:
    ws = request.app.state.workspace
    rows = []
    for model_id in ws.model_ids():
        history = ws.history(model_id)
        model = compute.model_at(request.app.state, model_id, history[0].version)
        rows.append({"id": model_id, "title": model.metadata.title, "head": history[0], "versions": len(history)})
    return {"models": rows}


@router.post("/models/new")
def create_model(
    request: Request,
    model_id: Annotated[str, Form(max_length=200)],
    title: Annotated[str, Form(max_length=500)],
    descriptors: Annotated[str, Form(max_length=20000)],
    author: Annotated[str, Form(max_length=200)] = "analyst",
):
    """Create a model from scratch: one descriptor a line, ``id: variant, variant, ...`` (a ``*`` after the id
    marks it exogenous); judgments are then filled in on the matrix page."""
    try:
        data = _new_model_data(model_id, title, descriptors)
        from ..workspace import model_from_data

        model = model_from_data(data, "new model")
        request.app.state.workspace.add(model, author=author, reason="created in the workspace")
    except ScenaristError as exc:
        return render(
            request,
            "index.html",
            status=422,
            title="Models",
            new_errors=_messages(exc),
            form={"model_id": model_id, "title": title, "descriptors": descriptors},
            **_index_context(request),
        )
    return RedirectResponse(f"/models/{model.metadata.id}/matrix", status_code=303)


def _new_model_data(model_id: str, title: str, text: str) -> dict:
    descriptors = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, rest = line.partition(":")
        if not sep:
            raise OptionError(f"descriptors line {number}: write 'id: variant, variant'")
        exogenous = name.strip().endswith("*")
        did = name.strip().rstrip("*").strip()
        variants = [v.strip() for v in rest.split(",") if v.strip()]
        descriptors.append(
            {
                "id": did,
                "name": did.replace("_", " ").capitalize(),
                "exogenous": exogenous,
                "variants": [{"id": v, "name": v.replace("_", " ").capitalize()} for v in variants],
            }
        )
    return {
        "metadata": {"id": model_id.strip(), "title": title.strip(), "provenance": "optional"},
        "descriptors": descriptors,
    }


@router.post("/models/import")
async def import_upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    author: Annotated[str, Form(max_length=200)] = "analyst",
):
    """Import an uploaded YAML model, ScenarioWizard ``.scw`` or CSV/XLSX matrix (at most 16 MiB), read by the
    same readers as the command line; a bad file stores nothing."""
    try:
        model = await _read_upload(file)
        version = request.app.state.workspace.add(model, author=author, reason=f"imported {file.filename}")
    except ScenaristError as exc:
        return render(
            request, "index.html", status=422, title="Models", import_errors=_messages(exc), **_index_context(request)
        )
    return RedirectResponse(f"/models/{version.model_id}", status_code=303)


async def _read_upload(file: UploadFile):
    name = Path(file.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise OptionError(f"{name}: give a .yaml, .scw, .csv or .xlsx file")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise OptionError(f"{name}: larger than the {MAX_UPLOAD_BYTES // 2**20} MiB upload limit")
    with tempfile.TemporaryDirectory(prefix="scenarist-upload-") as folder:
        # The user's file name never becomes a path as it is: only its letters, digits, '-' and '_' are kept
        # (a ScenarioWizard project takes its model id from the file name), inside a fresh temporary folder.
        stem = re.sub(r"[^A-Za-z0-9_-]", "-", Path(name).stem)[:100].strip("-") or "upload"
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            model = api.load(path) if suffix in (".yaml", ".yml", ".scw") else api.import_model(path)
        except ModelError as exc:
            raise ModelError([p.__class__(name, p.line, p.field, p.message) for p in exc.problems]) from None
        except ScenaristError as exc:
            raise type(exc)(str(exc).replace(str(path), name)) from None
    return model


def _messages(exc: ScenaristError) -> list[str]:
    if isinstance(exc, ModelError):
        return [str(p) for p in exc.problems]
    return [str(exc)]


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(request: Request, model_id: str, version: Version = None, k: K = 0, fix: Fix = None):
    """The scenario tableau of a version, with tolerance ``k`` and interventions (``fix=descriptor=variant``)."""
    ctx = _model_context(request, model_id, version)
    fixed = compute.parse_fixed(fix)
    result = compute.analysis(request.app.state, model_id, ctx["version"].version, k, fixed)
    return render(request, "model.html", title=ctx["model"].metadata.title, a=result.to_dict(), k=k, fixed=fixed, **ctx)


@router.get("/models/{model_id}/explain", response_class=HTMLResponse)
def explain_partial(
    request: Request,
    model_id: str,
    scenario: Annotated[int, Query(ge=1)],
    version: Version = None,
    k: K = 0,
    fix: Fix = None,
):
    """Why one scenario of the tableau holds: each descriptor's impact balances and the judgments behind them."""
    v = compute.version_of(request.app.state, model_id, version)
    e = compute.explanation(request.app.state, model_id, v.version, scenario, k, compute.parse_fixed(fix))
    return render(request, "explain.html", e=e.to_dict())


# -- the matrix and its judgments -----------------------------------------------------------------------------


@router.get("/models/{model_id}/matrix", response_class=HTMLResponse)
def matrix_page(request: Request, model_id: str, version: Version = None):
    """The cross-impact matrix as a grid of variant blocks, coloured by score; a cell opens its judgment."""
    ctx = _model_context(request, model_id, version)
    return render(
        request, "matrix.html", title=f"Matrix · {ctx['model'].metadata.title}", grid=_grid(ctx["model"]), **ctx
    )


def _grid(model) -> dict:
    scores = {(j.from_, j.to): j for j in model.judgments}
    cols = [(d, v) for d in model.descriptors for v in d.variants]
    rows = []
    for d in model.descriptors:
        for i, v in enumerate(d.variants):
            cells = []
            for td, tv in cols:
                key = (f"{d.id}.{v.id}", f"{td.id}.{tv.id}")
                j = scores.get(key)
                cells.append(
                    {
                        "from": key[0],
                        "to": key[1],
                        "score": j.score if j else None,
                        "self": td.id == d.id,
                        "first": tv is td.variants[0],
                        "rationale": bool(j and j.rationale),
                    }
                )
            rows.append({"descriptor": d, "variant": v, "first": i == 0, "cells": cells})
    return {"descriptors": model.descriptors, "rows": rows, "scale": model.metadata.scale}


@router.get("/models/{model_id}/cell", response_class=HTMLResponse)
def cell_form(
    request: Request,
    model_id: str,
    source: Annotated[str, Query(alias="from", max_length=400)],
    target: Annotated[str, Query(alias="to", max_length=400)],
):
    """The judgment form of one cell (newest version)."""
    ctx = _model_context(request, model_id, None)
    j = next((j for j in ctx["model"].judgments if j.from_ == source and j.to == target), None)
    return render(request, "cell.html", source=source, target=target, j=j, errors={}, form=None, **ctx)


@router.post("/models/{model_id}/cell", response_class=HTMLResponse)
def save_cell(
    request: Request,
    model_id: str,
    source: Annotated[str, Form(alias="from", max_length=400)],
    target: Annotated[str, Form(alias="to", max_length=400)],
    score: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)],
    author: Annotated[str, Form(max_length=200)] = "analyst",
    spread: Annotated[str, Form(max_length=20)] = "",
    rationale: Annotated[str, Form(max_length=20000)] = "",
    source_id: Annotated[str, Form(max_length=200)] = "",
    citation_section: Annotated[str, Form(max_length=200)] = "",
    section: Annotated[str, Form(max_length=200)] = "",
):
    """Save one judgment as a new version; problems are shown beside their fields and nothing is saved."""
    ws = request.app.state.workspace
    form = {
        "score": score,
        "spread": spread,
        "rationale": rationale,
        "source_id": source_id,
        "citation_section": citation_section,
        "section": section,
        "reason": reason,
        "author": author,
    }
    errors: dict[str, list[str]] = {}
    try:
        score_n = _int_field(score, "score")
        spread_n = _int_field(spread, "spread") if spread.strip() else ""
        citations = (
            [{"source": source_id, **({"section": citation_section} if citation_section else {})}]
            if source_id
            else None
        )
        version = ws.set_judgment(
            model_id,
            source,
            target,
            score=score_n,
            spread=spread_n if spread_n != "" else None,
            rationale=rationale or "",
            citations=citations,
            section=section or None,
            author=author,
            reason=reason,
        )
    except ModelError as exc:
        for p in exc.problems:
            errors.setdefault(p.field.rsplit(".", 1)[-1] if "." in p.field else "model", []).append(p.message)
    except OptionError as exc:
        errors.setdefault(getattr(exc, "field", None) or _field_of(str(exc)), []).append(str(exc))
    if errors:
        ctx = _model_context(request, model_id, None)
        j = next((j for j in ctx["model"].judgments if j.from_ == source and j.to == target), None)
        return render(
            request, "cell.html", status=422, source=source, target=target, j=j, errors=errors, form=form, **ctx
        )
    response = Response(status_code=204)
    response.headers["HX-Redirect"] = f"/models/{model_id}/matrix?saved={version.seq}"
    return response


def _int_field(text: str, name: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        err = OptionError(f"{name} must be a whole number, got {text!r}")
        err.field = name  # type: ignore[attr-defined]
        raise err from None
    if abs(value) > 10**6:
        err = OptionError(f"{name} must lie within ±1,000,000, got {value}")
        err.field = name  # type: ignore[attr-defined]
        raise err
    return value


def _field_of(message: str) -> str:
    for name in ("author", "reason", "score", "spread"):
        if message.startswith(name):
            return name
    return "model"


# -- history ----------------------------------------------------------------------------------------------------


@router.get("/models/{model_id}/history", response_class=HTMLResponse)
def history_page(request: Request, model_id: str):
    """Every version with its author, time and reason, and what changed from the one before."""
    ws = request.app.state.workspace
    history = ws.history(model_id)
    rows = []
    for v, before in zip(history, [*history[1:], None], strict=True):
        changes = ws.changes(model_id, before.version, v.version) if before else []
        rows.append({"v": v, "changes": changes})
    ctx = _model_context(request, model_id, None)
    return render(request, "history.html", title=f"History · {ctx['model'].metadata.title}", rows=rows, **ctx)


@router.post("/models/{model_id}/restore")
def restore(
    request: Request,
    model_id: str,
    version: Annotated[str, Form(max_length=64)],
    author: Annotated[str, Form(max_length=200)] = "analyst",
):
    """Save an earlier version again as the newest."""
    request.app.state.workspace.restore(model_id, version, author)
    return RedirectResponse(f"/models/{model_id}/history", status_code=303)


# -- likelihood, readings, export ----------------------------------------------------------------------------


@router.get("/models/{model_id}/likelihood", response_class=HTMLResponse)
def likelihood_page(
    request: Request,
    model_id: str,
    version: Version = None,
    draws: Annotated[int, Query(ge=0, le=compute.MAX_PAGE_DRAWS)] = 200,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    fix: Fix = None,
):
    """Outcome probabilities with their judgment bands (``draws`` judgment draws, fixed ``seed``)."""
    ctx = _model_context(request, model_id, version)
    task = compute.likelihood_task(
        request.app.state, model_id, ctx["version"].version, draws, seed, compute.parse_fixed(fix)
    )
    result, job = compute.for_page(request.app.state, task)
    title = f"Likelihood · {ctx['model'].metadata.title}"
    if job is not None:
        return render(request, "progress.html", title=title, job=job, **ctx)
    return render(request, "likelihood.html", title=title, lk=result.to_dict(), draws=draws, seed=seed, **ctx)


@router.get("/models/{model_id}/export")
def export(
    request: Request,
    model_id: str,
    to: Annotated[str, Query(pattern="^(yaml|scw|csv)$")],
    version: Version = None,
    readings: bool = False,
):
    """Download a version as YAML, ScenarioWizard ``.scw`` or a CSV matrix; ``readings`` adds the model's readings
    as ``ensemble:`` members (YAML only), so ``scenarist ensemble`` on the file gives the readings page's numbers."""
    if readings and to != "yaml":
        raise OptionError("readings are written as ensemble members of a YAML model: use to=yaml")
    if readings:
        v = compute.version_of(request.app.state, model_id, version)
        model = request.app.state.workspace.ensemble_model(model_id, v.version)
    else:
        model = compute.model_at(request.app.state, model_id, version)
    media, suffix = EXPORTS[to]
    with tempfile.TemporaryDirectory(prefix="scenarist-export-") as folder:
        path = Path(folder) / f"model{suffix}"
        if to == "yaml":
            api.save(model, path)
        else:
            api.export(model, path, to=to)
        data = path.read_bytes()
    filename = f"{model_id}{suffix}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
