"""Import boundaries of src/: the command line uses only the public API, engines read no files and know no
terminal, the import graph has no cycle, and start-up loads no heavy library.

The graph is read from the source (every ``import``, at module level or inside a function) with :mod:`ast`.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "scenarist"
#: Modules the command line may import: the public API and its namespaces.
PUBLIC = {
    "scenarist",
    "scenarist.api",
    "scenarist.evidence",
    "scenarist.forecasts",
    "scenarist.reporting",
    "scenarist.errors",
    "scenarist.checks",
    "scenarist.web",
    "scenarist.workspace",
}
#: Engines: pure computation over models and arrays.
ENGINES = ("scenarist.cib", "scenarist.probability", "scenarist.forecasts.scoring")
FORBIDDEN_IN_ENGINES = (
    "scenarist.io",
    "scenarist.cli",
    "scenarist.evidence.store",
    "scenarist.reporting",
    "typer",
    "rich",
    "sqlalchemy",
)
HEAVY = ("numpy", "numba", "pandas", "sqlalchemy", "matplotlib", "dask", "pydantic", "scipy")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}


def imports_of(name: str) -> set[str]:
    """Every module ``name`` imports (dotted; scenarist modules resolved, others by their top name)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                out.add(f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target)
    return out


def test_the_graph_is_read_correctly():
    # a known edge of each kind: absolute, relative, relative to a package, inside a function
    assert "scenarist" in imports_of("scenarist.cli.analyze")
    assert "scenarist.cib.compile" in imports_of("scenarist.cib.search")
    assert "scenarist.api" in imports_of("scenarist")
    assert "scenarist.cib.warmup" in imports_of("scenarist.api")


def test_cli_imports_only_the_public_api():
    bad = {}
    for name in MODULES:
        if name.startswith("scenarist.cli"):
            ours = {m for m in imports_of(name) if m.startswith("scenarist") and not m.startswith("scenarist.cli")}
            if ours - PUBLIC:
                bad[name] = sorted(ours - PUBLIC)
    assert not bad, bad


def test_engines_import_no_io_cli_or_terminal():
    bad = {}
    for name in MODULES:
        if name.startswith(ENGINES):
            hits = {m for m in imports_of(name) if m.startswith(FORBIDDEN_IN_ENGINES)}
            if hits:
                bad[name] = sorted(hits)
    assert not bad, bad


def test_import_graph_has_no_cycle():
    edges = {n: {m for m in imports_of(n) if m in MODULES and m != n} for n in MODULES}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for m in sorted(edges[n]):
            if state.get(m) == 1:
                return path[path.index(m) :] + [m]
            if m not in state and (cycle := visit(m)):
                return cycle
        state[n] = 2
        path.pop()
        return None

    for n in sorted(MODULES):
        if n not in state:
            cycle = visit(n)
            assert cycle is None, " → ".join(cycle)


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_start_up_loads_no_heavy_library(args):
    code = (
        f"import sys; from scenarist.cli import main; sys.argv = ['scenarist', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "HEAVY []" in r.stderr, r.stderr
    assert ("scenarist" in r.stdout) and (("Usage" in r.stdout) == (args == ["--help"]))


def test_import_scenarist_is_light():
    code = f"import sys, scenarist; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
