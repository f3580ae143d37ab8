"""Small pure edits of a model's plain data: what the browser workspace's model editor (and anyone scripting a
model) applies through :meth:`Workspace.edit <scenarist.workspace.Workspace.edit>`.

Each function takes the model as plain data (what :func:`~scenarist.workspace.versions.model_data` gives: the YAML
file format's mapping, with ``from`` keys) and changes it **in place**. They check what only they can see (an id
that does not exist, a new id that is taken, a deletion that would leave references behind) and raise
:class:`~scenarist.errors.UnknownNameError` or :class:`~scenarist.errors.OptionError`; everything else (a prior
that does not sum to 1, a role the schema does not know, fewer than two variants) is left to
:func:`~scenarist.workspace.versions.model_from_data`, which reports it in the words of ``scenarist validate``.

An :class:`~scenarist.errors.OptionError` raised here carries a ``field`` attribute naming the argument at fault
(``"id"``, ``"cascade"``, ...), so a form can show the message beside that field.

Renaming an id renames every reference to it: judgments, ensemble members' judgments, reference scenarios,
indicators, priors, actor links and the source's assessments (and, for a source, every citation). The analysis
of a renamed model is therefore the analysis of the original with the ids mapped.

Examples
--------
>>> import scenarist
>>> from scenarist.workspace.versions import model_data, model_from_data
>>> data = model_data(scenarist.load("example"))
>>> rename_variant(data, "policy", "closed", "protectionist")
>>> sorted({j["to"] for j in data["judgments"] if j["to"].startswith("policy.")})
['policy.open', 'policy.protectionist']
>>> model_from_data(data).descriptor("policy").variants[1].id
'protectionist'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import OptionError, UnknownNameError

#: What an id may look like: letters, digits, ``_`` and ``-`` (no dots: ``descriptor.variant`` splits on the
#: first dot), at most 100 characters.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")

#: Metadata fields :func:`update_metadata` edits (``id`` names the model in the workspace and never changes here).
METADATA_FIELDS = ("title", "description", "authors", "as_of", "scale", "provenance")
#: Fields of a descriptor, a variant, a source and an actor that the ``update_*`` functions edit (ids change
#: through the ``rename_*`` functions, which carry the references along).
DESCRIPTOR_FIELDS = ("name", "description", "role", "exogenous", "note")
VARIANT_FIELDS = ("name", "description", "observable", "horizon")
SOURCE_FIELDS = ("title", "author", "outlet", "date", "address", "accessed", "note")
ACTOR_FIELDS = ("name", "description", "links", "citations")


def _error(message: str, field: str) -> OptionError:
    err = OptionError(message)
    err.field = field  # type: ignore[attr-defined]
    return err


def check_id(value: str, what: str = "id") -> str:
    """``value`` stripped, when it is a valid id (see :data:`ID_PATTERN`).

    Raises
    ------
    OptionError
        An empty id, or one with characters other than letters, digits, ``_`` and ``-``.

    Examples
    --------
    >>> check_id(" sanctions ")
    'sanctions'
    >>> check_id("a.b")
    Traceback (most recent call last):
    ...
    scenarist.errors.OptionError: id 'a.b' may hold only letters, digits, '_' and '-' (at most 100, no dots)
    """
    value = (value or "").strip()
    if not value:
        raise _error(f"{what} must not be empty", "id")
    if not ID_PATTERN.fullmatch(value):
        raise _error(f"{what} {value!r} may hold only letters, digits, '_' and '-' (at most 100, no dots)", "id")
    return value


def _set(item: dict, key: str, value: Any) -> None:
    """Set ``item[key]``; ``None``, ``""`` and ``[]`` remove an optional field."""
    if value is None or value == "" or value == []:
        item.pop(key, None)
    else:
        item[key] = value


def _update(item: dict, fields: dict, allowed: tuple[str, ...], what: str) -> None:
    unknown = [k for k in fields if k not in allowed]
    if unknown:
        raise _error(f"{what} has no editable field {unknown[0]!r} (editable: {', '.join(allowed)})", unknown[0])
    for key, value in fields.items():
        _set(item, key, value.strip() if isinstance(value, str) else value)


# -- finding things ------------------------------------------------------------------------------------------


def descriptor_index(data: dict, descriptor_id: str) -> int:
    """Position of descriptor ``descriptor_id`` in ``data["descriptors"]``.

    Raises
    ------
    UnknownNameError
        No such descriptor (the message lists the known ones).
    """
    for i, d in enumerate(data.get("descriptors", [])):
        if d.get("id") == descriptor_id:
            return i
    known = ", ".join(d.get("id", "?") for d in data.get("descriptors", [])) or "none"
    raise UnknownNameError(f"no descriptor {descriptor_id!r} (descriptors: {known})")


def variant_index(data: dict, descriptor_id: str, variant_id: str) -> int:
    """Position of variant ``variant_id`` among descriptor ``descriptor_id``'s variants.

    Raises
    ------
    UnknownNameError
        No such descriptor or variant.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    for j, v in enumerate(d.get("variants", [])):
        if v.get("id") == variant_id:
            return j
    known = ", ".join(v.get("id", "?") for v in d.get("variants", [])) or "none"
    raise UnknownNameError(f"no variant {variant_id!r} in descriptor {descriptor_id!r} (variants: {known})")


