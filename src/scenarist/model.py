"""The scenario model schema (pydantic): what a Scenarist YAML file holds.

A model is a CIB system (descriptors with variants, and judgments that fill the cross-impact matrix) plus what
makes it an analysis rather than a matrix: sources and citations for every judgment, actors, reference scenarios,
the source's own assessments mapped by a words-of-estimative-probability (WEP) table, and indicators.

The schema checks the shape of each field (types, unknown keys). :func:`check_model` then checks what spans
fields: ids exist and are unique, scores lie within ``scale``, exogenous descriptors receive no impact, and so on.
Both report problems as ``(path, message)`` pairs; :mod:`scenarist.io.yaml_model` turns paths into file lines.

The format is documented, field by field, in ``docs/model-format.md``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator

from . import checks

Role = Literal["catalyst", "constraint", "orientation", "context", "outcome", "baseline"]
ROLES: tuple[str, ...] = ("catalyst", "constraint", "orientation", "context", "outcome", "baseline")


# Numbers and flags are strict (StrictInt, StrictFloat, StrictBool): YAML's ``true`` is not the score 1, ``"3"`` and
# ``3.0`` are not the integer 3, ``1`` is not ``true``. A probability or weight may be written as an integer.


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class Scale(_Strict):
    """Allowed integer range of judgment scores, inclusive (default −3..+3)."""

    min: StrictInt = -3
    max: StrictInt = 3


class Metadata(_Strict):
    """Identity of the model and the rules its judgments follow.

    ``self_impacts`` only matters for models imported from ScenarioWizard: ``forbid`` (authored models: no judgment
    may stay within one descriptor), ``count`` (keep such judgments in the impact balances, as ScenarioWizard does)
    or ``ignore`` (drop them, as the method's definition does).
    """

    id: str
    title: str
    as_of: dt.date | None = None
    authors: list[str] = Field(default_factory=list)
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    provenance: Literal["required", "optional"] = "required"
    origin: str | None = None
    self_impacts: Literal["forbid", "count", "ignore"] = "forbid"


class Source(_Strict):
    """A work the model cites. ``address`` is optional: never invent one where the source gives none.

    ``endnote`` is the endnote number when the source entered the model through an article's endnote;
    ``note`` records anything odd (a garbled or short-form reference and how it was resolved).
    """

    id: str
    title: str
    author: str | None = None
    outlet: str | None = None
    date: str | None = None
    address: str | None = None
    accessed: str | None = None
    endnote: StrictInt | None = None
    endnotes: list[StrictInt] = Field(default_factory=list)
    note: str | None = None

    @field_validator("date", "accessed", mode="before")
    @classmethod
    def _date_to_text(cls, v):
        # YAML turns 2024-10-01 into a date; partial dates ("2024-10") stay text. Keep one type.
        return v.isoformat() if isinstance(v, dt.date) else v


class Citation(_Strict):
    """A pointer into a source: its id plus the section and/or endnote numbers that support a statement."""

    source: str
    section: str | None = None
    endnotes: list[StrictInt] = Field(default_factory=list)
    page: str | None = None
    note: str | None = None


class ActorLink(_Strict):
    """An actor's tie to a descriptor: it acts on it or holds a stake in it, optionally preferring one variant."""

    descriptor: str
    relation: Literal["acts_on", "stake"] = "acts_on"
    preferred_variant: str | None = None
    note: str | None = None


class Actor(_Strict):
    """A party to the analysis (a government, a faction, a state) and the descriptors it bears on."""

    id: str
    name: str
    description: str | None = None
    links: list[ActorLink] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class Condition(_Strict):
    """One test of a classification rule over a scenario's variants (``docs/model-format.md``, "Outcome rules").

    Exactly one form is given: ``descriptor`` with ``in`` (the scenario holds one of these variants of that
    descriptor), ``all`` (every listed condition holds), ``any`` (at least one holds) or ``not`` (the condition does
    not hold). Conditions nest to any depth the YAML reader allows.
    """

    descriptor: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")


class Rule(Condition):
    """The classification rule of an outcome variant: its observable definition made executable, as a
    :class:`Condition` over the other descriptors' variants, with the reasoning (``rationale``) and sources.

    Rules are tried in the order the variants are written; the first that holds labels the scenario
    (:mod:`scenarist.classification`).
    """

    rationale: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class Variant(_Strict):
    """One mutually exclusive state of a descriptor. Outcome variants also carry an observable definition and
    a horizon, so that a forecast on them can be resolved, and may carry a classification ``rule`` (that
    definition made executable over the other descriptors)."""

    id: str
    name: str
    description: str | None = None
    observable: str | None = None
    horizon: str | None = None
    rule: Rule | None = None

    @field_validator("horizon", mode="before")
    @classmethod
    def _date_to_text(cls, v):
        return v.isoformat() if isinstance(v, dt.date) else v


class Prior(_Strict):
    """Prior probabilities over an exogenous descriptor's variants (they must sum to 1 within 1e-6).

    ``uniform`` states that the source gives no ground to prefer a variant (then the probabilities are equal).
    """

    probabilities: dict[str, StrictFloat]
    rationale: str
    citations: list[Citation] = Field(default_factory=list)
    uniform: StrictBool = False


class Descriptor(_Strict):
    """A factor of the system with two or more variants.

    ``role`` follows the source's structure (catalyst, constraint, orientation, context, outcome, baseline).
    ``exogenous: true`` means nothing in the model impacts it (its column block is all zero); it is then left out
    of the consistency test like an intervention and may carry a ``prior``.
    """

    id: str
    name: str
    description: str | None = None
    role: Role = "context"
    exogenous: StrictBool = False
    variants: list[Variant]
    prior: Prior | None = None
    note: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class Judgment(_Strict):
    """One cell of the cross-impact matrix: variant ``from`` impacts variant ``to`` with integer ``score``.

    ``from`` and ``to`` are written ``descriptor.variant``. An absent judgment means "no impact" (0).
    ``spread`` (an integer ≥ 0 in score units) or ``confidence`` (1–5) says how contestable the score is;
    ``section`` groups judgments for correlated draws.
    """

    from_: str = Field(alias="from")
    to: str
    score: StrictInt
    spread: StrictInt | None = None
    confidence: StrictInt | None = None
    section: str | None = None
    rationale: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class ReferenceScenario(_Strict):
    """A named full scenario shown beside the computed ones (e.g. a historical baseline)."""

    id: str
    name: str
    description: str | None = None
    variants: dict[str, str]
    citations: list[Citation] = Field(default_factory=list)


class WepTerm(_Strict):
    """One verbal probability term and the probability range [low, high] it stands for."""

    term: str
    low: StrictFloat
    high: StrictFloat


class WepTable(_Strict):
    """A documented words-of-estimative-probability table (e.g. after ICD 203 or Kent 1964)."""

    name: str
    description: str | None = None
    citations: list[Citation] = Field(default_factory=list)
    terms: list[WepTerm]


class VariantAssessment(_Strict):
    """What the source itself judged about one outcome variant, in its own verbal term."""

    variant: str
    term: str
    statement: str
    citations: list[Citation] = Field(default_factory=list)


class JointAssessment(_Strict):
    """A judgment of the source about several outcome variants together (e.g. "between B and C")."""

    variants: list[str]
    statement: str
    term: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class Assessments(_Strict):
    """The source's own verdict as data, mapped to probabilities by ``wep``."""

    outcome: str
    wep: WepTable
    variants: list[VariantAssessment] = Field(default_factory=list)
    joint: list[JointAssessment] = Field(default_factory=list)


class Indicator(_Strict):
    """An observable signpost tied to one variant (``descriptor.variant``); ``direction`` says whether seeing
    it supports or undermines that variant; ``kind`` is free text such as ``condition`` or ``exit-condition``."""

    id: str
    name: str
    description: str | None = None
    variant: str
    direction: Literal["supports", "undermines"] = "supports"
    kind: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class EnsembleMember(_Strict):
    """One member of an ensemble: another reading of the same structure's judgments (an expert, a variant of the
    analysis), with a weight > 0.

    ``file`` names a model file with the same descriptors and variants (a path relative to this model's file);
    its judgments are the member's matrix. Otherwise ``judgments`` give scores that replace this model's on the
    cells they name (cells not named keep this model's score), so an empty list is the model as stated.
    """

    id: str
    name: str | None = None
    weight: StrictFloat = 1.0
    file: str | None = None
    judgments: list[Judgment] = Field(default_factory=list)
    description: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class EvidenceFamily(_Strict):
    """Evidence items that observe one underlying development or hypothesis (``docs/evidence.md`` §3).

    Within a family the items' tempered log-likelihood ratios combine as the strongest item plus ``rho`` times the
    others (``rho`` in [0, 1]; 0: the family counts as its strongest item alone, 1: as independent items).
    """

    id: str
    rho: StrictFloat | StrictInt = 0.0
    description: str | None = None
    citations: list[Citation] = Field(default_factory=list)


class Model(_Strict):
    """A whole Scenarist model. Descriptor order in the file is the matrix order."""

    metadata: Metadata
    sources: list[Source] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    descriptors: list[Descriptor]
    judgments: list[Judgment] = Field(default_factory=list)
    reference_scenarios: list[ReferenceScenario] = Field(default_factory=list)
    assessments: Assessments | None = None
    indicators: list[Indicator] = Field(default_factory=list)
    ensemble: list[EnsembleMember] = Field(default_factory=list)
    evidence_families: list[EvidenceFamily] = Field(default_factory=list)

    # -- conveniences (no validation here; check_model has run before anyone calls these) --
    def descriptor(self, descriptor_id: str) -> Descriptor:
        """The descriptor with this id. Raises ``KeyError`` when absent."""
        for d in self.descriptors:
            if d.id == descriptor_id:
                return d
        raise KeyError(descriptor_id)

    @property
    def outcome(self) -> Descriptor | None:
        """The outcome descriptor: the one named by ``assessments.outcome``, else the first with role outcome."""
        if self.assessments is not None:
            try:
                return self.descriptor(self.assessments.outcome)
            except KeyError:
                pass
        return next((d for d in self.descriptors if d.role == "outcome"), None)


Path = tuple  # a location inside the document, e.g. ("judgments", 3, "score")


def split_ref(ref: str) -> tuple[str, str] | None:
    """Split ``"descriptor.variant"`` into its two ids; ``None`` when there is no dot."""
    if "." not in ref:
        return None
    d, v = ref.split(".", 1)
    return d, v


def check_model(model: Model) -> list[tuple[Path, str]]:
    """Check everything that spans fields; return all problems as ``(path, message)`` pairs (empty when valid).

    Checks: duplicate ids (sources, actors, descriptors, variants within a descriptor, indicators, reference
    scenarios, judgments on one cell); fewer than two variants; unknown descriptor, variant or source ids;
    scores outside ``metadata.scale``; a judgment within one descriptor (unless ``self_impacts`` allows it);
    an impact on an exogenous descriptor; missing rationale or citation under ``provenance: required``;
    priors that name unknown variants, miss some, or do not sum to 1; WEP terms that are unknown or malformed;
    ensemble members (unique ids, weight in 10^-6..10^6, file or judgments, judgments on valid cells within the
    scale); outcome variants' classification rules (on an outcome descriptor only, one form per condition, known
    descriptors and variants other than the rule's own descriptor, cited under ``provenance: required``); an empty
    ``metadata.id``; dates outside 1900-01-01..2100-12-31.

    Numeric bounds (derived in ``docs/model-format.md``, "Bounds"; constants in :mod:`scenarist.checks`):

    - ``metadata.scale``: min < max, both within ±:data:`~scenarist.checks.MAX_SCORE` (10^6), and
      ``n_descriptors × span ≤ 2^31 − 1`` with span = ``max(scale.max, 0) − min(scale.min, 0)``, so that every
      impact balance, bound-table entry and inconsistency fits the int32 arrays of the search and basins kernels;
    - ``spread``: 0 ≤ spread ≤ min(scale.max − scale.min, :data:`~scenarist.checks.MAX_SPREAD`);
    - at most :data:`MAX_VARIANTS` variants in all (the matrix is V × V).
    """
    problems: list[tuple[Path, str]] = []
    add = problems.append
    meta = model.metadata
    if not meta.id.strip():
        add((("metadata", "id"), "must not be empty (it names the model in forecasts and reports)"))
    scale_ok = True
    for end in ("min", "max"):
        value = getattr(meta.scale, end)
        if abs(value) > checks.MAX_SCORE:
            scale_ok = False
            add(
                (
                    ("metadata", "scale", end),
                    f"{value:,} is outside ±{checks.MAX_SCORE:,} (the bound of every judgment score)",
                )
            )
    if meta.scale.min >= meta.scale.max:
        scale_ok = False
        add((("metadata", "scale"), f"min ({meta.scale.min}) must be below max ({meta.scale.max})"))
    n_descriptors = len(model.descriptors)
    reach = checks.max_inconsistency_bound(n_descriptors, meta.scale.min, meta.scale.max)
    if scale_ok and reach > checks.MAX_BALANCE:
        span = checks.scale_span(meta.scale.min, meta.scale.max)
        add(
            (
                ("metadata", "scale"),
                (
                    f"{n_descriptors} descriptors × span {span:,} = {reach:,} exceeds 2^31 − 1: impact balances would "
                    f"overflow the 32-bit integers of the search; narrow the scale to at most "
                    f"{checks.MAX_BALANCE // max(n_descriptors, 1):,} wide (0 included)"
                ),
            )
        )
    n_variants = sum(len(d.variants) for d in model.descriptors)
    if n_variants > MAX_VARIANTS:
        add(
            (
                ("descriptors",),
                (
                    f"{n_variants:,} variants in all; at most {MAX_VARIANTS:,} (the cross-impact matrix is "
                    "variants × variants)"
                ),
            )
        )
    max_spread = min(meta.scale.max - meta.scale.min, checks.MAX_SPREAD) if scale_ok else checks.MAX_SPREAD
    if meta.as_of is not None:
        problems.extend(_check_date(meta.as_of.isoformat(), ("metadata", "as_of")))
    for i, src in enumerate(model.sources):
        for key in ("date", "accessed"):
            problems.extend(_check_date(getattr(src, key), ("sources", i, key)))
    for i, d in enumerate(model.descriptors):
        for j, v in enumerate(d.variants):
            problems.extend(_check_date(v.horizon, ("descriptors", i, "variants", j, "horizon")))

    def dupes(items, key: str, where: str):
        seen: set[str] = set()
        for i, item in enumerate(items):
            v = getattr(item, key)
            if v in seen:
                add(((where, i, key), f"duplicate id {v!r}"))
            seen.add(v)
        return seen

    source_ids = dupes(model.sources, "id", "sources")
    dupes(model.actors, "id", "actors")
    dupes(model.indicators, "id", "indicators")
    dupes(model.reference_scenarios, "id", "reference_scenarios")
    dupes(model.descriptors, "id", "descriptors")

    variants: dict[str, set[str]] = {}
    for i, d in enumerate(model.descriptors):
        if len(d.variants) < 2:
            add(
                (
                    ("descriptors", i, "variants"),
                    f"descriptor {d.id!r} has {len(d.variants)} variant(s); it needs at least 2",
                )
            )
        seen: set[str] = set()
        for j, v in enumerate(d.variants):
            if v.id in seen:
                add((("descriptors", i, "variants", j, "id"), f"duplicate variant id {v.id!r} in descriptor {d.id!r}"))
            seen.add(v.id)
        variants.setdefault(d.id, seen)
        if d.prior is not None:
            p = d.prior
            if not d.exogenous:
                add(
                    (
                        ("descriptors", i, "prior"),
                        f"descriptor {d.id!r} is not exogenous; only exogenous descriptors carry priors",
                    )
                )
            for name, prob in p.probabilities.items():
                if name not in seen:
                    add(
                        (
                            ("descriptors", i, "prior", "probabilities", name),
                            f"unknown variant {name!r} of descriptor {d.id!r}",
                        )
                    )
                if not (0.0 <= prob <= 1.0):
                    add((("descriptors", i, "prior", "probabilities", name), f"probability {prob} is outside [0, 1]"))
            missing = [v for v in seen if v not in p.probabilities]
            if missing:
                add(
                    (
                        ("descriptors", i, "prior", "probabilities"),
                        f"no probability for variant(s) {', '.join(sorted(missing))}",
                    )
                )
            total = sum(p.probabilities.values())
            if abs(total - 1.0) > 1e-6:
                add((("descriptors", i, "prior", "probabilities"), f"probabilities sum to {total:.6g}, not 1"))
            problems.extend(_check_citations(p.citations, source_ids, ("descriptors", i, "prior")))

    def check_ref(ref: str, path: Path) -> tuple[str, str] | None:
        parts = split_ref(ref)
        if parts is None:
            add((path, f"{ref!r} is not of the form descriptor.variant"))
            return None
        d, v = parts
        if d not in variants:
            add((path, f"unknown descriptor {d!r}"))
            return None
        if v not in variants[d]:
            add((path, f"unknown variant {v!r} of descriptor {d!r}"))
            return None
        return parts

    exogenous = {d.id for d in model.descriptors if d.exogenous}
    cells: set[tuple[str, str]] = set()
    for k, j in enumerate(model.judgments):
        base = ("judgments", k)
        src = check_ref(j.from_, base + ("from",))
        dst = check_ref(j.to, base + ("to",))
        if scale_ok and not (meta.scale.min <= j.score <= meta.scale.max):  # a broken scale is reported once
            add((base + ("score",), f"score {j.score} is outside the scale {meta.scale.min}..{meta.scale.max}"))
        if j.spread is not None and not 0 <= j.spread <= max_spread:
            add((base + ("spread",), _spread_message(j.spread, max_spread)))
        if j.confidence is not None and not (1 <= j.confidence <= 5):
            add((base + ("confidence",), f"confidence {j.confidence} must be 1..5"))
        if j.spread is not None and j.confidence is not None:
            add((base + ("confidence",), "give spread or confidence, not both"))
        if src and dst:
            if src[0] == dst[0] and meta.self_impacts == "forbid":
                add(
                    (base + ("to",), f"judgment within one descriptor ({src[0]!r}); the method leaves these blocks out")
                )
            if dst[0] in exogenous and src[0] != dst[0]:
                add((base + ("to",), f"descriptor {dst[0]!r} is exogenous: nothing in the model may impact it"))
            if (j.from_, j.to) in cells:
                add((base, f"duplicate judgment {j.from_} -> {j.to}"))
            cells.add((j.from_, j.to))
        if meta.provenance == "required":
            if not (j.rationale and j.rationale.strip()):
                add((base + ("rationale",), "missing rationale (provenance: required)"))
            if not j.citations:
                add((base + ("citations",), "missing citation (provenance: required)"))
        problems.extend(_check_citations(j.citations, source_ids, base))

    for i, a in enumerate(model.actors):
        for k, link in enumerate(a.links):
            path = ("actors", i, "links", k)
            if link.descriptor not in variants:
                add((path + ("descriptor",), f"unknown descriptor {link.descriptor!r}"))
            elif link.preferred_variant is not None and link.preferred_variant not in variants[link.descriptor]:
                add(
                    (
                        path + ("preferred_variant",),
                        f"unknown variant {link.preferred_variant!r} of descriptor {link.descriptor!r}",
                    )
                )
        problems.extend(_check_citations(a.citations, source_ids, ("actors", i)))

    for i, r in enumerate(model.reference_scenarios):
        for d, v in r.variants.items():
            path = ("reference_scenarios", i, "variants", d)
            if d not in variants:
                add((path, f"unknown descriptor {d!r}"))
            elif v not in variants[d]:
                add((path, f"unknown variant {v!r} of descriptor {d!r}"))
        missing = [d.id for d in model.descriptors if d.id not in r.variants]
        if missing:
            add((("reference_scenarios", i, "variants"), f"no variant given for descriptor(s) {', '.join(missing)}"))
        problems.extend(_check_citations(r.citations, source_ids, ("reference_scenarios", i)))

    for i, ind in enumerate(model.indicators):
        check_ref(ind.variant, ("indicators", i, "variant"))
        problems.extend(_check_citations(ind.citations, source_ids, ("indicators", i)))

    dupes(model.evidence_families, "id", "evidence_families")
    for i, fam in enumerate(model.evidence_families):
        if not (0.0 <= float(fam.rho) <= 1.0):  # NaN fails too
            add((("evidence_families", i, "rho"), f"rho must lie in [0, 1], got {fam.rho}"))
        problems.extend(_check_citations(fam.citations, source_ids, ("evidence_families", i)))

    dupes(model.ensemble, "id", "ensemble")
    for i, member in enumerate(model.ensemble):
        base = ("ensemble", i)
        if not checks.MIN_WEIGHT <= member.weight <= checks.MAX_WEIGHT:  # NaN fails too
            add(
                (
                    base + ("weight",),
                    (
                        f"weight {member.weight:g} must lie in {checks.MIN_WEIGHT:g}..{checks.MAX_WEIGHT:g} "
                        "(weights are relative: they are normalised to sum 1)"
                    ),
                )
            )
        if member.file is not None and member.judgments:
            add((base + ("judgments",), "give file or judgments, not both"))
        for k, j in enumerate(member.judgments):
            src = check_ref(j.from_, base + ("judgments", k, "from"))
            dst = check_ref(j.to, base + ("judgments", k, "to"))
            if scale_ok and not (meta.scale.min <= j.score <= meta.scale.max):
                add(
                    (
                        base + ("judgments", k, "score"),
                        f"score {j.score} is outside the scale {meta.scale.min}..{meta.scale.max}",
                    )
                )
            if j.spread is not None and not 0 <= j.spread <= max_spread:
                add((base + ("judgments", k, "spread"), _spread_message(j.spread, max_spread)))
            if j.confidence is not None and not (1 <= j.confidence <= 5):
                add((base + ("judgments", k, "confidence"), f"confidence {j.confidence} must be 1..5"))
            if src and dst and dst[0] in exogenous and src[0] != dst[0]:
                add(
                    (
                        base + ("judgments", k, "to"),
                        f"descriptor {dst[0]!r} is exogenous: nothing in the model may impact it",
                    )
                )
            if src and dst and src[0] == dst[0] and meta.self_impacts == "forbid":
                add(
                    (
                        base + ("judgments", k, "to"),
                        f"judgment within one descriptor ({src[0]!r}); the method leaves these blocks out",
                    )
                )
        problems.extend(_check_citations(member.citations, source_ids, base))

    problems.extend(_check_rules(model, variants, source_ids))

    if model.assessments is not None:
        a = model.assessments
        terms = {t.term for t in a.wep.terms}
        for k, t in enumerate(a.wep.terms):
            if not (0.0 <= t.low <= t.high <= 1.0):
                add((("assessments", "wep", "terms", k), f"range [{t.low}, {t.high}] must satisfy 0 ≤ low ≤ high ≤ 1"))
        if a.outcome not in variants:
            add((("assessments", "outcome"), f"unknown descriptor {a.outcome!r}"))
        else:
            for k, va in enumerate(a.variants):
                if va.variant not in variants[a.outcome]:
                    add(
                        (
                            ("assessments", "variants", k, "variant"),
                            f"unknown variant {va.variant!r} of descriptor {a.outcome!r}",
                        )
                    )
                if va.term not in terms:
                    add((("assessments", "variants", k, "term"), f"term {va.term!r} is not in the WEP table"))
                problems.extend(_check_citations(va.citations, source_ids, ("assessments", "variants", k)))
            for k, ja in enumerate(a.joint):
                for v in ja.variants:
                    if v not in variants[a.outcome]:
                        add(
                            (
                                ("assessments", "joint", k, "variants"),
                                f"unknown variant {v!r} of descriptor {a.outcome!r}",
                            )
                        )
                if ja.term is not None and ja.term not in terms:
                    add((("assessments", "joint", k, "term"), f"term {ja.term!r} is not in the WEP table"))
                problems.extend(_check_citations(ja.citations, source_ids, ("assessments", "joint", k)))
    return problems


#: Most variants a model may have in all: the cross-impact matrix is V × V (4,096² int64 cells are 128 MiB, and the
#: search keeps two int32 copies beside it). Real CIB models have a few dozen to a few hundred.
MAX_VARIANTS = 4_096

_DATE_TEXT = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _spread_message(spread: int, max_spread: int) -> str:
    return (
        f"spread {spread:,} must be 0..{max_spread:,} (at most the scale's width, beyond which draws only pile up "
        f"at its ends, and at most {checks.MAX_SPREAD:,}: a spread takes 2·spread + 1 table entries per judgment)"
    )


def _check_date(text: str | None, path: Path) -> list[tuple[Path, str]]:
    """A date written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` outside [EARLIEST_DATE, LATEST_DATE] (free text that
    is not such a date is left alone)."""
    if not text:
        return []
    m = _DATE_TEXT.fullmatch(text.strip())
    if m is None:
        return []
    year = int(m.group(1))
    if not int(checks.EARLIEST_DATE[:4]) <= year <= int(checks.LATEST_DATE[:4]):
        return [(path, f"date {text.strip()} is outside {checks.EARLIEST_DATE} … {checks.LATEST_DATE}")]
    return []


def _check_rules(model: Model, variants: dict[str, set[str]], source_ids: set[str]) -> list[tuple[Path, str]]:
    """Problems of the outcome variants' classification rules: a rule outside an outcome descriptor, a condition
    with no form or several, unknown descriptors or variants, a test of the rule's own descriptor, empty lists,
    and (under ``provenance: required``) a rule without citation."""
    problems: list[tuple[Path, str]] = []
    outcomes = {d.id for d in model.descriptors if d.role == "outcome"}
    if model.assessments is not None:
        outcomes.add(model.assessments.outcome)
    for i, d in enumerate(model.descriptors):
        for j, v in enumerate(d.variants):
            if v.rule is None:
                continue
            base = ("descriptors", i, "variants", j, "rule")
            if d.id not in outcomes:
                problems.append((base, f"only outcome variants carry a rule; descriptor {d.id!r} has role {d.role!r}"))
            _check_condition(v.rule, base, d.id, variants, problems)
            if model.metadata.provenance == "required" and not v.rule.citations:
                problems.append((base + ("citations",), "missing citation (provenance: required)"))
            problems.extend(_check_citations(v.rule.citations, source_ids, base))
    return problems


def _check_condition(
    node: Condition, path: Path, own: str, variants: dict[str, set[str]], problems: list[tuple[Path, str]]
) -> None:
    """Check one condition of a rule (and those nested in it), appending ``(path, message)`` problems."""
    forms = [
        name
        for name, given in (
            ("descriptor/in", node.descriptor is not None or node.in_ is not None),
            ("all", node.all is not None),
            ("any", node.any is not None),
            ("not", node.not_ is not None),
        )
        if given
    ]
    if len(forms) != 1:
        got = "none" if not forms else ", ".join(forms)
        problems.append((path, f"a condition takes exactly one of descriptor with in, all, any or not (got {got})"))
    if node.descriptor is not None or node.in_ is not None:
        if node.descriptor is None:
            problems.append((path + ("in",), "in: needs descriptor: beside it (whose variants are listed?)"))
        elif node.in_ is None:
            problems.append((path + ("descriptor",), "descriptor: needs in: [variants] beside it"))
        elif node.descriptor == own:
            problems.append(
                (
                    path + ("descriptor",),
                    f"a rule may not test its own descriptor {own!r}: it classifies by the other descriptors",
                )
            )
        elif node.descriptor not in variants:
            problems.append((path + ("descriptor",), f"unknown descriptor {node.descriptor!r}"))
        else:
            if not node.in_:
                problems.append((path + ("in",), "must name at least one variant"))
            for k, name in enumerate(node.in_):
                if name not in variants[node.descriptor]:
                    problems.append((path + ("in", k), f"unknown variant {name!r} of descriptor {node.descriptor!r}"))
    for key, items in (("all", node.all), ("any", node.any)):
        if items is None:
            continue
        if not items:
            problems.append((path + (key,), f"{key}: must list at least one condition"))
        for k, child in enumerate(items):
            _check_condition(child, path + (key, k), own, variants, problems)
    if node.not_ is not None:
        _check_condition(node.not_, path + ("not",), own, variants, problems)


def _check_citations(citations: list[Citation], source_ids: set[str], base: Path) -> list[tuple[Path, str]]:
    return [
        (base + ("citations", k, "source"), f"unknown source {c.source!r}")
        for k, c in enumerate(citations)
        if c.source not in source_ids
    ]
