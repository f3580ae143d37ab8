"""Ensembles: one structure, several matrices (several experts, or variants of the analysis) — docs/method.md §4.

Members come from an ``ensemble:`` list in the model (each a file with the same descriptors, or judgment overrides
on the model's cells, with a weight) or from several model files. For every member we compute its kernel (the
consistent scenarios, exogenous descriptors free, interventions applied) and its exact outcome distribution under
the base model's priors. Across members: each scenario's **support** is the weighted share of members in which it
is consistent (and the plain count); **consensus** scenarios are consistent in every member; the **weighted
mixture** is ``Σ_m w_m P_m(v)`` with ``w`` normalised, and its band is the weighted 5–95 % range over members.

References
----------
Weimer-Jehle, W. (2006). Cross-impact balances. Technological Forecasting and Social Change 73(4), 334–361.
https://doi.org/10.1016/j.techfore.2005.06.005 (ensembles of matrices are discussed in the CIB literature as a way
to represent several experts; the weighting and mixture here are Scenarist's.)
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checks import check_weight
from ..cib.compile import CompiledModel, compile_model
from ..errors import ModelError, OptionError, Problem
from ..model import Model, split_ref
from ..results import Result
from .combinations import MAX_COMBINATIONS, SAMPLES, run_pass
from .distribution import OutcomeDistribution, prepare, summarise


@dataclass(frozen=True)
class Member:
    """One ensemble member: an id, a display name, a weight > 0 and its cross-impact matrix ((V, V) int64)."""

    id: str
    name: str
    weight: float
    matrix: np.ndarray = field(repr=False)


def _same_structure(base: Model, other: Model, name: str) -> None:
    a = [(d.id, tuple(v.id for v in d.variants), d.exogenous) for d in base.descriptors]
    b = [(d.id, tuple(v.id for v in d.variants), d.exogenous) for d in other.descriptors]
    if a != b:
        raise ModelError(
            [
                Problem(
                    name,
                    None,
                    "descriptors",
                    "an ensemble member must have the same descriptors, "
                    "variants and exogenous flags, in the same order, as the base model",
                )
            ]
        )


def members_from_model(
    model: Model, base_dir: str | os.PathLike | None = None, loader: Callable[[Path], Model] | None = None
) -> list[Member]:
    """Members of the model's ``ensemble:`` list (empty list when it has none).

    ``file`` paths are read relative to ``base_dir`` (the model file's folder; default: the working directory) by
    ``loader`` (path → validated Model; :func:`scenarist.load`), needed only when a member names a file.

    Raises
    ------
    InputFileError, ModelError
        A member file is missing, invalid, or has another structure.
    """
    compiled = compile_model(model)
    out = []
    for m in model.ensemble:
        if m.file is not None:
            if loader is None:
                raise OptionError(f"ensemble member {m.id!r} names a file ({m.file}): give a loader to read it")
            path = Path(base_dir or ".") / m.file
            other = loader(path)
            _same_structure(model, other, str(path))
            matrix = compile_model(other).matrix
        else:
            matrix = compiled.matrix.copy()
            keep_self = model.metadata.self_impacts == "count"
            for j in m.judgments:
                src, dst = split_ref(j.from_), split_ref(j.to)
                if src[0] == dst[0] and not keep_self:
                    continue
                r = int(compiled.offsets[compiled.descriptor_index(src[0])]) + compiled.variant_ids[
                    compiled.descriptor_index(src[0])
                ].index(src[1])
                c = int(compiled.offsets[compiled.descriptor_index(dst[0])]) + compiled.variant_ids[
                    compiled.descriptor_index(dst[0])
                ].index(dst[1])
                matrix[r, c] = j.score
        out.append(Member(m.id, m.name or m.id, float(m.weight), matrix))
    return out


def check_weights(weights: Sequence[float], labels: Sequence[str], option: str = "--weight") -> list[float]:
    """Member weights as floats, each in [10^-6, 10^6] (:data:`~scenarist.checks.MIN_WEIGHT`,
    :data:`~scenarist.checks.MAX_WEIGHT`; the mixture normalises them, so only their ratios matter, and any number
    of weights ≤ 10^6 adds up in float64 without overflow).

    Raises
    ------
    OptionError
        A weight that is not a number, or is NaN, infinite, zero, negative or outside the range (naming the member).
    """
    out = []
    for w, label in zip(weights, labels):
        try:
            x = float(w)
        except (TypeError, ValueError, OverflowError):
            raise OptionError(f"{option} {w!r} for member {label}: not a number") from None
        if not math.isfinite(x) or x <= 0:
            raise OptionError(f"{option} {w} for member {label}: a weight must be a finite number > 0")
        out.append(check_weight(x, f"{option} for member {label}"))
    return out


def members_from_files(
    model: Model,
    paths: Sequence[str | os.PathLike],
    weights: Sequence[float] | None = None,
    base_label: str | None = None,
    *,
    loader: Callable[[str], Model],
) -> list[Member]:
    """The base model as first member (weight 1 unless ``weights`` says), then one member per file.

    Parameters
    ----------
    model : Model
        The base model (first member).
    paths : sequence of path
        Member model files, each with the base model's descriptors and variants.
    weights : sequence of float, optional
        One per member, the base model first; each finite and > 0 (default: all 1).
    base_label : str, optional
        Id of the base member, e.g. its file name (default: the model's ``metadata.id``).
    loader : callable
        Reads one member file into a validated Model (:func:`scenarist.ensemble` passes :func:`scenarist.load`,
        with ``self_impacts`` for ScenarioWizard members); the engines read no files themselves.

    Returns
    -------
    list of Member
        Ids are the file names (``base_label`` for the first), made unique with ``#2``, ``#3`` … where two
        coincide, so members copied from one model stay apart in every table; names are the models' titles.

    Raises
    ------
    OptionError
        ``weights`` of the wrong length, or a weight that is not finite and > 0.
    InputFileError, ModelError
        A file is missing, invalid, or has another structure.
    """
    labels = [base_label or model.metadata.id] + [Path(p).name for p in paths]
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            labels[i] = f"{lab}#{seen[lab]}"
    w = list(weights) if weights is not None else [1.0] * (len(paths) + 1)
    if len(w) != len(paths) + 1:
        raise OptionError(f"give one --weight per member, the model first ({len(paths) + 1} members), got {len(w)}")
    w = check_weights(w, labels)
    out = [Member(labels[0], model.metadata.title or labels[0], w[0], compile_model(model).matrix)]
    for p, label, wi in zip(paths, labels[1:], w[1:]):
        other = loader(str(p))
        _same_structure(model, other, str(p))
        out.append(Member(label, other.metadata.title or label, wi, compile_model(other).matrix))
    return out


@dataclass(frozen=True, repr=False)
class EnsembleResult(Result):
    """Result of :func:`ensemble_distribution`.

    Attributes
    ----------
    members : tuple of Member
    weights : (M,) float64
        Normalised member weights (sum 1).
    distributions : tuple of OutcomeDistribution
        Each member's exact distribution (its kernel is ``.scenarios``).
    scenarios : (q, n) int64
        Every scenario consistent in at least one member.
    membership : (q, M) bool
        ``membership[i, m]``: scenario i is consistent in member m.
    support : (q,) float64
        Weighted share of members in which each scenario is consistent.
    mixture : OutcomeDistribution
        Weighted mixture of the members' distributions; its band is the weighted 5–95 % range over members.
    """

    members: tuple[Member, ...]
    weights: np.ndarray
    distributions: tuple[OutcomeDistribution, ...]
    compiled: CompiledModel = field(repr=False)
    scenarios: np.ndarray = field(repr=False)
    membership: np.ndarray = field(repr=False)
    support: np.ndarray = field(repr=False)
    mixture: OutcomeDistribution = field(repr=False)

    def _summary(self) -> dict:
        return {"members": len(self.members), "scenarios": len(self.scenarios), "outcome": self.mixture.outcome}

    @property
    def consensus(self) -> np.ndarray:
        """Scenarios consistent in every member: (c, n) int64."""
        return self.scenarios[self.membership.all(axis=1)]

    def support_rows(self) -> list[dict]:
        """Scenarios by decreasing support: variants, support, members count, member ids, consensus flag."""
        order = np.lexsort((np.arange(len(self.support)), -self.support))
        ids = [m.id for m in self.members]
        return [
            {
                "variants": self.compiled.scenario_to_mapping(self.scenarios[i]),
                "support": float(self.support[i]),
                "members": int(self.membership[i].sum()),
                "member_ids": [ids[m] for m in np.flatnonzero(self.membership[i])],
                "consensus": bool(self.membership[i].all()),
            }
            for i in order
        ]

    def to_dict(self) -> dict:
        """JSON-safe dict (what ``scenarist ensemble --json`` prints)."""
        return {
            "outcome": self.mixture.outcome,
            "members": [
                {
                    "id": m.id,
                    "name": m.name,
                    "weight": float(w),
                    "kernel_size": len(d.scenarios),
                    "distribution": d.marginal().rows(),
                    "none": d.none.to_dict(),
                }
                for m, w, d in zip(self.members, self.weights, self.distributions)
            ],
            "scenarios": self.support_rows(),
            "consensus": [self.compiled.scenario_to_mapping(s) for s in self.consensus],
            "mixture": self.mixture.to_dict(),
        }

    def to_frame(self):
        """pandas DataFrame: one row per (member, outcome variant incl. ``(none)``) plus the mixture rows, with
        columns weight and probability."""
        import pandas as pd

        rows = []
        for m, w, d in list(zip(self.members, self.weights, self.distributions)) + [(None, 1.0, self.mixture)]:
            label = "(mixture)" if m is None else m.id
            for v, p in d.probability.items():
                rows.append({"member": label, "variant": v, "weight": float(w), "probability": p})
            rows.append({"member": label, "variant": "(none)", "weight": float(w), "probability": d.none.probability})
        return pd.DataFrame(rows).set_index(["member", "variant"])


def ensemble_distribution(
    model: Model | str | os.PathLike,
    members: Sequence[Member] | None = None,
    priors: Mapping[str, Mapping[str, float]] | None = None,
    fixed: Mapping[str, str] | np.ndarray | None = None,
    *,
    outcome: str | None = None,
    credit: str = "variants",
    max_combinations: int = MAX_COMBINATIONS,
    samples: int = SAMPLES,
    seed: int | None = 0,
    base_dir: str | os.PathLike | None = None,
    loader: Callable[[Path], Model] | None = None,
) -> EnsembleResult:
    """Per-member kernels and outcome distributions, scenario support, consensus and the weighted mixture.

    Parameters
    ----------
    model : Model
        The base model (validated; :func:`scenarist.load` reads one): structure, priors, assessments. Its ``ensemble:`` list gives the members unless
        ``members`` is passed.
    members : sequence of Member, optional
        E.g. from :func:`members_from_files`.
    priors, fixed, outcome, credit, max_combinations, samples
        As in :func:`~scenarist.probability.outcome_distribution`; the same for every member.
    seed : int
        Only used when exogenous combinations are sampled.
    base_dir : path, optional
        Folder that ``ensemble:`` file paths are relative to (default: the working directory).
    loader : callable, optional
        Reads an ``ensemble:`` member's file (path → Model); needed only when a member names a file.

    Returns
    -------
    EnsembleResult

    Raises
    ------
    OptionError
        No members (the model has no ``ensemble:`` and none were given), or as in ``outcome_distribution``.
    """
    from .distribution import base_generator
    from .draws import normalise_seed

    setup = prepare(model, priors, fixed, outcome, credit, max_combinations, samples)
    if members is None:
        members = members_from_model(setup.model, base_dir, loader)
    if not members:
        raise OptionError(
            "no ensemble members: the model has no ensemble: list and no member files were given "
            "(with --member FILE the model itself is the first member, the files the others)"
        )
    entropy = normalise_seed(seed)
    w = np.array(check_weights([m.weight for m in members], [m.id for m in members], "weight"), dtype=np.float64)
    w = w / math.fsum(w.tolist())  # each w ≤ 10^6: the sum cannot overflow
    from ..cib.compile import check_matrix_bounds

    for m in members:  # a member file states its own scale: hold its matrix to the int32 bound too
        check_matrix_bounds(m.matrix, setup.compiled.n_descriptors, f"ensemble member {m.id!r}")
    dists, passes = [], []
    for m in members:
        res = run_pass(setup.spec, m.matrix, base_generator(entropy) if setup.spec.samples else None)
        passes.append(res)
        dists.append(
            summarise(
                setup, res, None, entropy, np.zeros((0, len(setup.fixed)), np.int64), np.zeros(0), list(setup.notes)
            )
        )
    allsc = [p.scenarios for p in passes]
    n = setup.compiled.n_descriptors
    union = np.unique(np.concatenate(allsc), axis=0) if sum(len(s) for s in allsc) else np.zeros((0, n), np.int64)
    membership = np.zeros((len(union), len(members)), dtype=bool)
    index = {tuple(s): i for i, s in enumerate(union.tolist())}
    for mi, sc in enumerate(allsc):
        for s in sc.tolist():
            membership[index[tuple(s)], mi] = True
    support = membership.astype(np.float64) @ w
    rows = np.stack([p.flat for p in passes])
    stated = run_pass(setup.spec, setup.compiled.matrix, base_generator(entropy) if setup.spec.samples else None)
    notes = list(setup.notes) + [
        f"weighted mixture of {len(members)} ensemble members; the band is the weighted 5–95 % range over members"
    ]
    mixture = summarise(setup, stated, rows, entropy, union, support, notes, weights=w)
    return EnsembleResult(tuple(members), w, tuple(dists), setup.compiled, union, membership, support, mixture)
