"""Benchmarks of the CIB engine (run on demand: ``make bench`` or ``python benchmarks/run_all.py``).

Times, on the machine it runs on:

1. every ScenarioWizard project in ``tests/data/cib`` (copies of ``shared/data/cib``): reading, the exact search
   (kernel), and exact global-succession basins; results are checked against the published ones as they run;
2. seeded random matrices from 10 to 30 descriptors (3–4 variants each, scores −3..+3, about half zero): search and
   basins (exact up to 2^28 scenarios, sampled above), to show how the cost grows;
3. ``scenarist analyze`` end to end on random models of 10^7 and 10^8 scenarios (a fresh process each: start-up,
   reading, kernel loading and search);
4. the first-call cost of the kernels: compiling from scratch (empty numba cache) and loading from the cache;
5. the batch search (:func:`scenarist.cib.search.tally_scenarios`) over 1 000 perturbed matrices × every
   exogenous combination of the flagship model.

Compilation is excluded from the engine timings (each kernel runs once first). Figures are the best of several
runs (wall clock). Writes ``benchmarks/results.json`` and prints Markdown tables (see ``docs/performance.md``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "cib"
sys.path.insert(0, str(ROOT / "src"))

from scenarist.cib import CompiledModel, compile_model, find_scenarios  # noqa: E402
from scenarist.cib.basins import exact_basins, sampled_basins  # noqa: E402
from scenarist.cib.search import tally_scenarios  # noqa: E402
from scenarist.io.scw import SelfImpactWarning, import_scw, read_scw  # noqa: E402


def best_of(fn, repeats: int) -> tuple[float, object]:
    """Smallest wall time of ``repeats`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def signature(scenarios, counts) -> list[int]:
    mult = np.concatenate([[1], np.cumprod(counts)[:-1]])
    return sorted((np.asarray(scenarios) * mult).sum(axis=-1).tolist())


# -- 1. the reference files ------------------------------------------------------------------------------------


def bench_files(quick: bool) -> list[dict]:
    julia = {r["file"]: r for r in json.loads((DATA / "bench_results_julia.json").read_text())}
    rows = []
    for path in sorted(DATA.glob("*.scw")):
        t_read, _ = best_of(lambda path=path: read_scw(path), 5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SelfImpactWarning)
            c = compile_model(import_scw(path))
        find_scenarios(c)  # load kernels
        t_search, found = best_of(lambda c=c: find_scenarios(c), 20 if c.space_size < 1e9 else 5)
        row = {
            "file": path.name,
            "descriptors": c.n_descriptors,
            "variants": c.n_variants,
            "space": c.space_size,
            "consistent": len(found),
            "method": found.method,
            "read_ms": 1000 * t_read,
            "search_ms": 1000 * t_search,
        }
        if not (quick and c.space_size > 1e8):
            if c.space_size < 1e8:
                exact_basins(c, keep_labels=False)  # warm up
            t_b, b = best_of(lambda c=c: exact_basins(c, keep_labels=False), 3 if c.space_size < 1e8 else 1)
            row.update(basins_s=t_b, in_cycles=b.in_cycles, attractors=len(b.attractors), phases=b.seconds)
            ref = julia.get(path.stem)
            if ref is not None:
                got = {
                    int((np.asarray(a) * np.concatenate([[1], np.cumprod(c.counts)[:-1]])).sum()): int(s)
                    for a, s in zip(b.attractors, b.sizes)
                }
                row["agrees_with_julia"] = (
                    got == {r["sig"]: r["size"] for r in ref["basins"]}
                    and b.in_cycles == ref["cycle_count"]
                    and signature(found.scenarios, c.counts) == sorted(ref["kernel_sigs"])
                )
                row["julia_search_ms"] = 1000 * ref["exhaustive_s"]
                row["julia_basins_s"] = ref["basins_s"]
        rows.append(row)
        print(
            f"  {path.name}: search {row['search_ms']:.3f} ms, basins {row.get('basins_s', float('nan')):.3f} s",
            file=sys.stderr,
        )
    return rows


# -- 2. random matrices ------------------------------------------------------------------------------------------


def random_compiled(n: int, seed: int, counts=None) -> CompiledModel:
    """Seeded random model: 3–4 variants per descriptor, scores −3..+3 with about half zero, self-blocks zero."""
    rng = np.random.default_rng(seed)
    counts = np.asarray(counts if counts is not None else rng.integers(3, 5, size=n), dtype=np.int64)
    n = len(counts)
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


def bench_random(quick: bool, seeds: int, budget: float = 60.0) -> list[dict]:
    """Search and basins on seeded random matrices of growing size; stops after a size whose slowest search takes
    more than ``budget`` seconds (the cost grows exponentially on dense random matrices)."""
    rows = []
    sizes = range(10, 31, 2) if not quick else range(10, 21, 5)
    for n in sizes:
        times, found, b_times, b_kinds, spaces = [], [], [], [], []
        for seed in range(seeds):
            c = random_compiled(n, 1000 * n + seed)
            spaces.append(c.space_size)
            find_scenarios(c, fixed=np.r_[0, [-1] * (n - 1)])  # load kernels on a smaller problem
            t, s = best_of(lambda c=c: find_scenarios(c), 1)
            if t < 1:
                t, s = best_of(lambda c=c: find_scenarios(c), 3)
            times.append(t)
            found.append(len(s))
            if c.space_size <= 1 << 28:
                t_b, _ = best_of(lambda c=c: exact_basins(c, keep_labels=False), 1)
                b_kinds.append("exact")
            else:
                t_b, _ = best_of(lambda c=c: sampled_basins(c, 20_000, seed=0), 1)
                b_kinds.append("sampled")
            b_times.append(t_b)
        rows.append(
            {
                "descriptors": n,
                "space_median": float(np.median(spaces)),
                "search_ms_median": 1000 * float(np.median(times)),
                "search_ms_max": 1000 * float(np.max(times)),
                "consistent_median": float(np.median(found)),
                "basins": ", ".join(f"{b_kinds.count(k)} {k}" for k in ("exact", "sampled") if k in b_kinds),
                "basins_s_median": float(np.median(b_times)),
            }
        )
        print(
            f"  n={n}: search {rows[-1]['search_ms_median']:.2f} ms (max {rows[-1]['search_ms_max']:.2f}), "
            f"basins {rows[-1]['basins_s_median']:.3f} s ({rows[-1]['basins']})",
            file=sys.stderr,
        )
        if max(times) > budget:
            print(f"  stopping: a search at {n} descriptors took more than {budget:.0f} s", file=sys.stderr)
            break
    return rows


# -- 3. analyze on 10^7 and 10^8 scenarios -----------------------------------------------------------------------


def random_model_yaml(counts, seed: int) -> str:
    """A random model as YAML text (for ``scenarist analyze``), scores as in :func:`random_compiled`."""
    from scenarist.io.yaml_model import dump_model
    from scenarist.model import Descriptor, Judgment, Metadata, Model, Variant

    c = random_compiled(len(counts), seed, counts)
    ds = [
        Descriptor(
            id=c.descriptor_ids[i],
            name=c.descriptor_names[i],
            variants=[Variant(id=v, name=nm) for v, nm in zip(c.variant_ids[i], c.variant_names[i])],
        )
        for i in range(c.n_descriptors)
    ]
    owner = np.repeat(np.arange(c.n_descriptors), c.counts)
    js = []
    for r, col in zip(*np.nonzero(c.matrix)):
        i, j = owner[r], owner[col]
        js.append(
            Judgment(
                **{
                    "from": f"{c.descriptor_ids[i]}.{c.variant_ids[i][r - c.offsets[i]]}",
                    "to": f"{c.descriptor_ids[j]}.{c.variant_ids[j][col - c.offsets[j]]}",
                },
                score=int(c.matrix[r, col]),
            )
        )
    meta = Metadata(id=f"random-{int(np.prod(counts))}", title="Random benchmark model", provenance="optional")
    return dump_model(Model(metadata=meta, descriptors=ds, judgments=js))


def bench_analyze() -> list[dict]:
    rows = []
    exe = Path(sys.executable).parent / "scenarist"
    for label, counts in (("10^7", [5] * 7 + [2] * 7), ("10^8", [5] * 8 + [2] * 8)):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.yaml"
            path.write_text(random_model_yaml(counts, 7), encoding="utf-8")
            subprocess.run([str(exe), "analyze", str(path), "--json"], capture_output=True, check=True)  # warm cache
            walls, engines = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                out = subprocess.run(
                    [str(exe), "analyze", str(path), "--json", "--timings"], capture_output=True, check=True, text=True
                )
                walls.append(time.perf_counter() - t0)
                doc = json.loads(out.stdout)
                engines.append(doc["timings"]["search"])
        c = random_compiled(len(counts), 7, counts)
        find_scenarios(c)
        t_engine, _ = best_of(lambda c=c: find_scenarios(c), 5)
        rows.append(
            {
                "space": label,
                "scenarios": int(np.prod(counts)),
                "consistent": len(doc["scenarios"]),
                "wall_s": min(walls),
                "search_s": min(engines),
                "engine_in_process_s": t_engine,
            }
        )
        print(
            f"  analyze {label}: {min(walls):.2f} s wall, search {1000 * min(engines):.1f} ms "
            f"(in-process, kernels loaded: {1000 * t_engine:.1f} ms)",
            file=sys.stderr,
        )
    return rows


# -- 4. first-call cost ------------------------------------------------------------------------------------------


FIRST_CALL = r"""
import time, json, numpy as np
t0 = time.perf_counter()
from scenarist.cib import compile_model, find_scenarios
from scenarist.cib.basins import exact_basins
from scenarist.cib.succession import succession
from scenarist.io.scw import import_scw
t1 = time.perf_counter()
c = compile_model(import_scw("{path}"))
t2 = time.perf_counter(); find_scenarios(c, method="sweep"); find_scenarios(c, method="bnb"); t3 = time.perf_counter()
exact_basins(c); t4 = time.perf_counter()
succession(c, np.zeros(c.n_descriptors, dtype=np.int64)); t5 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "search": t3 - t2, "basins": t4 - t3, "succession": t5 - t4}}))
"""


def bench_first_call() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        code = FIRST_CALL.format(path=DATA / "bench_medium.scw")
        for label in ("cold (compile)", "warm (cache load)"):
            res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
            out[label] = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"  first call, {label}: {out[label]}", file=sys.stderr)
    return out


# -- 5. batch search ---------------------------------------------------------------------------------------------


def bench_batch(draws: int = 1000) -> dict:
    from scenarist.io.paths import packaged_models
    from scenarist.io.yaml_model import load_model

    if "iran-russia-pezeshkian" not in packaged_models():
        return {}
    c = compile_model(load_model("iran-russia-pezeshkian"))
    exo = np.flatnonzero(c.exogenous)
    combos = list(itertools.product(*[range(int(c.counts[d])) for d in exo]))
    fixed = np.full((len(combos), c.n_descriptors), -1, dtype=np.int64)
    for k, combo in enumerate(combos):
        fixed[k, exo] = combo
    rng = np.random.default_rng(0)
    mats = np.repeat(c.matrix[None], draws, axis=0)
    nz = c.matrix != 0
    mats = mats + rng.integers(-1, 2, size=mats.shape) * nz[None]
    tally_scenarios(c, fixed[:1], mats[:1])
    t, _ = best_of(lambda: tally_scenarios(c, fixed, mats), 3)
    out = {
        "descriptors": c.n_descriptors,
        "space": c.space_size,
        "combinations": len(combos),
        "matrices": draws,
        "searches": draws * len(combos),
        "seconds": t,
        "us_per_search": 1e6 * t / (draws * len(combos)),
    }
    print(f"  batch: {out}", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Skip the largest cases.")
    ap.add_argument("--seeds", type=int, default=3, help="Random matrices per size (default 3).")
    ap.add_argument(
        "--only",
        nargs="*",
        default=None,
        choices=["first_call", "files", "random", "batch", "analyze"],
        help="Run only these parts.",
    )
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json", help="Where to write results.")
    args = ap.parse_args()
    import numba

    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "python": platform.python_version(),
            "numba": numba.__version__,
            "numpy": np.__version__,
            "processor": platform.processor() or platform.machine(),
        },
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    parts = set(args.only or ["first_call", "files", "random", "batch"] + ([] if args.quick else ["analyze"]))
    if "first_call" in parts:
        print("first-call cost", file=sys.stderr)
        results["first_call"] = bench_first_call()
    if "files" in parts:
        print("reference files", file=sys.stderr)
        results["files"] = bench_files(args.quick)
    if "random" in parts:
        print("random matrices", file=sys.stderr)
        results["random"] = bench_random(args.quick, args.seeds)
    if "batch" in parts:
        print("batch search", file=sys.stderr)
        results["batch"] = bench_batch()
    if "analyze" in parts:
        print("analyze end to end", file=sys.stderr)
        results["analyze"] = bench_analyze()
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")

    print(
        "\n| file | descriptors | scenarios | consistent | search (ms) | JuCIB search, 10 threads (ms) | basins (s) | "
        "JuCIB basins, 10 threads (s) | agrees |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for r in results.get("files", []):
        print(
            f"| {r['file']} | {r['descriptors']} | {r['space']:,} | {r['consistent']} | {r['search_ms']:.3f} | "
            f"{r.get('julia_search_ms', float('nan')):.3f} | {r.get('basins_s', float('nan')):.3f} | "
            f"{r.get('julia_basins_s', float('nan')):.3f} | {r.get('agrees_with_julia', '')} |"
        )
    print(
        "\n| descriptors | median space | search median (ms) | search max (ms) | consistent (median) | basins | "
        "basins (s) |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|")
    for r in results.get("random", []):
        print(
            f"| {r['descriptors']} | {r['space_median']:.3g} | {r['search_ms_median']:.2f} | "
            f"{r['search_ms_max']:.2f} | "
            f"{r['consistent_median']:.0f} | {r['basins']} | {r['basins_s_median']:.3f} |"
        )
    for r in results.get("analyze", []):
        print(
            f"\nanalyze {r['space']}: {r['wall_s']:.2f} s wall, search {1000 * r['search_s']:.1f} ms, "
            f"engine in-process {1000 * r['engine_in_process_s']:.1f} ms, {r['consistent']} consistent"
        )
    print(f"\nwritten {args.json}")


if __name__ == "__main__":
    main()
