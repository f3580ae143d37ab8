"""What a user does with the forecast ledger, one function each, given a store by URL: record a forecast (from
stated probabilities, the model's distribution or the source's own words), list the ledger, resolve a forecast and
score the resolved ones. The ``scenarist forecast`` commands call these and only present the results.

``db`` is a SQLAlchemy URL or a SQLite file path; ``None`` means ``$SCENARIST_DB``, else ``./scenarist.db``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import OptionError
from ..results import Result
from .chain import ChainCheck
from .scoring import Forecast, Scores


def scenarist_version() -> str:
    """The installed Scenarist's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scenarist")
    except PackageNotFoundError:  # pragma: no cover - a source tree without installation
        return "unknown"


def git_commit() -> str | None:
    """The git commit of the source tree Scenarist runs from, when it runs from a checkout (else None)."""
    import subprocess
    from pathlib import Path

    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    return text if out.returncode == 0 and len(text) == 40 else None


@dataclass(frozen=True, repr=False)
class Recorded(Result):
    """A forecast handed to the ledger, and whether it was new (``added``) or already there, identical."""

    forecast: Forecast
    added: bool

    def _summary(self) -> dict:
        return {"id": self.forecast.id, "forecaster": self.forecast.forecaster, "added": self.added}

    def to_dict(self) -> dict:
        """What ``scenarist forecast record --json`` prints: the forecast's fields and ``added``."""
        return {**self.forecast.to_dict(), "added": self.added}

    def to_frame(self):
        """pandas DataFrame: one row per variant with its probability."""
        import pandas as pd

        return pd.DataFrame({"variant": list(self.forecast.variants), "probability": list(self.forecast.probabilities)})


def record(
    forecast_id: str,
    criteria: str,
    horizon: dt.date,
    model: Any = None,
    *,
    probabilities: Mapping[str, float] | None = None,
    from_model: bool = False,
    from_assessments: bool = False,
    made_on: dt.date | None = None,
    forecaster: str | None = None,
    note: str | None = None,
    draws: int = 500,
    seed: int | None = 0,
    self_impacts: str | None = None,
    db: str | None = None,
    progress: Callable[[float, str], None] | None = None,
    descriptor: str | None = None,
    evidence: str | None = None,
    retrodiction: str | None = None,
) -> Recorded:
    """Record a forecast over the model's outcome in the ledger.

    Give exactly one source of probabilities: ``probabilities`` (variant → probability, summing to 1; the
    forecaster defaults to ``analyst``), ``from_model`` (the model's outcome distribution conditional on some
    consistent scenario, from ``draws`` judgment draws with ``seed``; ``model``) or ``from_assessments`` (the
    source's own verbal assessments mapped by the model's WEP table; ``article``). ``made_on`` defaults to the
    model's as-of date. ``descriptor`` makes the question another descriptor's variants (default: the outcome).
    ``evidence`` (a file or packaged evidence name, with ``from_model``) first updates the model with the items dated
    after its as-of date up to ``made_on``, as ``scenarist track`` does. ``retrodiction`` labels a forecast made
    after the events it will be scored on, with the reason. Every forecast records its provenance: the Scenarist
    version (and git commit when known), the model's digest (:func:`scenarist.workspace.version_id`) and the method
    settings.

    Raises
    ------
    OptionError
        Not exactly one source; a model without an outcome descriptor (the message says how to mark one); draws
        out of range; no date; a date or horizon outside ``checks.EARLIEST_DATE``..``LATEST_DATE``; probabilities
        outside [0, 1] or not summing to 1; a horizon before the date; an id that is not valid.
    UnknownNameError
        A variant the outcome does not have.
    StoreError
        The id is already recorded with other content; the store cannot be opened or is damaged. The store is
        created if it does not exist.
    """
    from ..checks import check_draws
    from ..evidence import EvidenceStore
    from ..loading import load
    from ..workspace import version_id
    from .ledger import record_forecast
    from .scoring import assessment_probabilities, make_forecast, no_outcome_message

    if sum([bool(probabilities), from_model, from_assessments]) != 1:
        raise OptionError("give exactly one of --p, --from-model, --from-assessments")
    if evidence is not None and not from_model:
        raise OptionError("--evidence updates the model's distribution: it goes with --from-model")
    check_draws(draws, "--draws")
    m = load(model, self_impacts=self_impacts)
    if m.outcome is None and descriptor is None:  # before any source, so that no other option's wording shows
        raise OptionError(no_outcome_message(m))
    question = descriptor or m.outcome.id
    day = made_on or m.metadata.as_of
    if day is None:
        raise OptionError("--date is needed: the model states no as-of date")
    method: dict[str, Any]
    if from_model:
        from ..probability import outcome_distribution

        priors, fixed, method = None, None, {"source": "model", "draws": draws, "seed": seed, "credit": "variants"}
        if self_impacts is not None:
            method["self_impacts"] = self_impacts
        if evidence is not None:
            from ..evidence import load_evidence
            from ..evidence.bayes import evidence_state

            ev = load_evidence(evidence, m)
            after = [i for i in ev.items if m.metadata.as_of is None or i.date > m.metadata.as_of]
            st = evidence_state(m, after, until=day)
            priors, fixed = st.priors, st.fixed
            used = sorted(i.id for i in after if i.date <= day)
            method["evidence"] = {
                "file": str(evidence),
                "until": day.isoformat(),
                "items": len(used),
                "digest": hashlib.sha256("\n".join(used).encode()).hexdigest(),
            }
        d = outcome_distribution(
            m, priors=priors, fixed=fixed, draws=draws, seed=seed, outcome=question, progress=progress
        )
        mg = d.marginal(question)
        probs: Mapping[str, float] = {v: float(p) for v, p in zip(mg.variant_ids, mg.conditional)}
        who = "model"
    elif from_assessments:
        if descriptor is not None and m.outcome is not None and descriptor != m.outcome.id:
            raise OptionError("--from-assessments gives the source's verdict on the outcome only, not on --descriptor")
        probs, who, method = assessment_probabilities(m), "article", {"source": "assessments", "wep": "midpoints"}
    else:
        probs, who, method = dict(probabilities or {}), "analyst", {"source": "stated"}
    provenance = {
        "scenarist": scenarist_version(),
        "commit": git_commit(),
        "model_digest": version_id(m),
        "method": method,
    }
    f = make_forecast(
        forecast_id,
        m,
        probs,
        day,
        horizon,
        criteria,
        forecaster or who,
        note,
        descriptor=descriptor,
        retrodiction=retrodiction,
        provenance=provenance,
    )
    with EvidenceStore(db) as store:
        added = record_forecast(store, f)
    return Recorded(f, added)


