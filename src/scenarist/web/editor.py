"""The model editor's pages: metadata, descriptors and their variants, priors, sources and actors, edited in the
browser without touching a file.

Each form posts to a route that only parses the fields (with their length and number bounds), calls one function
of :mod:`scenarist.workspace.editing` through :meth:`Workspace.edit <scenarist.workspace.Workspace.edit>` (a new
version with the form's author and reason) and redirects to the page it came from. A problem re-renders the page
with status 422 and stores nothing: the validator's messages stand beside the fields their paths name
(``descriptors[2].prior.probabilities`` beside the probabilities), anything else at the top of the form.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import ModelError, ScenaristError
from ..model import ROLES
from ..workspace import editing
from ..workspace.versions import model_data
from . import security

router = APIRouter(include_in_schema=False)

#: Length bounds of the form fields (characters), and the most repeated rows (links, citations) a form may send.
SHORT, LONG, TEXT = 100, 500, 20_000
MAX_ROWS = 500
#: Blank rows offered for new actor links and prior citations.
BLANK_LINKS, BLANK_CITATIONS = 2, 1


class _Form:
    """A submitted form read field by field, each within its bound; problems are kept per field."""

    def __init__(self, form):
        self.form = form
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, limit: int = LONG) -> str:
        value = self.form.get(name, "")
        value = value if isinstance(value, str) else ""
        if len(value) > limit:
            self.error(name, f"at most {limit:,} characters, got {len(value):,}")
            return value[:limit]
        return value.strip()

    def texts(self, name: str, limit: int = LONG) -> list[str]:
        values = [v if isinstance(v, str) else "" for v in self.form.getlist(name)]
        if len(values) > MAX_ROWS:
            self.error("_top", f"at most {MAX_ROWS} rows of {name}, got {len(values)}")
            values = values[:MAX_ROWS]
        out = []
        for v in values:
            if len(v) > limit:
                self.error(name, f"at most {limit:,} characters, got {len(v):,}")
            out.append(v[:limit].strip())
        return out

    def flag(self, name: str) -> bool:
        return self.form.get(name) in ("on", "true", "1", "yes")

    def integer(self, name: str) -> int | None:
        text = self.text(name, 20)
        try:
            value = int(text)
        except ValueError:
            self.error(name, f"must be a whole number, got {text!r}")
            return None
        if abs(value) > 10**6:
            self.error(name, f"must lie within ±1,000,000, got {value:,}")
            return None
        return value

    def number(self, name: str, text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            self.error(name, f"must be a number, got {text!r}")
            return None
        if not math.isfinite(value):
            self.error(name, f"must be a finite number, got {text!r}")
            return None
        return value

    def values(self) -> dict[str, Any]:
        """The submitted values as the form shows them again (first value of each field)."""
        return {k: v for k, v in self.form.items() if isinstance(v, str) and k != security.CSRF_FIELD}


def _head_context(request: Request, model_id: str) -> dict:
    ws = request.app.state.workspace
    head = ws.head(model_id)
    model = ws.get(model_id, head.version)
    return {
        "model": model,
        "data": model_data(model),
        "model_id": model_id,
        "version": head,
        "head": head,
        "is_head": True,
        "roles": ROLES,
    }


def _render(request: Request, template: str, ctx: dict, status: int = 200, **extra) -> HTMLResponse:
    saved = request.query_params.get("saved", "")
    html = request.app.state.templates.get_template(template).render(
        request=request,
        csrf=security.csrf_token(request),
        saved=saved if saved.isdigit() else "",
        **ctx,
        **extra,
    )
    return HTMLResponse(html, status_code=status)


def _redirect(url: str, version) -> RedirectResponse:
    return RedirectResponse(f"{url}?saved={version.seq}", status_code=303)


def _base(model_id: str) -> str:
    return f"/models/{quote(model_id, safe='')}/edit"


def _q(part: str) -> str:
    return quote(part, safe="")


def _split(path: str) -> list[str]:
    return [p for p in re.split(r"[.\[\]]+", path) if p]


def field_errors(exc: ScenaristError, base: str, fields: dict[str, str]) -> dict[str, list[str]]:
    """Messages of ``exc`` by form field.

    A :class:`ModelError` problem whose path lies under ``base`` (``descriptors[2]``) goes to the form field that
    ``fields`` gives for the rest of its path, tried whole and then by its first part (``variants[0].id`` →
    ``fields["variants[0].id"]`` or ``fields["variants"]``); an :class:`OptionError` goes to its ``field``
    attribute (or ``author``/``reason`` when its message is about them). Anything else is under ``"_top"``.
    """
    out: dict[str, list[str]] = {}
    if isinstance(exc, ModelError):
        for p in exc.problems:
            key = None
            if base and (p.field == base or p.field.startswith((base + ".", base + "["))):
                rest = p.field[len(base) :].lstrip(".")
                parts = _split(rest)
                key = fields.get(rest) or (fields.get(parts[0]) if parts else fields.get(""))
            if key:
                out.setdefault(key, []).append(p.message)
            else:
                out.setdefault("_top", []).append(f"{p.field}: {p.message}" if p.field else p.message)
        return out
    message = str(exc)
    key = getattr(exc, "field", None)
    if key is None:
        key = next((n for n in ("author", "reason") if message.startswith(n)), "_top")
    out.setdefault(fields.get(key, key) if key != "_top" else key, []).append(message)
    return out


def _save(request: Request, model_id: str, change, author: str, reason: str, base, fields: dict):
    """Apply ``change`` through Workspace.edit; return (version, None) or (None, errors by field). ``base`` is
    the path of the edited item, or a function of the edited data giving it (for items that move or appear)."""
    where: dict[str, str] = {}

    def wrapped(data: dict) -> None:
        change(data)
        where["base"] = base(data) if callable(base) else base

    try:
        return request.app.state.workspace.edit(model_id, wrapped, author, reason), None
    except ScenaristError as exc:
        path = where.get("base", base if isinstance(base, str) else "")
        return None, field_errors(exc, path, fields)


def _who(f: _Form) -> tuple[str, str]:
    return f.text("author", 200), f.text("reason", 2000)


# -- overview and metadata -----------------------------------------------------------------------------------


def _overview(request: Request, model_id: str, status: int = 200, active: str = "", errors=None, form=None):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    rows = [{"d": d, "uses": len(editing.descriptor_uses(data, d["id"]))} for d in data["descriptors"]]
    forms = {"add": {"role": "context"}, "order": {"reason": "reorder descriptors"}}
    if active:
        forms[active] = form or {}
    return _render(
        request,
        "editor_overview.html",
        ctx,
        status,
        title=f"Model · {ctx['model'].metadata.title}",
        rows=rows,
        forms=forms,
        active=active,
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit", response_class=HTMLResponse)
def overview(request: Request, model_id: str):
    """The model editor: metadata, descriptors (reorder, add), links to sources and actors."""
    return _overview(request, model_id)


def _metadata_form(data: dict) -> dict:
    m = data["metadata"]
    return {
        "title": m.get("title", ""),
        "description": m.get("description", ""),
        "authors": "\n".join(m.get("authors", [])),
        "as_of": m.get("as_of", ""),
        "scale_min": str(m.get("scale", {}).get("min", -3)),
        "scale_max": str(m.get("scale", {}).get("max", 3)),
        "provenance": m.get("provenance", "required"),
    }


@router.get("/models/{model_id}/edit/metadata", response_class=HTMLResponse)
def metadata_page(request: Request, model_id: str):
    """The metadata form (title, description, authors, as of, scale, provenance)."""
    ctx = _head_context(request, model_id)
    form = _metadata_form(ctx["data"])
    return _render(request, "editor_metadata.html", ctx, title="Metadata", form=form, errors={})


@router.post("/models/{model_id}/edit/metadata", response_class=HTMLResponse)
async def save_metadata(request: Request, model_id: str):
    """Save the metadata as a new version."""
    f = _Form(await request.form())
    title, description = f.text("title", LONG), f.text("description", TEXT)
    authors = [a.strip() for a in f.text("authors", 5000).splitlines() if a.strip()]
    as_of, provenance = f.text("as_of", 40), f.text("provenance", 20)
    lo, hi = f.integer("scale_min"), f.integer("scale_max")
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.update_metadata(
                data,
                title=title,
                description=description,
                authors=authors,
                as_of=as_of,
                scale={"min": lo, "max": hi},
                provenance=provenance,
            )

        fields = {
            "title": "title",
            "description": "description",
            "authors": "authors",
            "as_of": "as_of",
            "scale.min": "scale_min",
            "scale.max": "scale_max",
            "scale": "scale_min",
            "provenance": "provenance",
            "id": "_top",
        }
        version, errors = _save(request, model_id, change, author, reason, "metadata", fields)
        if version:
            return _redirect(f"{_base(model_id)}/metadata", version)
    ctx = _head_context(request, model_id)
    return _render(request, "editor_metadata.html", ctx, 422, title="Metadata", form=f.values(), errors=errors)


# -- descriptors ---------------------------------------------------------------------------------------------

_DESCRIPTOR_FIELDS = {
    "id": "id",
    "name": "name",
    "role": "role",
    "exogenous": "exogenous",
    "description": "description",
    "variants": "variants",
    "prior": "exogenous",
}


def _variant_lines(text: str, f: _Form) -> list[dict]:
    """``id`` or ``id: Name`` a line → variant mappings."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        vid, _, name = line.partition(":")
        out.append({"id": vid.strip(), "name": name.strip() or vid.strip()})
    if len(out) > 4096:
        f.error("variants", f"at most 4,096 variants, got {len(out):,}")
    return out


