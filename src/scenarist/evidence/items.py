"""The evidence item schema (pydantic): what one entry of an evidence file holds.

An evidence item is one dated development with its source, its NATO Admiralty grade (source reliability A–F and
information credibility 1–6, graded separately), its status, an optional cluster, and exactly one **bearing** on a
model:

``likelihood``
    ``P(E | variant)`` for every variant of one descriptor (a likelihood vector λ): on an exogenous descriptor it
    updates the prior by Bayes' rule; on any other (not the outcome) it is virtual evidence, conditioned inside each
    exogenous combination (``docs/method.md`` §10).
``observation``
    an established fact that a descriptor the model's drivers produce holds a variant (seeing: conditions the model on
    ``d = v``; the model may then be contradicted).
``intervention``
    an established fact fixing a descriptor's variant from the item's date on (doing: a decision from outside the
    system, as ``--fix``).
``indicator``
    ``P(E | variant)`` for every variant of the model's outcome; a last Bayes step on the outcome distribution.
``outside``
    a development that falls outside every variant the model defines for a descriptor; reported, never forced onto
    a variant.

The schema checks each field's shape; :func:`check_evidence` checks what spans fields and, given a model, what the
bearings say about it. The format is documented field by field in ``docs/evidence.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..checks import check_date
from ..model import Citation, Model

#: Version tag written at the top of every evidence file.
FORMAT = "scenarist-evidence/1"

STATUSES: tuple[str, ...] = ("confirmed", "report", "claim", "leak")
Status = Literal["confirmed", "report", "claim", "leak"]
RELIABILITY: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
CREDIBILITY: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
BEARING_KINDS: tuple[str, ...] = ("likelihood", "observation", "intervention", "indicator", "outside")

#: The shape of every id in the evidence layer (evidence items, clusters, contradicted claims, forecasts).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
#: The rule in words, for messages.
ID_RULE = "letters, digits and . _ : - ; no spaces"
_ID = ID_PATTERN
#: Largest ratio between the likelihoods of one vector (the largest over the smallest). Only ratios matter (the
#: grade tempers ``L / max L``), and a ratio of 1000 already moves even odds to 99.9 %; a larger one, such as
#: ``5e-324`` beside ``1``, would rule a variant out all but certainly, which only an intervention (a confirmed
#: fact) may do. Values themselves lie in (0, 1].
MAX_LIKELIHOOD_RATIO = 1000


def _in_range(v: dt.date | None, name: str) -> dt.date | None:
    """Dates in evidence files lie in [EARLIEST_DATE, LATEST_DATE] (``scenarist.checks``)."""
    return v if v is None else check_date(v, name)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemSource(_Strict):
    """Where an item comes from: the outlet, its address (never invented), and the day we read it."""

    outlet: str
    address: str | None = None
    accessed: dt.date
    published: dt.date | None = None
    headline: str | None = None

    @field_validator("accessed", "published")
    @classmethod
    def _date_range(cls, v, info):
        return _in_range(v, info.field_name)


class Grade(_Strict):
    """NATO Admiralty grade: ``reliability`` of the source (A–F) and ``credibility`` of the information (1–6).

    Written either as a mapping ``{reliability: B, credibility: 2}`` or as the short form ``"B2"``.
    """

    reliability: Literal["A", "B", "C", "D", "E", "F"]
    credibility: Literal[1, 2, 3, 4, 5, 6]

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, v):
        if isinstance(v, str):
            s = v.strip().upper()
            if len(s) == 2 and s[0] in RELIABILITY and s[1].isdigit():
                return {"reliability": s[0], "credibility": int(s[1])}
            raise ValueError(f"grade {v!r} is not of the form B2 (reliability A–F, credibility 1–6)")
        return v

    def __str__(self) -> str:
        return f"{self.reliability}{self.credibility}"


def _check_vector(v: dict[str, float]) -> dict[str, float]:
    for name, x in v.items():
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or not (0.0 < x <= 1.0):
            raise ValueError(f"likelihood of {name!r} is {x!r}; each P(E | variant) must lie in (0, 1]")
    if not v:
        raise ValueError("empty likelihood vector")
    low = min(v, key=lambda k: v[k])
    high = max(v, key=lambda k: v[k])
    if v[high] > MAX_LIKELIHOOD_RATIO * v[low]:
        ratio = v[high] / v[low]
        ratio_text = f"{ratio:.3g}" if math.isfinite(ratio) else "over 1e308"
        raise ValueError(
            f"likelihoods range from {v[low]!r} ({low}) to {v[high]!r} ({high}), a ratio of {ratio_text}; "
            f"the largest may be at most {MAX_LIKELIHOOD_RATIO:,} times the smallest (a stronger item would act as "
            "an intervention: record an established fact as kind: intervention, status: confirmed)"
        )
    return {k: float(x) for k, x in v.items()}


class LikelihoodBearing(_Strict):
    """``P(E | variant)`` over every variant of one descriptor other than the outcome (values in (0, 1]; only ratios
    matter): a prior update on an exogenous descriptor, virtual evidence on any other."""

    kind: Literal["likelihood"]
    descriptor: str
    likelihoods: dict[str, float]
    rationale: str

    @field_validator("likelihoods")
    @classmethod
    def _vec(cls, v):
        return _check_vector(v)


class ObservationBearing(_Strict):
    """An established fact seen, not done: ``descriptor`` (not the outcome) holds ``variant`` from the item's date on.

    The model is conditioned on it: inside each exogenous combination only the consistent scenarios with it remain.
    """

    kind: Literal["observation"]
    descriptor: str
    variant: str
    rationale: str


class InterventionBearing(_Strict):
    """An established fact done from outside the system: ``descriptor`` (not the outcome) is fixed to ``variant``
    from the item's date on, as ``--fix`` does."""

    kind: Literal["intervention"]
    descriptor: str
    variant: str
    rationale: str


