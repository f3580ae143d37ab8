"""Decomposition benchmark for issue 14: block-chained models solved exactly, end to end and engine alone.

Model (seeded, :func:`block_chain`): ``blocks`` blocks of 10 binary descriptors; each descriptor is impacted by
each other descriptor of its own block and of the block before with probability 0.5, the four cells of such a pair
drawn uniformly from −3..+3; nothing else impacts it (so the impact graph is a chain of strongly connected blocks).
Written as a ScenarioWizard ``.scw`` file to a temporary folder.

For each model (20 blocks = 200 descriptors, and 10 blocks = 100 descriptors, seed 0):

- ``cli``: wall time of ``scenarist analyze FILE.scw --json --timings --max-results 10000000`` in a fresh process
  (start-up, reading the file, kernels, compiling, the search — decomposed automatically — and summarising), with
  the decomposition it reports;
- ``api``: ``scenarist.analyze(FILE)`` in this process, decomposed against the plain search (median of
  ``--repeat``);
- ``engine``: :func:`find_scenarios_decomposed` against :func:`find_scenarios` (the plain search), engine only,
  in this process, kernels loaded first, median of ``--repeat`` runs; the plain search of the 200-descriptor model
  only with ``--plain-200``.

Every comparison checks that both give the same scenarios in the same order (``same``).
- ``count``: :func:`count_kernel` on a looser 200-descriptor chain (pairs within a block 0.3, from the block
  before 0.1), against the plain search's counter (``count_scenarios``, one thread, one run).

Prints one JSON line per measurement. Run on demand (not a test):

    nice .venv/bin/python benchmarks/bench_decompose.py --repeat 3 --plain-200
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SIZE = 10


def block_chain(
    blocks: int, seed: int = 0, size: int = SIZE, density: float = 0.5, between: float | None = None
) -> np.ndarray:
    """(2n, 2n) int64 matrix of ``blocks`` chained blocks of ``size`` binary descriptors (n = blocks × size); pairs
    within a block impact with probability ``density``, pairs from the block before with ``between`` (default:
    ``density``)."""
    between = density if between is None else between
    rng = np.random.default_rng(seed)
    n = blocks * size
    m = np.zeros((2 * n, 2 * n), dtype=np.int64)
    for b in range(blocks):
        for src in (b - 1, b):
            if src < 0:
                continue
            for i in range(src * size, (src + 1) * size):
                for j in range(b * size, (b + 1) * size):
                    if i != j and rng.random() < (density if src == b else between):
                        m[2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = rng.integers(-3, 4, size=(2, 2))
    return m


def write_model(blocks: int, seed: int, folder: Path) -> Path:
    from scenarist.io.scw import ScwProject, write_scw

    n = blocks * SIZE
    project = ScwProject(
        title=f"Block chain {blocks}x{SIZE} (seed {seed})",
        descriptors=tuple(f"D{i + 1}" for i in range(n)),
        variants=(("low", "high"),) * n,
        matrix=block_chain(blocks, seed),
    )
    path = folder / f"chain_{blocks}x{SIZE}_s{seed}.scw"
    write_scw(project, path)
    return path


def compiled_from_matrix(m: np.ndarray):
    from scenarist.cib import CompiledModel

    n = len(m) // 2
    ids = tuple(f"D{i + 1}" for i in range(n))
    counts = np.full(n, 2, dtype=np.int64)
    offsets = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    return CompiledModel(
        ids, ids, (("low", "high"),) * n, (("low", "high"),) * n, counts, offsets, m, np.zeros(n, bool)
    )


def run_cli(path: Path) -> dict:
    exe = Path(sys.executable).with_name("scenarist")
    cmd = [str(exe), "analyze", str(path), "--json", "--timings", "--max-results", "10000000"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "120"})
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"analyze failed: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    dec = doc.get("decomposition", {})
    return {
        "wall_s": round(wall, 3),
        "scenarios": doc.get("n_scenarios"),
        "timings_ms": {k: round(1000 * v, 1) for k, v in doc.get("timings", {}).items()},
        "decomposed": dec.get("used"),
        "blocks": len(dec.get("blocks", [])),
        "block_searches": dec.get("searches"),
    }


def run_api(path: Path, repeat: int) -> dict:
    """``scenarist.analyze(path)`` in this process (reading, compiling, searching, summarising), decomposed as
    ``analyze`` chooses, against the same call with the plain search swapped in (a benchmark-only patch of
    ``scenarist.analysis.decomposed_search``)."""
    import scenarist
    import scenarist.analysis as analysis
    from scenarist.cib.decompose import search

    t_dec, a = median_time(lambda: scenarist.analyze(path, max_results=10_000_000), repeat)
    original = analysis.decomposed_search
    analysis.decomposed_search = lambda c, k, f, r: search(c, k, f, r, decompose_model="never")
    try:
        t_plain, b = median_time(lambda: scenarist.analyze(path, max_results=10_000_000), repeat)
    finally:
        analysis.decomposed_search = original
    same = np.array_equal(a.scenarios.scenarios, b.scenarios.scenarios)
    return {
        "decomposed_s": round(t_dec, 3),
        "plain_s": round(t_plain, 3),
        "ratio": round(t_plain / t_dec, 1),
        "same": bool(same),
    }


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plain-200", action="store_true", help="also time the plain search of the 200-descriptor model")
    args = ap.parse_args(argv)

    from scenarist.cib import compile_model, count_kernel, find_scenarios, find_scenarios_decomposed
    from scenarist.cib.search import count_scenarios, tested_mask
    from scenarist.cib.warmup import load_kernels
    from scenarist.io.scw import import_scw

    load_kernels("search")
    with tempfile.TemporaryDirectory() as tmp:
        for blocks in (20, 10):
            path = write_model(blocks, args.seed, Path(tmp))
            n = blocks * SIZE
            print(
                json.dumps({"model": f"{n} descriptors ({blocks} blocks)", "run": "cli", **run_cli(path)}), flush=True
            )
            print(json.dumps({"model": f"{n} descriptors", "run": "api", **run_api(path, args.repeat)}), flush=True)
            c = compile_model(import_scw(path))
            find_scenarios_decomposed(c, max_results=None)  # warm: networkx imported, block kernels loaded
            t_dec, (found, report) = median_time(
                lambda c=c: find_scenarios_decomposed(c, max_results=None), args.repeat
            )
            row = {"model": f"{n} descriptors", "run": "engine", "scenarios": len(found)}
            row["decomposed_s"] = round(t_dec, 4)
            row["block_searches"] = report.searches
            if blocks <= 10 or args.plain_200:
                t_plain, plain = median_time(lambda c=c: find_scenarios(c, max_results=None), args.repeat)
                same = np.array_equal(plain.scenarios, found.scenarios)
                row.update(plain_s=round(t_plain, 4), ratio=round(t_plain / t_dec, 1), same=bool(same))
            print(json.dumps(row), flush=True)
        m = block_chain(20, args.seed, density=0.3, between=0.1)
        c = compiled_from_matrix(m)
        t_count, n = median_time(lambda: count_kernel(c), args.repeat)
        row = {"model": "200 descriptors, loose", "run": "count", "count": n, "count_s": round(t_count, 4)}
        fx = np.full(c.n_descriptors, -1, dtype=np.int64)
        t_plain, n_plain = median_time(  # the plain search's own counter (one thread), once: several seconds
            lambda: count_scenarios(c.matrix, c.offsets, c.counts, fx, tested_mask(c, fx), 0), 1
        )
        row.update(plain_count_s=round(t_plain, 3), ratio=round(t_plain / t_count, 1), same=n == n_plain)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
