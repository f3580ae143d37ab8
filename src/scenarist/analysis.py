"""One CIB analysis of a model: its size, its consistent scenarios, the reference scenarios and the outcome.

:func:`analyze` is the library function behind ``scenarist analyze`` (and its ``--json`` and ``--report``): it
compiles the model, runs the exact search (:func:`scenarist.cib.find_scenarios`), evaluates the model's reference
scenarios, and counts how the scenarios found distribute over the outcome descriptor's variants, beside the source's
own verbal assessment of each variant mapped to a probability range by the model's words-of-estimative-probability
(WEP) table. It does no I/O; the result is a frozen :class:`Analysis` with ``.to_dict()`` and ``.to_frame()``.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances: A system-theoretical approach to cross-impact analysis.
Technological Forecasting and Social Change 73(4), 334–361. https://doi.org/10.1016/j.techfore.2005.06.005
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from .cib import CompiledModel, ScenarioSet, compile_model
from .cib.core import descriptor_inconsistency, evaluate
from .cib.decompose import DecompositionReport
from .cib.decompose import search as decomposed_search
from .cib.search import MAX_RESULTS, normalise_fixed, tested_mask
from .model import Model
from .results import Result


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds spent in each step (``time.perf_counter``); ``None`` where a step was not timed.

    Attributes
    ----------
    load : float or None
        Reading and validating the model file (measured by the caller: :func:`analyze` does no I/O).
    compile : float
        Compiling the model to the cross-impact matrix.
    search : float
        The engine's own time: the exact search for scenarios with inconsistency ≤ k.
    summarise : float
        Evaluating reference scenarios and counting outcome variants.
    report : float or None
        Rendering the HTML report (measured by the caller).
    other : dict of str → float
        Optional analyses run beside the search (e.g. ``basins``), in the order they were added.
    """

    compile: float
    search: float
    summarise: float
    load: float | None = None
    report: float | None = None
    other: dict[str, float] = field(default_factory=dict)

    def steps(self) -> dict[str, float]:
        """Timed steps in the order they run, seconds each (untimed steps left out)."""
        out = {
            "load": self.load,
            "compile": self.compile,
            "search": self.search,
            "summarise": self.summarise,
            **self.other,
            "report": self.report,
        }
        return {k: v for k, v in out.items() if v is not None}

    @property
    def total(self) -> float:
        """Sum of the timed steps, in seconds."""
        return sum(self.steps().values())

    def to_dict(self) -> dict:
        """JSON-safe dict of seconds per timed step plus ``total``."""
        return {**self.steps(), "total": self.total}


@dataclass(frozen=True)
class ReferenceResult:
    """A reference scenario of the model, evaluated under the same test as the search.

    Attributes
    ----------
    id, name : str
    description : str or None
    variants : dict of str → str
        Descriptor id → variant id, in matrix order.
    inconsistency : int, ≥ 0
        ``IC(s)`` over the tested descriptors (exogenous and intervened ones are left out, as in the search).
    consistency_value : int
        ScenarioWizard's ``CV(s)`` (negative when inconsistent).
    total_impact_score : int
    descriptor_inconsistency : dict of str → int
        ``IC_j(s)`` of every descriptor (0 for untested ones, whose balance does not count).
    matches : int or None
        Number (1-based, tableau order) of the computed scenario equal to this one, or ``None``.
    contradicts : dict of str → str
        Interventions this reference scenario contradicts: descriptor id → the variant id the intervention fixes
        (the reference has another). Empty when it agrees with every intervention. A reference that contradicts
        one is no scenario of this analysis: its inconsistency (counted over the tested descriptors only, the
        fixed one left out) says nothing about it and is not shown.
    """

    id: str
    name: str
    description: str | None
    variants: dict[str, str]
    inconsistency: int
    consistency_value: int
    total_impact_score: int
    descriptor_inconsistency: dict[str, int]
    matches: int | None
    contradicts: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe dict of every attribute (``contradicts`` as ``contradicts_interventions``: a list of
        ``{"descriptor", "variant", "fixed"}``, the reference's variant beside the one the intervention fixes)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "variants": dict(self.variants),
            "inconsistency": self.inconsistency,
            "consistency_value": self.consistency_value,
            "total_impact_score": self.total_impact_score,
            "descriptor_inconsistency": dict(self.descriptor_inconsistency),
            "matches": self.matches,
            "contradicts_interventions": [
                {"descriptor": d, "variant": self.variants[d], "fixed": v} for d, v in self.contradicts.items()
            ],
        }


