"""Seeing on any descriptor: observations and likelihood vectors conditioned inside each exogenous combination
(``docs/method.md`` §10).

With ``x`` a combination of the free exogenous descriptors and ``c(v | x)`` the share the crediting convention gives
variant ``v`` of descriptor ``d`` among the consistent scenarios of ``x``:

- a **likelihood vector** λ over ``d``'s variants (virtual evidence) reweights ``x`` by ``Σ_v c(v | x) λ(v)``; inside
  ``x`` the scenarios holding ``d = v`` are kept as a component of mass ``c(v | x) λ(v)``, and each component is
  credited by the convention among its own scenarios;
- an **observation** ``d = v`` is the likelihood vector that is 1 on ``v`` and 0 elsewhere: ``P(x | d = v) ∝ P(x) ·
  c(v | x)``, and inside ``x`` only the consistent scenarios with ``d = v`` remain. A combination left with none
  drops out (its weight is not moved to the none bin); the model is *contradicted* when every combination drops out.

Several findings apply in turn (date order), each splitting the components the previous ones left. Crediting by
scenarios makes this exact Bayesian conditioning of the uniform distribution over each ``x``'s scenarios (the order
does not matter); crediting by variants shares each component's mass equally among the variants its scenarios take,
so the order of findings on different descriptors can matter (the replay applies them by date, then id).

The none bin (combinations without any consistent scenario) keeps its weight: evidence about which state holds says
nothing about whether the model is consistent. The outcome indicators of the evidence layer are this rule applied
last, to the outcome descriptor (equal, up to rounding, to multiplying the outcome distribution by λ and rescaling
it to its former mass: :func:`scenarist.evidence.bayes.apply_indicator`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..cib.search import scenarios_by_combination
from . import _kernels
from .combinations import PASS_ROWS, PassSpec

#: A per-draw evidence mass at or below this counts as zero (the draw is contradicted).
CONTRADICTED = 1e-300


@dataclass(frozen=True)
class Finding:
    """Evidence on one descriptor, as positions: ``descriptor`` index and λ over its variants (model order).

    ``hard`` marks an observation (λ is 1 on the observed variant and 0 elsewhere).
    """

    descriptor: int
    likelihood: tuple[float, ...]
    hard: bool = False
    label: str = ""


@dataclass(frozen=True)
class Conditioned:
    """One matrix, conditioned on the findings, before the priors weigh the combinations.

    Attributes
    ----------
    tags : (g,) int64
        The combinations (numbered as :func:`scenarist.cib.search.scenarios_by_combination` numbers them) that had a
        consistent scenario before the findings.
    mass : (g,) float64
        Per combination, the evidence factor ``Σ_components m`` (1 without findings; 0 when the combination dropped
        out).
    credit : (g, V + 1) float64
        Per combination, the shares of its variants after the findings (zero rows for combinations that dropped out).
    """

    tags: np.ndarray
    mass: np.ndarray
    credit: np.ndarray
    unclassified: bool = False

    @property
    def none_column(self) -> int:
        """Column of the none bin in ``credit``: V (V + 1 is the outcome's unclassified bin when crediting by
        definition)."""
        return self.credit.shape[1] - (2 if self.unclassified else 1)


def condition_scenarios(
    scen: np.ndarray,
    tags: np.ndarray,
    offsets: np.ndarray,
    counts: np.ndarray,
    by_scenarios: bool,
    findings: Sequence[Finding],
    rules=None,
) -> Conditioned:
    """Apply ``findings`` inside each combination (pure arrays; see the module docstring for the rule).

    Parameters
    ----------
    scen : (m, n) int64
        Consistent scenarios (variant positions).
    tags : (m,) int64
        Combination number of each scenario.
    offsets, counts : int64 arrays of the compiled model
    by_scenarios : bool
        Crediting by scenarios (True) or by variants (False).
    findings : sequence of Finding
    rules : CompiledRules, optional
        Crediting by definition (``by_scenarios`` False): the outcome's variant is replaced by its rules' label, the
        unclassified label being one more variant; the credit rows then have V + 2 columns (V + 1: unclassified).
        Findings on the outcome itself are refused (ValueError): whether they bear on the balance's label or the
        definition's is not for the code to guess.
    """
    if rules is not None:
        return _condition_by_definition(scen, tags, offsets, counts, findings, rules)
    V = int(offsets[-1])
    scen = np.asarray(scen, dtype=np.int64)
    tags = np.asarray(tags, dtype=np.int64)
    if len(scen) == 0:
        return Conditioned(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, V + 1)))
    xs, comp = np.unique(tags, return_inverse=True)
    comp = comp.reshape(-1)
    comp_x = np.arange(len(xs))  # combination (row of xs) of each component
    mass = np.ones(len(xs))
    for f in findings:
        k = int(counts[f.descriptor])
        lam = np.asarray(f.likelihood, dtype=np.float64)
        vals = scen[:, f.descriptor]
        new_keys, new_comp = np.unique(comp * k + vals, return_inverse=True)
        new_comp = new_comp.reshape(-1)
        parent = new_keys // k
        val = new_keys % k
        if by_scenarios:
            size = np.bincount(new_comp, minlength=len(new_keys)).astype(np.float64)
            size_parent = np.bincount(comp, minlength=len(mass)).astype(np.float64)
            share = size / size_parent[parent]
        else:
            taken = np.bincount(parent, minlength=len(mass)).astype(np.float64)
            share = 1.0 / taken[parent]
        new_mass = mass[parent] * share * lam[val]
        keep = new_mass > 0
        remap = np.cumsum(keep) - 1
        rows = keep[new_comp]
        scen, comp = scen[rows], remap[new_comp[rows]]
        comp_x = comp_x[parent[keep]]
        mass = new_mass[keep]
    out_mass = np.zeros(len(xs))
    out_credit = np.zeros((len(xs), V + 1))
    if len(scen):
        _, cr = _kernels.credit_rows(scen, comp, len(mass), np.asarray(offsets, np.int64), by_scenarios, True)
        np.add.at(out_mass, comp_x, mass)
        np.add.at(out_credit, comp_x, cr * mass[:, None])
        ok = out_mass > 0
        out_credit[ok] /= out_mass[ok, None]
    return Conditioned(xs, out_mass, out_credit)


def _condition_by_definition(scen, tags, offsets, counts, findings, rules) -> Conditioned:
    """:func:`condition_scenarios` crediting by definition: relabel, condition on an augmented structure (the
    outcome with one more variant, *unclassified*), and put the columns back in the (V + 2) layout."""
    o = int(rules.outcome)
    if any(f.descriptor == o for f in findings):
        raise ValueError(
            "evidence on the outcome descriptor cannot be conditioned while crediting by definition (does it bear on "
            "the balance's label or the rules' label?); credit by variants or scenarios"
        )
    counts = np.asarray(counts, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.int64)
    V = int(offsets[-1])
    k = int(counts[o])
    scen = np.array(scen, dtype=np.int64, copy=True)
    if len(scen):
        label = rules.classify(scen)[0]
        scen[:, o] = np.where(label < 0, k, label)
    counts_aug = counts.copy()
    counts_aug[o] = k + 1
    offsets_aug = np.concatenate([[0], np.cumsum(counts_aug)]).astype(np.int64)
    aug = condition_scenarios(scen, tags, offsets_aug, counts_aug, False, findings)
    credit = np.zeros((len(aug.credit), V + 2))
    for d in range(len(counts)):
        credit[:, offsets[d] : offsets[d + 1]] = aug.credit[:, offsets_aug[d] : offsets_aug[d] + counts[d]]
    credit[:, V] = aug.credit[:, V + 1]  # the none column of the augmented layout
    credit[:, V + 1] = aug.credit[:, offsets_aug[o] + k]
    return Conditioned(aug.tags, aug.mass, credit, unclassified=True)


def conditioned_pass(spec: PassSpec, matrix: np.ndarray, findings: Sequence[Finding]) -> Conditioned:
    """Search one matrix under ``spec`` (every combination enumerated) and condition it on ``findings``."""
    if spec.samples:
        raise ValueError("evidence on endogenous descriptors needs every exogenous combination enumerated")
    if spec.credit not in ("variants", "scenarios", "definition"):
        raise ValueError(
            f"evidence on endogenous descriptors is credited by variants, scenarios or definition, not {spec.credit}"
        )
    matrix = np.ascontiguousarray(matrix, dtype=np.int64)
    scen, tags = scenarios_by_combination(
        matrix,
        spec.offsets,
        spec.counts,
        spec.fixed,
        spec.tested,
        spec.order,
        spec.exo,
        k=spec.max_inconsistency,
        rows=PASS_ROWS,
    )
    if len(scen) > 1:
        first = np.lexsort(scen.T[::-1])
        scen, tags = scen[first], tags[first]
    rules = spec.rules if spec.credit == "definition" else None
    return condition_scenarios(scen, tags, spec.offsets, spec.counts, spec.credit == "scenarios", findings, rules)


def combination_weights(spec: PassSpec, tags: np.ndarray, prior: np.ndarray | None = None) -> np.ndarray:
    """P(x) of each combination number in ``tags`` from the priors (``prior`` replaces ``spec.prior``)."""
    prior = spec.prior if prior is None else prior
    w = np.ones(len(tags))
    rest = np.asarray(tags, dtype=np.int64).copy()
    for e in range(len(spec.exo) - 1, -1, -1):
        k = int(spec.counts[spec.exo[e]])
        w *= prior[e, rest % k]
        rest //= k
    return w


def weigh(cond: Conditioned, weights: np.ndarray) -> tuple[np.ndarray, bool]:
    """The flat row ``(V + 1,)`` of one conditioned matrix under combination weights P(x), and whether the findings
    contradict it (every combination dropped out: the row is then all NaN but the none column).

    ``flat[v] = (1 − none) · Σ_x P(x) m_x c'_x(v) / Σ_x P(x) m_x`` with ``none = 1 − Σ_x P(x)``: the combinations
    that drop out give their weight to those that remain; the none bin keeps its own.
    """
    V1 = cond.credit.shape[1]
    nc = cond.none_column
    total = float(np.sum(weights))
    none = max(0.0, 1.0 - total)
    z = float(np.dot(weights, cond.mass))
    flat = np.full(V1, np.nan)
    flat[nc] = none if none > 1e-12 else 0.0
    if z <= CONTRADICTED:
        return flat, True
    cols = np.flatnonzero(np.arange(V1) != nc)
    flat[cols] = (weights * cond.mass) @ cond.credit[:, cols] * ((1.0 - flat[nc]) / z)
    return flat, False


def findings_from(compiled, evidence: Sequence[tuple[str, Mapping[str, float], bool, str]]) -> tuple[Finding, ...]:
    """Findings from ``(descriptor id, {variant id: λ}, hard, label)`` tuples (variants missing from λ get 0)."""
    out = []
    for d_id, lam, hard, label in evidence:
        d = compiled.descriptor_index(d_id)
        ids = compiled.variant_ids[d]
        out.append(Finding(d, tuple(float(lam.get(v, 0.0)) for v in ids), bool(hard), label))
    return tuple(out)


def least_inconsistent(compiled, fixed: np.ndarray, hold: Mapping[int, int], limit: int = 5) -> tuple[int, np.ndarray]:
    """The least-inconsistent scenarios that hold ``hold`` ({descriptor: variant}) under the interventions ``fixed``.

    Searches with tolerance k = 1, 2, … (the engine's :func:`~scenarist.cib.search.find_scenarios`, the held
    descriptors still tested) and returns ``(k, scenarios)`` for the first k with any, at most ``limit`` of them
    (lowest total impact score last). ``(-1, empty)`` when none exists within the model's bound.
    """
    from ..cib.search import find_scenarios

    fx = np.asarray(fixed, dtype=np.int64)
    for k in range(int(compiled.max_inconsistency_bound) + 1):
        try:
            found = find_scenarios(compiled, max_inconsistency=k, fixed=fx, max_results=200_000)
        except Exception:  # too many to list at this k: stop looking
            break
        sc = np.asarray(found.scenarios, dtype=np.int64)
        if len(sc) == 0:
            continue
        ok = np.ones(len(sc), dtype=bool)
        for d, v in hold.items():
            ok &= sc[:, d] == v
        if ok.any():
            return k, sc[ok][:limit]
    return -1, np.zeros((0, compiled.n_descriptors), dtype=np.int64)


@dataclass(frozen=True)
class ObservedDraws:
    """The judgment draws of one model under fixed interventions and findings, ready to weigh by any priors.

    ``conds[r]`` is draw r's :class:`Conditioned` (the stated matrix alone when ``draws`` is 0). Draw r's matrix is
    the one :func:`~.distribution.outcome_distribution` uses for the same seed (common random numbers).
    """

    setup: object
    conds: tuple[Conditioned, ...]
    findings: tuple[Finding, ...]

    def prior_array(self, priors: Mapping[str, Mapping[str, float]] | None) -> np.ndarray:
        spec = self.setup.spec
        if priors is None:
            return spec.prior
        c = self.setup.compiled
        out = spec.prior.copy()
        for e, d in enumerate(spec.exo):
            did = c.descriptor_ids[int(d)]
            if did in priors:
                out[e, :] = 0.0
                for j, v in enumerate(c.variant_ids[int(d)]):
                    out[e, j] = float(priors[did][v])
        return out

    def rows(self, priors: Mapping[str, Mapping[str, float]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per draw the flat row (V + 1,; V + 2 crediting by definition) and whether the findings contradict that draw
        (then NaN but none)."""
        prior = self.prior_array(priors)
        out = np.empty((len(self.conds), self.setup.spec.width))
        bad = np.zeros(len(self.conds), dtype=bool)
        for r, cond in enumerate(self.conds):
            out[r], bad[r] = weigh(cond, combination_weights(self.setup.spec, cond.tags, prior))
        return out, bad


