"""Benchmark: judgment draws on the flagship, each with its exact pass over all exogenous combinations.

Target (issue 5): 1 000 draws in ≤ 10 s on a 2-core machine. Prints a Markdown table of wall-clock seconds by
number of draws (in-process) and by number of Dask workers (LocalCluster with worker processes), plus the
single-matrix exact pass and the sensitivity run, and ``--draws`` draws on 1 and on 2 of numba's threads
(``--repeat`` runs each, the two alternating; the numbers must be the same bit for bit). Numba compilation is
excluded (one warm-up run first); Dask cluster start-up is excluded too (the cluster is started before the clock).

Run: ``.venv/bin/python benchmarks/bench_likelihood.py [--model NAME] [--draws 1000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def best_of(fn, repeat: int) -> float:
    """Smallest wall-clock time of ``repeat`` runs (seconds): the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from scenarist.io.paths import default_model_name
    from scenarist.io.yaml_model import load_model
    from scenarist.probability import outcome_distribution, sensitivity

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=default_model_name())
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()

    m = load_model(args.model)
    outcome_distribution(m, draws=5, seed=0)  # warm-up: numba compilation / cache load
    spread = sum(1 for j in m.judgments if j.spread or j.confidence)
    print(
        f"model {args.model}: {len(m.descriptors)} descriptors, {len(m.judgments)} judgments ({spread} with a "
        f"spread), {sum(d.exogenous for d in m.descriptors)} exogenous; "
        f"machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical CPUs\n"
    )
    d = outcome_distribution(m)
    print(
        f"exact pass on the stated matrix: {best_of(lambda: outcome_distribution(m), args.repeat) * 1e3:.1f} ms "
        f"({d.n_combinations} exogenous combinations, {len(d.scenarios)} consistent scenarios)"
    )
    print(f"sensitivity (every judgment ±1, exact each): {best_of(lambda: sensitivity(m), 1):.2f} s\n")

    import numba

    previous = numba.get_num_threads()
    times: dict = {1: [], 2: []}
    draws: dict = {}
    try:
        for _ in range(args.repeat):
            for th in (1, 2):
                numba.set_num_threads(min(th, numba.config.NUMBA_NUM_THREADS))
                t0 = time.perf_counter()
                draws[th] = outcome_distribution(m, draws=args.draws, seed=2024).per_draw
                times[th].append(time.perf_counter() - t0)
    finally:
        numba.set_num_threads(previous)
    same = np.array_equal(draws[1], draws[2])
    print(f"| numba threads | {args.draws} draws (s), min–max of {args.repeat} | same numbers |")
    print("|---:|---:|:---:|")
    for th in (1, 2):
        print(f"| {th} | {min(times[th]):.2f}–{max(times[th]):.2f} | {'yes' if same else 'NO'} |")
    print()

    print("| draws | in-process (s) | ms per draw |")
    print("|---:|---:|---:|")
    for r in sorted({100, 250, 500, args.draws, 2 * args.draws}):
        t = best_of(lambda r=r: outcome_distribution(m, draws=r, seed=1), args.repeat if r <= args.draws else 1)
        print(f"| {r} | {t:.2f} | {t / r * 1e3:.2f} |")

    if args.no_dask:
        return
    from distributed import Client, LocalCluster

    print(f"\n| Dask workers (processes) | {args.draws} draws (s) | same numbers as in-process |")
    print("|---:|---:|:---:|")
    ref = outcome_distribution(m, draws=args.draws, seed=1).per_draw
    for w in (1, 2):
        with (
            LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):
            outcome_distribution(m, draws=2 * w, seed=0, scheduler=client)  # warm-up in the workers
            got = []
            t = best_of(
                lambda got=got: got.append(outcome_distribution(m, draws=args.draws, seed=1, scheduler=client)),
                args.repeat,
            )
            same = np.array_equal(got[-1].per_draw, ref)
        print(f"| {w} | {t:.2f} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
