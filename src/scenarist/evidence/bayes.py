"""Bayes updates from graded evidence: which items count, the updated priors, interventions and indicators.

Everything here is plain arithmetic on small vectors; the CIB pass that turns updated priors into an outcome
distribution lives in :mod:`scenarist.probability` and is called by :mod:`.replay`.

Rules (``docs/evidence.md`` gives the reasoning):

- only items dated strictly after the model's as-of date count; earlier ones are background;
- items of one cluster count once: the **best-graded** item seen so far speaks for the cluster (an intervention
  beats any likelihood, then the higher tempering weight, then the earlier date, then the smaller id);
- likelihood items update the prior of their exogenous descriptor: ``post ∝ prior × Π_families λ_f``; on any other
  descriptor they are virtual evidence, applied inside each exogenous combination (``docs/method.md`` §10);
- within a family (items observing one underlying development), tempered log-likelihood vectors combine as the
  strongest plus ρ times the others, identical bearings collapsing first: ``log λ_f = ℓ_strongest + ρ_f Σ ℓ_other``;
- an intervention fixes its descriptor from its date on; a later intervention on the same descriptor replaces it;
- an observation of a descriptor the drivers produce conditions the model on it (seeing, not doing);
- indicator items multiply into one likelihood vector over the outcome's variants, applied last to the model's
  outcome distribution (the none bin is left as it is: the indicator says which variant, not whether the model
  is consistent).

References
----------
Heuer, R. J. (1999). Psychology of Intelligence Analysis, ch. 8 (Analysis of Competing Hypotheses). CIA CSI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..model import Model
from .grading import grade_weight, temper
from .items import EvidenceItem


def item_weight(item: EvidenceItem) -> float:
    """The tempering exponent of an item's grade (see :func:`~.grading.grade_weight`)."""
    return grade_weight(item.grade.reliability, item.grade.credibility)


def _rank(item: EvidenceItem) -> tuple:
    # Smaller is better: interventions first, then the higher weight, the earlier date, the smaller id.
    return (0 if item.bearing.kind == "intervention" else 1, -item_weight(item), item.date, item.id)


def bayes_update(prior: Sequence[float], likelihood: Sequence[float]) -> np.ndarray:
    """Posterior ``∝ prior × likelihood``, normalised to sum 1.

    Parameters
    ----------
    prior : (k,) array_like of float ≥ 0, summing to 1
    likelihood : (k,) array_like of float > 0

    Returns
    -------
    (k,) float64

    Examples
    --------
    >>> bayes_update([0.6, 0.4], [0.3, 0.9]).round(4).tolist()
    [0.3333, 0.6667]
    """
    post = np.asarray(prior, dtype=np.float64) * np.asarray(likelihood, dtype=np.float64)
    return post / post.sum()


def counted_items(
    items: Iterable[EvidenceItem], as_of: dt.date | None, until: dt.date | None = None
) -> list[EvidenceItem]:
    """The items that count at date ``until``: after ``as_of``, not later than ``until``, one per cluster.

    ``outside`` items are never counted (they move nothing). Returns the cluster representatives sorted by
    (date, id).
    """
    best: dict[str, EvidenceItem] = {}
    for it in items:
        if it.bearing.kind == "outside":
            continue
        if as_of is not None and it.date <= as_of:
            continue
        if until is not None and it.date > until:
            continue
        key = it.cluster_key
        if key not in best or _rank(it) < _rank(best[key]):
            best[key] = it
    return sorted(best.values(), key=lambda it: (it.date, it.id))


