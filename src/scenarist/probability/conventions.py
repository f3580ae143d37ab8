"""The convention range: how much the outcome distribution owes to the crediting convention (``docs/method.md`` §2).

The weight P(x) of an exogenous combination x is shared among its consistent scenarios by a *convention*: equally
among the outcome variants they take (``variants``, the default), equally among the scenarios (``scenarios``), in
proportion to their volume weights (``volume``), or among the labels the outcome's classification rules give them
(``definition``, when the model has rules). CIB itself does not choose between them. For each outcome variant, the
**convention range** is the minimum and the maximum of its probability across these conventions, each evaluated on
the stated matrix with the same priors and interventions. It answers "how much does the answer depend on a convention
of ours?", whereas the band over judgment draws answers "how much does it depend on the contestable judgments?"; the
two are reported side by side and never merged.

Volume weights need the basins of every exogenous combination (:mod:`.volume`), the slow part: combinations of prior
weight 0 are skipped (they contribute nothing). The entry point is :func:`scenarist.probability.convention_range`
(defined in :mod:`.distribution`, which prepares the model); this module holds the result and the computation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from .combinations import run_pass

#: The conventions of the range, in the order they are reported (``definition`` only when the outcome has rules).
CONVENTIONS = ("variants", "scenarios", "volume", "definition")
#: Most exogenous combinations of non-zero weight whose basins the range computes for ``volume`` (one basin
#: computation each, about 0.2 s on the flagship); beyond, volume is left out with a note (``credit="volume"`` still
#: computes it on request).
MAX_VOLUME_COMBINATIONS = 256


@dataclass(frozen=True)
class ConventionRange:
    """The outcome's probability at the stated matrix under each crediting convention, and its range per variant.

    Attributes
    ----------
    outcome : str
        The outcome descriptor's id.
    variant_ids : tuple of str
        Its variants, model order.
    conventions : tuple of str
        The conventions evaluated, in :data:`CONVENTIONS` order.
    values : (n_conventions, k) float64
        ``values[c, v]`` = P(v) at the stated matrix under convention c (unconditional: with the none bin, and with
        the unclassified bin under ``definition``), in [0, 1].
    none : (n_conventions,) float64
        The none bin under each convention (0 for all but ``volume``, where starts may all end in cycles).
    unclassified : float or None
        The outcome's unclassified share under ``definition`` (None when the model has no rules).
    notes : tuple of str
        How each convention was evaluated (basins exact or sampled; a convention left out, and why).
    seconds : dict
        Time of each convention's pass, in seconds.
    """

    outcome: str
    variant_ids: tuple[str, ...]
    conventions: tuple[str, ...]
    values: np.ndarray = field(repr=False)
    none: np.ndarray = field(repr=False)
    unclassified: float | None = None
    notes: tuple[str, ...] = ()
    seconds: dict = field(default_factory=dict, compare=False)

    @property
    def low(self) -> np.ndarray:
        """(k,) minimum over the conventions of each variant's probability."""
        return self.values.min(axis=0)

    @property
    def high(self) -> np.ndarray:
        """(k,) maximum over the conventions of each variant's probability."""
        return self.values.max(axis=0)

    @property
    def ranges(self) -> dict[str, tuple[float, float]]:
        """``{variant id: (min, max)}`` across the conventions."""
        return {v: (float(a), float(b)) for v, a, b in zip(self.variant_ids, self.low, self.high)}

    def by_convention(self) -> dict[str, dict[str, float]]:
        """``{convention: {variant id: P(v)}}``."""
        return {
            c: {v: float(p) for v, p in zip(self.variant_ids, self.values[i])} for i, c in enumerate(self.conventions)
        }

    def to_frame(self):
        """pandas DataFrame indexed by outcome variant: one column per convention (P at the stated matrix), then
        ``low`` and ``high`` (the convention range)."""
        import pandas as pd

        frame = pd.DataFrame(self.values.T, index=pd.Index(self.variant_ids, name="variant"), columns=self.conventions)
        frame["low"] = self.low
        frame["high"] = self.high
        return frame

    def to_dict(self) -> dict:
        """JSON-safe dict: ``label`` ("convention range"), ``conventions``, ``range`` ({variant: [min, max]}),
        ``by_convention`` ({convention: {variant: P}}), ``none`` ({convention: P}), ``unclassified``, ``notes``."""
        return {
            "label": "convention range",
            "matrix": "stated",
            "conventions": list(self.conventions),
            "range": {v: [lo, hi] for v, (lo, hi) in self.ranges.items()},
            "by_convention": self.by_convention(),
            "none": {c: float(x) for c, x in zip(self.conventions, self.none)},
            "unclassified": self.unclassified,
            "notes": list(self.notes),
        }