class IndicatorBearing(_Strict):
    """``P(E | variant)`` over every variant of the model's outcome; ``indicator`` may name a model indicator."""

    kind: Literal["indicator"]
    likelihoods: dict[str, float]
    rationale: str
    descriptor: str | None = None
    indicator: str | None = None

    @field_validator("likelihoods")
    @classmethod
    def _vec(cls, v):
        return _check_vector(v)


class OutsideBearing(_Strict):
    """A development outside every variant of ``descriptor``: ``what`` says what happened that no variant covers."""

    kind: Literal["outside"]
    descriptor: str
    what: str
    rationale: str | None = None


Bearing = Annotated[
    LikelihoodBearing | ObservationBearing | InterventionBearing | IndicatorBearing | OutsideBearing,
    Field(discriminator="kind"),
]


class EvidenceItem(_Strict):
    """One dated, sourced, graded development and its single bearing on the model.

    ``date`` is the day the development counts in the replay; ``period`` may give its span in words
    (``"2025-04-08 to 2025-04-21"``). ``summary`` is in our own words.
    """

    id: str
    date: dt.date
    title: str
    summary: str
    source: ItemSource
    grade: Grade
    status: Status
    bearing: Bearing
    cluster: str | None = None
    family: str | None = None
    period: str | None = None
    tags: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("id", "cluster", "family")
    @classmethod
    def _id_shape(cls, v):
        if v is not None and not _ID.match(v):
            raise ValueError(f"{v!r} is not a valid id ({ID_RULE})")
        return v

    @field_validator("date")
    @classmethod
    def _date_range(cls, v, info):
        return _in_range(v, info.field_name)

    @property
    def cluster_key(self) -> str:
        """The cluster this item counts in: its ``cluster`` or, when it has none, its own id."""
        return self.cluster if self.cluster is not None else f"item:{self.id}"

    @property
    def target(self) -> str | None:
        """The descriptor the bearing names (``None`` for an indicator that leaves it to the outcome)."""
        return getattr(self.bearing, "descriptor", None)


class ContradictedClaim(_Strict):
    """A factual claim of the analysed source that later evidence contradicts.

    ``claim`` and ``contradicted_by`` are in our own words; ``citation`` points into the model's sources (where the
    source makes the claim); ``evidence`` names evidence items; ``sources`` gives further outlets.
    """

    id: str
    claim: str
    contradicted_by: str
    verdict: Literal["contradicted", "partly-contradicted", "superseded"] = "contradicted"
    date: dt.date | None = None
    citation: Citation | None = None
    evidence: tuple[str, ...] = ()
    sources: tuple[ItemSource, ...] = ()
    note: str | None = None

    @field_validator("date")
    @classmethod
    def _date_range(cls, v, info):
        return _in_range(v, info.field_name)


class EvidenceFile(_Strict):
    """A whole evidence file: which model it was written for, its items, and the contradicted claims."""

    format: Literal["scenarist-evidence/1"] = FORMAT
    model: str | None = None
    title: str | None = None
    description: str | None = None
    items: tuple[EvidenceItem, ...] = ()
    contradicted_claims: tuple[ContradictedClaim, ...] = ()


Path = tuple


