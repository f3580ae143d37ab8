"""Every command registered on the ``scenarist`` app has help text, and so has each of its options.

The commands are read from the click group Typer builds, recursively, so commands added later are covered without
touching this file (sqlite-utils checks its CLI reference the same way)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from scenarist.cli import app


def walk(group, path: tuple[str, ...] = ()):
    """Yield ``(path, command)`` for every command under ``group`` (sub-groups included).

    Duck-typed on purpose: recent Typer versions build their commands on a vendored copy of click, so
    ``isinstance(..., click.Group)`` would be false and the walk would silently find nothing.
    """
    if hasattr(group, "list_commands"):
        ctx = group.context_class(group)  # list_commands/get_command also see lazily loaded commands
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            yield (*path, name), cmd
            yield from walk(cmd, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(walk(ROOT))


def test_the_foundation_commands_exist():
    names = {p[0] for p, _ in COMMANDS}
    assert {"validate", "analyze", "explain"} <= names


@pytest.mark.parametrize("path, cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help(path, cmd):
    assert cmd.help and cmd.help.strip(), f"scenarist {' '.join(path)} has no help text"
    for param in cmd.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert param.help and param.help.strip(), f"scenarist {' '.join(path)} {param.opts[0]} has no help"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and cmd.help.split()[0] in result.output