@dataclass(frozen=True)
class Assessment:
    """The source's own verbal judgment and the probability range the model's WEP table gives its term.

    ``low``/``high`` are probabilities in [0, 1]; all three are ``None`` when the term is absent.
    """

    term: str | None
    low: float | None
    high: float | None
    statement: str
    citations: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "term": self.term,
            "low": self.low,
            "high": self.high,
            "statement": self.statement,
            "citations": [dict(c) for c in self.citations],
        }


@dataclass(frozen=True)
class OutcomeVariant:
    """How many scenarios found take one outcome variant, beside the source's assessment of it.

    ``share`` = count / number of scenarios found (0.0 when none was found): a share of scenarios, not a
    probability.
    """

    id: str
    name: str
    count: int
    share: float
    assessment: Assessment | None

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "id": self.id,
            "name": self.name,
            "count": self.count,
            "share": self.share,
            "assessment": None if self.assessment is None else self.assessment.to_dict(),
        }


@dataclass(frozen=True)
class JointOutcome:
    """A joint assessment of the source over several outcome variants, with how many scenarios take one of them."""

    variants: tuple[str, ...]
    count: int
    share: float
    assessment: Assessment

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "variants": list(self.variants),
            "count": self.count,
            "share": self.share,
            "assessment": self.assessment.to_dict(),
        }


@dataclass(frozen=True)
class OutcomeSummary:
    """The outcome descriptor across the scenarios found.

    Attributes
    ----------
    descriptor_id, descriptor_name : str
    n_scenarios : int
        Number of scenarios found (the denominator of every share).
    variants : tuple of OutcomeVariant
        One per variant, in the descriptor's order.
    joint : tuple of JointOutcome
        The source's joint assessments (e.g. "between B and C").
    wep_name : str or None
        Name of the WEP table the ranges come from.
    """

    descriptor_id: str
    descriptor_name: str
    n_scenarios: int
    variants: tuple[OutcomeVariant, ...]
    joint: tuple[JointOutcome, ...] = ()
    wep_name: str | None = None

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "descriptor": self.descriptor_id,
            "name": self.descriptor_name,
            "n_scenarios": self.n_scenarios,
            "wep": self.wep_name,
            "variants": [v.to_dict() for v in self.variants],
            "joint": [j.to_dict() for j in self.joint],
        }


@dataclass(frozen=True)
class VolumeWeights:
    """Each scenario of the tableau with its volume weight: how many start scenarios (under the same interventions)
    end in it under global succession (Weimer-Jehle 2006, §5; ScenarioWizard's "weight" of a solution).

    Attributes
    ----------
    method : {"exact", "sampled"}
        ``exact`` follows every start scenario; ``sampled`` follows random ones (seed 0).
    operator : str
        The succession operator (``"global"``).
    total : int, ≥ 0
        Start scenarios followed (the free part of the scenario space when exact; the sample size when sampled).
    in_cycles : int, ≥ 0
        Start scenarios whose succession ends in a cycle, not in an attractor.
    weights : (n_scenarios,) int64 array
        Start scenarios ending in each scenario of the tableau, in tableau order; 0 for a scenario found with
        tolerance k > 0 that is no attractor.
    seconds : float or None
        Engine time of the basins, in seconds.
    """

    method: str
    operator: str
    total: int
    in_cycles: int
    weights: np.ndarray = field(compare=False)
    seconds: float | None = field(default=None, compare=False)

    @property
    def shares(self) -> np.ndarray:
        """``weights / total`` (0 when ``total`` is 0), floats in [0, 1]."""
        return self.weights / max(self.total, 1)

    def to_dict(self) -> dict:
        """JSON-safe dict: ``method``, ``operator``, ``total``, ``in_cycles``, ``by_scenario`` (``number``,
        ``weight``, ``share``), ``seconds``."""
        return {
            "method": self.method,
            "operator": self.operator,
            "total": int(self.total),
            "in_cycles": int(self.in_cycles),
            "by_scenario": [
                {"number": i + 1, "weight": int(w), "share": float(s)}
                for i, (w, s) in enumerate(zip(self.weights, self.shares))
            ],
            "seconds": self.seconds,
        }


