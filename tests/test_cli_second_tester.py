"""Defects a second tester found: --self-impacts on the likelihood/evidence commands, infinite log scores explained,
resolving before the horizon, an empty track range, the --draws cap, and small messages (validate of a non-model,
contradicted claims order, ensemble with no members)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarist.cli import app

CIB = Path(__file__).parent / "data" / "cib"
NATL = CIB / "CIB_natl_regional.scw"  # non-zero blocks of a descriptor on itself


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(*args, env=None):
    return runner().invoke(app, [str(a) for a in args], env=env)


@pytest.mark.parametrize(
    "args",
    [
        ["likelihood", NATL, "--outcome", "nint", "--draws", "0"],
        ["sensitivity", NATL, "--outcome", "nint", "--top", "1"],
        ["ensemble", NATL, "--outcome", "nint", "--member", NATL],
        ["track", NATL, "--draws", "0", "--db", "{tmp}/s.db"],
        ["forecast", "record", "--model", NATL, "--id", "f1", "--criteria", "c", "--horizon", "2030-01-01",
         "--date", "2025-01-01", "--from-model", "--draws", "0", "--db", "{tmp}/s.db"],
    ],
    ids=lambda a: a[0] if a[0] != "forecast" else "forecast-record",
)
def test_self_impacts_option_on_every_command_that_reads_a_scw(args, tmp_path):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    r = run(*args)
    warned = [line for line in r.stderr.splitlines() if "on itself" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: ") and "--self-impacts ignore" in warned[0]
    (tmp_path / "s.db").unlink(missing_ok=True)
    quiet = run(*args, "--self-impacts", "ignore")
    assert "on itself" not in quiet.stderr and "No such option" not in quiet.stderr
    if args[0] in ("track", "forecast"):  # this model names no outcome: both refuse it, after reading it
        assert r.exit_code == quiet.exit_code == 2 and "no outcome" in quiet.stderr
    else:
        assert r.exit_code == quiet.exit_code == 0, (quiet.stdout, quiet.stderr)


def test_self_impacts_ignore_changes_the_likelihood_kernel():
    # CIB_natl_regional.scw: 10 consistent scenarios with the self-blocks left out (see test_scw)
    docs = {o: json.loads(run("likelihood", NATL, "--outcome", "nint", "--draws", "0", "--self-impacts", o,
                              "--json").stdout) for o in ("ignore", "count")}
    assert len(docs["ignore"]["consistent_scenarios"]) == 10
    assert len(docs["count"]["consistent_scenarios"]) != 10
