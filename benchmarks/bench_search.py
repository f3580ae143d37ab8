"""Exact-search benchmark for issue 14: node counts and times of the branch-and-bound search.

Models: dense seeded random matrices of 20 and 24 descriptors with 3 variants each (generator of ``run_all.py``,
seeds 20 000 and 24 000) and ``bench_50x50.scw``. For each: the scenarios found, the search nodes and the wall time
of ``find_scenarios(c, method="bnb")`` (median of ``--repeat`` runs) on 1 thread and on 2.

Runs against whichever ``scenarist`` is first on ``sys.path`` (set ``PYTHONPATH`` to another checkout's ``src`` to
measure a baseline): nodes come from ``ScenarioSet.nodes`` when the search reports them, else from the old
kernel's ``bnb_nodes`` along its greedy order. Prints one JSON line per model.

    nice python benchmarks/bench_search.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def main() -> None:
    import numba

    from scenarist.cib import find_scenarios

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--models", nargs="*", default=["r20", "r24", "bench_50x50"])
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2])
    args = ap.parse_args()
    for name, c in models(args.models).items():
        numba.set_num_threads(1)
        found = find_scenarios(c, method="bnb")  # compile / load kernels
        import scenarist

        row = {"model": name, "src": scenarist.__file__, "found": len(found), "nodes": nodes_of(c, found)}
        for th in args.threads:
            numba.set_num_threads(th)
            ts = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                find_scenarios(c, method="bnb")
                ts.append(time.perf_counter() - t0)
            row[f"ms_{th}t"] = round(1000 * statistics.median(ts), 2)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
