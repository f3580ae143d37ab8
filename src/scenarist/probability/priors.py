"""Prior probabilities over the variants of exogenous descriptors (docs/method.md §1).

A model states a prior on each exogenous descriptor (``descriptors[i].prior``) with a rationale and citations.
Where it states none, the prior is uniform and :class:`Priors` records that it was assumed, so every result can say
so. A caller (the evidence layer, a what-if) may override any prior with its own probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..cib.compile import CompiledModel
from ..errors import OptionError, UnknownNameError
from ..model import Model

#: How far a prior may be from summing to 1 before it is refused.
SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Priors:
    """Prior probabilities of the exogenous descriptors of one model.

    Attributes
    ----------
    descriptors : tuple of int
        Positions (in the compiled model) of the exogenous descriptors, in model order.
    probabilities : tuple of (n_variants_d,) float64 arrays
        One array per entry of ``descriptors``; each is non-negative and sums to 1.
    origin : tuple of str
        Per entry: ``"model"`` (stated in the file), ``"model (uniform)"`` (stated in the file as uniform because
        the source gives no ground), ``"assumed uniform"`` (the file states no prior) or ``"override"`` (given by
        the caller).
    """

    descriptors: tuple[int, ...]
    probabilities: tuple[np.ndarray, ...]
    origin: tuple[str, ...]

    def of(self, descriptor: int) -> np.ndarray:
        """Prior array of the descriptor at compiled position ``descriptor``. Raises ``KeyError`` if not exogenous."""
        try:
            return self.probabilities[self.descriptors.index(descriptor)]
        except ValueError:
            raise KeyError(descriptor) from None

    @property
    def assumed_uniform(self) -> tuple[int, ...]:
        """Positions of the exogenous descriptors whose prior was assumed uniform because the model gives none."""
        return tuple(d for d, o in zip(self.descriptors, self.origin) if o == "assumed uniform")

    def to_dict(self, compiled: CompiledModel) -> dict:
        """``{descriptor id: {"probabilities": {variant id: p}, "origin": str}}`` (JSON-safe)."""
        return {
            compiled.descriptor_ids[d]: {
                "probabilities": {v: float(x) for v, x in zip(compiled.variant_ids[d], p)},
                "origin": o,
            }
            for d, p, o in zip(self.descriptors, self.probabilities, self.origin)
        }


def resolve_priors(
    model: Model,
    compiled: CompiledModel,
    overrides: Mapping[str, Mapping[str, float]] | None = None,
) -> Priors:
    """The priors of every exogenous descriptor: the model's, a caller's override, or uniform when none is given.

    Parameters
    ----------
    model : Model
        A validated model (its priors have passed :func:`~scenarist.model.check_model`).
    compiled : CompiledModel
        ``compile_model(model)``.
    overrides : mapping descriptor id → {variant id: probability}, optional
        Replaces the model's prior of each named descriptor. Every variant must be given, probabilities must lie
        in [0, 1] and sum to 1 within 1e-6 (they are then renormalised exactly).

    Returns
    -------
    Priors

    Raises
    ------
    UnknownNameError
        An override names an unknown descriptor or variant.
    OptionError
        An override names a descriptor that is not exogenous, misses a variant, or its probabilities are out of
        range or do not sum to 1.
    """
    overrides = dict(overrides or {})
    for d_id in overrides:
        d = compiled.descriptor_index(d_id)
        if not compiled.exogenous[d]:
            raise OptionError(f"prior for {d_id!r}: only exogenous descriptors carry priors")
    descs, probs, origin = [], [], []
    for d, desc in enumerate(model.descriptors):
        if not compiled.exogenous[d]:
            continue
        ids = compiled.variant_ids[d]
        if desc.id in overrides:
            p = _vector(desc.id, ids, overrides[desc.id])
            how = "override"
        elif desc.prior is not None:
            p = np.array([desc.prior.probabilities[v] for v in ids], dtype=np.float64)
            p = p / p.sum()
            how = "model (uniform)" if desc.prior.uniform else "model"
        else:
            p = np.full(len(ids), 1.0 / len(ids))
            how = "assumed uniform"
        descs.append(d)
        probs.append(p)
        origin.append(how)
    return Priors(tuple(descs), tuple(probs), tuple(origin))


def _vector(d_id: str, ids: tuple[str, ...], given: Mapping[str, float]) -> np.ndarray:
    """Validate one override and return it as an array in variant order."""
    for v in given:
        if v not in ids:
            raise UnknownNameError(f"prior for {d_id!r}: unknown variant {v!r} (known: {', '.join(ids)})")
    missing = [v for v in ids if v not in given]
    if missing:
        raise OptionError(f"prior for {d_id!r}: no probability for variant(s) {', '.join(missing)}")
    p = np.array([float(given[v]) for v in ids], dtype=np.float64)
    if not np.all(np.isfinite(p)) or (p < 0).any() or (p > 1).any():
        raise OptionError(f"prior for {d_id!r}: probabilities must lie in [0, 1], got {p.tolist()}")
    if abs(p.sum() - 1.0) > SUM_TOLERANCE:
        raise OptionError(f"prior for {d_id!r}: probabilities sum to {p.sum():.6g}, not 1")
    return p / p.sum()