@router.post("/models/{model_id}/edit/descriptors", response_class=HTMLResponse)
async def add_descriptor(request: Request, model_id: str):
    """Add a descriptor with its variants (one a line, ``id`` or ``id: Name``)."""
    f = _Form(await request.form())
    did, name, role = f.text("id", SHORT), f.text("name", LONG), f.text("role", 20)
    description = f.text("description", TEXT)
    variants = _variant_lines(f.text("variants", 200_000), f)
    exogenous = f.flag("exogenous")
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.add_descriptor(data, did, name, variants, role=role, exogenous=exogenous, description=description)

        def base(data: dict) -> str:
            return f"descriptors[{editing.descriptor_index(data, did)}]"

        version, errors = _save(request, model_id, change, author, reason, base, _DESCRIPTOR_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(did)}", version)
    return _overview(request, model_id, 422, "add", errors, f.values())


def _move_target(f: _Form) -> tuple[str, int] | None:
    item, _, offset = f.text("move", 200).rpartition("|")
    if not item or offset not in ("-1", "1"):
        f.error("_top", "choose an item to move up or down")
        return None
    return item, int(offset)


@router.post("/models/{model_id}/edit/order", response_class=HTMLResponse)
async def move_descriptor(request: Request, model_id: str):
    """Move a descriptor one place up or down (the matrix's and the tableau's order)."""
    f = _Form(await request.form())
    target = _move_target(f)
    author, reason = _who(f)
    errors = f.errors
    if target and not errors:
        did, offset = target
        change = lambda data: editing.move_descriptor(data, did, offset)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {})
        if version:
            return _redirect(_base(model_id), version)
    return _overview(request, model_id, 422, "order", errors, f.values())