def _index(items: list[dict], item_id: str, what: str) -> int:
    for i, x in enumerate(items):
        if x.get("id") == item_id:
            return i
    known = ", ".join(x.get("id", "?") for x in items) or "none"
    raise UnknownNameError(f"no {what} {item_id!r} ({what}s: {known})")


def source_index(data: dict, source_id: str) -> int:
    """Position of source ``source_id`` (raises :class:`UnknownNameError` when absent)."""
    return _index(data.get("sources", []), source_id, "source")


def actor_index(data: dict, actor_id: str) -> int:
    """Position of actor ``actor_id`` (raises :class:`UnknownNameError` when absent)."""
    return _index(data.get("actors", []), actor_id, "actor")


def _refs(ref: str) -> tuple[str, str]:
    d, _, v = str(ref).partition(".")
    return d, v


def _judgment_label(j: dict) -> str:
    return f"judgment {j.get('from')} → {j.get('to')}"


def descriptor_uses(data: dict, descriptor_id: str) -> list[str]:
    """Everything in the model that refers to descriptor ``descriptor_id`` (or one of its variants), each named as
    a person reads it: ``judgment world.growth → policy.open``, ``reference scenario status-quo``, ``indicator
    tariff-cut``, ``actor gov-a (link)``, ``ensemble member m: judgment …``, ``assessments (outcome)``.

    Examples
    --------
    >>> import scenarist
    >>> from scenarist.workspace.versions import model_data
    >>> uses = descriptor_uses(model_data(scenarist.load("example")), "world")
    >>> len(uses), uses[-1]
    (6, 'reference scenario status-quo')
    """
    descriptor_index(data, descriptor_id)
    out: list[str] = []

    def on(ref: str) -> bool:
        return _refs(ref)[0] == descriptor_id

    out += [_judgment_label(j) for j in data.get("judgments", []) if on(j["from"]) or on(j["to"])]
    for m in data.get("ensemble", []):
        out += [
            f"ensemble member {m['id']}: {_judgment_label(j)}"
            for j in m.get("judgments", [])
            if on(j["from"]) or on(j["to"])
        ]
    out += [
        f"reference scenario {r['id']}"
        for r in data.get("reference_scenarios", [])
        if descriptor_id in r.get("variants", {})
    ]
    out += [f"indicator {i['id']}" for i in data.get("indicators", []) if on(i["variant"])]
    out += [
        f"actor {a['id']} (link)"
        for a in data.get("actors", [])
        if any(link.get("descriptor") == descriptor_id for link in a.get("links", []))
    ]
    if (data.get("assessments") or {}).get("outcome") == descriptor_id:
        out.append("assessments (outcome)")
    out += [f"rule of {owner}" for owner, rule in _rules(data) if _rule_tests(rule, descriptor_id)]
    return out


def _rules(data: dict) -> Iterator[tuple[str, dict]]:
    """Every outcome variant's classification rule, as ``("descriptor.variant", rule dict)``."""
    for d in data.get("descriptors", []):
        for v in d.get("variants", []):
            if isinstance(v.get("rule"), dict):
                yield f"{d['id']}.{v['id']}", v["rule"]


