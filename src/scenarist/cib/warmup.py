"""Loading the compiled kernels before a timed run, so that the engine's time is its own.

Numba compiles each kernel the first time it runs on a machine and caches it on disk; later processes only load
it. Either way the first call is slow, so every face calls :func:`load_kernels` before it times an engine.
"""

from __future__ import annotations

import time

import numpy as np

from .compile import CompiledModel

#: What :func:`load_kernels` can load: the exact search, succession, exact and sampled basins.
KINDS = ("search", "succession", "basins-exact", "basins-sampled")


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
        Any of :data:`KINDS`; none given means ``"search"``.
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
            from .search import warm_search

            warm_search()
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