def conventions_of(
    setup,
    *,
    volume: bool = True,
    seed: int = 0,
    known: Mapping[str, tuple[np.ndarray, bool]] | None = None,
    generator: Callable[[], np.random.Generator] | None = None,
) -> ConventionRange:
    """The convention range of a prepared model (:class:`~.distribution.Setup`; the public entry point is
    :func:`~.distribution.convention_range`, which prepares it).

    ``known`` maps conventions already computed by the caller to ``(flat row, sampled)``; ``generator`` makes the
    generator of sampled combinations (needed only when the setup samples them).
    """
    known = dict(known or {})
    c = setup.compiled
    d = setup.outcome
    lo, hi = int(c.offsets[d]), int(c.offsets[d + 1])
    V = c.n_variants
    names = ["variants", "scenarios"]
    notes: list[str] = []
    weighted = 1
    for e in range(len(setup.spec.exo)):
        weighted *= int(np.count_nonzero(setup.spec.prior[e]))
    if volume and "volume" not in known and setup.spec.samples:
        notes.append(
            f"volume left out: its basins need every exogenous combination enumerated ({setup.spec.n_combinations} "
            f"combinations are sampled)"
        )
    elif volume and "volume" not in known and weighted > MAX_VOLUME_COMBINATIONS:
        notes.append(
            f"volume left out: {weighted:,} exogenous combinations of non-zero weight exceed "
            f"{MAX_VOLUME_COMBINATIONS} basin computations (credit='volume' computes it on request)"
        )
    elif volume or "volume" in known:
        names.append("volume")
    from ..classification import compile_rules

    rules = compile_rules(setup.model, c, c.descriptor_ids[d])
    if rules is not None:
        names.append("definition")
    rows, nones, seconds = [], [], {}
    unclassified = None
    for name in names:
        t0 = time.perf_counter()
        if name in known:
            flat, sampled = known[name]
        elif name == "volume":
            from .volume import volume_pass

            flat, sampled = volume_pass(setup.spec, c, c.matrix, seed=seed, skip_zero=True)
            flat = flat.flat
        else:
            spec = replace(setup.spec, credit=name, rules=rules if name == "definition" else None)
            flat = run_pass(spec, c.matrix, generator() if spec.samples and generator is not None else None).flat
            sampled = False
        seconds[name] = time.perf_counter() - t0
        if name == "volume":
            notes.append("volume: basins " + ("partly sampled from random starts" if sampled else "exact"))
        rows.append(np.asarray(flat[lo:hi], dtype=np.float64))
        nones.append(float(flat[V]))
        if name == "definition":
            unclassified = float(flat[V + 1])
    return ConventionRange(
        outcome=c.descriptor_ids[d],
        variant_ids=tuple(c.variant_ids[d]),
        conventions=tuple(names),
        values=np.array(rows),
        none=np.array(nones),
        unclassified=unclassified,
        notes=tuple(notes),
        seconds=seconds,
    )


__all__ = ["CONVENTIONS", "MAX_VOLUME_COMBINATIONS", "ConventionRange", "conventions_of"]
