"""What the pages and their JSON twins ask of the library, with the results cached by model version.

Each function takes the app's state (workspace and cache), a model id and a version (``None``: the newest), calls
the public API and returns its result object; pages render ``.to_dict()``, the JSON routes return it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import api
from ..errors import OptionError

#: Most judgment draws a page may ask for (the CLI allows 100,000; a page should answer in seconds).
MAX_PAGE_DRAWS = 5000


def parse_fixed(values: list[str] | None) -> dict[str, str]:
    """``["sanctions=snapback", ...]`` → ``{"sanctions": "snapback"}`` (the CLI's ``--fix`` syntax).

    Raises
    ------
    OptionError
        An entry without ``=``.
    """
    out: dict[str, str] = {}
    for value in values or []:
        if not value:
            continue
        name, sep, variant = value.partition("=")
        if not sep or not name or not variant:
            raise OptionError(f"fix must be descriptor=variant, got {value!r}")
        out[name.strip()] = variant.strip()
    return out


def version_of(state: Any, model_id: str, version: str | None):
    """The :class:`~scenarist.workspace.Version` named (raises UnknownNameError when absent)."""
    return state.workspace.resolve(model_id, version)


def model_at(state: Any, model_id: str, version: str | None = None):
    """The model at that version (cached)."""
    v = version_of(state, model_id, version)
    return state.cache.get((model_id, v.version, "model"), lambda: state.workspace.get(model_id, v.version))


def analysis(state: Any, model_id: str, version: str | None, k: int = 0, fixed: dict | None = None):
    """:func:`scenarist.analyze` on a stored version."""
    v = version_of(state, model_id, version)
    key = (model_id, v.version, "analyze", k, tuple(sorted((fixed or {}).items())))
    model = model_at(state, model_id, v.version)
    return state.cache.get(key, lambda: api.analyze(model, max_inconsistency=k, fixed=fixed or None))


def explanation(state: Any, model_id: str, version: str | None, scenario: int, k: int = 0, fixed=None):
    """:func:`scenarist.explain` of one scenario of the tableau."""
    v = version_of(state, model_id, version)
    key = (model_id, v.version, "explain", scenario, k, tuple(sorted((fixed or {}).items())))
    model = model_at(state, model_id, v.version)
    return state.cache.get(key, lambda: api.explain(model, scenario=scenario, max_inconsistency=k, fixed=fixed or None))


@dataclass(frozen=True)
class Task:
    """A cacheable computation: its cache key and ``run(progress)`` (``progress`` may be ``None``)."""

    key: tuple
    run: Callable[[Any], Any]


def now(state: Any, task: Task) -> Any:
    """The task's result, computed here on a cache miss (the JSON twins wait for it)."""
    return state.cache.get(task.key, lambda: task.run(None))


def for_page(state: Any, task: Task) -> tuple[Any, Any]:
    """``(result, None)`` when ready within a moment, else ``(None, job)`` for a progress page (see :mod:`.jobs`)."""
    return state.jobs.result(task.key, task.run)


def likelihood_task(state: Any, model_id: str, version: str | None, draws: int = 500, seed: int = 0, fixed=None):
    """The :class:`Task` of :func:`likelihood`."""
    if draws > MAX_PAGE_DRAWS:
        raise OptionError(f"draws must be at most {MAX_PAGE_DRAWS:,} on a page (the CLI allows more), got {draws:,}")
    v = version_of(state, model_id, version)
    key = (model_id, v.version, "likelihood", draws, seed, tuple(sorted((fixed or {}).items())))
    model = model_at(state, model_id, v.version)
    return Task(
        key, lambda progress: api.likelihood(model, draws=draws, seed=seed, fixed=fixed or None, progress=progress)
    )


def likelihood(state: Any, model_id: str, version: str | None, draws: int = 500, seed: int = 0, fixed=None):
    """:func:`scenarist.likelihood` with at most :data:`MAX_PAGE_DRAWS` draws.

    Raises
    ------
    OptionError
        More draws than a page allows, or the model has no outcome.
    """
    return now(state, likelihood_task(state, model_id, version, draws, seed, fixed))


def ensemble(state: Any, model_id: str, version: str | None):
    """:func:`scenarist.ensemble` over the model's readings (the model as stated first)."""
    v = version_of(state, model_id, version)
    # Every field of every reading is in the key: a reading saved again with other overrides is another ensemble.
    readings = tuple(
        sorted(
            (r.name, r.version, r.weight, tuple(sorted(r.overrides.items())))
            for r in state.workspace.readings(model_id)
        )
    )
    key = (model_id, v.version, "ensemble", readings)
    return state.cache.get(key, lambda: api.ensemble(state.workspace.ensemble_model(model_id, v.version)))
