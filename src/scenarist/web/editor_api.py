"""The JSON twins of the model editor's pages, under ``/api``: metadata, descriptors and their variants, priors,
sources and actors. Each write applies one function of :mod:`scenarist.workspace.editing` through
:meth:`Workspace.edit <scenarist.workspace.Workspace.edit>` (a new version with author and reason) and answers
``{"version": {...}}``; a problem is the app's one JSON error shape (422 with the validator's problems, 404 for an
unknown name). Every body field is bounded (lengths, numbers, list sizes).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ..model import Role
from ..workspace import editing
from ..workspace.versions import model_data

router = APIRouter(prefix="/api", tags=["editor"])

Text = Annotated[str, Field(max_length=20_000)]
Short = Annotated[str, Field(max_length=500)]
Id = Annotated[str, Field(max_length=100)]
Author = Annotated[str, Query(max_length=200)]
Reason = Annotated[str, Query(max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Edit(_Body):
    """Who makes the change and why (kept with the new version)."""

    author: str = Field(max_length=200)
    reason: str = Field(max_length=2000)


class CitationIn(_Body):
    """A pointer into a source: its id plus a section, page, endnotes or a note."""

    source: Id
    section: str | None = Field(default=None, max_length=200)
    page: str | None = Field(default=None, max_length=100)
    endnotes: list[Annotated[int, Field(ge=0, le=1_000_000)]] = Field(default_factory=list, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class MetadataIn(_Edit):
    """The editable metadata (all given; an absent optional field is cleared)."""

    title: Short
    description: Text | None = None
    authors: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=100)
    as_of: dt.date | None = None
    scale_min: int = Field(default=-3, ge=-1_000_000, le=1_000_000)
    scale_max: int = Field(default=3, ge=-1_000_000, le=1_000_000)
    provenance: Literal["required", "optional"] = "required"


class VariantFields(_Body):
    """A variant's fields (``observable`` and ``horizon`` matter for outcome variants)."""

    name: Short
    description: Text | None = None
    observable: str | None = Field(default=None, max_length=5000)
    horizon: str | None = Field(default=None, max_length=100)


class VariantItem(VariantFields):
    """A variant with its id."""

    id: Id


class DescriptorIn(_Edit):
    """A new descriptor with its variants (two or more)."""

    id: Id
    name: Short
    role: Role = "context"
    exogenous: bool = False
    description: Text | None = None
    variants: list[VariantItem] = Field(max_length=4096)
    position: int | None = Field(default=None, ge=0, le=100_000)
    reference_variants: dict[Id, Id] | None = Field(default=None, max_length=1000)


class DescriptorUpdate(_Edit):
    """Fields of a descriptor to change (absent ones are kept; ``id`` renames it and every reference)."""

    id: Id | None = None
    name: Short | None = None
    role: Role | None = None
    exogenous: bool | None = None
    description: Text | None = None


class VariantIn(_Edit, VariantItem):
    """A new variant (at ``position``, default the end)."""

    position: int | None = Field(default=None, ge=0, le=100_000)


class VariantUpdate(_Edit):
    """Fields of a variant to change (absent ones are kept; ``id`` renames it and every reference)."""

    id: Id | None = None
    name: Short | None = None
    description: Text | None = None
    observable: str | None = Field(default=None, max_length=5000)
    horizon: str | None = Field(default=None, max_length=100)


class MoveIn(_Edit):
    """Move an item ``offset`` places (−1 up, +1 down)."""

    offset: int = Field(ge=-100_000, le=100_000)


class PriorIn(_Edit):
    """The prior of an exogenous descriptor (probabilities must sum to 1 within 10^-6)."""

    probabilities: dict[Id, Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]] = Field(max_length=4096)
    rationale: Text
    citations: list[CitationIn] = Field(default_factory=list, max_length=50)
    uniform: bool = False


class SourceItem(_Body):
    """A source's fields (an address only when the source gives one)."""

    id: Id
    title: Short
    author: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=500)
    date: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=2000)
    accessed: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=5000)


class SourceIn(_Edit):
    """A source to add or replace (``source.author`` is the work's author; ``author`` is who makes the change).
    On a replace, a new ``source.id`` renames it in every citation and absent optional fields are cleared."""

    source: SourceItem


class LinkIn(_Body):
    """An actor's tie to a descriptor."""

    descriptor: Id
    relation: Literal["acts_on", "stake"] = "acts_on"
    preferred_variant: Id | None = None
    note: str | None = Field(default=None, max_length=2000)


class ActorItem(_Body):
    """An actor's fields."""

    id: Id
    name: Short
    description: Text | None = None
    links: list[LinkIn] = Field(default_factory=list, max_length=500)
    citations: list[CitationIn] = Field(default_factory=list, max_length=50)


class ActorIn(_Edit):
    """An actor to add or replace (a new ``actor.id`` renames it)."""

    actor: ActorItem


