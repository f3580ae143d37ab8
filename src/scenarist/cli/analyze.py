"""Commands ``validate``, ``analyze`` and ``explain`` (the foundation's commands)."""

from __future__ import annotations

from ..io.yaml_model import load_model, resolve_model_path
from .common import ModelArg, command, console


@command("validate")
def validate(model: ModelArg = None) -> None:
    """Check a model file: print OK and exit 0, or list every problem (file:line: field: message) and exit 2."""
    load_model(model)
    console.print(f"OK {resolve_model_path(model)}", markup=False, highlight=False)