def _prior_form(d: dict) -> dict:
    prior = d.get("prior") or {}
    form = {f"p:{v['id']}": f"{prior.get('probabilities', {}).get(v['id'], '')}" for v in d["variants"]}
    form.update(rationale=prior.get("rationale", ""), uniform="on" if prior.get("uniform") else "")
    return form


def _descriptor_page(
    request: Request, model_id: str, descriptor_id: str, status=200, active="", errors=None, form=None
):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    d = data["descriptors"][editing.descriptor_index(data, descriptor_id)]
    prior = d.get("prior") or {}
    forms = {
        "descriptor": {
            "id": d["id"],
            "name": d["name"],
            "role": d.get("role", "context"),
            "exogenous": "on" if d.get("exogenous") else "",
            "description": d.get("description", ""),
        },
        "prior": _prior_form(d),
        "add-variant": {},
        "order": {"reason": f"reorder the variants of {d['id']}"},
        "delete": {"reason": f"delete descriptor {d['id']}"},
    }
    cites = [dict(c) for c in prior.get("citations", [])] + [{}] * BLANK_CITATIONS
    if active:
        forms[active] = form or {}
        if active == "prior" and form is not None:
            cites = form.get("_cites", cites)
    return _render(
        request,
        "editor_descriptor.html",
        ctx,
        status,
        title=f"Descriptor {d['name']}",
        d=d,
        uses=editing.descriptor_uses(data, descriptor_id),
        variant_uses={v["id"]: len(editing.variant_uses(data, d["id"], v["id"])) for v in d["variants"]},
        cites=cites,
        forms=forms,
        active=active,
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit/descriptors/{descriptor_id}", response_class=HTMLResponse)
def descriptor_page(request: Request, model_id: str, descriptor_id: str):
    """One descriptor: its fields, its variants (reorder, add), its prior and its deletion."""
    return _descriptor_page(request, model_id, descriptor_id)


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}", response_class=HTMLResponse)
async def save_descriptor(request: Request, model_id: str, descriptor_id: str):
    """Save a descriptor's fields; a changed id renames it and every reference to it."""
    f = _Form(await request.form())
    new_id, name, role = f.text("id", SHORT), f.text("name", LONG), f.text("role", 20)
    description, exogenous = f.text("description", TEXT), f.flag("exogenous")
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.update_descriptor(
                data, descriptor_id, name=name, role=role, exogenous=exogenous, description=description
            )
            editing.rename_descriptor(data, descriptor_id, new_id)

        def base(data: dict) -> str:
            return f"descriptors[{editing.descriptor_index(data, new_id)}]"

        version, errors = _save(request, model_id, change, author, reason, base, _DESCRIPTOR_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(new_id)}", version)
    return _descriptor_page(request, model_id, descriptor_id, 422, "descriptor", errors, f.values())


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}/delete", response_class=HTMLResponse)
async def delete_descriptor(request: Request, model_id: str, descriptor_id: str):
    """Delete a descriptor: refused while anything uses it, unless the confirmation box deletes those with it."""
    f = _Form(await request.form())
    cascade = f.flag("cascade")
    author, reason = _who(f)
    errors = f.errors
    if not errors:
        change = lambda data: editing.delete_descriptor(data, descriptor_id, cascade=cascade)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {})
        if version:
            return _redirect(_base(model_id), version)
    return _descriptor_page(request, model_id, descriptor_id, 422, "delete", errors, f.values())


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}/order", response_class=HTMLResponse)
async def move_variant(request: Request, model_id: str, descriptor_id: str):
    """Move a variant one place up or down within its descriptor."""
    f = _Form(await request.form())
    target = _move_target(f)
    author, reason = _who(f)
    errors = f.errors
    if target and not errors:
        vid, offset = target
        change = lambda data: editing.move_variant(data, descriptor_id, vid, offset)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {})
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(descriptor_id)}", version)
    return _descriptor_page(request, model_id, descriptor_id, 422, "order", errors, f.values())