def _ws(request: Request):
    return request.app.state.workspace


def _data(request: Request, model_id: str) -> dict:
    return model_data(_ws(request).get(model_id))


def _edit(request: Request, model_id: str, change, body_or_author, reason: str | None = None) -> dict:
    author = body_or_author if reason is not None else body_or_author.author
    reason = reason if reason is not None else body_or_author.reason
    v = _ws(request).edit(model_id, change, author, reason)
    return {"version": v.to_dict()}


def _plain(items: list[BaseModel]) -> list[dict]:
    return [i.model_dump(exclude_none=True) for i in items]


# -- metadata ------------------------------------------------------------------------------------------------


@router.put("/models/{model_id}/metadata")
def put_metadata(request: Request, model_id: str, body: MetadataIn) -> dict:
    """Replace the metadata's editable fields (title, description, authors, as_of, scale, provenance)."""

    def change(data: dict) -> None:
        editing.update_metadata(
            data,
            title=body.title,
            description=body.description,
            authors=[a.strip() for a in body.authors if a.strip()],
            as_of=body.as_of.isoformat() if body.as_of else None,
            scale={"min": body.scale_min, "max": body.scale_max},
            provenance=body.provenance,
        )

    return _edit(request, model_id, change, body)


# -- descriptors and variants --------------------------------------------------------------------------------


@router.get("/models/{model_id}/descriptors")
def list_descriptors(request: Request, model_id: str) -> dict:
    """The descriptors as the file format holds them, each with what uses it (``uses``)."""
    data = _data(request, model_id)
    return {"descriptors": [{**d, "uses": editing.descriptor_uses(data, d["id"])} for d in data["descriptors"]]}


@router.post("/models/{model_id}/descriptors")
def add_descriptor(request: Request, model_id: str, body: DescriptorIn) -> dict:
    """Add a descriptor with its variants."""

    def change(data: dict) -> None:
        editing.add_descriptor(
            data,
            body.id,
            body.name,
            _plain(body.variants),
            role=body.role,
            exogenous=body.exogenous,
            description=body.description,
            position=body.position,
            reference_variants=body.reference_variants,
        )

    return _edit(request, model_id, change, body)


@router.put("/models/{model_id}/descriptors/{descriptor_id}")
def update_descriptor(request: Request, model_id: str, descriptor_id: str, body: DescriptorUpdate) -> dict:
    """Change a descriptor's fields; a new ``id`` renames it and every reference to it."""
    fields = body.model_dump(exclude_unset=True, exclude={"author", "reason", "id"})

    def change(data: dict) -> None:
        editing.update_descriptor(data, descriptor_id, **fields)
        if body.id is not None:
            editing.rename_descriptor(data, descriptor_id, body.id)

    return _edit(request, model_id, change, body)


@router.post("/models/{model_id}/descriptors/{descriptor_id}/move")
def move_descriptor(request: Request, model_id: str, descriptor_id: str, body: MoveIn) -> dict:
    """Move a descriptor ``offset`` places (the matrix's and the tableau's order)."""
    return _edit(request, model_id, lambda d: editing.move_descriptor(d, descriptor_id, body.offset), body)


@router.delete("/models/{model_id}/descriptors/{descriptor_id}")
def delete_descriptor(
    request: Request, model_id: str, descriptor_id: str, author: Author, reason: Reason, cascade: bool = False
) -> dict:
    """Delete a descriptor; refused (422, naming the uses) when something uses it, unless ``cascade=true``
    deletes those with it. ``deleted`` lists what went with it."""
    deleted: list[str] = []

    def change(data: dict) -> None:
        deleted[:] = editing.delete_descriptor(data, descriptor_id, cascade=cascade)

    return {**_edit(request, model_id, change, author, reason), "deleted": deleted}


@router.post("/models/{model_id}/descriptors/{descriptor_id}/variants")
def add_variant(request: Request, model_id: str, descriptor_id: str, body: VariantIn) -> dict:
    """Add a variant to a descriptor."""

    def change(data: dict) -> None:
        editing.add_variant(
            data,
            descriptor_id,
            body.id,
            body.name,
            description=body.description,
            observable=body.observable,
            horizon=body.horizon,
            position=body.position,
        )

    return _edit(request, model_id, change, body)


@router.put("/models/{model_id}/descriptors/{descriptor_id}/variants/{variant_id}")
def update_variant(request: Request, model_id: str, descriptor_id: str, variant_id: str, body: VariantUpdate) -> dict:
    """Change a variant's fields; a new ``id`` renames it and every reference to it."""
    fields = body.model_dump(exclude_unset=True, exclude={"author", "reason", "id"})

    def change(data: dict) -> None:
        editing.update_variant(data, descriptor_id, variant_id, **fields)
        if body.id is not None:
            editing.rename_variant(data, descriptor_id, variant_id, body.id)

    return _edit(request, model_id, change, body)