@dataclass(frozen=True)
class EvidenceState:
    """What the evidence says at one date.

    Attributes
    ----------
    date : datetime.date or None
        The state includes every item dated on or before it (None: the model as of its as-of date).
    priors : dict descriptor id → {variant id: probability}
        Updated priors of every exogenous descriptor (sums to 1 each).
    fixed : dict descriptor id → variant id
        Interventions in force (and observations of exogenous descriptors, which fix them alike).
    indicator : dict variant id → float, or None
        Combined tempered likelihood over the outcome's variants (max 1), None when no indicator counts.
    counted : tuple of str
        Ids of the items that speak for their clusters.
    findings : tuple of (descriptor id, {variant id: λ}, hard, label)
        Evidence on descriptors the model's drivers produce, in the order it applies: observations (``hard``,
        λ = 1 on the variant seen) and likelihood vectors (virtual evidence), conditioned inside each exogenous
        combination (``docs/method.md`` §10).
    n_eff : float
        Effective number of independent likelihood items, ``Σ_f (1 + ρ_f (n_f − 1))`` over the families counted.
    families : dict family id → {"rho", "items", "strongest"}
        The families with more than one distinct item, and how they combined.
    """

    date: dt.date | None
    priors: dict[str, dict[str, float]]
    fixed: dict[str, str]
    indicator: dict[str, float] | None
    counted: tuple[str, ...] = field(default=())
    findings: tuple = field(default=())
    n_eff: float = 0.0
    families: dict = field(default_factory=dict)

    def key(self) -> tuple:
        """A hashable summary of what the CIB pass needs (priors, interventions, findings), for caching."""
        pri = tuple((d, tuple(round(p, 15) for p in v.values())) for d, v in sorted(self.priors.items()))
        return pri, tuple(sorted(self.fixed.items())), self.findings_key()

    def findings_key(self) -> tuple:
        """A hashable summary of the findings (descriptor, λ, hard), in order."""
        return tuple((d, tuple(sorted(lam.items())), hard) for d, lam, hard, _ in self.findings)

    def to_dict(self) -> dict:
        """JSON-safe dict."""
        return {
            "date": self.date.isoformat() if self.date else None,
            "priors": self.priors,
            "fixed": self.fixed,
            "indicator": self.indicator,
            "counted": list(self.counted),
            "findings": [
                {"descriptor": d, "likelihood": lam, "observation": hard, "items": label}
                for d, lam, hard, label in self.findings
            ],
            "n_eff": self.n_eff,
            "families": self.families,
        }


def model_priors(model: Model) -> dict[str, dict[str, float]]:
    """Each exogenous descriptor's prior as stated in the model (uniform where the model states none)."""
    out: dict[str, dict[str, float]] = {}
    for d in model.descriptors:
        if not d.exogenous:
            continue
        ids = [v.id for v in d.variants]
        if d.prior is not None:
            p = np.array([d.prior.probabilities[v] for v in ids], dtype=np.float64)
            p = p / p.sum()
        else:
            p = np.full(len(ids), 1.0 / len(ids))
        out[d.id] = {v: float(x) for v, x in zip(ids, p)}
    return out


def family_rho(model: Model) -> dict[str, float]:
    """ρ of every family the model states (``evidence_families``); an unstated family has ρ = 0."""
    return {f.id: float(f.rho) for f in getattr(model, "evidence_families", ())}


def combine_family(logs: Sequence[np.ndarray], rho: float) -> tuple[np.ndarray, int]:
    """Combine tempered log-likelihood vectors of one family: the strongest plus ``rho`` times the others.

    Each vector is ``w · log(L / max L)`` (≤ 0, max 0); its strength is its spread ``max − min``. Returns the
    combined log vector and the index of the strongest (the first of equal strength).

    Examples
    --------
    >>> v, k = combine_family([np.log([1.0, 0.5]), np.log([1.0, 0.25])], 0.0)
    >>> k, np.exp(v).round(4).tolist()
    (1, [1.0, 0.25])
    """
    strength = [float(x.max() - x.min()) for x in logs]
    k = int(np.argmax(strength))
    out = logs[k].copy()
    for i, x in enumerate(logs):
        if i != k:
            out = out + rho * x
    return out, k


