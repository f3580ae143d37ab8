"""Exact-basins benchmark for issue 14: global, local and sequential succession in one run.

For each model (default ``bench_50x50.scw``, 60 466 176 scenarios) and operator, times
``exact_basins(c, operator, keep_labels=False)`` (the compiled path: global's kernel in ``cib/_kernels.py``, the
vectorised local and sequential kernels of ``cib/_basin_kernels.py``) and, as the same run's baseline,
``exact_basins(..., scalar=True)`` (the scalar successor kernel and the image-index labelling that local and
sequential used before). Runs alternate compiled / scalar so that both see the same machine load; the results of
the two paths are compared field by field. Global succession has no scalar variant (its kernel is the same either
way), so its baseline is itself. Kernels are loaded (or compiled) before timing.

Prints one JSON line per model and operator (median and best wall seconds of ``--repeat`` runs, the phases of the
median compiled run, the ratio to global) and a Markdown table for ``docs/performance.md``.

    nice .venv/bin/python benchmarks/bench_basins.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from scenarist.cib import compile_model  # noqa: E402
from scenarist.cib.basins import exact_basins  # noqa: E402
from scenarist.io.scw import SelfImpactWarning, import_scw  # noqa: E402

OPERATORS = ("global", "local", "sequential")


def load(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelfImpactWarning)
        return compile_model(import_scw(ROOT / "tests" / "data" / "cib" / f"{name}.scw"))


def same(a, b) -> bool:
    """Two Basins results agree: attractors, sizes, cycles (in order) and cycle sizes."""
    return (
        np.array_equal(a.attractors, b.attractors)
        and np.array_equal(a.sizes, b.sizes)
        and len(a.cycles) == len(b.cycles)
        and all(np.array_equal(x, y) for x, y in zip(a.cycles, b.cycles))
        and np.array_equal(a.cycle_sizes, b.cycle_sizes)
    )


def timed(c, op, scalar):
    t0 = time.perf_counter()
    b = exact_basins(c, op, keep_labels=False, scalar=scalar)
    return time.perf_counter() - t0, b


def main() -> None:
    import numba

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=["bench_50x50"])
    ap.add_argument("--no-scalar", action="store_true", help="skip the scalar baseline (slow)")
    args = ap.parse_args()
    warm = load("bench_medium")
    for op in OPERATORS:  # load (or compile) every kernel first
        exact_basins(warm, op)
        exact_basins(warm, op, scalar=True)
    rows = []
    for name in args.models:
        c = load(name)
        load_before = os.getloadavg()[0]
        comp = {op: [] for op in OPERATORS}
        base = {op: [] for op in OPERATORS}
        phases = {op: [] for op in OPERATORS}
        agree = dict.fromkeys(OPERATORS, True)
        last = {}
        for _ in range(args.repeat):  # operators interleaved, so that a change of load hits them alike
            for op in OPERATORS:
                t, b = timed(c, op, False)
                comp[op].append(t)
                phases[op].append(b.seconds)
                last[op] = b
                if op != "global" and not args.no_scalar:
                    ts, bs = timed(c, op, True)
                    base[op].append(ts)
                    agree[op] = agree[op] and same(b, bs)
        results = {}
        for op in OPERATORS:
            mid = sorted(range(args.repeat), key=comp[op].__getitem__)[args.repeat // 2]
            results[op] = {
                "model": name,
                "operator": op,
                "space": c.space_size,
                "threads": numba.get_num_threads(),
                "compiled_s": round(statistics.median(comp[op]), 3),
                "compiled_best_s": round(min(comp[op]), 3),
                "phases_s": {k: round(v, 3) for k, v in phases[op][mid].items()},
                "attractors": len(last[op].attractors),
                "in_cycles": last[op].in_cycles,
            }
            if op == "global":
                results[op]["scalar_s"] = results[op]["compiled_s"]
            elif base[op]:
                results[op].update(
                    scalar_s=round(statistics.median(base[op]), 3),
                    scalar_best_s=round(min(base[op]), 3),
                    identical=agree[op],
                )
        g = results["global"]
        for op in OPERATORS:
            r = results[op]
            r["x_global"] = round(r["compiled_s"] / g["compiled_s"], 2)
            if "scalar_s" in r:
                r["scalar_x_global"] = round(r["scalar_s"] / g["scalar_s"], 2)
            r["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            print(json.dumps(r), flush=True)
            rows.append(r)
    print("\n| model | operator | scalar path (baseline) | compiled | speed-up | compiled ÷ global | identical |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        base = r.get("scalar_s")
        speed = f"{base / r['compiled_s']:.1f}×" if base else "–"
        print(
            f"| {r['model']} | {r['operator']} | {base if base else '–'} s | {r['compiled_s']} s | {speed} | "
            f"{r['x_global']}× | {r.get('identical', '–')} |"
        )


if __name__ == "__main__":
    main()