def _conditions(rule: dict) -> Iterator[dict]:
    """Every ``descriptor``/``in`` condition inside a rule (nested in all, any, not)."""
    if "descriptor" in rule:
        yield rule
    for key in ("all", "any"):
        for child in rule.get(key) or []:
            if isinstance(child, dict):
                yield from _conditions(child)
    if isinstance(rule.get("not"), dict):
        yield from _conditions(rule["not"])


def _rule_tests(rule: dict, descriptor_id: str, variant_id: str | None = None) -> bool:
    """Whether a rule tests ``descriptor_id`` (or, with ``variant_id``, that variant of it)."""
    return any(
        c.get("descriptor") == descriptor_id and (variant_id is None or variant_id in (c.get("in") or []))
        for c in _conditions(rule)
    )


def variant_uses(data: dict, descriptor_id: str, variant_id: str) -> list[str]:
    """Everything in the model that refers to variant ``descriptor_id.variant_id`` (named as in
    :func:`descriptor_uses`; a prior probability above 0 counts, one of 0 does not)."""
    variant_index(data, descriptor_id, variant_id)
    ref = f"{descriptor_id}.{variant_id}"
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    out = [_judgment_label(j) for j in data.get("judgments", []) if ref in (j["from"], j["to"])]
    for m in data.get("ensemble", []):
        out += [
            f"ensemble member {m['id']}: {_judgment_label(j)}"
            for j in m.get("judgments", [])
            if ref in (j["from"], j["to"])
        ]
    out += [
        f"reference scenario {r['id']}"
        for r in data.get("reference_scenarios", [])
        if r.get("variants", {}).get(descriptor_id) == variant_id
    ]
    out += [f"indicator {i['id']}" for i in data.get("indicators", []) if i["variant"] == ref]
    out += [
        f"actor {a['id']} (preferred variant)"
        for a in data.get("actors", [])
        if any(
            link.get("descriptor") == descriptor_id and link.get("preferred_variant") == variant_id
            for link in a.get("links", [])
        )
    ]
    if (d.get("prior") or {}).get("probabilities", {}).get(variant_id, 0):
        out.append(f"prior of {descriptor_id}")
    a = data.get("assessments") or {}
    if a.get("outcome") == descriptor_id:
        out += [f"assessment of {variant_id}" for va in a.get("variants", []) if va.get("variant") == variant_id]
        out += [
            f"joint assessment {k + 1}"
            for k, ja in enumerate(a.get("joint", []))
            if variant_id in ja.get("variants", [])
        ]
    out += [f"rule of {owner}" for owner, rule in _rules(data) if _rule_tests(rule, descriptor_id, variant_id)]
    return out


def _citation_holders(data: dict) -> Iterator[tuple[str, dict]]:
    """Every item that holds ``citations``, named as a person reads it."""
    for d in data.get("descriptors", []):
        yield f"descriptor {d['id']}", d
        if d.get("prior"):
            yield f"prior of {d['id']}", d["prior"]
    for owner, rule in _rules(data):
        yield f"rule of {owner}", rule
    for j in data.get("judgments", []):
        yield _judgment_label(j), j
    for a in data.get("actors", []):
        yield f"actor {a['id']}", a
    for r in data.get("reference_scenarios", []):
        yield f"reference scenario {r['id']}", r
    for i in data.get("indicators", []):
        yield f"indicator {i['id']}", i
    for m in data.get("ensemble", []):
        yield f"ensemble member {m['id']}", m
        for j in m.get("judgments", []):
            yield f"ensemble member {m['id']}: {_judgment_label(j)}", j
    a = data.get("assessments")
    if a:
        yield "WEP table", a.get("wep", {})
        for va in a.get("variants", []):
            yield f"assessment of {va.get('variant')}", va
        for k, ja in enumerate(a.get("joint", [])):
            yield f"joint assessment {k + 1}", ja


def source_uses(data: dict, source_id: str) -> list[str]:
    """Every item that cites source ``source_id`` (``judgment a.x → b.y``, ``prior of world``, ...).

    Examples
    --------
    >>> import scenarist
    >>> from scenarist.workspace.versions import model_data
    >>> source_uses(model_data(scenarist.load("example")), "notes")[:2]
    ['prior of world', 'judgment world.growth → policy.open']
    """
    source_index(data, source_id)
    return [
        where
        for where, item in _citation_holders(data)
        if any(c.get("source") == source_id for c in item.get("citations", []))
    ]