@router.post("/models/{model_id}/descriptors/{descriptor_id}/variants/{variant_id}/move")
def move_variant(request: Request, model_id: str, descriptor_id: str, variant_id: str, body: MoveIn) -> dict:
    """Move a variant ``offset`` places within its descriptor."""
    return _edit(request, model_id, lambda d: editing.move_variant(d, descriptor_id, variant_id, body.offset), body)


@router.delete("/models/{model_id}/descriptors/{descriptor_id}/variants/{variant_id}")
def delete_variant(
    request: Request,
    model_id: str,
    descriptor_id: str,
    variant_id: str,
    author: Author,
    reason: Reason,
    cascade: bool = False,
) -> dict:
    """Delete a variant; refused when something uses it, unless ``cascade=true``."""
    deleted: list[str] = []

    def change(data: dict) -> None:
        deleted[:] = editing.delete_variant(data, descriptor_id, variant_id, cascade=cascade)

    return {**_edit(request, model_id, change, author, reason), "deleted": deleted}


@router.put("/models/{model_id}/descriptors/{descriptor_id}/prior")
def put_prior(request: Request, model_id: str, descriptor_id: str, body: PriorIn) -> dict:
    """Set the prior of an exogenous descriptor; probabilities that do not sum to 1 are a 422 naming the field."""

    def change(data: dict) -> None:
        editing.set_prior(
            data,
            descriptor_id,
            body.probabilities,
            body.rationale,
            citations=_plain(body.citations),
            uniform=body.uniform,
        )

    return _edit(request, model_id, change, body)


@router.delete("/models/{model_id}/descriptors/{descriptor_id}/prior")
def delete_prior(request: Request, model_id: str, descriptor_id: str, author: Author, reason: Reason) -> dict:
    """Remove a descriptor's prior."""
    return _edit(request, model_id, lambda d: editing.clear_prior(d, descriptor_id), author, reason)


# -- sources -------------------------------------------------------------------------------------------------


@router.get("/models/{model_id}/sources")
def list_sources(request: Request, model_id: str) -> dict:
    """The sources, each with what cites it (``cited_by``)."""
    data = _data(request, model_id)
    return {"sources": [{**s, "cited_by": editing.source_uses(data, s["id"])} for s in data.get("sources", [])]}


def _source_fields(item: SourceItem) -> dict:
    return item.model_dump(exclude={"id", "title"})


@router.post("/models/{model_id}/sources")
def add_source(request: Request, model_id: str, body: SourceIn) -> dict:
    """Add a source."""
    s = body.source
    return _edit(request, model_id, lambda d: editing.add_source(d, s.id, s.title, **_source_fields(s)), body)


@router.put("/models/{model_id}/sources/{source_id}")
def update_source(request: Request, model_id: str, source_id: str, body: SourceIn) -> dict:
    """Replace a source's fields; a new ``id`` renames it in every citation."""
    s = body.source

    def change(data: dict) -> None:
        editing.update_source(data, source_id, title=s.title, **_source_fields(s))
        editing.rename_source(data, source_id, s.id)

    return _edit(request, model_id, change, body)


@router.delete("/models/{model_id}/sources/{source_id}")
def delete_source(request: Request, model_id: str, source_id: str, author: Author, reason: Reason) -> dict:
    """Delete a source; refused (422) while anything cites it, naming where."""
    return _edit(request, model_id, lambda d: editing.delete_source(d, source_id), author, reason)


# -- actors --------------------------------------------------------------------------------------------------


@router.get("/models/{model_id}/actors")
def list_actors(request: Request, model_id: str) -> dict:
    """The actors as the file format holds them."""
    return {"actors": _data(request, model_id).get("actors", [])}


def _actor_fields(item: ActorItem) -> dict:
    return {"description": item.description, "links": _plain(item.links), "citations": _plain(item.citations)}


@router.post("/models/{model_id}/actors")
def add_actor(request: Request, model_id: str, body: ActorIn) -> dict:
    """Add an actor with its links to descriptors."""
    a = body.actor
    return _edit(request, model_id, lambda d: editing.add_actor(d, a.id, a.name, **_actor_fields(a)), body)


@router.put("/models/{model_id}/actors/{actor_id}")
def update_actor(request: Request, model_id: str, actor_id: str, body: ActorIn) -> dict:
    """Replace an actor's fields; a new ``id`` renames it."""
    a = body.actor

    def change(data: dict) -> None:
        editing.update_actor(data, actor_id, name=a.name, **_actor_fields(a))
        editing.rename_actor(data, actor_id, a.id)

    return _edit(request, model_id, change, body)


@router.delete("/models/{model_id}/actors/{actor_id}")
def delete_actor(request: Request, model_id: str, actor_id: str, author: Author, reason: Reason) -> dict:
    """Delete an actor."""
    return _edit(request, model_id, lambda d: editing.delete_actor(d, actor_id), author, reason)
