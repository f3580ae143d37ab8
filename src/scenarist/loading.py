"""Reading a model as every face and workflow takes it: a Model as it is; a file or a packaged name, read and
checked. Light at import (no numpy); the readers load on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks import check_choice
from .errors import OptionError

if TYPE_CHECKING:
    from .model import Model

#: A model as the API takes it: a Model, a path, a packaged model's name, or None (the flagship).
ModelLike = Any
SELF_IMPACTS = ("count", "ignore")


def model_path(model: ModelLike) -> Path | None:
    """The file a model argument names (``None`` for a :class:`Model` object).

    Raises
    ------
    InputFileError
        No such file and no packaged model of that name.
    """
    from .model import Model

    if isinstance(model, Model):
        return None
    from .io.paths import resolve_model_path

    return resolve_model_path(model)


def check_output(path: str | os.PathLike, inputs: Iterable[Any] = (), option: str | None = None) -> Path:
    """Check, before any work, that an output file may be written at ``path`` (see
    :func:`scenarist.io.output.check_output_path`); return the file it will replace.

    Raises
    ------
    OptionError
        An empty name, a directory, device or other non-regular file, a missing directory, or one of ``inputs``.
    """
    from .io.output import check_output_path

    return check_output_path(path, inputs=inputs, option=option)


def load(model: ModelLike = None, *, self_impacts: str | None = None) -> Model:
    """The one way every entry point reads a model: a Model is returned as it is, anything else is read and checked.

    Parameters
    ----------
    model : Model, str, path-like or None
        A :class:`~scenarist.model.Model`; a YAML model or ScenarioWizard ``.scw`` file; the name of a packaged model
        (``"example"``, ``"iran-russia-pezeshkian"``); ``None`` for the flagship.
    self_impacts : {"count", "ignore"} or None
        For a ``.scw`` file only: count a descriptor's impacts on itself in the balances (as ScenarioWizard does; the
        default) or ignore them (as the method's definition does). A YAML model states ``metadata.self_impacts``.

    Returns
    -------
    Model
        A validated model.

    Raises
    ------
    InputFileError
        Missing, unreadable or malformed file.
    ModelError
        Schema or cross-field problems, all of them, each with file, line and field.
    OptionError
        ``self_impacts`` not count/ignore, or given with a model that is not a ``.scw`` file.

    Examples
    --------
    >>> m = load("example")
    >>> len(m.descriptors), m.outcome.id
    (4, 'relationship')
    """
    from .model import Model

    if isinstance(model, Model):
        if self_impacts is not None:
            raise OptionError("self_impacts applies to reading a ScenarioWizard (.scw) file, not to a Model object")
        return model
    from .io.yaml_model import load_model

    if self_impacts is None:
        return load_model(model)
    check_choice(self_impacts, SELF_IMPACTS, "--self-impacts")
    path = model_path(model)
    if path.suffix.lower() != ".scw":
        raise OptionError(
            f"--self-impacts applies to ScenarioWizard (.scw) models; {path.name} states metadata.self_impacts itself"
        )
    from .io.scw import import_scw

    return import_scw(path, self_impacts=self_impacts)
