"""Scenarist's exact search against PyCIB's exact solver, side by side in one run (issue 14).

Run on demand; not a test. For each case (the ScenarioWizard files in ``tests/data/cib``, the flagship
``iran-russia-pezeshkian`` and seeded random matrices) the same matrix is handed to PyCIB through its public API
(``cib.core.CIBMatrix`` built from descriptor/variant ids and ``set_impacts``, then
``cib.analysis.ScenarioAnalyzer.find_all_consistent_exact`` with an ``ExactSolverConfig``) and to Scenarist's
``find_scenarios(compiled, max_inconsistency=0)`` (on 1 thread and on numba's default thread count), and to the
search ``analyze`` runs (``scenarist.cib.decompose.search``: blocks of the impact graph when that pays, else the
plain search; skipped in a checkout without it). The script checks that all return the same set of consistent
scenarios (it fails loudly, with a brute-force verdict on every disputed scenario from ``tests/naive.py``, when they
do not) and prints a Markdown table of the times and ratios.

PyCIB (https://github.com/ag-ross/PyCIB, AGPL-3.0) is not on PyPI and none of its code is in this repository. Put a
copy of its public repository outside the repository, at ``/tmp/pycib`` (or pass ``--pycib PATH``); the script puts
that path on ``sys.path`` and imports ``cib`` from it, and skips with a message when it is absent::

    git clone https://github.com/ag-ross/PyCIB /tmp/pycib
    # or, from a local mirror:  git -C MIRROR archive HEAD | tar -x -C /tmp/pycib
    #                           git -C MIRROR rev-parse HEAD > /tmp/pycib/COMMIT   (so the table names the commit)

PyCIB's ``cib`` package imports with numpy alone for this path (its scipy/networkx modules are not touched).

    nice -n -5 .venv/bin/python benchmarks/bench_pycib.py --time-limit 300
    .venv/bin/python benchmarks/bench_pycib.py --cases bench_50x50 r15x3 --repeat 3

Definitions made to agree:

- Self-impacts: PyCIB refuses impacts of a descriptor on itself. Files are imported with ``self_impacts="ignore"``
  (the method's definition); the script asserts that every diagonal block it hands over is zero.
- Exogenous descriptors (Scenarist leaves them out of the consistency test; the flagship has 6): nothing impacts
  them, so their columns are zero and PyCIB sees every variant tie at 0, i.e. always consistent. The script asserts
  those columns are zero, so both definitions select the same scenarios.
- Ties and tolerance: PyCIB compares float balances with ``np.isclose(atol=1e-8, rtol=1e-5)``; Scenarist compares
  integers with k = 0 (ties are consistent on both sides). The script asserts that the largest possible balance
  times rtol plus atol stays below 1, so PyCIB's tolerance cannot merge two different integers.

Timing: Scenarist's "first call" is its first search of that case in this process (for the first case this
includes loading the compiled kernels from numba's cache, or compiling them on a fresh install); the other figures
exclude it (one warm-up call per thread setting, then the median of ``--repeat`` calls, or, for a fast case, of
as many as fill about half a second, at most 500: a median of 7 calls of a millisecond moved by ±20 % from run to
run). PyCIB is timed around
``find_all_consistent_exact`` only (building its ``CIBMatrix`` is excluded, as is compiling ours); it runs three
times (median) when a run takes under 5 s, else once, with ``--time-limit`` seconds per run (a run that hits it is
reported as "> limit" and its ratio as a lower bound, and only its partial list is checked, as a subset of ours).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "tests" / "data" / "cib"

FILES = [
    "CIB_global",
    "bench_medium",
    "bench_large",
    "bench_typical",
    "bench_xlarge",
    "CIB_natl_regional",
    "CIB_nested_simplified_nonstandard",
    "CIB_nested_simplified_standardized",
    "bench_50x50",
    "CIB_nested",
]
RANDOM = ["r10x3", "r12x4", "r15x3", "r16x3", "r20x3"]
FLAGSHIP = "iran-russia-pezeshkian"
DEFAULT_CASES = [*FILES, FLAGSHIP, *RANDOM]


# -- cases ------------------------------------------------------------------------------------------------------


def random_compiled(n: int, variants: int, seed: int):
    """Dense seeded random matrix: n descriptors of ``variants`` variants, scores −3..3 with about half zero, zero
    self-blocks (the generator of ``run_all.random_compiled`` / ``bench_search.random_compiled``)."""
    from scenarist.cib import CompiledModel

    rng = np.random.default_rng(seed)
    counts = np.full(n, variants, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    V = int(offsets[-1])
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < 0.5)
    for d in range(n):
        m[offsets[d] : offsets[d + 1], offsets[d] : offsets[d + 1]] = 0
    return CompiledModel(
        descriptor_ids=tuple(f"d{i + 1}" for i in range(n)),
        descriptor_names=tuple(f"Descriptor {i + 1}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{j + 1}" for j in range(variants)) for _ in range(n)),
        variant_names=tuple(tuple(f"Variant {j + 1}" for j in range(variants)) for _ in range(n)),
        counts=counts,
        offsets=offsets,
        matrix=m.astype(np.int64),
        exogenous=np.zeros(n, dtype=bool),
        scale=(-3, 3),
    )


def load_case(name: str):
    """(label, CompiledModel) for a case name: a file stem in tests/data/cib, the flagship, or ``rNxV``."""
    import scenarist
    from scenarist.cib.compile import compile_model
    from scenarist.io.scw import SelfImpactWarning

    if name.startswith("r") and "x" in name and name[1:].replace("x", "").isdigit():
        n, v = (int(x) for x in name[1:].split("x"))
        seed = 1000 * n + v
        return f"random {n}×{v} (seed {seed})", random_compiled(n, v, seed)
    if name == FLAGSHIP:
        return f"{name} (flagship)", compile_model(scenarist.load(name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        model = scenarist.import_model(DATA / f"{name}.scw", self_impacts="ignore")
    return name, compile_model(model)


# -- PyCIB side -------------------------------------------------------------------------------------------------


def to_pycib(c):
    """The compiled model as a PyCIB ``CIBMatrix`` (ids as names; only non-zero cells stored, zero is its default).

    Asserts the conditions under which PyCIB's definition of consistency equals ours (see the module docstring)."""
    from cib.core import CIBMatrix

    n = c.n_descriptors
    off = c.offsets
    M = np.asarray(c.matrix)
    for d in range(n):
        if M[off[d] : off[d + 1], off[d] : off[d + 1]].any():
            raise AssertionError(f"{c.descriptor_ids[d]}: non-zero self-impacts (PyCIB cannot represent them)")
        if c.exogenous[d] and M[:, off[d] : off[d + 1]].any():
            raise AssertionError(f"{c.descriptor_ids[d]}: exogenous but impacted (PyCIB would test it)")
    biggest = int(np.abs(M).max(initial=0)) * n
    if biggest * 1e-5 + 1e-8 >= 1:
        raise AssertionError(f"balances up to {biggest}: PyCIB's isclose could merge distinct integers")
    descriptors = {c.descriptor_ids[d]: list(c.variant_ids[d]) for d in range(n)}
    impacts = {}
    for i in range(n):
        for a in range(int(c.counts[i])):
            row = M[off[i] + a]
            for j in range(n):
                if i == j:
                    continue
                for b in range(int(c.counts[j])):
                    v = int(row[off[j] + b])
                    if v:
                        impacts[
                            (c.descriptor_ids[i], c.variant_ids[i][a], c.descriptor_ids[j], c.variant_ids[j][b])
                        ] = float(v)
    matrix = CIBMatrix(descriptors)
    matrix.set_impacts(impacts)
    return matrix


