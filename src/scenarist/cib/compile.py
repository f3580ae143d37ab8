"""Compile a validated model into the arrays the CIB engines work on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import checks
from ..errors import OptionError, UnknownNameError
from ..model import Model, split_ref


@dataclass(frozen=True)
class CompiledModel:
    """A model as arrays. Descriptor order is the file's order; variants are numbered within each descriptor.

    Attributes
    ----------
    descriptor_ids, descriptor_names : tuple of str, length n_descriptors
    variant_ids, variant_names : tuple of tuples of str, one tuple per descriptor
    counts : (n_descriptors,) int64
        Number of variants of each descriptor.
    offsets : (n_descriptors + 1,) int64
        ``offsets[d]`` is the row/column of descriptor d's first variant; ``offsets[-1]`` = n_variants.
    matrix : (n_variants, n_variants) int64
        Cross-impact matrix ``C[row = source variant, column = target variant]``. Blocks of a descriptor on itself
        are zero unless the model's ``self_impacts`` is ``count``.
    exogenous : (n_descriptors,) bool
        Descriptors left out of the consistency test because nothing impacts them.
    judgment_cells : (n_judgments, 2) int64
        Row and column of each judgment of the model, in file order (used by explain and sensitivity).
    scale : (int, int) or None
        The model's ``metadata.scale`` (min, max): every matrix the model yields (judgment draws, ensemble members)
        stays within it. ``None`` for arrays built by hand: the matrix's own range stands in.
    """

    descriptor_ids: tuple[str, ...]
    descriptor_names: tuple[str, ...]
    variant_ids: tuple[tuple[str, ...], ...]
    variant_names: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    offsets: np.ndarray
    matrix: np.ndarray
    exogenous: np.ndarray
    judgment_cells: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    scale: tuple[int, int] | None = None

    @property
    def n_descriptors(self) -> int:
        return len(self.descriptor_ids)

    @property
    def n_variants(self) -> int:
        return int(self.offsets[-1])

    @property
    def max_inconsistency_bound(self) -> int:
        """The largest inconsistency any scenario of this model can have (and the largest |impact balance|):
        ``n_descriptors × span``, span the scale's width with 0 included (:func:`scenarist.checks.scale_span`; the
        matrix's own range when ``scale`` is None). A tolerance k above it keeps every scenario."""
        low, high = self.scale if self.scale is not None else _matrix_range(self.matrix)
        return checks.max_inconsistency_bound(self.n_descriptors, low, high)

    @property
    def space_size(self) -> int:
        """Number of full scenarios (product of variant counts), as an exact Python int."""
        out = 1
        for c in self.counts:
            out *= int(c)
        return out

    def descriptor_index(self, descriptor_id: str) -> int:
        """Position of a descriptor. Raises :class:`UnknownNameError` naming the valid ids."""
        try:
            return self.descriptor_ids.index(descriptor_id)
        except ValueError:
            raise UnknownNameError(
                f"unknown descriptor {descriptor_id!r} (known: {', '.join(self.descriptor_ids)})"
            ) from None

    def variant_index(self, descriptor_id: str, variant_id: str) -> tuple[int, int]:
        """``(descriptor position, variant position within it)``. Accepts a 1-based number as variant id too.

        Raises :class:`UnknownNameError` naming the valid variants.
        """
        d = self.descriptor_index(descriptor_id)
        ids = self.variant_ids[d]
        if variant_id in ids:
            return d, ids.index(variant_id)
        if variant_id.isdigit() and len(variant_id) <= 6 and 1 <= int(variant_id) <= len(ids):
            return d, int(variant_id) - 1
        raise UnknownNameError(
            f"unknown variant {variant_id!r} of descriptor {descriptor_id!r} (known: {', '.join(ids)})"
        )

    def scenario_from_mapping(self, mapping: Mapping[str, str], partial: bool = False) -> np.ndarray:
        """Scenario as an (n_descriptors,) int64 array of variant positions from ``{descriptor: variant}``.

        With ``partial=True`` unnamed descriptors get -1 (used for interventions); otherwise every descriptor must
        be named. Raises :class:`UnknownNameError` for unknown or missing names.
        """
        out = np.full(self.n_descriptors, -1, dtype=np.int64)
        for d_id, v_id in mapping.items():
            d, v = self.variant_index(d_id, v_id)
            out[d] = v
        if not partial and (out < 0).any():
            missing = [self.descriptor_ids[i] for i in np.flatnonzero(out < 0)]
            raise UnknownNameError(f"no variant given for descriptor(s) {', '.join(missing)}")
        return out

    def scenario_to_mapping(self, scenario: np.ndarray) -> dict[str, str]:
        """``{descriptor id: variant id}`` for an (n_descriptors,) array of variant positions."""
        return {d: self.variant_ids[i][int(v)] for i, (d, v) in enumerate(zip(self.descriptor_ids, scenario))}


