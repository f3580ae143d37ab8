"""Exact-search benchmark for issue 14: node counts and times of the branch-and-bound search, before and after.

Models: dense seeded random matrices of 20 and 24 descriptors with 3 variants each (generator of ``run_all.py``,
seeds 20 000 and 24 000) and ``bench_50x50.scw``. For each: the scenarios found, the search nodes and the wall time
of ``find_scenarios(c, method="bnb")`` on 1 thread and on 2 (median of ``--repeat`` runs, the two thread counts
alternating run by run so that a change in the machine's load hits both alike), optionally while one other process
keeps a core busy (``--busy``: ``python -c 'while 1: pass'``, started before and stopped after the timings).

``--baseline SRC`` measures, in the same run, another checkout's ``src`` (e.g. a worktree of the commit before:
``git worktree add /tmp/base14 <commit>`` and ``--baseline /tmp/base14/src``): each model is measured by a fresh
process per checkout, the baseline first, and both figures are printed side by side. Nodes come from
``ScenarioSet.nodes`` when the search reports them, else from the old kernel's ``bnb_nodes`` along its greedy order.

    nice python benchmarks/bench_search.py --repeat 20 --busy --baseline /tmp/base14/src

Prints one JSON line per model and checkout, then a table (ratios: before / after).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def random_compiled(n: int, seed: int, counts):
    """The generator of ``run_all.random_compiled`` (copied so that this script imports whichever ``scenarist``
    ``PYTHONPATH`` names: ``run_all`` puts this checkout's ``src`` first)."""
    from scenarist.cib import CompiledModel

    rng = np.random.default_rng(seed)
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    V = int(offsets[-1])
    m = rng.integers(-3, 4, size=(V, V)) * (rng.random((V, V)) < 0.5)
    for d in range(n):
        m[offsets[d] : offsets[d + 1], offsets[d] : offsets[d + 1]] = 0
    return CompiledModel(
        descriptor_ids=tuple(f"d{i + 1}" for i in range(n)),
        descriptor_names=tuple(f"Descriptor {i + 1}" for i in range(n)),
        variant_ids=tuple(tuple(f"v{j + 1}" for j in range(c)) for c in counts),
        variant_names=tuple(tuple(f"Variant {j + 1}" for j in range(c)) for c in counts),
        counts=counts,
        offsets=offsets,
        matrix=m.astype(np.int64),
        exogenous=np.zeros(n, dtype=bool),
    )


def models(names):
    from scenarist.cib import compile_model
    from scenarist.io.scw import SelfImpactWarning, import_scw

    out = {}
    for name in names:
        if name.startswith("r"):
            n = int(name[1:])
            out[f"random {n}x3"] = random_compiled(n, 1000 * n, counts=[3] * n)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SelfImpactWarning)
                out[name] = compile_model(import_scw(HERE.parent / "tests" / "data" / "cib" / f"{name}.scw"))
    return out


def nodes_of(c, found) -> int:
    n = getattr(found, "nodes", None)
    if n is not None and n >= 0:
        return int(n)
    from scenarist.cib import _kernels as K
    from scenarist.cib.search import tested_mask

    fx = np.full(c.n_descriptors, -1, dtype=np.int64)
    args = (c.matrix.astype(np.int64), c.offsets.astype(np.int64), c.counts.astype(np.int64), fx, tested_mask(c, fx))
    return int(K.bnb_nodes(*args, np.int64(0), K.search_order(*args)))


def measure(names, repeat: int, threads) -> None:
    """This process's ``scenarist``: one JSON line per model (found, nodes, median ms per thread count)."""
    import numba

    import scenarist
    from scenarist.cib import find_scenarios

    for name, c in models(names).items():
        first = {}
        for th in threads:  # compile / load the kernels of both paths, check both give the same scenarios
            numba.set_num_threads(th)
            first[th] = find_scenarios(c, method="bnb")
        same = len({first[th].scenarios.tobytes() for th in threads}) == 1
        row = {"model": name, "src": str(Path(scenarist.__file__).parent.parent), "found": len(first[threads[0]])}
        row["nodes"] = nodes_of(c, first[threads[0]])
        row["same_scenarios_every_thread_count"] = same
        ts: dict = {th: [] for th in threads}
        for _ in range(repeat):
            for th in threads:
                numba.set_num_threads(th)
                t0 = time.perf_counter()
                find_scenarios(c, method="bnb")
                ts[th].append(time.perf_counter() - t0)
        for th in threads:
            row[f"ms_{th}t"] = round(1000 * statistics.median(ts[th]), 2)
        print(json.dumps(row), flush=True)


def run_checkout(src: str | None, name: str, args) -> dict:
    """One model measured by a fresh process importing ``scenarist`` from ``src`` (None: this checkout)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = src if src else str(HERE.parent / "src")
    cmd = [sys.executable, __file__, "--worker", "--repeat", str(args.repeat), "--models", name, "--threads"]
    cmd += [str(t) for t in args.threads]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    print(json.dumps({"checkout": "before" if src else "after", **row}), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--models", nargs="*", default=["r20", "r24", "bench_50x50"])
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    ap.add_argument("--baseline", help="another checkout's src directory, measured in the same run")
    ap.add_argument("--busy", action="store_true", help="keep one other process busy during the timings")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        measure(args.models, args.repeat, args.threads)
        return
    busy = subprocess.Popen([sys.executable, "-c", "while 1: pass"]) if args.busy else None
    rows = []
    try:
        for name in args.models:
            before = run_checkout(args.baseline, name, args) if args.baseline else None
            rows.append((before, run_checkout(None, name, args)))
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    load = os.getloadavg()[0]
    print(f"\nmedian of {args.repeat} runs; busy process: {'yes' if args.busy else 'no'}; load average {load:.1f}")
    cols = ["nodes"] + [f"ms_{t}t" for t in args.threads]
    print(f"{'model':<14}" + "".join(f"{c + ' before':>16}{c + ' after':>15}{'ratio':>7}" for c in cols))
    for before, after in rows:
        line = f"{after['model']:<14}"
        for c in cols:
            b = before[c] if before else float("nan")
            line += f"{b:>16,}{after[c]:>15,}{(b / after[c] if after[c] else float('nan')):>7.2f}"
        print(line)
    for before, after in rows:
        for row in (before, after):
            if row and len(args.threads) >= 2:
                one, two = row[f"ms_{args.threads[0]}t"], row[f"ms_{args.threads[1]}t"]
                which = "before" if row is before else "after"
                print(f"{row['model']:<14} {which:<6} {args.threads[1]} threads / {args.threads[0]}: {two / one:.2f}")


if __name__ == "__main__":
    main()