def run_pycib(matrix, time_limit: float, ordering: str):
    """One run of PyCIB's exact solver: (seconds, set of index tuples, complete?, nodes visited)."""
    from cib.analysis import ScenarioAnalyzer
    from cib.solvers.config import ExactSolverConfig

    analyzer = ScenarioAnalyzer(matrix)
    config = ExactSolverConfig(ordering=ordering, time_limit_s=float(time_limit))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "incomplete results" on a timeout: reported below
        t0 = time.perf_counter()
        res = analyzer.find_all_consistent_exact(config=config)
        dt = time.perf_counter() - t0
    found = {tuple(int(x) for x in s.to_indices()) for s in res.scenarios}
    return dt, found, bool(res.is_complete), int(res.diagnostics.get("nodes_visited", -1))


# -- Scenarist side ---------------------------------------------------------------------------------------------


def run_ours(c):
    from scenarist.cib import find_scenarios

    t0 = time.perf_counter()
    found = find_scenarios(c, max_inconsistency=0)
    return time.perf_counter() - t0, found


def run_analyze_search(c):
    """The search ``analyze`` runs (``scenarist.cib.decompose.search``: split into blocks of the impact graph when
    that helps, else the plain search); None when this checkout has no decomposition."""
    try:
        from scenarist.cib.decompose import search
    except ImportError:
        return None
    t0 = time.perf_counter()
    found, report = search(c, 0)
    return time.perf_counter() - t0, found, report