def summarize_uses(uses: list[str]) -> str:
    """A one-line account of ``uses``: the judgments counted with the first three named, everything else named
    (at most ten).

    Examples
    --------
    >>> summarize_uses(["judgment a.x → b.y", "judgment a.x → c.z", "indicator i"])
    '2 judgment(s) (judgment a.x → b.y; judgment a.x → c.z); indicator i'
    """
    judgments = [u for u in uses if "judgment " in u]
    others = [u for u in uses if "judgment " not in u]
    parts = []
    if judgments:
        more = "; …" if len(judgments) > 3 else ""
        parts.append(f"{len(judgments)} judgment(s) ({'; '.join(judgments[:3])}{more})")
    parts += others[:10]
    if len(others) > 10:
        parts.append(f"and {len(others) - 10} more")
    return "; ".join(parts)


def _refuse_uses(what: str, uses: list[str]) -> OptionError:
    return _error(
        f"{what} is used by {len(uses)} item(s): {summarize_uses(uses)}; tick the confirmation to delete them with it",
        "cascade",
    )


# -- metadata ------------------------------------------------------------------------------------------------


def update_metadata(data: dict, **fields: Any) -> None:
    """Set metadata fields (:data:`METADATA_FIELDS`); ``None``, ``""`` or ``[]`` clears an optional one.

    ``scale`` is a mapping ``{"min": int, "max": int}``; ``authors`` a list of names; ``as_of`` an ISO date text.

    Raises
    ------
    OptionError
        A field that is not editable (``id`` included: a kept model keeps its id).
    """
    _update(data.setdefault("metadata", {}), fields, METADATA_FIELDS, "metadata")


# -- descriptors ---------------------------------------------------------------------------------------------


def _variant_item(v: Any) -> dict:
    if isinstance(v, str):
        vid = check_id(v, "variant id")
        return {"id": vid, "name": vid.replace("_", " ").replace("-", " ").capitalize()}
    item = {k: (x.strip() if isinstance(x, str) else x) for k, x in dict(v).items() if x not in (None, "")}
    item["id"] = check_id(item.get("id", ""), "variant id")
    item.setdefault("name", item["id"])
    return item


def add_descriptor(
    data: dict,
    descriptor_id: str,
    name: str,
    variants: list,
    *,
    role: str = "context",
    exogenous: bool = False,
    description: str | None = None,
    position: int | None = None,
    reference_variants: dict[str, str] | None = None,
) -> int:
    """Add a descriptor (at ``position``, default the end) and return its position.

    ``variants`` are ids (a name is made from each) or mappings with ``id``, ``name`` and optional
    ``description``, ``observable``, ``horizon``. A descriptor needs two variants or more; the validation of the
    whole model says so when it has fewer.

    Reference scenarios must name a variant of every descriptor: each gets the variant that
    ``reference_variants`` gives for its id, else the new descriptor's first variant.

    Raises
    ------
    OptionError
        A malformed id, or one that another descriptor has.
    """
    descriptor_id = check_id(descriptor_id, "descriptor id")
    descriptors = data.setdefault("descriptors", [])
    if any(d.get("id") == descriptor_id for d in descriptors):
        raise _error(f"a descriptor with id {descriptor_id!r} already exists", "id")
    item: dict = {
        "id": descriptor_id,
        "name": (name or "").strip() or descriptor_id,
        "role": role or "context",
        "exogenous": bool(exogenous),
        "variants": [_variant_item(v) for v in variants],
    }
    _set(item, "description", (description or "").strip())
    at = len(descriptors) if position is None else max(0, min(int(position), len(descriptors)))
    descriptors.insert(at, item)
    chosen = reference_variants or {}
    for r in data.get("reference_scenarios", []):
        first = item["variants"][0]["id"] if item["variants"] else ""
        r.setdefault("variants", {})[descriptor_id] = chosen.get(r.get("id"), first)
    return at