@dataclass(frozen=True, repr=False)
class Ledger(Result):
    """The forecasts of the ledger (optionally those of one model or forecaster), with their resolutions."""

    forecasts: tuple[Forecast, ...]

    def _summary(self) -> dict:
        return {
            "forecasts": len(self.forecasts),
            "resolved": sum(1 for f in self.forecasts if f.resolution is not None),
        }

    def to_dict(self) -> dict:
        """What ``scenarist forecast list --json`` prints: ``{"forecasts": [forecast, ...]}``."""
        return {"forecasts": [f.to_dict() for f in self.forecasts]}

    def to_frame(self):
        """pandas DataFrame, one row per forecast: id, forecaster, dates, outcome when resolved."""
        import pandas as pd

        rows = [
            {
                "id": f.id,
                "forecaster": f.forecaster,
                "made_on": f.made_on,
                "horizon": f.horizon,
                "outcome": None if f.resolution is None else f.resolution.outcome,
            }
            for f in self.forecasts
        ]
        return pd.DataFrame(rows, columns=["id", "forecaster", "made_on", "horizon", "outcome"])


def list_ledger(db: str | None = None, model_id: str | None = None, forecaster: str | None = None) -> Ledger:
    """The ledger's forecasts, filtered by model id and forecaster.

    Raises
    ------
    UnknownNameError
        A model id or forecaster the ledger does not hold (the message lists those it does).
    StoreError
        No such store (nothing is created), not a store, or a damaged one (the message names the table or row).
    """
    from ..evidence import EvidenceStore
    from .ledger import check_ledger_filter, list_forecasts

    with EvidenceStore(db, create=False) as store:
        check_ledger_filter(store, model_id, forecaster)
        return Ledger(tuple(list_forecasts(store, model_id, forecaster)))