#: Scenarist's runs per setting: at least ``--repeat``, and for fast cases as many as fill about this many seconds
#: (at most MAX_RUNS).
MIN_TIMING_S = 0.5
MAX_RUNS = 500


def time_ours(c, threads: int, repeat: int, run=run_ours) -> float:
    import numba

    numba.set_num_threads(threads)
    dt = run(c)[0]  # warm-up for this thread setting
    if dt > 2.0:
        repeat = min(repeat, 3)
    # A search of a few milliseconds varies by ±20 % from call to call on a shared machine (a thread woken late):
    # fast cases run for about MIN_TIMING_S in all, so that the median is of many calls, not of a handful.
    repeat = max(repeat, min(MAX_RUNS, int(MIN_TIMING_S / max(dt, 1e-6))))
    return statistics.median(run(c)[0] for _ in range(repeat))


# -- disagreement -----------------------------------------------------------------------------------------------


def verdict(c, disputed) -> list[str]:
    """For each disputed scenario, its inconsistency by the brute-force reference (tests/naive.py)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import naive

    matrix = np.asarray(c.matrix).tolist()
    counts = [int(x) for x in c.counts]
    tested = naive.tested_list(c.n_descriptors, exogenous=set(np.flatnonzero(c.exogenous).tolist()))
    out = []
    for side, s in disputed:
        ic = naive.score(matrix, counts, list(s), tested)[0]
        ours_right = (ic == 0) == (side == "Scenarist only")
        out.append(f"{side}: {s} naive inconsistency {ic} → {'Scenarist' if ours_right else 'PyCIB'} is right")
    return out


# -- main -------------------------------------------------------------------------------------------------------


def fmt_s(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_ms(x: float) -> str:
    ms = 1000 * x
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.3g}"


def fmt_space(n: int) -> str:
    if n < 10**6:
        return f"{n:,}"
    e = len(str(n)) - 1
    return f"{n / 10**e:.1f} × 10^{e}"


def fmt_ratio(r: float, lower: bool) -> str:
    s = f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"
    return ("≥ " if lower else "") + s


def pycib_commit(path: Path) -> str:
    f = path / "COMMIT"
    if f.exists():
        return f.read_text().strip()
    try:
        return subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (write it to PATH/COMMIT)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pycib", default="/tmp/pycib", help="directory holding PyCIB's cib package (default /tmp/pycib)")
    ap.add_argument("--cases", nargs="*", default=DEFAULT_CASES, help="file stems, the flagship, rNxV (random)")
    ap.add_argument("--time-limit", type=float, default=300.0, help="PyCIB's time limit per run, seconds")
    ap.add_argument("--repeat", type=int, default=5, help="Scenarist runs per thread setting (median)")
    ap.add_argument("--ordering", default="given", choices=["given", "connectivity"], help="PyCIB's descriptor order")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args()

    pycib = Path(args.pycib)
    if not (pycib / "cib" / "solvers" / "exact_pruned.py").exists():
        print(f"PyCIB not found at {pycib} (see this script's docstring to put it there); skipped.")
        return 0
    sys.path.insert(0, str(pycib))
    import cib  # noqa: F401  (PyCIB, from --pycib)
    import numba

    default_threads = int(numba.config.NUMBA_NUM_THREADS)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"# {now}; {platform.machine()}, nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}; "
        f"PyCIB {pycib_commit(pycib)} (ordering={args.ordering}, time limit {args.time_limit:g} s)",
        flush=True,
    )
    rows, failures = [], []
    for name in args.cases:
        label, c = load_case(name)
        first, ours = run_ours(c)
        numba.set_num_threads(default_threads)
        t1 = time_ours(c, 1, args.repeat)
        tn = time_ours(c, default_threads, args.repeat)
        numba.set_num_threads(default_threads)
        mine = {tuple(int(x) for x in s) for s in ours.scenarios}
        ta, how = None, "—"
        if run_analyze_search(c) is not None:
            ta = time_ours(c, default_threads, args.repeat, run=run_analyze_search)
            _, via, report = run_analyze_search(c)
            how = f"blocks ({report.searches} searches)" if report.used else "plain"
            if {tuple(int(x) for x in s) for s in via.scenarios} != mine:
                failures.append((label, ["analyze's (decomposed) search differs from find_scenarios"]))

        matrix = to_pycib(c)
        p_runs, p_found, complete, nodes = [], set(), True, -1
        for _ in range(3):
            dt, found, done, nodes = run_pycib(matrix, args.time_limit, args.ordering)
            p_runs.append(dt)
            p_found, complete = found, done
            if dt >= 5.0 or not done:
                break
        tp = statistics.median(p_runs)

        if complete:
            agree = p_found == mine
            status = "identical" if agree else "DIFFER"
        else:
            agree = p_found <= mine
            status = f"partial ⊆ ours ({len(p_found)})" if agree else "DIFFER"
        if not agree:
            disputed = [("PyCIB only", s) for s in sorted(p_found - mine)]
            if complete:
                disputed += [("Scenarist only", s) for s in sorted(mine - p_found)]
            failures.append((label, verdict(c, disputed[:20])))
        row = {
            "case": label,
            "space": c.space_size,
            "consistent": len(mine),
            "pycib_s": tp,
            "pycib_complete": complete,
            "pycib_runs": len(p_runs),
            "pycib_nodes": nodes,
            "ours_first_s": first,
            "ours_1t_s": t1,
            f"ours_{default_threads}t_s": tn,
            "analyze_search_s": ta,
            "analyze_search": how,
            "ours_nodes": int(ours.nodes),
            "ours_method": ours.method,
            "kernels": status,
        }
        rows.append(row)
        print(json.dumps(row), flush=True)

    n = default_threads
    print()
    print(
        f"| case | scenarios | consistent | PyCIB (s) | Scenarist first call (ms) | Scenarist 1 thread (ms) | "
        f"Scenarist {n} threads (ms) | analyze's search, {n} threads (ms) | ratio, 1 thread | ratio, {n} threads | "
        "ratio, analyze's search | kernels |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        lower = not r["pycib_complete"]
        ta, ra = "—", "—"
        if r["analyze_search_s"] is not None:
            ta = f"{fmt_ms(r['analyze_search_s'])} ({r['analyze_search']})"
            ra = fmt_ratio(r["pycib_s"] / r["analyze_search_s"], lower)
        tp = ("> " if lower else "") + fmt_s(r["pycib_s"]) + ("" if r["pycib_runs"] == 1 or lower else " (med. 3)")
        print(
            f"| {r['case']} | {fmt_space(r['space'])} | {r['consistent']} | {tp} | {fmt_ms(r['ours_first_s'])} | "
            f"{fmt_ms(r['ours_1t_s'])} | {fmt_ms(r[f'ours_{n}t_s'])} | {ta} | "
            f"{fmt_ratio(r['pycib_s'] / r['ours_1t_s'], lower)} | {fmt_ratio(r['pycib_s'] / r[f'ours_{n}t_s'], lower)} "
            f"| {ra} | {r['kernels']} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    if failures:
        print("\nKERNELS DISAGREE:", file=sys.stderr)
        for label, lines in failures:
            print(f"  {label}:", file=sys.stderr)
            for line in lines:
                print(f"    {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