def check_evidence(ev: EvidenceFile, model: Model | None = None) -> list[tuple[Path, str]]:
    """Check what spans fields, and the bearings against ``model`` when given; return ``(path, message)`` pairs.

    Without a model: duplicate item or claim ids; the source read before the event; an intervention whose status
    is not ``confirmed``; cluster members that bear on different descriptors or mix the outcome with a descriptor;
    claims naming unknown items. With a model: the file's ``model`` equals ``metadata.id``; the descriptor exists;
    likelihood, observation and intervention bearings name a descriptor other than the outcome;
    likelihood vectors name every variant exactly once; indicator bearings cover the outcome's variants and name an
    existing indicator; claim citations name model sources.
    """
    problems: list[tuple[Path, str]] = []
    add = problems.append
    seen: dict[str, int] = {}
    cluster_target: dict[str, tuple[str, int]] = {}
    family_target: dict[str, tuple[str, int]] = {}
    for i, it in enumerate(ev.items):
        base = ("items", i)
        if it.id in seen:
            add((base + ("id",), f"duplicate item id {it.id!r} (first at items[{seen[it.id]}])"))
        seen.setdefault(it.id, i)
        if it.source.accessed < it.date:
            add(
                (
                    base + ("source", "accessed"),
                    f"source read on {it.source.accessed} before the event's date {it.date}",
                )
            )
        b = it.bearing
        if b.kind in ("intervention", "observation") and it.status != "confirmed":
            add(
                (
                    base + ("bearing", "kind"),
                    (
                        f"an {b.kind} must be an established fact (status confirmed, not {it.status}); "
                        f"record a {it.status} as a likelihood"
                    ),
                )
            )
        if it.family is not None and b.kind in ("likelihood", "indicator"):
            tgt = "<outcome>" if b.kind == "indicator" else b.descriptor
            first = family_target.setdefault(it.family, (tgt, i))
            if first[0] != tgt:
                add(
                    (
                        base + ("family",),
                        (
                            f"family {it.family!r} mixes likelihoods on {first[0]} (items[{first[1]}]) and {tgt}; "
                            "a family's items bear on one descriptor"
                        ),
                    )
                )
        if it.cluster is not None:
            tgt = "<outcome>" if b.kind == "indicator" else b.descriptor
            first = cluster_target.setdefault(it.cluster, (tgt, i))
            if first[0] != tgt:
                add(
                    (
                        base + ("cluster",),
                        (
                            f"cluster {it.cluster!r} mixes bearings on {first[0]} (items[{first[1]}]) and {tgt}; "
                            "one cluster reports one development"
                        ),
                    )
                )
    claim_ids: set[str] = set()
    for i, c in enumerate(ev.contradicted_claims):
        base = ("contradicted_claims", i)
        if c.id in claim_ids:
            add((base + ("id",), f"duplicate claim id {c.id!r}"))
        claim_ids.add(c.id)
        for k, ref in enumerate(c.evidence):
            if ref not in seen:
                add((base + ("evidence", k), f"unknown evidence item {ref!r}"))
    if model is not None:
        problems.extend(_check_against_model(ev, model))
    return problems


def _check_against_model(ev: EvidenceFile, model: Model) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    add = problems.append
    if ev.model is not None and ev.model != model.metadata.id:
        add((("model",), f"the file is written for model {ev.model!r}, not {model.metadata.id!r}"))
    descriptors = {d.id: d for d in model.descriptors}
    outcome = model.outcome
    indicators = {ind.id for ind in model.indicators}
    sources = {s.id for s in model.sources}

    def vector(path: Path, vec: dict[str, float], d) -> None:
        names = [v.id for v in d.variants]
        for name in vec:
            if name not in names:
                add((path + (name,), f"unknown variant {name!r} of descriptor {d.id!r} (known: {', '.join(names)})"))
        missing = [n for n in names if n not in vec]
        if missing:
            add((path, f"no likelihood for variant(s) {', '.join(missing)} of descriptor {d.id!r}"))

    for i, it in enumerate(ev.items):
        base = ("items", i, "bearing")
        b = it.bearing
        if b.kind == "indicator":
            if outcome is None:
                add((base + ("kind",), "the model has no outcome descriptor for an indicator to bear on"))
                continue
            if b.descriptor is not None and b.descriptor != outcome.id:
                add((base + ("descriptor",), f"an indicator bears on the outcome {outcome.id!r}, not {b.descriptor!r}"))
            if b.indicator is not None and b.indicator not in indicators:
                add((base + ("indicator",), f"unknown indicator {b.indicator!r}"))
            vector(base + ("likelihoods",), b.likelihoods, outcome)
            continue
        d = descriptors.get(b.descriptor)
        if d is None:
            add((base + ("descriptor",), f"unknown descriptor {b.descriptor!r} (known: {', '.join(descriptors)})"))
            continue
        if b.kind == "outside":
            continue
        if outcome is not None and d.id == outcome.id:
            add(
                (
                    base + ("descriptor",),
                    (
                        f"{d.id!r} is the outcome of model {model.metadata.id!r}: evidence on it is an indicator "
                        "(use kind: indicator)"
                    ),
                )
            )
            continue
        if b.kind == "likelihood":
            vector(base + ("likelihoods",), b.likelihoods, d)
        elif b.variant not in [v.id for v in d.variants]:
            add(
                (
                    base + ("variant",),
                    (
                        f"unknown variant {b.variant!r} of descriptor {d.id!r} "
                        f"(known: {', '.join(v.id for v in d.variants)})"
                    ),
                )
            )
    for i, c in enumerate(ev.contradicted_claims):
        if c.citation is not None and c.citation.source not in sources:
            add(
                (
                    ("contradicted_claims", i, "citation", "source"),
                    f"unknown source {c.citation.source!r} of model {model.metadata.id!r}",
                )
            )
    return problems
