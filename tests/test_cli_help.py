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


# -- placeholders, width, version (fresh-user test #21) ----------------------------------------------------------

#: Commands whose options this file checks for internal type names in the help (the shared options appear
#: everywhere: MODEL, --fix, -k, --seed).
PLAIN_HELP = [("validate",), ("analyze",), ("explain",)]


@pytest.mark.parametrize("path", PLAIN_HELP, ids=lambda p: " ".join(p))
def test_help_placeholders_are_words_not_types(path):
    out = CliRunner().invoke(app, [*path, "--help"]).output
    usage, _, rest = out.partition("\n")
    assert usage.endswith("[OPTIONS] [MODEL]")
    options = rest.split("Options:")[1]
    for internal in ("<list[", "<str>", "<int", "<file>", "<path>", "{file}"):
        assert internal not in options, (internal, options)
    for placeholder in ("K", "DESCRIPTOR=VARIANT") if path != ("validate",) else ():
        assert f" {placeholder} " in options


def test_analyze_option_placeholders():
    out = CliRunner().invoke(app, ["analyze", "--help"]).output
    assert "--report FILE" in out and "--columns N" in out
    out = CliRunner().invoke(app, ["explain", "--help"]).output
    assert "--scenario N" in out and "--variants D=V,..." in out and "--reference ID" in out


def test_help_follows_a_wide_terminal():
    # A real process: the help's width comes from the terminal (COLUMNS), up to 120 columns (was: at most 80).
    import os
    import subprocess
    import sys

    def help_at(columns: int) -> str:
        code = "import sys; from scenarist.cli import main; sys.argv = ['scenarist', 'analyze', '--help']; main()"
        env = {**os.environ, "COLUMNS": str(columns)}
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout

    narrow, wide = help_at(60), help_at(160)
    assert max(len(l) for l in narrow.splitlines()) <= 60
    assert 80 < max(len(l) for l in wide.splitlines()) <= 120


def test_a_bad_thread_count_is_one_line_and_exit_2():
    # numba raised a traceback for 0 or less and only warned (a flattened traceback) for a non-number
    import os
    import subprocess
    import sys

    from scenarist.cli import thread_setting_problem

    code = "import sys; from scenarist.cli import main; sys.argv = ['scenarist', 'analyze', 'example']; main()"
    for value in ("0", "-3", "abc", ""):
        env = {**os.environ, "NUMBA_NUM_THREADS": value}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [thread_setting_problem(value)]
        assert f"NUMBA_NUM_THREADS={value!r}" in done.stderr and "Traceback" not in done.stderr
    assert [thread_setting_problem(v) for v in (None, "1", " 2", "1000")] == [None] * 4


def test_an_option_typer_cannot_read_is_one_line_and_exit_2():
    # click printed four lines (usage, a hint, a blank line, the error); the console script now prints one
    import subprocess
    import sys

    def scenarist(*args: str) -> subprocess.CompletedProcess:
        code = f"import sys; from scenarist.cli import main; sys.argv = ['scenarist', *{list(args)!r}]; main()"
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    cases = {
        ("analyze", "-k", "1.5"): "scenarist analyze: Invalid value for '--max-inconsistency' / '-k': ",
        ("analyze", "--bogus"): "scenarist analyze: No such option: --bogus",
        ("likelihood", "--draws", "-1"): "scenarist likelihood: Invalid value for '--draws': ",
        ("nosuch",): "scenarist: No such command 'nosuch'.",
    }
    for args, start in cases.items():
        done = scenarist(*args)
        assert done.returncode == 2 and done.stdout == "", args
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(start), lines
        assert lines[0].endswith(f"(see '{start.split(':')[0]} --help')")
    bare = scenarist("evidence")  # a group run bare still shows its help
    assert bare.returncode == 2 and bare.stderr.startswith("Usage: scenarist evidence [OPTIONS] COMMAND")
    assert scenarist("--version").returncode == 0


def test_version_option_in_root_help():
    out = CliRunner().invoke(app, ["--help"]).output
    assert "--version" in out


# -- the README's examples run (fresh-user test D4) --------------------------------------------------------------


def readme_commands() -> list[str]:
    """Every command line of the README's ``sh`` blocks after the first (``make run``/``make test``)."""
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert "make run" in blocks[0] and "make test" in blocks[0]
    out = []
    for block in blocks[1:]:
        for line in block.replace("\\\n", " ").splitlines():
            cmd = line.split("  #")[0].strip()
            if cmd:
                out.append(cmd)
    return out


def test_readme_lists_every_command_group():
    cmds = readme_commands()
    first = {c.split()[1] for c in cmds if c.startswith("scenarist ")}
    assert first >= {
        "validate",
        "analyze",
        "explain",
        "import",
        "export",
        "succession",
        "basins",
        "likelihood",
        "sensitivity",
        "ensemble",
        "evidence",
        "track",
        "forecast",
    }


@pytest.mark.slow  # 16-20 s: every README example, the flagship's likelihood and track among them
def test_readme_examples_run(tmp_path, monkeypatch):
    import shlex
    import subprocess
    from pathlib import Path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").symlink_to(Path(__file__).parent.parent / "models")
    monkeypatch.setenv("SCENARIST_DB", str(tmp_path / "default.db"))
    for cmd in readme_commands():
        if cmd.startswith("scenarist "):
            result = CliRunner().invoke(app, shlex.split(cmd)[1:])
            assert result.exit_code == 0, (cmd, result.output)
        else:  # a shell helper (sed) that prepares a file for the next example
            subprocess.run(cmd, shell=True, check=True, cwd=tmp_path)
