"""Scenarist: structured scenario analysis for geopolitics — Cross-Impact Balance analysis, likelihoods with honest
uncertainty, dated and graded evidence, and scored forecasts.

The public API (``docs/api.md``)::

    >>> import scenarist
    >>> a = scenarist.analyze("example")        # a Model, a file, or a packaged model's name
    >>> a
    <Analysis model='example-trade' scenarios=3 k=0>
    >>> a.to_frame().shape[0]
    3

Models: :func:`load`, :func:`validate`, :func:`import_model`, :func:`export`, :func:`save`. CIB:
:func:`analyze`, :func:`explain`, :func:`succession`, :func:`basins`, :func:`classify`. Likelihoods: :func:`likelihood`,
:func:`sensitivity`, :func:`ensemble`. Evidence: :func:`track`, :func:`ach` and the module :mod:`scenarist.evidence`;
forecasts: :mod:`scenarist.forecasts`. Reports: :func:`report`. Every mistake in an input raises a :class:`ScenaristError`.

Importing this package is light: numpy, numba, pandas, SQLAlchemy and matplotlib load when first needed.
"""

from __future__ import annotations

from .api import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    MAX_DRAWS,
    MAX_RESULTS,
    Validation,
    ach,
    analyze,
    basins,
    ensemble,
    explain,
    export,
    import_model,
    likelihood,
    load,
    random_start,
    report,
    save,
    sensitivity,
    succession,
    track,
    validate,
    volume_weights,
)
from .errors import InputFileError, ModelError, OptionError, Problem, ScenaristError, UnknownNameError


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scenarist")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


__version__ = _version()

# Names served on first use (their modules import numpy, pydantic or SQLAlchemy).
_LAZY = {
    "Model": ("scenarist.model", "Model"),
    "Analysis": ("scenarist.analysis", "Analysis"),
    "classify": ("scenarist.classification", "classify"),
    "evidence": ("scenarist.evidence", None),
    "forecasts": ("scenarist.forecasts", None),
    "reporting": ("scenarist.reporting", None),
    "web": ("scenarist.web", None),
    "workspace": ("scenarist.workspace", None),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        module = importlib.import_module(module_name)
        return module if attr is None else getattr(module, attr)
    raise AttributeError(f"module 'scenarist' has no attribute {name!r}")


__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "MAX_DRAWS",
    "MAX_RESULTS",
    "Analysis",
    "InputFileError",
    "Model",
    "ModelError",
    "OptionError",
    "Problem",
    "ScenaristError",
    "UnknownNameError",
    "Validation",
    "__version__",
    "ach",
    "analyze",
    "basins",
    "classify",
    "ensemble",
    "evidence",
    "explain",
    "export",
    "forecasts",
    "import_model",
    "likelihood",
    "load",
    "random_start",
    "report",
    "save",
    "sensitivity",
    "succession",
    "track",
    "validate",
    "volume_weights",
    "web",
    "workspace",
]
