"""Loading the compiled kernels before a timed run, so that the engine's time is its own; and the warm-up step
that compiles them all once after an install.

Numba compiles each kernel the first time it runs on a machine and caches it on disk; later processes only load
it. Either way the first call is slow, so every face calls :func:`load_kernels` before it times an engine. Each
face loads only the kernels it always uses: ``analyze`` the one-thread search (branch-and-bound and the sweep)
and the scoring, not the threaded split, the counting pass or the likelihood layer's searches, which compile
(the first time ever) or load on their first use.

``python -m scenarist.cib.warmup`` (run by ``make`` after installing) compiles every kernel into numba's cache, in
parallel processes (one per core), so that no command pays compilation afterwards (docs/performance.md, "First
use").
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

from .compile import CompiledModel

#: What :func:`load_kernels` can load: the one-thread exact search and scoring (what ``analyze`` uses), every search
#: kernel (threaded split, counting, the likelihood layer's searches), succession, exact and sampled basins.
KINDS = ("search", "search-all", "succession", "basins-exact", "basins-sampled")
#: The groups :func:`warm_all` compiles, one process each (as many at a time as there are cores): kinds of
#: :data:`KINDS` (``KIND:OPERATOR`` for another succession operator) or ``likelihood`` (``scenarist.likelihood`` on
#: the packaged example model, two draws). The first two share their search kernels, so they run first.
GROUPS = (
    ("search",),
    ("likelihood",),
    ("search-all",),
    ("basins-exact", "succession"),
    ("basins-sampled",),
    ("basins-exact:local", "basins-exact:sequential", "succession:local", "succession:sequential"),
)


def tiny_model() -> CompiledModel:
    """A 2 × 2 model with the array types of a real one: running an engine on it loads (or compiles) its kernels."""
    counts = np.array([2, 2], dtype=np.int64)
    return CompiledModel(
        descriptor_ids=("a", "b"),
        descriptor_names=("a", "b"),
        variant_ids=(("x", "y"), ("x", "y")),
        variant_names=(("x", "y"), ("x", "y")),
        counts=counts,
        offsets=np.array([0, 2, 4], dtype=np.int64),
        matrix=np.array([[0, 0, 1, -1], [0, 0, -1, 1], [1, -1, 0, 0], [-1, 1, 0, 0]], dtype=np.int64),
        exogenous=np.zeros(2, dtype=bool),
    )


def load_kernels(*kinds: str, operator: str = "global") -> float:
    """Load (the first time ever on a machine: compile) the kernels of the given engines; return the seconds taken.

    Parameters
    ----------
    *kinds : str
        Any of :data:`KINDS`; none given means ``"search"``. ``"search"`` loads what one ``analyze`` always runs
        (one-thread branch-and-bound, the sweep, scoring); ``"search-all"`` every search kernel.
    operator : {"global", "local", "sequential"}
        The succession operator whose kernels to load (succession and basins).

    Raises
    ------
    OptionError
        An unknown kind or operator.
    """
    from ..checks import check_choice

    t0 = time.perf_counter()
    tiny = tiny_model()
    for kind in kinds or ("search",):
        check_choice(kind, KINDS, "kernel kind")
        if kind == "search":
            from .search import find_scenarios

            for method in ("bnb", "sweep"):
                find_scenarios(tiny, method=method)
        elif kind == "search-all":
            from .search import warm_search

            warm_search()
            _warm_search_paths(tiny)
        elif kind == "succession":
            from .succession import succession

            succession(tiny, np.array([0, 0]), operator)
        elif kind == "basins-exact":
            from .basins import exact_basins

            exact_basins(tiny, operator)
        else:
            from .basins import sampled_basins

            sampled_basins(tiny, 4, seed=0, operator=operator)
    return time.perf_counter() - t0


def _warm_search_paths(tiny: CompiledModel) -> None:
    """The search kernels with the argument types :func:`~.search.run_kernel`, :func:`~.search.count_scenarios`
    and :func:`~.search.make_set` pass (the threaded split, counting, scoring many), which ``warm_search`` does not
    all cover."""
    from . import _kernels as K
    from .search import count_scenarios

    m, off, cnt = tiny.matrix, tiny.offsets, tiny.counts
    fixed = np.full(2, -1, dtype=np.int64)
    tested = np.ones(2, dtype=np.bool_)
    count_scenarios(m, off, cnt, fixed, tested, 0, 10)
    K.evaluate_many_parallel(m, off, cnt, np.zeros((2, 2), dtype=np.int64), tested)


def _run_group(group: tuple[str, ...]) -> subprocess.Popen:
    """Start a process loading ``group`` (``KIND`` or ``KIND:OPERATOR`` entries)."""
    calls = ["import warnings", "warnings.simplefilter('ignore')", "from scenarist.cib.warmup import load_kernels"]
    for item in group:
        kind, _, op = item.partition(":")
        if kind == "likelihood":
            calls.append("import scenarist; scenarist.likelihood('example', draws=2)")
        else:
            calls.append(f"load_kernels({kind!r}, operator={op or 'global'!r})")
    code = "; ".join(calls)
    return subprocess.Popen([sys.executable, "-c", code])


def warm_all(processes: int | None = None) -> float:
    """Compile every kernel into numba's cache (:data:`GROUPS`, one process per group, ``processes`` at a time,
    default the number of cores); return the wall seconds. Raises ``RuntimeError`` when a group fails."""
    t0 = time.perf_counter()
    limit = max(1, processes or os.cpu_count() or 1)
    pending = list(GROUPS)
    running: list[tuple[tuple[str, ...], subprocess.Popen]] = []
    failed = []
    while pending or running:
        while pending and len(running) < limit:
            group = pending.pop(0)
            running.append((group, _run_group(group)))
        time.sleep(0.05)
        for entry in [r for r in running if r[1].poll() is not None]:
            running.remove(entry)
            if entry[1].returncode != 0:
                failed.append(",".join(entry[0]))
    if failed:
        raise RuntimeError(f"compiling the kernels failed for: {'; '.join(failed)}")
    return time.perf_counter() - t0


if __name__ == "__main__":  # python -m scenarist.cib.warmup
    print(f"Compiled scenarist's kernels into numba's cache in {warm_all():.1f} s", file=sys.stderr)