def resolve(
    forecast_id: str,
    outcome: str | None,
    resolved_on: dt.date,
    evidence: Sequence[str] = (),
    note: str | None = None,
    replace: bool = False,
    db: str | None = None,
    *,
    state: str = "resolved",
    resolver: str | None = None,
    source: str | None = None,
) -> Forecast:
    """Record what happened to a forecast (the variant, the day it was judged, the evidence items showing it).

    Resolving before the horizon is allowed (the faces warn). Returns the forecast with its resolution.

    Raises
    ------
    UnknownNameError
        No such forecast, variant or evidence item.
    OptionError
        A date outside ``checks.EARLIEST_DATE``..``LATEST_DATE`` or before the forecast's.
    StoreError
        Already resolved differently (without ``replace``); no such store (nothing is created); a damaged one.
    """
    from ..evidence import EvidenceStore
    from .ledger import resolve_forecast

    with EvidenceStore(db, create=False) as store:
        return resolve_forecast(
            store,
            forecast_id,
            outcome,
            resolved_on,
            list(evidence),
            note,
            replace,
            state=state,
            resolver=resolver,
            source=source,
        )


def unresolve(
    forecast_id: str, reason: str, on: dt.date | None = None, resolver: str | None = None, db: str | None = None
) -> Forecast:
    """Open a resolved forecast again (an appended un-resolution record; the resolution stays in the chain)."""
    from ..evidence import EvidenceStore
    from .ledger import unresolve_forecast

    with EvidenceStore(db, create=False) as store:
        return unresolve_forecast(store, forecast_id, reason, on, resolver)


def verify(db: str | None = None, expected_head: str | None = None) -> ChainCheck:
    """Check the ledger's hash chain and print-ready head hash (:func:`scenarist.forecasts.chain.verify`)."""
    from ..evidence import EvidenceStore
    from .chain import verify as _verify

    with EvidenceStore(db, create=False) as store:
        return _verify(store, expected_head)


def export_ledger(db: str | None = None) -> dict:
    """The store's whole chain as a JSON-ready document (format, version, head, records)."""
    from ..evidence import EvidenceStore
    from .chain import export_document, read_records

    with EvidenceStore(db, create=False) as store:
        return export_document(read_records(store))


def packaged_ledger_path(name: str):
    """The path of a packaged ledger file (``src/scenarist/data/NAME.json``) or of a file given by path."""
    from importlib import resources
    from pathlib import Path

    p = Path(name)
    if p.suffix == ".json" and p.exists():
        return p
    cand = resources.files("scenarist.data") / (name if name.endswith(".json") else f"{name}.json")
    if cand.is_file():
        return Path(str(cand))
    raise OptionError(
        f"no ledger file {name!r} (a .json file exported by `scenarist forecast export`, or a packaged one)"
    )


def import_ledger(path: str, db: str | None = None) -> tuple[int, int, str]:
    """Load an exported ledger file (checked against its own head hash first) into the store: (added, skipped,
    the store's head hash after)."""
    import json

    from ..evidence import EvidenceStore
    from .chain import records_from_document
    from .chain import verify as _verify
    from .ledger import import_records

    p = packaged_ledger_path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OptionError(f"{p}: cannot read the ledger file: {exc}") from None
    records = records_from_document(doc, str(p))
    with EvidenceStore(db) as store:
        added, skipped = import_records(store, records)
        return added, skipped, _verify(store).head


def scores(db: str | None = None, model_id: str | None = None, forecaster: str | None = None) -> Scores:
    """Brier and log scores of the resolved forecasts, per forecaster, and the calibration table
    (see :mod:`scenarist.forecasts.scoring`).

    Raises
    ------
    UnknownNameError
        A model id or forecaster the ledger does not hold.
    StoreError
        No such store (nothing is created), not a store, or a damaged one (the message names the table or row).
    """
    from ..evidence import EvidenceStore
    from .ledger import score_ledger as _score_ledger

    with EvidenceStore(db, create=False) as store:
        return _score_ledger(store, model_id, forecaster)


__all__ = [
    "Ledger",
    "Recorded",
    "export_ledger",
    "import_ledger",
    "list_ledger",
    "record",
    "resolve",
    "scores",
    "unresolve",
    "verify",
]
