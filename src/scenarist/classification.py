"""Outcomes by definition: classify scenarios by the outcome variants' rules and compare with the balance's choice.

In CIB the outcome descriptor takes the variant its impact balance favours, like any other descriptor. Its variants
also carry observable definitions (a defence commitment, continued arms supplies, ...). A variant's ``rule`` makes
that definition executable over the *other* descriptors' variants (``docs/model-format.md``, "Outcome rules"). For a
scenario, the rules are tried in the order the variants are written and the first that holds gives the scenario's
**definition label**; when none holds the scenario is **unclassified** (a bin of its own, not the none bin of the
likelihood layer); when several hold it keeps the first and is flagged as **multiply matched**.

:func:`classify` reports, for every scenario of an analysis, the balance label beside the definition label and flags
disagreements. :class:`CompiledRules` is the array form the likelihood layer uses to credit by definition
(``credit="definition"``, ``docs/method.md`` §2): the definition label replaces the outcome's variant, the
consistency test is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .cib.compile import CompiledModel
from .errors import OptionError
from .model import Condition, Model
from .results import Result

#: Label of a scenario that no rule matches (code -1 in label arrays).
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class CompiledRules:
    """The classification rules of one outcome descriptor as index arrays.

    Attributes
    ----------
    outcome : int
        Index of the descriptor the rules classify (compiled order).
    labels : tuple of int
        The variant index each rule gives, in the order the rules are tried (the variants' order in the model).
    tests : tuple
        One compiled condition per rule: ``("in", d, variants)``, ``("all", children)``, ``("any", children)`` or
        ``("not", child)`` with ``d`` a descriptor index and ``variants`` an int64 array of variant indices.
    """

    outcome: int
    labels: tuple[int, ...]
    tests: tuple = field(repr=False)

    def matches(self, scenarios: np.ndarray) -> np.ndarray:
        """Which rules hold in each scenario: ``(m, n_rules)`` bool for ``(m, n)`` int64 scenarios."""
        sc = np.asarray(scenarios, dtype=np.int64)
        out = np.zeros((len(sc), len(self.tests)), dtype=bool)
        for k, t in enumerate(self.tests):
            out[:, k] = _holds(t, sc)
        return out

    def classify(self, scenarios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Definition label of each scenario and how many rules it matches.

        Returns ``(label, n_matched)``: ``label`` (m,) int64 is the variant index of the first rule that holds, -1
        when none does (unclassified); ``n_matched`` (m,) int64 counts the rules that hold (≥ 2: multiply matched).
        """
        hit = self.matches(scenarios)
        n = hit.sum(axis=1).astype(np.int64)
        first = np.argmax(hit, axis=1) if hit.shape[1] else np.zeros(len(hit), dtype=np.int64)
        labels = np.asarray(self.labels, dtype=np.int64)
        label = np.where(n > 0, labels[first] if len(labels) else -1, -1).astype(np.int64)
        return label, n

    def relabel(self, scenarios: np.ndarray) -> np.ndarray:
        """A copy of ``scenarios`` whose outcome column holds the definition label (-1: unclassified)."""
        out = np.array(scenarios, dtype=np.int64, copy=True)
        if len(out):
            out[:, self.outcome] = self.classify(out)[0]
        return out


def _holds(test: tuple, sc: np.ndarray) -> np.ndarray:
    kind = test[0]
    if kind == "in":
        return np.isin(sc[:, test[1]], test[2])
    if kind == "all":
        ok = np.ones(len(sc), dtype=bool)
        for child in test[1]:
            ok &= _holds(child, sc)
        return ok
    if kind == "any":
        ok = np.zeros(len(sc), dtype=bool)
        for child in test[1]:
            ok |= _holds(child, sc)
        return ok
    return ~_holds(test[1], sc)


def _compile_condition(node: Condition, compiled: CompiledModel) -> tuple:
    if node.all is not None:
        return ("all", tuple(_compile_condition(c, compiled) for c in node.all))
    if node.any is not None:
        return ("any", tuple(_compile_condition(c, compiled) for c in node.any))
    if node.not_ is not None:
        return ("not", _compile_condition(node.not_, compiled))
    d = compiled.descriptor_index(node.descriptor)
    ids = compiled.variant_ids[d]
    return ("in", d, np.array(sorted({ids.index(v) for v in node.in_}), dtype=np.int64))


def has_rules(model: Model, descriptor: str | None = None) -> bool:
    """Whether some variant of ``descriptor`` (default: the model's outcome) carries a classification rule."""
    d = model.outcome if descriptor is None else model.descriptor(descriptor)
    return d is not None and any(v.rule is not None for v in d.variants)


def compile_rules(model: Model, compiled: CompiledModel, descriptor: str | None = None) -> CompiledRules | None:
    """The rules of ``descriptor`` (default: the model's outcome) as :class:`CompiledRules`; None when it has none.

    ``model`` must have passed :func:`~scenarist.model.check_model` (names are not checked again here).
    """
    d = model.outcome if descriptor is None else model.descriptor(descriptor)
    if d is None or not any(v.rule is not None for v in d.variants):
        return None
    labels, tests = [], []
    for j, v in enumerate(d.variants):
        if v.rule is not None:
            labels.append(j)
            tests.append(_compile_condition(v.rule, compiled))
    return CompiledRules(compiled.descriptor_index(d.id), tuple(labels), tuple(tests))


@dataclass(frozen=True, repr=False)
class Classification(Result):
    """Every scenario of an analysis with its balance label and its definition label (:func:`classify`).

    Attributes
    ----------
    model_id, outcome, outcome_name : str
        The model and the outcome descriptor classified.
    variant_ids, variant_names : tuple of str
        The outcome's variants, model order.
    ruled : tuple of str
        The variants that carry a rule, in the order the rules are tried.
    numbers : (m,) int64
        Scenario numbers of the analysis (tableau order, from 1).
    balance : (m,) int64
        Outcome variant index each scenario takes (chosen by its impact balance).
    definition : (m,) int64
        Variant index of the first rule that holds; -1 when none does (unclassified).
    matched : (m, len(ruled)) bool
        Which rules hold in each scenario.
    """

    model_id: str
    outcome: str
    outcome_name: str
    variant_ids: tuple[str, ...]
    variant_names: tuple[str, ...]
    ruled: tuple[str, ...]
    numbers: np.ndarray = field(repr=False)
    balance: np.ndarray = field(repr=False)
    definition: np.ndarray = field(repr=False)
    matched: np.ndarray = field(repr=False)

    @property
    def n_scenarios(self) -> int:
        """Scenarios classified."""
        return len(self.numbers)

    @property
    def unclassified(self) -> np.ndarray:
        """(m,) bool: no rule holds."""
        return self.definition < 0

    @property
    def disagrees(self) -> np.ndarray:
        """(m,) bool: a rule holds and gives another variant than the balance (unclassified scenarios excluded)."""
        return (self.definition >= 0) & (self.definition != self.balance)

    @property
    def agrees(self) -> np.ndarray:
        """(m,) bool: the first rule that holds gives the balance's variant."""
        return self.definition == self.balance

    @property
    def multiply_matched(self) -> np.ndarray:
        """(m,) bool: two or more rules hold (the first one's label is kept)."""
        return self.matched.sum(axis=1) >= 2

    @property
    def disagreement_rate(self) -> float:
        """Share of scenarios whose definition label is another variant than the balance's, in [0, 1] (NaN when
        there is no scenario). Unclassified scenarios count in the denominator, not the numerator."""
        return float(self.disagrees.mean()) if self.n_scenarios else float("nan")

    def label(self, code: int) -> str:
        """Variant id of a label code (``"unclassified"`` for -1)."""
        return UNCLASSIFIED if code < 0 else self.variant_ids[code]

    def counts(self) -> dict[str, dict[str, int]]:
        """Cross-table ``{balance variant: {definition label: scenarios}}`` (labels with no scenario left out)."""
        out: dict[str, dict[str, int]] = {v: {} for v in self.variant_ids}
        for b, d in zip(self.balance.tolist(), self.definition.tolist()):
            row = out[self.variant_ids[b]]
            row[self.label(d)] = row.get(self.label(d), 0) + 1
        return out

    def rows(self) -> list[dict]:
        """One JSON-safe dict per scenario: ``number``, ``balance``, ``definition`` (``"unclassified"`` when no rule
        holds), ``matched`` (the variants whose rules hold, in rule order), ``status`` (agree, disagree or
        unclassified)."""
        out = []
        for i in range(self.n_scenarios):
            d = int(self.definition[i])
            status = UNCLASSIFIED if d < 0 else ("agree" if d == int(self.balance[i]) else "disagree")
            out.append(
                {
                    "number": int(self.numbers[i]),
                    "balance": self.variant_ids[int(self.balance[i])],
                    "definition": self.label(d),
                    "matched": [r for r, hit in zip(self.ruled, self.matched[i]) if hit],
                    "status": status,
                }
            )
        return out

    def summary(self) -> dict:
        """Headline counts: ``n_scenarios``, ``agree``, ``disagree``, ``unclassified``, ``multiply_matched`` and
        ``disagreement_rate`` (disagree / n_scenarios; None when there is no scenario)."""
        rate = self.disagreement_rate
        return {
            "n_scenarios": self.n_scenarios,
            "agree": int(self.agrees.sum()),
            "disagree": int(self.disagrees.sum()),
            "unclassified": int(self.unclassified.sum()),
            "multiply_matched": int(self.multiply_matched.sum()),
            "disagreement_rate": None if np.isnan(rate) else rate,
        }

    def _summary(self) -> dict:
        s = self.summary()
        return {
            "outcome": self.outcome,
            "scenarios": s["n_scenarios"],
            "disagree": s["disagree"],
            "unclassified": s["unclassified"],
        }

    def to_dict(self) -> dict:
        """JSON-safe dict (the ``classification`` key of ``scenarist analyze --json``): ``outcome``, ``rules`` (the
        ruled variants in the order tried), the :meth:`summary` counts, ``table`` (:meth:`counts`) and
        ``scenarios`` (:meth:`rows`)."""
        return {
            "outcome": self.outcome,
            "rules": list(self.ruled),
            **self.summary(),
            "table": self.counts(),
            "scenarios": self.rows(),
        }

    def to_frame(self):
        """pandas DataFrame, one row per scenario indexed by ``number``: balance, definition, matched (the ruled
        variants that hold, comma-separated), status, multiply_matched."""
        import pandas as pd

        rows = self.rows()
        for r, multi in zip(rows, self.multiply_matched.tolist()):
            r["matched"] = ", ".join(r["matched"])
            r["multiply_matched"] = bool(multi)
        cols = ["number", "balance", "definition", "matched", "status", "multiply_matched"]
        return pd.DataFrame(rows, columns=cols).set_index("number")


def classify(analysis, descriptor: str | None = None) -> Classification | None:
    """Classify every scenario of an analysis by the outcome variants' rules, beside the balance's choice.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`scenarist.analyze` (its scenarios, tableau order, numbered from 1).
    descriptor : str, optional
        The descriptor whose rules classify (default: the model's outcome).

    Returns
    -------
    Classification or None
        None when the descriptor's variants carry no rule.

    Raises
    ------
    OptionError
        The model has no outcome descriptor and ``descriptor`` is not given.
    UnknownNameError
        ``descriptor`` is not a descriptor of the model.

    Examples
    --------
    >>> import scenarist
    >>> classify(scenarist.analyze("example")) is None     # the example's outcome has no rules
    True
    """
    model, compiled = analysis.model, analysis.compiled
    if descriptor is None and model.outcome is None:
        raise OptionError("the model has no outcome descriptor: name the descriptor whose rules classify")
    if descriptor is not None:
        compiled.descriptor_index(descriptor)  # UnknownNameError for a bad name
    rules = compile_rules(model, compiled, descriptor)
    if rules is None:
        return None
    sc = np.asarray(analysis.scenarios.scenarios, dtype=np.int64)
    d = rules.outcome
    label, _ = rules.classify(sc)
    matched = rules.matches(sc)
    ids = compiled.variant_ids[d]
    return Classification(
        model_id=model.metadata.id,
        outcome=compiled.descriptor_ids[d],
        outcome_name=compiled.descriptor_names[d],
        variant_ids=tuple(ids),
        variant_names=tuple(compiled.variant_names[d]),
        ruled=tuple(ids[j] for j in rules.labels),
        numbers=np.arange(1, len(sc) + 1, dtype=np.int64),
        balance=sc[:, d].copy(),
        definition=label,
        matched=matched,
    )


__all__ = ["UNCLASSIFIED", "Classification", "CompiledRules", "classify", "compile_rules", "has_rules"]