_VARIANT_FIELDS = {
    "id": "id",
    "name": "name",
    "description": "description",
    "observable": "observable",
    "horizon": "horizon",
}


def _variant_base(descriptor_id: str, variant_id: str):
    def base(data: dict) -> str:
        i = editing.descriptor_index(data, descriptor_id)
        return f"descriptors[{i}].variants[{editing.variant_index(data, descriptor_id, variant_id)}]"

    return base


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}/variants", response_class=HTMLResponse)
async def add_variant(request: Request, model_id: str, descriptor_id: str):
    """Add a variant to a descriptor."""
    f = _Form(await request.form())
    vid, name = f.text("id", SHORT), f.text("name", LONG)
    description, observable, horizon = f.text("description", TEXT), f.text("observable", 5000), f.text("horizon", 100)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.add_variant(
                data, descriptor_id, vid, name, description=description, observable=observable, horizon=horizon
            )

        base = _variant_base(descriptor_id, vid)
        version, errors = _save(request, model_id, change, author, reason, base, _VARIANT_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(descriptor_id)}", version)
    return _descriptor_page(request, model_id, descriptor_id, 422, "add-variant", errors, f.values())


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}/prior", response_class=HTMLResponse)
async def save_prior(request: Request, model_id: str, descriptor_id: str):
    """Set (or, with the removal box, remove) the prior of an exogenous descriptor: a probability per variant,
    a rationale and citations. Probabilities that do not sum to 1 are shown beside the field in model.py's words."""
    f = _Form(await request.form())
    data = model_data(request.app.state.workspace.get(model_id))
    d = data["descriptors"][editing.descriptor_index(data, descriptor_id)]
    probabilities: dict[str, float] = {}
    for v in d["variants"]:
        key = f"p:{v['id']}"
        text = f.text(key, 40)
        if text:
            value = f.number(key, text)
            if value is not None:
                probabilities[v["id"]] = value
    rationale, uniform, remove = f.text("rationale", TEXT), f.flag("uniform"), f.flag("remove")
    existing = (d.get("prior") or {}).get("citations", [])
    sources, sections, pages = f.texts("cite_source", SHORT), f.texts("cite_section", 200), f.texts("cite_page", 100)
    cites, citations = [], []
    for i, (src, section, page) in enumerate(zip(sources, sections, pages, strict=False)):
        cites.append({"source": src, "section": section, "page": page})
        if not src:
            continue
        c = dict(existing[i]) if i < len(existing) and existing[i].get("source") == src else {}
        c["source"] = src
        for key, value in (("section", section), ("page", page)):
            if value:
                c[key] = value
            else:
                c.pop(key, None)
        citations.append(c)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            if remove:
                editing.clear_prior(data, descriptor_id)
            else:
                editing.set_prior(data, descriptor_id, probabilities, rationale, citations=citations, uniform=uniform)

        def base(data: dict) -> str:
            return f"descriptors[{editing.descriptor_index(data, descriptor_id)}].prior"

        fields = {
            "probabilities": "probabilities",
            "rationale": "rationale",
            "citations": "citations",
            "uniform": "probabilities",
            "": "probabilities",
        }
        fields.update({f"probabilities.{v['id']}": f"p:{v['id']}" for v in d["variants"]})
        version, errors = _save(request, model_id, change, author, reason, base, fields)
        if errors and "_top" in errors:  # "not exogenous; only exogenous descriptors carry priors"
            prior_path = f"descriptors[{editing.descriptor_index(data, descriptor_id)}].prior: "
            errors["_top"] = [e.removeprefix(prior_path) for e in errors["_top"]]
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(descriptor_id)}", version)
    return _descriptor_page(
        request, model_id, descriptor_id, 422, "prior", errors, {**f.values(), "_cites": cites + [{}]}
    )


