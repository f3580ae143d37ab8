"""Read and write Scenarist YAML models, reporting every problem with its file, line and field.

Reading goes: YAML text → ruamel round-trip tree (which remembers line numbers) → plain Python → pydantic
:class:`~scenarist.model.Model` → :func:`~scenarist.model.check_model`. All problems from the last two steps are
collected and raised together as one :class:`~scenarist.errors.ModelError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputFileError, ModelError, Problem
from ..model import Model, check_model
from .output import write_atomic
from .paths import resolve_model_path
from .yaml_text import dump_yaml, field_name, line_of, plain, problems_from_validation, read_yaml

#: Lists whose malformed items can be left out to check the rest: nothing else refers to their items by id.
_DROPPABLE = ("judgments", "actors", "reference_scenarios", "indicators")


def _cross_field_problems_of_rest(exc: ValidationError, tree: Any, name: str) -> list[Problem]:
    """Cross-field problems of the parts that do parse, when that is cheap and cannot mislead.

    Items of :data:`_DROPPABLE` lists with shape errors are left out and the rest is checked; when the shape errors
    lie elsewhere (metadata, descriptors, sources, ...), leaving them out would invent "unknown id" problems, so
    nothing is added. Paths are mapped back to the file's own item numbers.
    """
    bad: dict[str, set[int]] = {}
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) < 2 or loc[0] not in _DROPPABLE or not isinstance(loc[1], int):
            return []
        bad.setdefault(str(loc[0]), set()).add(loc[1])
    data = plain(tree)
    kept: dict[str, list[int]] = {}
    for key, drop in bad.items():
        kept[key] = [i for i in range(len(data[key])) if i not in drop]
        data[key] = [data[key][i] for i in kept[key]]
    try:
        rest = Model.model_validate(data)
    except ValidationError:
        return []
    out = []
    for path, message in check_model(rest):
        if len(path) >= 2 and path[0] in kept and isinstance(path[1], int):
            path = (path[0], kept[path[0]][path[1]], *path[2:])
        out.append(Problem(name, line_of(tree, path), field_name(path), message))
    return out


#: Files users mistake for models, by suffix: what each is and which command reads it.
_NOT_A_MODEL = {
    ".sl": "a ScenarioWizard solution list (the scenarios a search found), not a model; give the .scw model it "
    "came from, or a YAML model (scenarist export --to sl writes solution lists)",
    **dict.fromkeys(
        (".csv", ".tsv", ".xlsx"),
        "a cross-impact matrix table, not a model; turn it into one with scenarist import FILE -o MODEL.yaml "
        "(or use the .scw/.yaml model it was exported from)",
    ),
}


def load_model(model: str | os.PathLike | None = None, text: str | None = None) -> Model:
    """Load and fully check a model.

    Parameters
    ----------
    model : path, packaged model name, or None
        See :func:`resolve_model_path`. A ``.scw`` file is imported from ScenarioWizard.
    text : str, optional
        YAML text to parse instead of reading the file (``model`` then only names it in messages).

    Returns
    -------
    Model
        The validated model.

    Raises
    ------
    InputFileError
        Missing file or malformed YAML.
    ModelError
        Schema or cross-field problems; ``.problems`` lists all of them with file, line and field.
    """
    if text is None:
        path = resolve_model_path(model)
        if path.suffix.lower() == ".scw":
            from .scw import import_scw  # local: keeps YAML users free of the ScenarioWizard reader

            return import_scw(path)
        name = str(model) if model is not None and Path(model).exists() else str(path)
        not_a_model = _NOT_A_MODEL.get(path.suffix.lower())
        if not_a_model:
            raise InputFileError(f"{name}: {not_a_model}")
    else:
        name = str(model or "<string>")
    tree = read_yaml(name, text, "model")
    if tree is None:
        raise ModelError([Problem(name, 1, "", "the file is empty; a model needs at least metadata: and descriptors:")])
    if not isinstance(tree, dict):
        raise ModelError([Problem(name, 1, "", "a model file must be a YAML mapping (metadata:, descriptors:, ...)")])
    try:
        parsed = Model.model_validate(plain(tree))
    except ValidationError as exc:
        shape = problems_from_validation(exc, tree, name)
        rest = _cross_field_problems_of_rest(exc, tree, name)
        raise ModelError(sorted(shape + rest, key=lambda p: p.line or 0) if rest else shape) from None
    problems = [Problem(name, line_of(tree, p), field_name(p), m) for p, m in check_model(parsed)]
    if problems:
        raise ModelError(problems)
    return parsed


def dump_model(model: Model) -> str:
    """Serialise a model to YAML text in the file format (``from`` keys, no empty optional fields)."""
    return dump_yaml(model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False))


def save_model(model: Model, path: str | os.PathLike) -> None:
    """Write a model as YAML to ``path`` atomically.

    Raises
    ------
    InputFileError
        When the target directory does not exist or is not writable.
    """
    try:
        write_atomic(path, dump_model(model))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write: {exc}") from None
