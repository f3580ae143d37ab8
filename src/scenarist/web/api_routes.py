"""The JSON twin of every page, under ``/api``: the same library calls, answered with the result objects'
``.to_dict()`` (the documents the CLI prints with ``--json``). Errors use one shape (see
:func:`scenarist.web.app.error_body`); the OpenAPI document is at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from . import compute

router = APIRouter(prefix="/api", tags=["workspace"])

Version = Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-fA-F]*$|^[0-9]+$")]
K = Annotated[int, Query(ge=0, le=1000)]
Fix = Annotated[list[str] | None, Query(max_length=200)]


class JudgmentIn(BaseModel):
    """One judgment to save as a new version (``from``/``to`` as ``descriptor.variant``)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    source: str = Field(alias="from", max_length=400)
    target: str = Field(alias="to", max_length=400)
    score: int = Field(ge=-1_000_000, le=1_000_000)
    spread: int | None = Field(default=None, ge=0, le=1_000_000)
    rationale: str | None = Field(default=None, max_length=20_000)
    citations: list[dict] | None = Field(default=None, max_length=50)
    section: str | None = Field(default=None, max_length=200)
    author: str = Field(max_length=200)
    reason: str = Field(max_length=2000)


class RestoreIn(BaseModel):
    """A version to save again as the newest."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=64)
    author: str = Field(max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class ReadingIn(BaseModel):
    """A named set of judgment overrides (cells ``from``/``to`` and scores) on the newest version."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    author: str = Field(max_length=200)
    weight: float = Field(default=1.0, gt=0, le=1e6)
    overrides: list[JudgmentOverride] = Field(default_factory=list, max_length=10_000)


class JudgmentOverride(BaseModel):
    """One overridden cell of a reading."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    source: str = Field(alias="from", max_length=400)
    target: str = Field(alias="to", max_length=400)
    score: int = Field(ge=-1_000_000, le=1_000_000)


ReadingIn.model_rebuild()


@router.get("/models")
def list_models(request: Request) -> dict:
    """The kept models with their newest version."""
    ws = request.app.state.workspace
    return {"models": [{"id": m, "head": ws.head(m).to_dict()} for m in ws.model_ids()]}


@router.get("/models/{model_id}")
def get_model(request: Request, model_id: str, version: Version = None) -> dict:
    """A version of a model: its version record and the model as the file format holds it."""
    from ..workspace.versions import model_data

    v = compute.version_of(request.app.state, model_id, version)
    return {"version": v.to_dict(), "model": model_data(compute.model_at(request.app.state, model_id, v.version))}


@router.get("/models/{model_id}/versions")
def list_versions(request: Request, model_id: str) -> dict:
    """Every version, newest first, with the changes from the one before."""
    ws = request.app.state.workspace
    history = ws.history(model_id)
    out = []
    for v, before in zip(history, [*history[1:], None], strict=True):
        changes = ws.changes(model_id, before.version, v.version) if before else []
        out.append({**v.to_dict(), "changes": [c.to_dict() for c in changes]})
    return {"model_id": model_id, "versions": out}


@router.get("/models/{model_id}/analysis")
def analysis(request: Request, model_id: str, version: Version = None, k: K = 0, fix: Fix = None) -> dict:
    """The scenario tableau (as ``scenarist analyze --json``)."""
    return compute.analysis(request.app.state, model_id, version, k, compute.parse_fixed(fix)).to_dict()


@router.get("/models/{model_id}/explain")
def explain(
    request: Request,
    model_id: str,
    scenario: Annotated[int, Query(ge=1, le=1_000_000)],
    version: Version = None,
    k: K = 0,
    fix: Fix = None,
) -> dict:
    """One scenario's impact balances and the judgments behind them (as ``scenarist explain --json``)."""
    return compute.explanation(request.app.state, model_id, version, scenario, k, compute.parse_fixed(fix)).to_dict()


@router.get("/models/{model_id}/likelihood")
def likelihood(
    request: Request,
    model_id: str,
    version: Version = None,
    draws: Annotated[int, Query(ge=0, le=compute.MAX_PAGE_DRAWS)] = 200,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    fix: Fix = None,
) -> dict:
    """Outcome probabilities with judgment bands (as ``scenarist likelihood --json``)."""
    return compute.likelihood(request.app.state, model_id, version, draws, seed, compute.parse_fixed(fix)).to_dict()


@router.get("/models/{model_id}/ensemble")
def ensemble(request: Request, model_id: str, version: Version = None) -> dict:
    """The model's readings run as an ensemble (as ``scenarist ensemble --json`` on the exported files)."""
    return compute.ensemble(request.app.state, model_id, version).to_dict()


@router.post("/models/{model_id}/judgments")
def save_judgment(request: Request, model_id: str, body: JudgmentIn) -> dict:
    """Save one judgment as a new version; a model problem is a 422 naming the field."""
    v = request.app.state.workspace.set_judgment(
        model_id,
        body.source,
        body.target,
        score=body.score,
        spread=body.spread,
        rationale=body.rationale,
        citations=body.citations,
        section=body.section,
        author=body.author,
        reason=body.reason,
    )
    return {"version": v.to_dict()}


@router.post("/models/{model_id}/restore")
def restore(request: Request, model_id: str, body: RestoreIn) -> dict:
    """Save an earlier version again as the newest."""
    v = request.app.state.workspace.restore(model_id, body.version, body.author, body.reason)
    return {"version": v.to_dict()}


@router.get("/models/{model_id}/readings")
def readings(request: Request, model_id: str) -> dict:
    """The readings kept for a model."""
    request.app.state.workspace.head(model_id)  # 404 for an unknown model
    return {"readings": [r.to_dict() for r in request.app.state.workspace.readings(model_id)]}


@router.post("/models/{model_id}/readings")
def save_reading(request: Request, model_id: str, body: ReadingIn) -> dict:
    """Keep (or replace) a reading."""
    overrides = {(o.source, o.target): o.score for o in body.overrides}
    r = request.app.state.workspace.save_reading(model_id, body.name, overrides, body.author, body.weight)
    return {"reading": r.to_dict()}