# -- variants ------------------------------------------------------------------------------------------------


def _variant_page(request, model_id, descriptor_id, variant_id, status=200, active="", errors=None, form=None):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    d = data["descriptors"][editing.descriptor_index(data, descriptor_id)]
    v = d["variants"][editing.variant_index(data, descriptor_id, variant_id)]
    forms = {
        "variant": {k: v.get(k, "") for k in ("id", "name", "description", "observable", "horizon")},
        "delete": {"reason": f"delete variant {descriptor_id}.{variant_id}"},
    }
    if active:
        forms[active] = form or {}
    return _render(
        request,
        "editor_variant.html",
        ctx,
        status,
        title=f"Variant {v['name']}",
        d=d,
        v=v,
        uses=editing.variant_uses(data, descriptor_id, variant_id),
        forms=forms,
        active=active,
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit/descriptors/{descriptor_id}/variants/{variant_id}", response_class=HTMLResponse)
def variant_page(request: Request, model_id: str, descriptor_id: str, variant_id: str):
    """One variant: its fields (observable and horizon for outcome variants) and its deletion."""
    return _variant_page(request, model_id, descriptor_id, variant_id)


@router.post("/models/{model_id}/edit/descriptors/{descriptor_id}/variants/{variant_id}", response_class=HTMLResponse)
async def save_variant(request: Request, model_id: str, descriptor_id: str, variant_id: str):
    """Save a variant's fields; a changed id renames it and every reference to it."""
    f = _Form(await request.form())
    new_id, name = f.text("id", SHORT), f.text("name", LONG)
    description, observable, horizon = f.text("description", TEXT), f.text("observable", 5000), f.text("horizon", 100)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.update_variant(
                data,
                descriptor_id,
                variant_id,
                name=name,
                description=description,
                observable=observable,
                horizon=horizon,
            )
            editing.rename_variant(data, descriptor_id, variant_id, new_id)

        base = _variant_base(descriptor_id, new_id)
        version, errors = _save(request, model_id, change, author, reason, base, _VARIANT_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(descriptor_id)}/variants/{_q(new_id)}", version)
    return _variant_page(request, model_id, descriptor_id, variant_id, 422, "variant", errors, f.values())


@router.post(
    "/models/{model_id}/edit/descriptors/{descriptor_id}/variants/{variant_id}/delete", response_class=HTMLResponse
)
async def delete_variant(request: Request, model_id: str, descriptor_id: str, variant_id: str):
    """Delete a variant: refused while anything uses it, unless the confirmation box deletes those with it."""
    f = _Form(await request.form())
    cascade = f.flag("cascade")
    author, reason = _who(f)
    errors = f.errors
    if not errors:
        change = lambda data: editing.delete_variant(data, descriptor_id, variant_id, cascade=cascade)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {})
        if version:
            return _redirect(f"{_base(model_id)}/descriptors/{_q(descriptor_id)}", version)
    return _variant_page(request, model_id, descriptor_id, variant_id, 422, "delete", errors, f.values())


