"""Sensitivity of the kernel and the outcome distribution to single judgments and to the exogenous priors.

Judgments: each judgment's score is moved by −1 and by +1 (skipped where that leaves the scale), everything else
kept, and the exact pass is rerun. For each move we report the change of the kernel (consistent scenarios gained
and lost, exogenous descriptors free) and the shift of every outcome variant and of the none bin. A judgment's
**influence** is the largest total-variation shift ``½ Σ_v |ΔP(v)|`` (over outcome variants and none) of its two
moves; the table ranks judgments by influence, then by kernel change. This is a one-at-a-time local analysis
(Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, ch. 1, doi:10.1002/9780470725184): it shows
which single judgments the answer hinges on, not how they interact.

Priors: the outcome distribution is linear in each exogenous descriptor's prior, ``P(v) = Σ_a p_e(a) P(v | e = a)``,
so the conditional distributions ``P(v | e = a)`` (computed as interventions e = a) say everything: moving the
prior of e a fraction t toward variant a changes P(v) by ``t · (P(v | e = a) − P(v))``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from ..cib.compile import CompiledModel
from ..model import Model
from ..results import Result
from .combinations import MAX_COMBINATIONS, SAMPLES, make_pass_spec, run_pass
from .distribution import base_generator, prepare
from .draws import normalise_seed


@dataclass(frozen=True)
class JudgmentEffect:
    """What moving one judgment by ±1 does.

    Attributes
    ----------
    judgment : int
        Index in ``model.judgments``.
    source, target : str
        ``descriptor.variant`` of the judgment's cell.
    score : int
        Stated score.
    section : str or None
    shift_down, shift_up : (k + 1,) float64 or None
        Shift of each outcome variant and (last) the none bin for score − 1 / score + 1; None when that score
        leaves the scale.
    gained_down, lost_down, gained_up, lost_up : int
        Kernel change: scenarios that become / stop being consistent.
    influence : float
        ``max`` over the two moves of ``½ Σ |shift|`` (total variation distance on the outcome), in [0, 1].
    """

    judgment: int
    source: str
    target: str
    score: int
    section: str | None
    shift_down: np.ndarray | None
    shift_up: np.ndarray | None
    gained_down: int
    lost_down: int
    gained_up: int
    lost_up: int
    influence: float

    @property
    def kernel_change(self) -> int:
        """Scenarios gained plus lost, over both moves."""
        return self.gained_down + self.lost_down + self.gained_up + self.lost_up

    def kernel_text(self, move: int, minus: str = "−") -> str:
        """The kernel change of one move as ``+gained/−lost`` (``–`` when the move leaves the scale).

        Parameters
        ----------
        move : {-1, +1}
            The score moved down or up.
        minus : str
            The minus sign to print (``-`` where a plain-ASCII terminal table is wanted).

        The terminal, the HTML report and the JSON (``kernel.gained_down`` …) all show both moves apart, so a
        number means the same everywhere.
        """
        if move < 0:
            shift, gained, lost = self.shift_down, self.gained_down, self.lost_down
        else:
            shift, gained, lost = self.shift_up, self.gained_up, self.lost_up
        return "–" if shift is None else f"+{gained}/{minus}{lost}"


@dataclass(frozen=True)
class PriorEffect:
    """The outcome when exogenous descriptor ``descriptor`` is certain to take ``variant``.

    ``conditional`` (k + 1,) is ``P(v | e = a)`` per outcome variant plus none; ``slope`` = ``conditional −
    P(v)`` is the change per unit of prior moved toward ``variant``.
    """

    descriptor: str
    variant: str
    prior: float
    conditional: np.ndarray
    slope: np.ndarray


@dataclass(frozen=True, repr=False)
class SensitivityResult(Result):
    """Result of :func:`sensitivity`.

    Attributes
    ----------
    outcome : str
    variant_ids : tuple of str
        Outcome variants (the shift arrays add the none bin last).
    base : (k + 1,) float64
        Stated outcome distribution plus none.
    judgments : tuple of JudgmentEffect
        Ranked: largest influence first, then largest kernel change, then file order.
    priors : tuple of PriorEffect
        One per free exogenous descriptor and variant, model order.
    """

    outcome: str
    variant_ids: tuple[str, ...]
    base: np.ndarray
    judgments: tuple[JudgmentEffect, ...]
    priors: tuple[PriorEffect, ...]
    compiled: CompiledModel = field(repr=False)

    def _summary(self) -> dict:
        return {"outcome": self.outcome, "judgments": len(self.judgments), "exogenous_variants": len(self.priors)}

    def top(self, n: int = 5) -> tuple[JudgmentEffect, ...]:
        """The ``n`` most influential judgments."""
        return self.judgments[:n]

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist sensitivity --json`` prints)."""
        labels = list(self.variant_ids) + ["(none)"]

        def shift(a):
            return None if a is None else {k: float(x) for k, x in zip(labels, a)}

        return {
            "outcome": self.outcome,
            "base": {k: float(x) for k, x in zip(labels, self.base)},
            "judgments": [
                {
                    "rank": i + 1,
                    "judgment": e.judgment,
                    "from": e.source,
                    "to": e.target,
                    "score": e.score,
                    "section": e.section,
                    "influence": e.influence,
                    "shift_down": shift(e.shift_down),
                    "shift_up": shift(e.shift_up),
                    "kernel": {
                        "gained_down": e.gained_down,
                        "lost_down": e.lost_down,
                        "gained_up": e.gained_up,
                        "lost_up": e.lost_up,
                    },
                }
                for i, e in enumerate(self.judgments)
            ],
            "priors": [
                {
                    "descriptor": p.descriptor,
                    "variant": p.variant,
                    "prior": p.prior,
                    "conditional": shift(p.conditional),
                    "slope": shift(p.slope),
                }
                for p in self.priors
            ],
        }

    def to_frame(self):
        """pandas DataFrame of the ranked judgments: rank index; from, to, score, influence, kernel change, and
        one ``down:<variant>`` / ``up:<variant>`` column per outcome variant and none."""
        import pandas as pd

        labels = list(self.variant_ids) + ["(none)"]
        rows = []
        for i, e in enumerate(self.judgments):
            row = {
                "rank": i + 1,
                "from": e.source,
                "to": e.target,
                "score": e.score,
                "influence": e.influence,
                "kernel_change": e.kernel_change,
            }
            for tag, arr in (("down", e.shift_down), ("up", e.shift_up)):
                for k, lab in enumerate(labels):
                    row[f"{tag}:{lab}"] = None if arr is None else float(arr[k])
            rows.append(row)
        return pd.DataFrame(rows).set_index("rank") if rows else pd.DataFrame()

    def priors_frame(self):
        """pandas DataFrame indexed by (descriptor, variant): prior, then ``P(v | e=a)`` per outcome variant."""
        import pandas as pd

        labels = list(self.variant_ids) + ["(none)"]
        rows = [
            {
                "descriptor": p.descriptor,
                "variant": p.variant,
                "prior": p.prior,
                **{lab: float(x) for lab, x in zip(labels, p.conditional)},
            }
            for p in self.priors
        ]
        return pd.DataFrame(rows).set_index(["descriptor", "variant"]) if rows else pd.DataFrame()