def observed_draws(
    model,
    findings: Sequence[tuple[str, Mapping[str, float], bool, str]],
    fixed: Mapping[str, str] | None = None,
    draws: int = 0,
    seed: int | None = None,
    credit: str = "variants",
    shared_sections: bool = False,
) -> ObservedDraws:
    """Condition every judgment draw of ``model`` (or the stated matrix) on ``findings`` under the interventions.

    ``findings`` are ``(descriptor id, {variant id: λ}, hard, label)`` in the order they apply. Priors are applied
    later (:meth:`ObservedDraws.rows`), so one search per draw serves every date of a replay.
    """
    from .distribution import prepare
    from .draws import apply_scores, draw_generator, draw_scores, normalise_seed

    setup = prepare(model, None, fixed, None, credit)
    fnd = findings_from(setup.compiled, findings)
    base = setup.compiled.matrix
    if not draws:
        return ObservedDraws(setup, (conditioned_pass(setup.spec, base, fnd),), fnd)
    entropy = normalise_seed(seed)
    cache: dict[bytes, Conditioned] = {}
    conds = []
    for r in range(int(draws)):
        rng = draw_generator(entropy, r)
        scores = draw_scores(setup.spread, rng, shared_sections)
        key = scores.tobytes()
        if key not in cache:
            cache[key] = conditioned_pass(setup.spec, apply_scores(base, setup.spread, scores), fnd)
        conds.append(cache[key])
    return ObservedDraws(setup, tuple(conds), fnd)


__all__ = [
    "Conditioned",
    "Finding",
    "ObservedDraws",
    "combination_weights",
    "condition_scenarios",
    "conditioned_pass",
    "findings_from",
    "least_inconsistent",
    "observed_draws",
    "weigh",
]
