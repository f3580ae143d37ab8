"""Judgment spread → seeded draws of integer cross-impact matrices (docs/method.md §3).

A judgment may say how contestable its score is, in one of two ways:

``spread: s`` (integer ≥ 0, score units)
    The score lies in ``score − s .. score + s``, with triangular weights ``s + 1 − |k|`` on the offset k, so the
    stated score is the single most likely value and the ends the least likely. ``spread: 1`` gives offsets
    −1, 0, +1 with probabilities 1/4, 1/2, 1/4.

``confidence: c`` (1–5), mapped by :data:`CONFIDENCE_TABLE`:

=====  =============  ===========================================  ======================
  c    reading        offset −3 .. +3 probabilities                 same as
=====  =============  ===========================================  ======================
  5    very high      0 with certainty                             ``spread: 0``
  4    high           −1: 0.1, 0: 0.8, +1: 0.1                     (narrower than spread 1)
  3    medium         −1: 0.25, 0: 0.5, +1: 0.25                   ``spread: 1``
  2    low            −2..+2: 1/9, 2/9, 3/9, 2/9, 1/9             ``spread: 2``
  1    very low       −3..+3: 1/16, 2/16, 3/16, 4/16, 3/16, …      ``spread: 3``
=====  =============  ===========================================  ======================

A judgment with neither keeps its score in every draw. Drawn scores are clipped to the model's scale (so a score
at the edge of the scale is more often kept than moved). Cells no judgment fills stay 0: the draws vary what the
analyst said, not what they left unsaid.

Draw r is made from its own generator, seeded by ``numpy.random.SeedSequence(entropy=seed, spawn_key=(r,))`` —
the r-th child of ``SeedSequence(seed)`` — so a draw's matrix depends on ``(seed, r)`` alone and results are
identical whatever the split of draws among workers. By default each judgment's offset is drawn independently (one
uniform number per judgment, through the inverse of its offset distribution). With ``shared_sections=True`` all
judgments of one ``section`` share one uniform number, so they move together (comonotone): an analyst who
overrated one impact of a section probably overrated its neighbours too. Judgments without a section stay
independent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..checks import MAX_SPREAD, check_memory, check_seed
from ..cib.compile import CompiledModel
from ..errors import OptionError
from ..model import Model, split_ref


def _triangular(s: int) -> dict[int, float]:
    w = {k: float(s + 1 - abs(k)) for k in range(-s, s + 1)}
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}


#: Confidence 1–5 → probability of each offset added to the stated score.
CONFIDENCE_TABLE: dict[int, dict[int, float]] = {
    5: {0: 1.0},
    4: {-1: 0.1, 0: 0.8, 1: 0.1},
    3: _triangular(1),
    2: _triangular(2),
    1: _triangular(3),
}


def offset_distribution(spread: int | None = None, confidence: int | None = None) -> dict[int, float]:
    """Probability of each integer offset added to a judgment's score.

    Parameters
    ----------
    spread : int in 0..10,000 (:data:`~scenarist.checks.MAX_SPREAD`), optional
        Half-width in score units (triangular weights); the model also keeps it within its scale's width.
    confidence : int 1..5, optional
        Looked up in :data:`CONFIDENCE_TABLE`.

    Returns
    -------
    dict int → float
        Offsets with positive probability; ``{0: 1.0}`` when neither is given.

    Raises
    ------
    OptionError
        Both given, or a value out of range.

    Examples
    --------
    >>> offset_distribution(spread=1)
    {-1: 0.25, 0: 0.5, 1: 0.25}
    >>> offset_distribution(confidence=4)
    {-1: 0.1, 0: 0.8, 1: 0.1}
    """
    if spread is not None and confidence is not None:
        raise OptionError("give spread or confidence, not both")
    if spread is not None:
        if not 0 <= spread <= MAX_SPREAD:
            raise OptionError(f"spread must be 0..{MAX_SPREAD:,}, got {spread:,}")
        return _triangular(int(spread))
    if confidence is not None:
        if confidence not in CONFIDENCE_TABLE:
            raise OptionError(f"confidence must be 1..5, got {confidence}")
        return dict(CONFIDENCE_TABLE[confidence])
    return {0: 1.0}


@dataclass(frozen=True)
class JudgmentSpread:
    """The uncertain judgments of a model as arrays (only judgments whose offset is not certainly 0).

    Attributes
    ----------
    judgment : (u,) int64
        Index of each uncertain judgment in ``model.judgments``.
    rows, cols : (u,) int64
        Its cell in the compiled matrix.
    score : (u,) int64
        Stated score.
    offsets : (u, w) int64
        Possible offsets, padded by repeating the last one.
    cdf : (u, w) float64
        Cumulative probability of ``offsets`` (last column exactly 1).
    section : (u,) int64
        Index into ``sections`` (-1: no section).
    sections : tuple of str
    low, high : int
        The model's scale; drawn scores are clipped to it.
    """

    judgment: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    score: np.ndarray
    offsets: np.ndarray
    cdf: np.ndarray
    section: np.ndarray
    sections: tuple[str, ...]
    low: int
    high: int

    def __len__(self) -> int:
        return len(self.judgment)


def judgment_spread(model: Model, compiled: CompiledModel) -> JudgmentSpread:
    """Collect the uncertain judgments of a validated model (judgments the compiled matrix leaves out, such as
    ones within a descriptor under ``self_impacts: ignore``, are skipped).

    Raises
    ------
    OptionError
        The offset tables would take more than :data:`~scenarist.checks.MAX_MEMORY_BYTES` (estimated before they
        are built: 2·spread + 1 offsets per judgment, about 150 bytes each while built, 16 once padded), or a
        spread out of range.
    """
    keep_self = model.metadata.self_impacts == "count"
    widths = [2 * int(j.spread) + 1 for j in model.judgments if j.spread is not None and j.spread > 0]
    if widths:
        check_memory(
            150 * sum(widths) + 16 * len(widths) * max(widths), f"the offset tables of {len(widths):,} spreads"
        )
    items = []
    for k, j in enumerate(model.judgments):
        dist = offset_distribution(j.spread, j.confidence)
        if dist == {0: 1.0}:
            continue
        if split_ref(j.from_)[0] == split_ref(j.to)[0] and not keep_self:
            continue
        items.append((k, dist, j.section))
    sections = tuple(sorted({s for _, _, s in items if s is not None}))
    width = max((len(d) for _, d, _ in items), default=1)
    u = len(items)
    offsets = np.zeros((u, width), dtype=np.int64)
    cdf = np.ones((u, width), dtype=np.float64)
    for i, (_, dist, _) in enumerate(items):
        ks = sorted(dist)
        c = np.cumsum([dist[x] for x in ks])
        c[-1] = 1.0
        offsets[i, : len(ks)] = ks
        offsets[i, len(ks) :] = ks[-1]
        cdf[i, : len(ks)] = c
    idx = np.array([k for k, _, _ in items], dtype=np.int64)
    cells = compiled.judgment_cells[idx] if u else np.zeros((0, 2), dtype=np.int64)
    return JudgmentSpread(
        judgment=idx,
        rows=cells[:, 0].copy(),
        cols=cells[:, 1].copy(),
        score=np.array([model.judgments[k].score for k in idx], dtype=np.int64),
        offsets=offsets,
        cdf=cdf,
        section=np.array([sections.index(s) if s is not None else -1 for _, _, s in items], dtype=np.int64),
        sections=sections,
        low=model.metadata.scale.min,
        high=model.metadata.scale.max,
    )


def normalise_seed(seed: int | np.random.Generator | None) -> int:
    """The integer entropy all draws derive from: ``seed`` itself, fresh entropy when ``None`` (63 bits), or a
    number drawn from a given Generator. Raises :class:`OptionError` for a seed outside 0..2^63 − 1."""
    if seed is None:  # fresh entropy, cut to 63 bits so that the reported seed can be given back as --seed
        return int(np.random.SeedSequence().entropy) >> 65
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    return check_seed(seed)


def draw_generator(entropy: int, r: int) -> np.random.Generator:
    """The generator of draw ``r`` (the r-th child of ``SeedSequence(entropy)``)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(int(r),))))


def draw_scores(spread: JudgmentSpread, rng: np.random.Generator, shared_sections: bool = False) -> np.ndarray:
    """One draw of the uncertain judgments' scores: (u,) int64, clipped to the scale.

    The generator first yields one uniform number per uncertain judgment, then (with ``shared_sections``) one per
    section, which replaces the judgment's own number for every judgment of that section.
    """
    u = rng.random(len(spread))
    if shared_sections and spread.sections:
        shared = rng.random(len(spread.sections))
        has = spread.section >= 0
        u[has] = shared[spread.section[has]]
    pick = (u[:, None] >= spread.cdf).sum(axis=1)
    pick = np.minimum(pick, spread.cdf.shape[1] - 1)
    off = spread.offsets[np.arange(len(spread)), pick]
    return np.clip(spread.score + off, spread.low, spread.high)


def apply_scores(base: np.ndarray, spread: JudgmentSpread, scores: np.ndarray) -> np.ndarray:
    """A copy of ``base`` (V, V) with the uncertain cells set to ``scores``."""
    m = base.copy()
    m[spread.rows, spread.cols] = scores
    return m