def _outcome_slice(setup):
    c = setup.compiled
    o = setup.outcome
    cols = list(range(int(c.offsets[o]), int(c.offsets[o + 1]))) + [c.n_variants]
    return np.array(cols)


def sensitivity(
    model: Model | str | os.PathLike,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    *,
    outcome: str | None = None,
    credit: str = "variants",
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
    seed: int | None = 0,
) -> SensitivityResult:
    """Rank judgments by how much moving them ±1 changes the kernel and the outcome; tabulate prior responses.

    Parameters
    ----------
    model, priors, fixed, outcome, credit, max_combinations, samples
        As in :func:`~scenarist.probability.outcome_distribution` (stated matrix, no draws).
    seed : int
        Only used when combinations are sampled; every probe then reuses the same sample (common random
        numbers), so shifts are not drowned by sampling noise.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    OptionError, UnknownNameError
        As in ``outcome_distribution``.

    Examples
    --------
    >>> from scenarist import load
    >>> s = sensitivity(load("example"))
    >>> e = s.top(1)[0]
    >>> (e.source, e.target, round(e.influence, 3))
    ('policy.open', 'politics.liberal', 0.3)
    """
    setup = prepare(model, priors, fixed, outcome, credit, max_combinations, samples)
    c, spec, m = setup.compiled, setup.spec, setup.model
    entropy = normalise_seed(seed)

    def rng():
        return base_generator(entropy) if spec.samples else None

    cols = _outcome_slice(setup)
    base = run_pass(spec, c.matrix, rng())
    base_set = {tuple(s) for s in base.scenarios.tolist()}
    base_out = base.flat[cols]
    lo, hi = m.metadata.scale.min, m.metadata.scale.max
    keep_self = m.metadata.self_impacts == "count"
    effects = []
    for k, j in enumerate(m.judgments):
        r, col = (int(x) for x in c.judgment_cells[k])
        if j.from_.split(".")[0] == j.to.split(".")[0] and not keep_self:
            continue
        res = {}
        for tag, delta in (("down", -1), ("up", 1)):
            s = j.score + delta
            if not (lo <= s <= hi):
                res[tag] = (None, 0, 0)
                continue
            mat = c.matrix.copy()
            mat[r, col] = s
            out = run_pass(spec, mat, rng())
            got = {tuple(x) for x in out.scenarios.tolist()}
            res[tag] = (out.flat[cols] - base_out, len(got - base_set), len(base_set - got))
        tv = [0.5 * float(np.abs(res[t][0]).sum()) for t in ("down", "up") if res[t][0] is not None]
        effects.append(
            JudgmentEffect(
                judgment=k,
                source=j.from_,
                target=j.to,
                score=j.score,
                section=j.section,
                shift_down=res["down"][0],
                shift_up=res["up"][0],
                gained_down=res["down"][1],
                lost_down=res["down"][2],
                gained_up=res["up"][1],
                lost_up=res["up"][2],
                influence=max(tv) if tv else 0.0,
            )
        )
    effects.sort(key=lambda e: (-round(e.influence, 12), -e.kernel_change, e.judgment))
    prior_effects = []
    for e_pos, d in enumerate(spec.exo):
        d = int(d)
        for a in range(int(c.counts[d])):
            fx = setup.fixed.copy()
            fx[d] = a
            sub = make_pass_spec(c, setup.priors, fx, credit, max_combinations, samples)
            sub = replace(sub, rules=spec.rules)  # crediting by definition keeps the outcome's rules
            out = run_pass(sub, c.matrix, rng() if sub.samples else None)
            cond = out.flat[cols]
            prior_effects.append(
                PriorEffect(
                    c.descriptor_ids[d], c.variant_ids[d][a], float(spec.prior[e_pos, a]), cond, cond - base_out
                )
            )
    return SensitivityResult(
        outcome=c.descriptor_ids[setup.outcome],
        variant_ids=c.variant_ids[setup.outcome],
        base=base_out,
        judgments=tuple(effects),
        priors=tuple(prior_effects),
        compiled=c,
    )
