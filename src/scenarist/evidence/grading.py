"""Admiralty grades and the tempering rule that turns a grade into a weight on a likelihood vector.

The NATO Admiralty system grades the **source** (reliability, A–F) and the **information** (credibility, 1–6)
separately. Scenarist maps each to a weight in [0, 1] and tempers an item's likelihood vector toward flat:

.. math::

    w = w_{rel}(r) \\, w_{cred}(c), \\qquad
    \\tilde L(v) = \\left(\\frac{L(v)}{\\max_u L(u)}\\right)^{w}

``w = 1`` keeps the analyst's likelihood ratios; ``w = 0`` makes the item flat (it moves nothing); in between, every
likelihood ratio ``L(a)/L(b)`` becomes ``(L(a)/L(b))^w``, i.e. the weight of evidence (its log likelihood ratio) is
scaled by ``w``. The two weights multiply because the two questions are independent: a reliable outlet can pass on
doubtful information and an unknown one can report something confirmed elsewhere. The tables, and why each value
was chosen, are in ``docs/evidence.md``.

References
----------
NATO (2016). AJP-2.1, Allied Joint Doctrine for Intelligence Procedures, Annex on source and information grading.
Good, I. J. (1950). Probability and the Weighing of Evidence. Griffin (weight of evidence as log likelihood ratio).
"""

from __future__ import annotations

import numpy as np

#: Source reliability → weight. F ("cannot be judged") sits between C and D: no track record either way.
RELIABILITY_WEIGHT: dict[str, float] = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
#: Information credibility → weight. 6 ("cannot be judged") sits between 3 and 4.
CREDIBILITY_WEIGHT: dict[int, float] = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.3, 5: 0.1, 6: 0.5}

RELIABILITY_LABEL: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY_LABEL: dict[int, str] = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


def grade_weight(reliability: str, credibility: int) -> float:
    """Tempering exponent ``w = w_rel × w_cred`` of an Admiralty grade, in [0.02, 1].

    Parameters
    ----------
    reliability : {"A", "B", "C", "D", "E", "F"}
    credibility : {1, 2, 3, 4, 5, 6}

    Raises
    ------
    KeyError
        For a letter or number outside the scale (the evidence schema rejects those before this is called).

    Examples
    --------
    >>> grade_weight("B", 2)
    0.64
    """
    return round(RELIABILITY_WEIGHT[reliability] * CREDIBILITY_WEIGHT[int(credibility)], 12)


def temper(likelihoods, weight: float) -> np.ndarray:
    """Temper a likelihood vector toward flat: ``(L / max L) ** weight``.

    Parameters
    ----------
    likelihoods : (n_variants,) array_like of float, each in (0, ∞)
        ``P(E | variant)``; only ratios matter.
    weight : float in [0, 1]
        From :func:`grade_weight`.

    Returns
    -------
    (n_variants,) float64
        Normalised so the largest entry is 1; all ones when ``weight`` is 0.

    Examples
    --------
    >>> temper([0.3, 0.9], 0.5).round(4).tolist()
    [0.5774, 1.0]
    """
    lik = np.asarray(likelihoods, dtype=np.float64)
    return (lik / lik.max()) ** float(weight)


__all__ = [
    "CREDIBILITY_LABEL",
    "CREDIBILITY_WEIGHT",
    "RELIABILITY_LABEL",
    "RELIABILITY_WEIGHT",
    "grade_weight",
    "temper",
]
