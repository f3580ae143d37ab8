"""The workspace's tables, defined with the rest of the store's schema in :mod:`scenarist.evidence.tables` and
created by the migration ``0002_workspace``: kept models, their versions (canonical JSON and its SHA-256) and
readings."""

from __future__ import annotations

from ..evidence.tables import workspace_models, workspace_readings, workspace_versions

__all__ = ["workspace_models", "workspace_readings", "workspace_versions"]