def update_descriptor(data: dict, descriptor_id: str, **fields: Any) -> None:
    """Set fields of a descriptor (:data:`DESCRIPTOR_FIELDS`: name, description, role, exogenous, note).

    Making a descriptor exogenous while judgments impact it, or endogenous while it carries a prior, is refused
    by the validation of the whole model.

    Raises
    ------
    UnknownNameError
        No such descriptor.
    OptionError
        A field that is not editable here.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    _update(d, fields, DESCRIPTOR_FIELDS, "a descriptor")
    if "exogenous" in fields:
        d["exogenous"] = bool(fields["exogenous"])


def _map_ref(ref: str, descriptor_id: str, old_v: str | None, new_d: str, new_v: str | None) -> str:
    d, v = _refs(ref)
    if d != descriptor_id:
        return ref
    if old_v is None:
        return f"{new_d}.{v}"
    return f"{new_d}.{new_v}" if v == old_v else ref


def _rename_refs(data: dict, descriptor_id: str, new_d: str, old_v: str | None = None, new_v: str | None = None):
    """Rename descriptor ``descriptor_id`` to ``new_d`` (old_v None) or its variant ``old_v`` to ``new_v``
    everywhere it is referred to."""

    def m(ref: str) -> str:
        return _map_ref(ref, descriptor_id, old_v, new_d, new_v)

    for j in data.get("judgments", []):
        j["from"], j["to"] = m(j["from"]), m(j["to"])
    for member in data.get("ensemble", []):
        for j in member.get("judgments", []):
            j["from"], j["to"] = m(j["from"]), m(j["to"])
    for r in data.get("reference_scenarios", []):
        variants = r.get("variants", {})
        if descriptor_id in variants:
            if old_v is None:
                r["variants"] = {(new_d if k == descriptor_id else k): v for k, v in variants.items()}
            elif variants[descriptor_id] == old_v:
                variants[descriptor_id] = new_v
    for i in data.get("indicators", []):
        i["variant"] = m(i["variant"])
    for a in data.get("actors", []):
        for link in a.get("links", []):
            if link.get("descriptor") != descriptor_id:
                continue
            if old_v is None:
                link["descriptor"] = new_d
            elif link.get("preferred_variant") == old_v:
                link["preferred_variant"] = new_v
    a = data.get("assessments")
    if a and a.get("outcome") == descriptor_id:
        if old_v is None:
            a["outcome"] = new_d
        else:
            for va in a.get("variants", []):
                if va.get("variant") == old_v:
                    va["variant"] = new_v
            for ja in a.get("joint", []):
                ja["variants"] = [new_v if v == old_v else v for v in ja.get("variants", [])]
    for _, rule in _rules(data):
        for c in _conditions(rule):
            if c.get("descriptor") != descriptor_id:
                continue
            if old_v is None:
                c["descriptor"] = new_d
            else:
                c["in"] = [new_v if v == old_v else v for v in c.get("in") or []]


def rename_descriptor(data: dict, descriptor_id: str, new_id: str) -> None:
    """Change a descriptor's id and every reference to it (judgments, ensemble members, reference scenarios,
    indicators, actor links, the assessments' outcome).

    Raises
    ------
    UnknownNameError
        No such descriptor.
    OptionError
        A malformed new id, or one another descriptor has.
    """
    i = descriptor_index(data, descriptor_id)
    new_id = check_id(new_id, "descriptor id")
    if new_id == descriptor_id:
        return
    if any(d.get("id") == new_id for d in data["descriptors"]):
        raise _error(f"a descriptor with id {new_id!r} already exists", "id")
    _rename_refs(data, descriptor_id, new_id)
    data["descriptors"][i]["id"] = new_id


def _move(items: list, at: int, offset: int) -> int:
    to = max(0, min(at + int(offset), len(items) - 1))
    items.insert(to, items.pop(at))
    return to


def move_descriptor(data: dict, descriptor_id: str, offset: int) -> int:
    """Move a descriptor ``offset`` places (−1 up, +1 down; stops at either end) and return its new position.
    Descriptor order is the matrix's and the tableau's order; it changes no result but their order."""
    return _move(data["descriptors"], descriptor_index(data, descriptor_id), offset)


def delete_descriptor(data: dict, descriptor_id: str, *, cascade: bool = False) -> list[str]:
    """Delete a descriptor. Return what was deleted with it (see :func:`descriptor_uses`).

    Without ``cascade`` a descriptor that anything uses is refused, naming the uses. With ``cascade`` they go with
    it: judgments from or to it (ensemble members' too), its indicators, actor links to it and the assessments when
    it is their outcome; reference scenarios lose their entry for it (they stay complete).

    Raises
    ------
    UnknownNameError
        No such descriptor.
    OptionError
        Something uses it and ``cascade`` is false (``field`` is ``"cascade"``).
    """
    i = descriptor_index(data, descriptor_id)
    uses = descriptor_uses(data, descriptor_id)
    if uses and not cascade:
        raise _refuse_uses(f"descriptor {descriptor_id!r}", uses)

    def off(j: dict) -> bool:
        return descriptor_id not in (_refs(j["from"])[0], _refs(j["to"])[0])

    if "judgments" in data:
        data["judgments"] = [j for j in data["judgments"] if off(j)]
    for m in data.get("ensemble", []):
        if "judgments" in m:
            m["judgments"] = [j for j in m["judgments"] if off(j)]
    for r in data.get("reference_scenarios", []):
        r.get("variants", {}).pop(descriptor_id, None)
    if "indicators" in data:
        data["indicators"] = [x for x in data["indicators"] if _refs(x["variant"])[0] != descriptor_id]
    for a in data.get("actors", []):
        if "links" in a:
            a["links"] = [link for link in a["links"] if link.get("descriptor") != descriptor_id]
    if (data.get("assessments") or {}).get("outcome") == descriptor_id:
        data.pop("assessments")
    data["descriptors"].pop(i)
    return uses


# -- variants ------------------------------------------------------------------------------------------------


def add_variant(
    data: dict,
    descriptor_id: str,
    variant_id: str,
    name: str,
    *,
    description: str | None = None,
    observable: str | None = None,
    horizon: str | None = None,
    position: int | None = None,
) -> int:
    """Add a variant to a descriptor (at ``position``, default the end) and return its position.

    When the descriptor carries a prior, the new variant gets probability 0 in it (the prior still sums to 1;
    edit it to give the variant weight).

    Raises
    ------
    UnknownNameError
        No such descriptor.
    OptionError
        A malformed id, or one the descriptor already has.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    variant_id = check_id(variant_id, "variant id")
    if any(v.get("id") == variant_id for v in d.get("variants", [])):
        raise _error(f"descriptor {descriptor_id!r} already has a variant {variant_id!r}", "id")
    item = {"id": variant_id, "name": (name or "").strip() or variant_id}
    for key, value in (("description", description), ("observable", observable), ("horizon", horizon)):
        _set(item, key, (value or "").strip())
    variants = d.setdefault("variants", [])
    at = len(variants) if position is None else max(0, min(int(position), len(variants)))
    variants.insert(at, item)
    if d.get("prior"):
        d["prior"].setdefault("probabilities", {})[variant_id] = 0.0
        d["prior"]["uniform"] = False
    return at


def update_variant(data: dict, descriptor_id: str, variant_id: str, **fields: Any) -> None:
    """Set fields of a variant (:data:`VARIANT_FIELDS`: name, description, observable, horizon).

    Raises
    ------
    UnknownNameError
        No such descriptor or variant.
    OptionError
        A field that is not editable here.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    _update(d["variants"][variant_index(data, descriptor_id, variant_id)], fields, VARIANT_FIELDS, "a variant")


def rename_variant(data: dict, descriptor_id: str, variant_id: str, new_id: str) -> None:
    """Change a variant's id and every reference to it: judgments (ensemble members' too), reference scenarios,
    indicators, the descriptor's prior, actors' preferred variants and the assessments.

    Raises
    ------
    UnknownNameError
        No such descriptor or variant.
    OptionError
        A malformed new id, or one the descriptor already has.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    j = variant_index(data, descriptor_id, variant_id)
    new_id = check_id(new_id, "variant id")
    if new_id == variant_id:
        return
    if any(v.get("id") == new_id for v in d["variants"]):
        raise _error(f"descriptor {descriptor_id!r} already has a variant {new_id!r}", "id")
    _rename_refs(data, descriptor_id, descriptor_id, variant_id, new_id)
    prior = d.get("prior")
    if prior and variant_id in prior.get("probabilities", {}):
        prior["probabilities"] = {(new_id if k == variant_id else k): p for k, p in prior["probabilities"].items()}
    d["variants"][j]["id"] = new_id