def evidence_state(
    model: Model,
    items: Iterable[EvidenceItem],
    until: dt.date | None = None,
    priors: Mapping[str, Mapping[str, float]] | None = None,
) -> EvidenceState:
    """Apply every item that counts at ``until`` to the model's priors.

    Likelihood-type items (likelihood vectors and indicators) are grouped by family (an item without one is its own
    family); within a family, items with identical bearings collapse to the best-graded one, and the tempered
    log-likelihood vectors combine as the strongest plus ρ times the others (:func:`combine_family`). The combined
    vector then updates an exogenous prior, enters as virtual evidence on another descriptor, or joins the indicator
    on the outcome.

    Parameters
    ----------
    model : Model
        The items must have been checked against it (:func:`~.items.check_evidence`).
    items : iterable of EvidenceItem
    until : date, optional
        Include items dated on or before it (None: all items after the as-of date).
    priors : mapping, optional
        Starting priors instead of the model's (``{descriptor: {variant: p}}``).

    Returns
    -------
    EvidenceState
    """
    start = {d: dict(v) for d, v in (priors or model_priors(model)).items()}
    counted = counted_items(items, model.metadata.as_of, until)
    post = {d: np.array(list(v.values()), dtype=np.float64) for d, v in start.items()}
    names = {d: list(v.keys()) for d, v in start.items()}
    fixed: dict[str, tuple[dt.date, str, str]] = {}
    outcome = model.outcome
    rhos = family_rho(model)
    ind = None
    # likelihood-type items by family, in (date, id) order; a family applies where its first item does
    groups: dict[str, list[EvidenceItem]] = {}
    steps: list[tuple] = []
    for it in counted:
        b = it.bearing
        if b.kind in ("likelihood", "indicator"):
            key = it.family if it.family is not None else f"item:{it.id}"
            if key not in groups:
                groups[key] = []
                steps.append(("family", key))
            groups[key].append(it)
        else:
            steps.append(("item", it))
    findings: list[tuple] = []
    n_eff = 0.0
    families: dict[str, dict] = {}
    for kind, what in steps:
        if kind == "item":
            it, b = what, what.bearing
            if b.kind == "intervention" or (b.kind == "observation" and b.descriptor in post):
                prev = fixed.get(b.descriptor)
                if prev is None or (it.date, it.id) > prev[:2]:
                    fixed[b.descriptor] = (it.date, it.id, b.variant)
            elif b.kind == "observation":
                findings.append((b.descriptor, {b.variant: 1.0}, True, it.id))
            continue
        members = groups[what]
        # identical bearings collapse to the best-ranked copy
        distinct: dict[tuple, EvidenceItem] = {}
        for it in members:
            b = it.bearing
            sig = (b.kind, getattr(b, "descriptor", None), tuple(sorted(b.likelihoods.items())))
            if sig not in distinct or _rank(it) < _rank(distinct[sig]):
                distinct[sig] = it
        members = sorted(distinct.values(), key=lambda it: (it.date, it.id))
        first = members[0].bearing
        if first.kind == "indicator":
            ids = [v.id for v in outcome.variants]
        elif first.descriptor in names:
            ids = names[first.descriptor]
        else:
            ids = [v.id for v in model.descriptor(first.descriptor).variants]
        logs = [np.log(temper([it.bearing.likelihoods[v] for v in ids], item_weight(it))) for it in members]
        rho = rhos.get(what, 0.0) if not what.startswith("item:") else 0.0
        log, k = combine_family(logs, rho)
        n_eff += 1.0 + rho * (len(members) - 1)
        if len(members) > 1:
            families[what] = {"rho": rho, "items": [it.id for it in members], "strongest": members[k].id}
        lik = np.exp(log - log.max())
        if first.kind == "indicator":
            ind = lik if ind is None else ind * lik
        elif first.descriptor in post:
            post[first.descriptor] = bayes_update(post[first.descriptor], lik)
        else:
            label = ", ".join(it.id for it in members)
            findings.append((first.descriptor, {v: float(x) for v, x in zip(ids, lik)}, False, label))
    if ind is not None:
        ind = ind / ind.max()
    return EvidenceState(
        date=until,
        priors={d: {v: float(x) for v, x in zip(names[d], post[d])} for d in post},
        fixed={d: v[2] for d, v in fixed.items()},
        indicator=None if ind is None else {v.id: float(x) for v, x in zip(outcome.variants, ind)},
        counted=tuple(it.id for it in counted),
        findings=tuple(findings),
        n_eff=float(n_eff),
        families=families,
    )


def apply_indicator(
    distribution: Sequence[float], none: float, likelihood: Sequence[float] | None
) -> tuple[np.ndarray, float]:
    """The last Bayes step: update an outcome distribution with a likelihood over its variants.

    Parameters
    ----------
    distribution : (k,) array_like of float ≥ 0
        P(variant) from the model (the variants' shares; with ``none`` they sum to 1).
    none : float in [0, 1]
        P(no consistent scenario); kept unchanged.
    likelihood : (k,) array_like of float > 0, or None (no indicator: returned as is)

    Returns
    -------
    (k,) float64, float
        Updated variant shares (summing to ``1 - none`` unless all were zero) and the none share.

    Examples
    --------
    >>> p, n = apply_indicator([0.5, 0.3], 0.2, [0.9, 0.3])
    >>> p.round(4).tolist(), n
    ([0.6667, 0.1333], 0.2)
    """
    p = np.asarray(distribution, dtype=np.float64)
    if likelihood is None:
        return p.copy(), float(none)
    mass = p.sum()
    q = p * np.asarray(likelihood, dtype=np.float64)
    if q.sum() <= 0.0:
        return p.copy(), float(none)
    return q / q.sum() * mass, float(none)


__all__ = [
    "EvidenceState",
    "apply_indicator",
    "bayes_update",
    "combine_family",
    "counted_items",
    "evidence_state",
    "family_rho",
    "item_weight",
    "model_priors",
]
