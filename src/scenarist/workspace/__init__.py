"""The workspace: models kept in the store with every version and named readings (see :mod:`.store`), and what
identifies and compares versions (:mod:`.versions`)."""

from __future__ import annotations

from .store import Reading, Version, Workspace, load_stored, open_workspace, parse_model_ref
from .versions import Change, canonical_json, diff, model_from_data, version_id

__all__ = [
    "Change",
    "Reading",
    "Version",
    "Workspace",
    "canonical_json",
    "diff",
    "load_stored",
    "model_from_data",
    "open_workspace",
    "parse_model_ref",
    "version_id",
]