def _matrix_range(matrix: np.ndarray) -> tuple[int, int]:
    if matrix.size == 0:
        return 0, 0
    return int(matrix.min()), int(matrix.max())


def check_matrix_bounds(matrix: np.ndarray, n_descriptors: int, what: str = "the cross-impact matrix") -> None:
    """Refuse a matrix whose impact balances could overflow the kernels' int32 arrays.

    Bound: ``n_descriptors × span ≤ 2^31 − 1`` (:data:`scenarist.checks.MAX_BALANCE`), span = the range of the
    matrix's entries with 0 included. Every impact balance sums one entry per descriptor, the search's bound table
    one difference of two entries per descriptor, so all stay below 2^31. Validated models always pass (their
    scale obeys the same bound); this guards arrays built by hand or models that skipped validation.

    Raises
    ------
    OptionError
        The bound is exceeded (the message names both factors).
    """
    low, high = _matrix_range(np.asarray(matrix))
    reach = checks.max_inconsistency_bound(n_descriptors, low, high)
    if reach > checks.MAX_BALANCE:
        raise OptionError(
            f"{what} holds scores {low:,}..{high:,}: with {n_descriptors} descriptors impact balances reach "
            f"{reach:,}, past 2^31 − 1 (the kernels keep balances in 32-bit integers); narrow the scale"
        )


def compile_model(model: Model) -> CompiledModel:
    """Compile a validated :class:`~scenarist.model.Model` to a :class:`CompiledModel`.

    Judgments within one descriptor are kept only under ``metadata.self_impacts: count``.
    The model is assumed to have passed :func:`~scenarist.model.check_model`.

    Raises
    ------
    OptionError
        The scores break the int32 bound of :func:`check_matrix_bounds` (only a model that skipped validation can).
    """
    scale = (int(model.metadata.scale.min), int(model.metadata.scale.max))
    if checks.max_inconsistency_bound(len(model.descriptors), *scale) > checks.MAX_BALANCE:
        raise OptionError(
            f"metadata.scale {scale[0]:,}..{scale[1]:,} with {len(model.descriptors)} descriptors lets impact "
            "balances pass 2^31 − 1 (the kernels keep balances in 32-bit integers); narrow the scale"
        )
    counts = np.array([len(d.variants) for d in model.descriptors], dtype=np.int64)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    index: dict[tuple[str, str], int] = {}
    for i, d in enumerate(model.descriptors):
        for j, v in enumerate(d.variants):
            index[(d.id, v.id)] = int(offsets[i]) + j
    n = int(offsets[-1])
    matrix = np.zeros((n, n), dtype=np.int64)
    cells = np.zeros((len(model.judgments), 2), dtype=np.int64)
    keep_self = model.metadata.self_impacts == "count"
    for k, j in enumerate(model.judgments):
        src = split_ref(j.from_)
        dst = split_ref(j.to)
        r, c = index[src], index[dst]
        cells[k] = (r, c)
        if src[0] == dst[0] and not keep_self:
            continue
        if abs(j.score) > checks.MAX_SCORE:
            raise OptionError(f"judgment {j.from_} -> {j.to}: score {j.score:,} is outside ±{checks.MAX_SCORE:,}")
        matrix[r, c] = j.score
    check_matrix_bounds(matrix, len(counts))
    return CompiledModel(
        descriptor_ids=tuple(d.id for d in model.descriptors),
        descriptor_names=tuple(d.name for d in model.descriptors),
        variant_ids=tuple(tuple(v.id for v in d.variants) for d in model.descriptors),
        variant_names=tuple(tuple(v.name for v in d.variants) for d in model.descriptors),
        counts=counts,
        offsets=offsets,
        matrix=matrix,
        exogenous=np.array([d.exogenous for d in model.descriptors], dtype=bool),
        judgment_cells=cells,
        scale=scale,
    )