def move_variant(data: dict, descriptor_id: str, variant_id: str, offset: int) -> int:
    """Move a variant ``offset`` places within its descriptor (−1 up, +1 down) and return its new position."""
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    return _move(d["variants"], variant_index(data, descriptor_id, variant_id), offset)


def delete_variant(data: dict, descriptor_id: str, variant_id: str, *, cascade: bool = False) -> list[str]:
    """Delete a variant. Return what was deleted with it (see :func:`variant_uses`).

    Without ``cascade`` a variant that anything uses is refused, naming the uses. With ``cascade``: judgments from
    or to it go (ensemble members' too), and so do its indicators, the reference scenarios that choose it, its
    assessments; it leaves joint assessments and the prior, and actors' links no longer prefer it. A prior that
    then no longer sums to 1 is refused by the validation, which says so.

    Raises
    ------
    UnknownNameError
        No such descriptor or variant.
    OptionError
        Something uses it and ``cascade`` is false (``field`` is ``"cascade"``).
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    j = variant_index(data, descriptor_id, variant_id)
    uses = variant_uses(data, descriptor_id, variant_id)
    if uses and not cascade:
        raise _refuse_uses(f"variant {descriptor_id}.{variant_id}", uses)
    ref = f"{descriptor_id}.{variant_id}"
    if "judgments" in data:
        data["judgments"] = [x for x in data["judgments"] if ref not in (x["from"], x["to"])]
    for m in data.get("ensemble", []):
        if "judgments" in m:
            m["judgments"] = [x for x in m["judgments"] if ref not in (x["from"], x["to"])]
    if "reference_scenarios" in data:
        data["reference_scenarios"] = [
            r for r in data["reference_scenarios"] if r.get("variants", {}).get(descriptor_id) != variant_id
        ]
    if "indicators" in data:
        data["indicators"] = [x for x in data["indicators"] if x["variant"] != ref]
    for a in data.get("actors", []):
        for link in a.get("links", []):
            if link.get("descriptor") == descriptor_id and link.get("preferred_variant") == variant_id:
                link.pop("preferred_variant")
    if d.get("prior"):
        d["prior"].get("probabilities", {}).pop(variant_id, None)
    a = data.get("assessments")
    if a and a.get("outcome") == descriptor_id:
        a["variants"] = [va for va in a.get("variants", []) if va.get("variant") != variant_id]
        for ja in a.get("joint", []):
            ja["variants"] = [v for v in ja.get("variants", []) if v != variant_id]
    d["variants"].pop(j)
    return uses


# -- priors --------------------------------------------------------------------------------------------------


def set_prior(
    data: dict,
    descriptor_id: str,
    probabilities: dict[str, float],
    rationale: str,
    *,
    citations: list[dict] | None = None,
    uniform: bool = False,
) -> None:
    """Set the prior of an exogenous descriptor: a probability per variant, a rationale and citations.

    The validation of the whole model refuses probabilities that do not sum to 1 (within 10^-6), name unknown
    variants or miss some, and a prior on a descriptor that is not exogenous.

    Raises
    ------
    UnknownNameError
        No such descriptor.
    """
    d = data["descriptors"][descriptor_index(data, descriptor_id)]
    prior: dict = {
        "probabilities": {str(k): float(p) for k, p in probabilities.items()},
        "rationale": (rationale or "").strip(),
    }
    if citations:
        prior["citations"] = [dict(c) for c in citations]
    if uniform:
        prior["uniform"] = True
    d["prior"] = prior


def clear_prior(data: dict, descriptor_id: str) -> None:
    """Remove a descriptor's prior (no error when it has none)."""
    data["descriptors"][descriptor_index(data, descriptor_id)].pop("prior", None)


