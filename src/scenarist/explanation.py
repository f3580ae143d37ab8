"""Why a scenario is (or is not) consistent: its impact balances, term by term, with the judgments behind them.

For each descriptor j of a scenario s, :func:`explain_scenario` lists the impact balance
``θ_j(b; s) = Σ_i C[i, s_i][j, b]`` of every variant b together with the terms that make up the sum (one per
active judgment: a judgment whose source variant is part of s), whether the chosen variant ``s_j`` wins (its
inconsistency ``IC_j(s) = max_b θ_j(b; s) − θ_j(s_j; s)``), and the judgments pushing toward the chosen variant
(raising it, or lowering a rival) or against it (lowering it, or raising a rival), each with its rationale and
citations. No I/O; the result is a frozen :class:`Explanation` with ``.to_dict()`` and ``.to_frame()``.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .cib import CompiledModel
from .cib.core import evaluate, impact_balances
from .errors import OptionError
from .model import Model, split_ref
from .results import Result


@dataclass(frozen=True)
class Term:
    """One active judgment's contribution to an impact balance.

    Attributes
    ----------
    source_descriptor, source_variant : str
        Ids of the judgment's ``from`` (a variant taken by the scenario).
    source_name : str
        ``"Descriptor name: Variant name"`` of the source, for display.
    target_variant : str
        Id of the variant of the explained descriptor that the judgment scores.
    score : int
        The matrix entry ``C[i, s_i][j, b]`` (within the model's scale).
    rationale : str or None
    citations : tuple of dict
        ``{"source": id, "section": …, "endnotes": [...], ...}`` (empty fields left out).
    judgment : int
        Position of the judgment in the model's ``judgments`` list (0-based).
    """

    source_descriptor: str
    source_variant: str
    source_name: str
    target_variant: str
    score: int
    rationale: str | None
    citations: tuple[dict, ...]
    judgment: int

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "from": f"{self.source_descriptor}.{self.source_variant}",
            "from_name": self.source_name,
            "to": self.target_variant,
            "score": self.score,
            "rationale": self.rationale,
            "citations": [dict(c) for c in self.citations],
            "judgment": self.judgment,
        }


@dataclass(frozen=True)
class VariantBalance:
    """Impact balance of one variant and the terms that sum to it (``balance == sum(t.score for t in terms)``)."""

    id: str
    name: str
    balance: int
    terms: tuple[Term, ...]
    chosen: bool

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "id": self.id,
            "name": self.name,
            "balance": self.balance,
            "chosen": self.chosen,
            "terms": [t.to_dict() for t in self.terms],
        }


@dataclass(frozen=True)
class DescriptorExplanation:
    """One descriptor of the explained scenario.

    Attributes
    ----------
    id, name : str
    chosen, chosen_name : str
        The variant the scenario takes.
    tested : bool
        False for exogenous or intervened descriptors: their balance is shown but does not decide consistency.
    balances : tuple of VariantBalance
        Every variant, in the descriptor's order.
    inconsistency : int, ≥ 0
        ``max_b θ_j(b) − θ_j(chosen)``.
    margin : int
        ``θ_j(chosen) − max_{b ≠ chosen} θ_j(b)``: > 0 the chosen variant wins outright, 0 it ties, < 0 it loses.
    toward, against : tuple of Term
        Active judgments raising the chosen variant or lowering a rival (toward), lowering the chosen variant or
        raising a rival (against); strongest first.
    """

    id: str
    name: str
    chosen: str
    chosen_name: str
    tested: bool
    balances: tuple[VariantBalance, ...]
    inconsistency: int
    margin: int
    toward: tuple[Term, ...]
    against: tuple[Term, ...]

    @property
    def status(self) -> str:
        """``"wins"``, ``"ties"``, ``"loses"`` or, for an untested descriptor, ``"not tested"``."""
        if not self.tested:
            return "not tested"
        return "wins" if self.margin > 0 else ("ties" if self.margin == 0 else "loses")

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "id": self.id,
            "name": self.name,
            "chosen": self.chosen,
            "chosen_name": self.chosen_name,
            "tested": self.tested,
            "status": self.status,
            "inconsistency": self.inconsistency,
            "margin": self.margin,
            "balances": [b.to_dict() for b in self.balances],
            "toward": [t.to_dict() for t in self.toward],
            "against": [t.to_dict() for t in self.against],
        }


@dataclass(frozen=True, repr=False)
class Explanation(Result):
    """A scenario explained descriptor by descriptor.

    Attributes
    ----------
    variants : dict of str → str
        The scenario, descriptor id → variant id.
    number : int or None
        Its number in the tableau, when it was picked from there.
    inconsistency, consistency_value, total_impact_score : int
        ``IC(s)``, ``CV(s)`` and ``TIS(s)`` over the tested descriptors.
    descriptors : tuple of DescriptorExplanation
        In matrix order.
    """

    variants: dict[str, str]
    number: int | None
    inconsistency: int
    consistency_value: int
    total_impact_score: int
    descriptors: tuple[DescriptorExplanation, ...]

    def _summary(self) -> dict:
        return {
            **({"number": self.number} if self.number else {}),
            "inconsistency": self.inconsistency,
            "consistency_value": self.consistency_value,
            "total_impact_score": self.total_impact_score,
        }

    def to_dict(self) -> dict:
        """JSON-safe dict: what ``scenarist explain --json`` prints."""
        return {
            "number": self.number,
            "variants": dict(self.variants),
            "inconsistency": self.inconsistency,
            "consistency_value": self.consistency_value,
            "total_impact_score": self.total_impact_score,
            "descriptors": [d.to_dict() for d in self.descriptors],
        }

    def to_frame(self):
        """pandas DataFrame, one row per (descriptor, variant): balance, chosen, and the descriptor's status."""
        import pandas as pd

        rows = [
            {
                "descriptor": d.id,
                "variant": b.id,
                "balance": b.balance,
                "chosen": b.chosen,
                "tested": d.tested,
                "status": d.status,
            }
            for d in self.descriptors
            for b in d.balances
        ]
        return pd.DataFrame(rows).set_index(["descriptor", "variant"])


def _citations(items) -> tuple[dict, ...]:
    return tuple({"source": c.source, **c.model_dump(exclude_none=True, exclude_defaults=True)} for c in items)


def explain_scenario(
    model: Model,
    compiled: CompiledModel,
    scenario: Mapping[str, str] | np.ndarray,
    tested: np.ndarray | None = None,
    number: int | None = None,
) -> Explanation:
    """Explain one scenario: per descriptor, the balance of each variant and the judgments behind it.

    Parameters
    ----------
    model : Model
        The validated model (judgments carry the rationales and citations).
    compiled : CompiledModel
        ``compile_model(model)``.
    scenario : mapping descriptor id → variant id, or (n_descriptors,) int array of 0-based variant positions
        A full scenario.
    tested : (n_descriptors,) bool array, optional
        Descriptors the consistency test looks at; default: all but the exogenous ones. Pass
        :func:`scenarist.cib.search.tested_mask` of an intervention to explain under it.
    number : int, optional
        The scenario's tableau number, recorded in the result.

    Returns
    -------
    Explanation
        Balances are exactly :func:`scenarist.cib.core.impact_balances`; each is the sum of its terms.

    Raises
    ------
    UnknownNameError
        Unknown descriptor or variant, or a descriptor without a variant, in ``scenario``.
    OptionError
        An array ``scenario`` of the wrong shape or with out-of-range positions.
    """
    if isinstance(scenario, Mapping):
        s = compiled.scenario_from_mapping(scenario)
    else:
        s = np.asarray(scenario, dtype=np.int64)
        if s.shape != (compiled.n_descriptors,) or (s < 0).any() or (s >= compiled.counts).any():
            raise OptionError("scenario must give a valid variant position for every descriptor")
    if tested is None:
        tested = ~compiled.exogenous
    tested = np.asarray(tested, dtype=bool)
    offsets = compiled.offsets
    balances = impact_balances(compiled.matrix, offsets, s)
    ic, cv, tis = evaluate(compiled.matrix, offsets, s, tested)

    # Active judgments: source variant taken by the scenario and a non-zero matrix entry (judgments within one
    # descriptor compile to zero unless the model counts them, so they drop out here exactly as in the balance).
    active_rows = set((s + offsets[:-1]).tolist())
    desc_of_col = np.repeat(np.arange(compiled.n_descriptors), compiled.counts)
    terms_by_col: dict[int, list[Term]] = {}
    for k, (row, col) in enumerate(compiled.judgment_cells.tolist()):
        score = int(compiled.matrix[row, col])
        if row not in active_rows or score == 0:
            continue
        j = model.judgments[k]
        src_d, src_v = split_ref(j.from_)
        di = compiled.descriptor_index(src_d)
        vi = compiled.variant_ids[di].index(src_v)
        terms_by_col.setdefault(col, []).append(
            Term(
                source_descriptor=src_d,
                source_variant=src_v,
                source_name=f"{compiled.descriptor_names[di]}: {compiled.variant_names[di][vi]}",
                target_variant=compiled.variant_ids[int(desc_of_col[col])][col - int(offsets[desc_of_col[col]])],
                score=score,
                rationale=j.rationale,
                citations=_citations(j.citations),
                judgment=k,
            )
        )

    out = []
    for d in range(compiled.n_descriptors):
        lo, hi = int(offsets[d]), int(offsets[d + 1])
        chosen = int(s[d])
        block = balances[lo:hi]
        rival = max((int(x) for b, x in enumerate(block) if b != chosen), default=0)
        rows = []
        toward: list[Term] = []
        against: list[Term] = []
        for b in range(hi - lo):
            terms = tuple(terms_by_col.get(lo + b, ()))
            rows.append(
                VariantBalance(
                    id=compiled.variant_ids[d][b],
                    name=compiled.variant_names[d][b],
                    balance=int(block[b]),
                    terms=terms,
                    chosen=b == chosen,
                )
            )
            for t in terms:
                helps = (t.score > 0) == (b == chosen)
                (toward if helps else against).append(t)
        toward.sort(key=lambda t: -abs(t.score))
        against.sort(key=lambda t: -abs(t.score))
        out.append(
            DescriptorExplanation(
                id=compiled.descriptor_ids[d],
                name=compiled.descriptor_names[d],
                chosen=compiled.variant_ids[d][chosen],
                chosen_name=compiled.variant_names[d][chosen],
                tested=bool(tested[d]),
                balances=tuple(rows),
                inconsistency=int(block.max()) - int(block[chosen]),
                margin=int(block[chosen]) - rival,
                toward=tuple(toward),
                against=tuple(against),
            )
        )
    return Explanation(
        variants=compiled.scenario_to_mapping(s),
        number=number,
        inconsistency=int(ic),
        consistency_value=int(cv),
        total_impact_score=int(tis),
        descriptors=tuple(out),
    )


__all__ = ["DescriptorExplanation", "Explanation", "Term", "VariantBalance", "explain_scenario"]
