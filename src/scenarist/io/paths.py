"""Where models are: files given by path, and the models packaged with Scenarist (by name)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import InputFileError

#: Packaged model used when a command is given none.
FLAGSHIP = "iran-russia-pezeshkian"
EXAMPLE = "example"


def packaged_models() -> dict[str, Path]:
    """Models shipped inside the package, by name (file stem) → path. Works from a checkout and an install."""
    out: dict[str, Path] = {}
    root = resources.files("scenarist") / "models"
    for entry in root.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = Path(str(entry))
    return out


def default_model_name() -> str:
    """The flagship when it is packaged, otherwise the small example model."""
    return FLAGSHIP if FLAGSHIP in packaged_models() else EXAMPLE


def resolve_model_path(model: str | os.PathLike | None) -> Path:
    """Turn a command's MODEL argument into a file path.

    ``None`` gives the default packaged model; an existing path is used as it is; a bare name such as
    ``example`` or ``iran-russia-pezeshkian`` picks a packaged model.

    Raises
    ------
    InputFileError
        When no file and no packaged model has that name.
    """
    if model is None:
        return packaged_models()[default_model_name()]
    p = Path(model)
    if p.exists():
        return p
    packaged = packaged_models()
    if str(model) in packaged:
        return packaged[str(model)]
    names = ", ".join(sorted(packaged))
    raise InputFileError(f"{model}: no such file (packaged models: {names})")