# -- sources -------------------------------------------------------------------------------------------------


def add_source(data: dict, source_id: str, title: str, **fields: Any) -> int:
    """Add a source (``fields``: :data:`SOURCE_FIELDS` other than the title) and return its position.

    Raises
    ------
    OptionError
        A malformed id, one another source has, or an unknown field.
    """
    source_id = check_id(source_id, "source id")
    sources = data.setdefault("sources", [])
    if any(s.get("id") == source_id for s in sources):
        raise _error(f"a source with id {source_id!r} already exists", "id")
    item = {"id": source_id, "title": (title or "").strip()}
    _update(item, fields, SOURCE_FIELDS, "a source")
    sources.append(item)
    return len(sources) - 1


def update_source(data: dict, source_id: str, **fields: Any) -> None:
    """Set fields of a source (:data:`SOURCE_FIELDS`); ``None`` or ``""`` clears an optional one.

    Raises
    ------
    UnknownNameError
        No such source.
    """
    _update(data["sources"][source_index(data, source_id)], fields, SOURCE_FIELDS, "a source")


def rename_source(data: dict, source_id: str, new_id: str) -> None:
    """Change a source's id and every citation of it.

    Raises
    ------
    UnknownNameError
        No such source.
    OptionError
        A malformed new id, or one another source has.
    """
    i = source_index(data, source_id)
    new_id = check_id(new_id, "source id")
    if new_id == source_id:
        return
    if any(s.get("id") == new_id for s in data["sources"]):
        raise _error(f"a source with id {new_id!r} already exists", "id")
    for _, item in _citation_holders(data):
        for c in item.get("citations", []):
            if c.get("source") == source_id:
                c["source"] = new_id
    data["sources"][i]["id"] = new_id