# -- sources -------------------------------------------------------------------------------------------------

SOURCE_FORM = ("id", "title", "author", "outlet", "date", "address", "accessed", "note")
_SOURCE_LIMITS = {
    "id": SHORT,
    "title": LONG,
    "author": LONG,
    "outlet": LONG,
    "date": 40,
    "address": 2000,
    "accessed": 40,
    "note": 5000,
}
_SOURCE_FIELDS = {k: (f"source_{k}" if k == "author" else k) for k in SOURCE_FORM}


def _source_values(f: _Form) -> dict:
    # The work's author is the form field "source_author"; "author" is who makes the change.
    return {k: f.text(_SOURCE_FIELDS[k], _SOURCE_LIMITS[k]) for k in SOURCE_FORM}


def _sources_page(request: Request, model_id: str, status=200, errors=None, form=None):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    rows = [{"s": s, "uses": editing.source_uses(data, s["id"])} for s in data.get("sources", [])]
    return _render(
        request, "editor_sources.html", ctx, status, title="Sources", rows=rows, form=form or {}, errors=errors or {}
    )


@router.get("/models/{model_id}/edit/sources", response_class=HTMLResponse)
def sources_page(request: Request, model_id: str):
    """The sources with what cites each, and a form to add one."""
    return _sources_page(request, model_id)