@dataclass(frozen=True, repr=False)
class Analysis(Result):
    """Everything ``scenarist analyze`` shows, as one result object.

    Attributes
    ----------
    model : Model
        The validated model analysed.
    compiled : CompiledModel
        Its arrays (matrix ``(V, V) int64``; ``V`` = number of variants).
    scenarios : ScenarioSet
        Scenarios with inconsistency ≤ k, in tableau order (total impact score descending, ties by variant order).
    references : tuple of ReferenceResult
        The model's reference scenarios, evaluated.
    outcome : OutcomeSummary or None
        ``None`` when the model has no outcome descriptor.
    timings : Timings
    volume_weights : VolumeWeights or None
        Each scenario's basin under global succession, when asked for (``analyze(..., basins=True)``).
    decomposition : DecompositionReport or None
        Whether and how the search was split into blocks of the impact graph
        (:mod:`scenarist.cib.decompose`), the same with or without a scheduler.
    """

    model: Model
    compiled: CompiledModel
    scenarios: ScenarioSet
    references: tuple[ReferenceResult, ...]
    outcome: OutcomeSummary | None
    timings: Timings = field(compare=False)
    volume_weights: VolumeWeights | None = None
    decomposition: DecompositionReport | None = field(default=None, compare=False)

    def _summary(self) -> dict:
        return {
            "model": self.model.metadata.id,
            "scenarios": len(self.scenarios),
            "k": self.max_inconsistency,
            **({"fixed": ",".join(f"{d}={v}" for d, v in self.fixed.items())} if self.fixed else {}),
        }

    @property
    def max_inconsistency(self) -> int:
        """Tolerance k of the search."""
        return self.scenarios.max_inconsistency

    @property
    def fixed(self) -> dict[str, str]:
        """Interventions applied, descriptor id → variant id."""
        c = self.compiled
        return {c.descriptor_ids[d]: c.variant_ids[d][int(v)] for d, v in enumerate(self.scenarios.fixed) if v >= 0}

    def size(self) -> dict:
        """Model size: descriptors (and how many are exogenous), variants, judgments, scenario-space size."""
        c = self.compiled
        return {
            "descriptors": c.n_descriptors,
            "exogenous": int(np.count_nonzero(c.exogenous)),
            "variants": c.n_variants,
            "judgments": len(self.model.judgments),
            "scenario_space": c.space_size,
        }

    def descriptors(self) -> list[dict]:
        """Descriptors in matrix order: id, name, role, exogenous, description, variants (id, name, …)."""
        out = []
        for d in self.model.descriptors:
            out.append(
                {
                    "id": d.id,
                    "name": d.name,
                    "role": d.role,
                    "exogenous": d.exogenous,
                    "description": d.description,
                    "variants": [x.model_dump(exclude_none=True) for x in d.variants],
                }
            )
        return out

    def classification(self):
        """Each scenario's outcome by its impact balance beside its label by the outcome variants' rules
        (:func:`scenarist.classification.classify`); None when the model has no outcome or its variants no rule."""
        if self.model.outcome is None:
            return None
        from .classification import classify

        return classify(self)

    def with_timings(self, **steps: float) -> Analysis:
        """A copy whose timings also hold ``steps``, seconds each: ``load`` and ``report`` measured by the caller,
        or any other name (e.g. ``basins=1.2``) for an optional analysis run beside the search."""
        known = {k: v for k, v in steps.items() if k in ("load", "compile", "search", "summarise", "report")}
        other = {**self.timings.other, **{k: v for k, v in steps.items() if k not in known}}
        return replace(self, timings=replace(self.timings, **known, other=other))

    def to_dict(self, timings: bool = False) -> dict:
        """JSON-safe dict: what ``scenarist analyze --json`` prints.

        Keys: ``model`` (id, title, as_of), ``size``, ``descriptors``, ``matrix`` (nested lists, rows = source
        variants, columns = target variants, in the order of ``descriptors``), ``max_inconsistency``, ``fixed``,
        ``n_scenarios``, ``scenarios`` (``number``, ``variants``, ``inconsistency``, ``consistency_value``,
        ``total_impact_score``), ``reference_scenarios``, ``outcome``, ``classification`` (each scenario's balance and
        definition labels, :meth:`classification`; None without rules); ``timings`` when ``timings`` is true; and
        ``volume_weights`` (:meth:`VolumeWeights.to_dict`) when they were computed.
        """
        m = self.model.metadata
        scen = self.scenarios.to_dict()
        classification = self.classification()
        out = {
            "model": {"id": m.id, "title": m.title, "as_of": m.as_of.isoformat() if m.as_of else None},
            "size": self.size(),
            "descriptors": self.descriptors(),
            "matrix": self.compiled.matrix.tolist(),
            "max_inconsistency": scen["max_inconsistency"],
            "fixed": scen["fixed"],
            "n_scenarios": len(self.scenarios),
            "scenarios": scen["scenarios"],
            "reference_scenarios": [r.to_dict() for r in self.references],
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
            "classification": None if classification is None else classification.to_dict(),
        }
        if timings:
            out["timings"] = self.timings.to_dict()
        if self.volume_weights is not None:
            out["volume_weights"] = self.volume_weights.to_dict()
        return out

    def to_frame(self):
        """pandas DataFrame of the scenarios found (see :meth:`ScenarioSet.to_frame`)."""
        return self.scenarios.to_frame()


