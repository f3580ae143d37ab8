"""A model version's identity and the differences between two versions.

A version is identified by the SHA-256 of the model's canonical JSON: the model as the YAML file format holds it
(``from`` keys, no empty optional fields), with keys sorted, no spaces and UTF-8 text. Two models that differ only
in formatting or comments have the same version; any change of a number, a word or an order gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import ModelError, Problem
from ..model import Model, check_model


def model_data(model: Model) -> dict:
    """The model as plain JSON-ready data, as the YAML file format holds it."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def canonical_json(model: Model) -> str:
    """The model's canonical JSON text (sorted keys, no spaces, UTF-8 kept as text).

    Examples
    --------
    >>> import scenarist
    >>> canonical_json(scenarist.load("example"))[:25]
    '{"actors":[{"citations":['
    """
    return json.dumps(model_data(model), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def version_id(model: Model) -> str:
    """The SHA-256 (64 hexadecimal digits) of :func:`canonical_json`: a model version's identity."""
    return hashlib.sha256(canonical_json(model).encode("utf-8")).hexdigest()


def model_from_data(data: Any, name: str = "<workspace>") -> Model:
    """Validate plain data as a model, with every problem the file reader would report.

    Parameters
    ----------
    data : dict
        The model as plain data (what :func:`model_data` gives, possibly edited).
    name : str
        What to call the model in messages (a form, an upload's file name).

    Raises
    ------
    ModelError
        With one :class:`~scenarist.errors.Problem` per problem: field path (``judgments[3].score``) and message,
        in the same words as ``scenarist validate``.
    """
    from pydantic import ValidationError

    from ..io.yaml_text import field_name, problems_from_validation

    if not isinstance(data, dict):
        raise ModelError([Problem(name, None, "", "a model must be a mapping (metadata, descriptors, ...)")])
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        raise ModelError(problems_from_validation(exc, data, name)) from None
    problems = [Problem(name, None, field_name(path), message) for path, message in check_model(model)]
    if problems:
        raise ModelError(problems)
    return model


@dataclass(frozen=True)
class Change:
    """One difference between two model versions.

    Attributes
    ----------
    kind : {"added", "removed", "changed"}
    where : str
        What changed, named as a person reads it: ``judgment sanctions.on → economy.weak``, ``descriptor sanctions``,
        ``metadata.title``.
    field : str
        The changed field inside it (``score``, ``rationale``, ...), or ``""`` for a whole item.
    before, after : object or None
        The values (``None`` for an added or removed item).
    """

    kind: str
    where: str
    field: str
    before: Any
    after: Any

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {"kind": self.kind, "where": self.where, "field": self.field, "before": self.before, "after": self.after}


def _keyed(items: list[dict], key) -> dict:
    return {key(x): x for x in items}


#: Lists compared item by item, and how an item is named.
_LISTS = {
    "judgments": ("judgment", lambda j: f"{j['from']} → {j['to']}"),
    "descriptors": ("descriptor", lambda d: d["id"]),
    "sources": ("source", lambda s: s["id"]),
    "actors": ("actor", lambda a: a["id"]),
    "reference_scenarios": ("reference scenario", lambda r: r["id"]),
    "indicators": ("indicator", lambda i: i["id"]),
    "ensemble": ("ensemble member", lambda e: e["id"]),
}


def diff(before: Model, after: Model) -> list[Change]:
    """What changed from ``before`` to ``after``, item by item (judgments by cell, descriptors by id, ...).

    Returns
    -------
    list of Change
        In the file's order of sections; empty when the versions are equal.

    Examples
    --------
    >>> import scenarist
    >>> m = scenarist.load("example")
    >>> data = model_data(m)
    >>> data["judgments"][0]["score"] += 1
    >>> [(c.where, c.field) for c in diff(m, model_from_data(data))]
    [('judgment world.growth → policy.open', 'score')]
    """
    a, b = model_data(before), model_data(after)
    out: list[Change] = []
    for section in dict.fromkeys([*a, *b]):
        if section in _LISTS:
            label, key = _LISTS[section]
            old, new = _keyed(a.get(section, []), key), _keyed(b.get(section, []), key)
            for k in dict.fromkeys([*old, *new]):
                where = f"{label} {k}"
                if k not in new:
                    out.append(Change("removed", where, "", old[k], None))
                elif k not in old:
                    out.append(Change("added", where, "", None, new[k]))
                else:
                    for f in dict.fromkeys([*old[k], *new[k]]):
                        if old[k].get(f) != new[k].get(f):
                            out.append(Change("changed", where, f, old[k].get(f), new[k].get(f)))
        elif a.get(section) != b.get(section):
            if isinstance(a.get(section), dict) and isinstance(b.get(section), dict):
                for f in dict.fromkeys([*a[section], *b[section]]):
                    if a[section].get(f) != b[section].get(f):
                        out.append(Change("changed", section, f, a[section].get(f), b[section].get(f)))
            else:
                out.append(Change("changed", section, "", a.get(section), b.get(section)))
    return out