def delete_source(data: dict, source_id: str) -> None:
    """Delete a source that nothing cites.

    Raises
    ------
    UnknownNameError
        No such source.
    OptionError
        The source is cited; the message names where (change those citations first).
    """
    i = source_index(data, source_id)
    uses = source_uses(data, source_id)
    if uses:
        raise _error(
            f"source {source_id!r} is cited by {len(uses)} item(s): {summarize_uses(uses)}; change those citations "
            "first",
            "id",
        )
    data["sources"].pop(i)


# -- actors --------------------------------------------------------------------------------------------------


def add_actor(data: dict, actor_id: str, name: str, **fields: Any) -> int:
    """Add an actor (``fields``: description, links, citations) and return its position.

    ``links`` are mappings ``{"descriptor", "relation": "acts_on" | "stake", "preferred_variant", "note"}``.

    Raises
    ------
    OptionError
        A malformed id, one another actor has, or an unknown field.
    """
    actor_id = check_id(actor_id, "actor id")
    actors = data.setdefault("actors", [])
    if any(a.get("id") == actor_id for a in actors):
        raise _error(f"an actor with id {actor_id!r} already exists", "id")
    item = {"id": actor_id, "name": (name or "").strip()}
    _update(item, fields, ACTOR_FIELDS, "an actor")
    actors.append(item)
    return len(actors) - 1


def update_actor(data: dict, actor_id: str, **fields: Any) -> None:
    """Set fields of an actor (:data:`ACTOR_FIELDS`: name, description, links, citations).

    Raises
    ------
    UnknownNameError
        No such actor.
    """
    _update(data["actors"][actor_index(data, actor_id)], fields, ACTOR_FIELDS, "an actor")


def rename_actor(data: dict, actor_id: str, new_id: str) -> None:
    """Change an actor's id (nothing in a model refers to actors by id).

    Raises
    ------
    UnknownNameError
        No such actor.
    OptionError
        A malformed new id, or one another actor has.
    """
    i = actor_index(data, actor_id)
    new_id = check_id(new_id, "actor id")
    if new_id != actor_id and any(a.get("id") == new_id for a in data["actors"]):
        raise _error(f"an actor with id {new_id!r} already exists", "id")
    data["actors"][i]["id"] = new_id


def delete_actor(data: dict, actor_id: str) -> None:
    """Delete an actor (raises :class:`UnknownNameError` when absent)."""
    data["actors"].pop(actor_index(data, actor_id))


__all__ = [
    "add_actor",
    "add_descriptor",
    "add_source",
    "add_variant",
    "check_id",
    "clear_prior",
    "delete_actor",
    "delete_descriptor",
    "delete_source",
    "delete_variant",
    "descriptor_index",
    "descriptor_uses",
    "move_descriptor",
    "move_variant",
    "rename_actor",
    "rename_descriptor",
    "rename_source",
    "rename_variant",
    "set_prior",
    "source_uses",
    "summarize_uses",
    "update_actor",
    "update_descriptor",
    "update_metadata",
    "update_source",
    "update_variant",
    "variant_index",
    "variant_uses",
]