@router.post("/models/{model_id}/edit/sources", response_class=HTMLResponse)
async def add_source(request: Request, model_id: str):
    """Add a source."""
    f = _Form(await request.form())
    s = _source_values(f)
    author, reason = _who(f)
    errors = f.errors
    if not errors:
        fields = {k: v for k, v in s.items() if k not in ("id", "title")}
        change = lambda data: editing.add_source(data, s["id"], s["title"], **fields)  # noqa: E731

        def base(data: dict) -> str:
            return f"sources[{editing.source_index(data, s['id'])}]"

        version, errors = _save(request, model_id, change, author, reason, base, _SOURCE_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/sources", version)
    return _sources_page(request, model_id, 422, errors, f.values())


def _source_page(request, model_id, source_id, status=200, active="", errors=None, form=None):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    s = data["sources"][editing.source_index(data, source_id)]
    forms = {
        "source": {_SOURCE_FIELDS[k]: str(s.get(k, "")) for k in SOURCE_FORM},
        "delete": {"reason": f"delete source {source_id}"},
    }
    if active:
        forms[active] = form or {}
    return _render(
        request,
        "editor_source.html",
        ctx,
        status,
        title=f"Source {s['id']}",
        s=s,
        uses=editing.source_uses(data, source_id),
        forms=forms,
        active=active,
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, model_id: str, source_id: str):
    """One source: its fields, what cites it, and its deletion."""
    return _source_page(request, model_id, source_id)


@router.post("/models/{model_id}/edit/sources/{source_id}", response_class=HTMLResponse)
async def save_source(request: Request, model_id: str, source_id: str):
    """Save a source's fields; a changed id renames it in every citation."""
    f = _Form(await request.form())
    s = _source_values(f)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.update_source(data, source_id, **{k: v for k, v in s.items() if k != "id"})
            editing.rename_source(data, source_id, s["id"])

        def base(data: dict) -> str:
            return f"sources[{editing.source_index(data, s['id'])}]"

        version, errors = _save(request, model_id, change, author, reason, base, _SOURCE_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/sources/{_q(s['id'])}", version)
    return _source_page(request, model_id, source_id, 422, "source", errors, f.values())


@router.post("/models/{model_id}/edit/sources/{source_id}/delete", response_class=HTMLResponse)
async def delete_source(request: Request, model_id: str, source_id: str):
    """Delete a source; refused while anything cites it, naming where."""
    f = _Form(await request.form())
    author, reason = _who(f)
    errors = f.errors
    if not errors:
        change = lambda data: editing.delete_source(data, source_id)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {"id": "_top"})
        if version:
            return _redirect(f"{_base(model_id)}/sources", version)
    return _source_page(request, model_id, source_id, 422, "delete", errors, f.values())


# -- actors --------------------------------------------------------------------------------------------------


def _actor_values(f: _Form) -> tuple[dict, list[dict], list[dict]]:
    """(id/name/description, links for the model, link rows for the form again)."""
    values = {"id": f.text("id", SHORT), "name": f.text("name", LONG), "description": f.text("description", TEXT)}
    rows, links = [], []
    columns = zip(
        f.texts("link_descriptor", SHORT),
        f.texts("link_relation", 20),
        f.texts("link_preferred", SHORT),
        f.texts("link_note", 2000),
        strict=False,
    )
    for descriptor, relation, preferred, note in columns:
        rows.append({"descriptor": descriptor, "relation": relation, "preferred_variant": preferred, "note": note})
        if not descriptor:
            continue
        link = {"descriptor": descriptor, "relation": relation or "acts_on"}
        if preferred:
            link["preferred_variant"] = preferred
        if note:
            link["note"] = note
        links.append(link)
    return values, links, rows


_ACTOR_FIELDS = {"id": "id", "name": "name", "description": "description", "links": "links"}


def _actors_page(request: Request, model_id: str, status=200, errors=None, form=None, links=None):
    ctx = _head_context(request, model_id)
    return _render(
        request,
        "editor_actors.html",
        ctx,
        status,
        title="Actors",
        form=form or {},
        links=links or [{}] * (BLANK_LINKS + 1),
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit/actors", response_class=HTMLResponse)
def actors_page(request: Request, model_id: str):
    """The actors with their links to descriptors, and a form to add one."""
    return _actors_page(request, model_id)


@router.post("/models/{model_id}/edit/actors", response_class=HTMLResponse)
async def add_actor(request: Request, model_id: str):
    """Add an actor with links to descriptors (relation and preferred variant)."""
    f = _Form(await request.form())
    a, links, rows = _actor_values(f)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.add_actor(data, a["id"], a["name"], description=a["description"], links=links)

        def base(data: dict) -> str:
            return f"actors[{editing.actor_index(data, a['id'])}]"

        version, errors = _save(request, model_id, change, author, reason, base, _ACTOR_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/actors", version)
    return _actors_page(request, model_id, 422, errors, f.values(), rows)


def _actor_page(request, model_id, actor_id, status=200, active="", errors=None, form=None, links=None):
    ctx = _head_context(request, model_id)
    data = ctx["data"]
    a = data["actors"][editing.actor_index(data, actor_id)]
    forms = {
        "actor": {"id": a["id"], "name": a["name"], "description": a.get("description", "")},
        "delete": {"reason": f"delete actor {actor_id}"},
    }
    rows = [dict(link) for link in a.get("links", [])] + [{}] * BLANK_LINKS
    if active:
        forms[active] = form or {}
        if links is not None:
            rows = links + [{}]
    return _render(
        request,
        "editor_actor.html",
        ctx,
        status,
        title=f"Actor {a['name']}",
        a=a,
        links=rows,
        forms=forms,
        active=active,
        errors=errors or {},
    )


@router.get("/models/{model_id}/edit/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(request: Request, model_id: str, actor_id: str):
    """One actor: name, description, links to descriptors, and its deletion."""
    return _actor_page(request, model_id, actor_id)


@router.post("/models/{model_id}/edit/actors/{actor_id}", response_class=HTMLResponse)
async def save_actor(request: Request, model_id: str, actor_id: str):
    """Save an actor's fields and links; a changed id renames it."""
    f = _Form(await request.form())
    a, links, rows = _actor_values(f)
    author, reason = _who(f)
    errors = f.errors
    if not errors:

        def change(data: dict) -> None:
            editing.update_actor(data, actor_id, name=a["name"], description=a["description"], links=links)
            editing.rename_actor(data, actor_id, a["id"])

        def base(data: dict) -> str:
            return f"actors[{editing.actor_index(data, a['id'])}]"

        version, errors = _save(request, model_id, change, author, reason, base, _ACTOR_FIELDS)
        if version:
            return _redirect(f"{_base(model_id)}/actors/{_q(a['id'])}", version)
    return _actor_page(request, model_id, actor_id, 422, "actor", errors, f.values(), rows)


@router.post("/models/{model_id}/edit/actors/{actor_id}/delete", response_class=HTMLResponse)
async def delete_actor(request: Request, model_id: str, actor_id: str):
    """Delete an actor."""
    f = _Form(await request.form())
    author, reason = _who(f)
    errors = f.errors
    if not errors:
        change = lambda data: editing.delete_actor(data, actor_id)  # noqa: E731
        version, errors = _save(request, model_id, change, author, reason, "", {})
        if version:
            return _redirect(f"{_base(model_id)}/actors", version)
    return _actor_page(request, model_id, actor_id, 422, "delete", errors, f.values())