def _citations(items) -> tuple[dict, ...]:
    """Citations as plain dicts (``source`` first; empty fields left out)."""
    return tuple({"source": c.source, **c.model_dump(exclude_none=True, exclude_defaults=True)} for c in items)


def _evaluate_references(model: Model, compiled: CompiledModel, found: ScenarioSet) -> tuple[ReferenceResult, ...]:
    if not model.reference_scenarios:
        return ()
    tested = tested_mask(compiled, found.fixed)
    refs = np.array([compiled.scenario_from_mapping(r.variants) for r in model.reference_scenarios], dtype=np.int64)
    ic, cv, tis = evaluate(compiled.matrix, compiled.offsets, refs, tested)
    per_desc = np.where(tested, descriptor_inconsistency(compiled.matrix, compiled.offsets, refs), 0)
    # Row lookup of computed scenarios, so a reference equal to one of them can say which.
    numbers = {tuple(row): i + 1 for i, row in enumerate(found.scenarios.tolist())}
    fixed = np.asarray(found.fixed)
    out = []
    for k, r in enumerate(model.reference_scenarios):
        contradicts = {
            compiled.descriptor_ids[d]: compiled.variant_ids[d][int(fixed[d])]
            for d in range(compiled.n_descriptors)
            if fixed[d] >= 0 and int(fixed[d]) != int(refs[k, d])
        }
        out.append(
            ReferenceResult(
                id=r.id,
                name=r.name,
                description=r.description,
                variants=compiled.scenario_to_mapping(refs[k]),
                inconsistency=int(ic[k]),
                consistency_value=int(cv[k]),
                total_impact_score=int(tis[k]),
                descriptor_inconsistency={d: int(x) for d, x in zip(compiled.descriptor_ids, per_desc[k])},
                matches=numbers.get(tuple(refs[k].tolist())),
                contradicts=contradicts,
            )
        )
    return tuple(out)


def _summarise_outcome(model: Model, compiled: CompiledModel, found: ScenarioSet) -> OutcomeSummary | None:
    outcome = model.outcome
    if outcome is None:
        return None
    d = compiled.descriptor_index(outcome.id)
    n = len(found)
    counts = (
        np.bincount(found.scenarios[:, d], minlength=int(compiled.counts[d]))
        if n
        else np.zeros(int(compiled.counts[d]), dtype=np.int64)
    )
    ranges: dict[str, tuple[float, float]] = {}
    per_variant: dict[str, Assessment] = {}
    joint: list[JointOutcome] = []
    wep_name = None
    a = model.assessments
    if a is not None and a.outcome == outcome.id:
        wep_name = a.wep.name
        ranges = {t.term: (t.low, t.high) for t in a.wep.terms}
        for va in a.variants:
            low, high = ranges.get(va.term, (None, None))
            per_variant[va.variant] = Assessment(va.term, low, high, va.statement, _citations(va.citations))
        ids = compiled.variant_ids[d]
        for ja in a.joint:
            low, high = ranges.get(ja.term, (None, None)) if ja.term else (None, None)
            c = int(sum(counts[ids.index(v)] for v in ja.variants))
            joint.append(
                JointOutcome(
                    variants=tuple(ja.variants),
                    count=c,
                    share=c / n if n else 0.0,
                    assessment=Assessment(ja.term, low, high, ja.statement, _citations(ja.citations)),
                )
            )
    rows = tuple(
        OutcomeVariant(
            id=v.id,
            name=v.name,
            count=int(counts[j]),
            share=int(counts[j]) / n if n else 0.0,
            assessment=per_variant.get(v.id),
        )
        for j, v in enumerate(outcome.variants)
    )
    return OutcomeSummary(outcome.id, outcome.name, n, rows, tuple(joint), wep_name)


def analyze(
    model: Model,
    max_inconsistency: int = 0,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    compiled: CompiledModel | None = None,
    max_results: int | None = MAX_RESULTS,
    scheduler=None,
) -> Analysis:
    """Analyse a validated model: exact CIB search, reference scenarios and the outcome distribution.

    Parameters
    ----------
    model : Model
        A model that passed :func:`scenarist.model.check_model` (as :func:`scenarist.io.yaml_model.load_model`
        returns it).
    max_inconsistency : int, ≥ 0
        Tolerance k: keep scenarios with inconsistency ≤ k (0: the consistent scenarios).
    fixed : mapping descriptor id → variant id, or (n_descriptors,) int array with -1 for free descriptors
        Interventions: fixed descriptors keep their variant and are left out of the consistency test (their impacts
        still count). Reference scenarios are evaluated under the same test.
    compiled : CompiledModel, optional
        The model already compiled (saves compiling twice); compiled here when ``None``.
    max_results : int ≥ 0 or None
        Most scenarios the search may keep (see :func:`scenarist.cib.find_scenarios`; ``None``: no limit).
    scheduler : None, str, ``distributed.Client`` or a Dask cluster object
        Run the plain search on a Dask cluster (:func:`scenarist.cib.cluster.find_scenarios_on_cluster`; the same
        scenarios as in-process); None runs it here. The decomposition is decided first, as in-process
        (:func:`scenarist.cib.decompose.plan_search`): a model it decomposes is solved here, block by block (the
        cheap path), without contacting the scheduler, and ``decomposition`` is filled either way.

    Returns
    -------
    Analysis
        Timings hold ``compile``, ``search`` and ``summarise``; the caller may add ``load`` with
        :meth:`Analysis.with_timings`.

    Raises
    ------
    OptionError
        ``max_inconsistency`` < 0 or a malformed ``fixed``; :class:`~scenarist.cib.search.TooManyScenariosError`
        when more than ``max_results`` scenarios have inconsistency ≤ k; a scheduler that cannot be reached.
    UnknownNameError
        An unknown descriptor or variant in ``fixed``.

    Examples
    --------
    >>> from scenarist.io.yaml_model import load_model
    >>> result = analyze(load_model("example"))
    >>> len(result.scenarios), result.scenarios.mapping(0)["relationship"]
    (3, 'rupture')
    """
    t0 = time.perf_counter()
    if compiled is None:
        compiled = compile_model(model)
    t1 = time.perf_counter()
    normalise_fixed(compiled, fixed)  # validate names before the (possibly long) search
    if scheduler is None:  # decomposed into blocks of the impact graph when that helps; same scenarios, same order
        found, plan = decomposed_search(compiled, max_inconsistency, fixed, max_results)
    else:  # the same plan; a decomposed search is the cheap path and runs here, only a plain one goes to the cluster
        from .cib.cluster import find_scenarios_on_cluster

        def on_cluster(c, k, fx, limit):
            return find_scenarios_on_cluster(c, k, fx, limit, scheduler=scheduler)

        found, plan = decomposed_search(compiled, max_inconsistency, fixed, max_results, plain_search=on_cluster)
    t2 = time.perf_counter()
    references = _evaluate_references(model, compiled, found)
    outcome = _summarise_outcome(model, compiled, found)
    t3 = time.perf_counter()
    timings = Timings(t1 - t0, t2 - t1, t3 - t2)
    return Analysis(model, compiled, found, references, outcome, timings, decomposition=plan)


__all__ = [
    "Analysis",
    "Assessment",
    "JointOutcome",
    "OutcomeSummary",
    "OutcomeVariant",
    "ReferenceResult",
    "Timings",
    "analyze",
]
