"""The track report (``scenarist track --report``): the analyze report of the model with the evidence replay added.

The page is ``templates/track.html``, which extends the analysis report's page: title, contents and summary; the
tableau, reference scenarios and outcome (and the likelihood and sensitivity sections when their results are
given); then the replay's own sections; then the model appendix. The replay's sections, in page order:

* **Evidence tracking** (``#sec-tracking``): always; the timeline chart, the dates that moved the outcome most, the
  time series, developments outside the model, background items, notes;
* **ACH matrix** (``#sec-ach``): when an ACH result is given (:func:`scenarist.ach`): the evidence × hypotheses
  matrix with ratings, diagnosticity, Heuer's inconsistency scores beside the posterior, and the critical items;
* **Contradicted claims** (``#sec-contradicted-claims``): when the replay carries claims;
* **Forecast scores** (``#sec-forecast-scores``): when forecasts and their scores are given.

Like :func:`~scenarist.reporting.build_report` it renders what it is given and computes no probability.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..errors import OptionError
from .builder import MAX_TABLEAU_COLUMNS, _render

if TYPE_CHECKING:
    from ..evidence.ach import AchResult
    from ..evidence.replay import TrackResult
    from ..forecasts import Forecast, Scores
    from ..model import Model
    from ..probability.distribution import OutcomeDistribution
    from ..probability.sensitivity import SensitivityResult

#: The sections of the analysis report that the track page shows (``likelihood`` and ``sensitivity`` only when their
#: results are given to :func:`build_track_report`).
TRACK_BASE_SECTIONS = ("tableau", "references", "outcome", "likelihood", "sensitivity", "model")


def build_track_report(
    model: Model,
    result: TrackResult,
    scores: Scores | None = None,
    forecasts: Sequence[Forecast] = (),
    *,
    likelihood: OutcomeDistribution | None = None,
    sensitivity: SensitivityResult | None = None,
    generated: dt.datetime | None = None,
    ach: AchResult | None = None,
) -> str:
    """Render the track report: the analysis report of ``model`` (no interventions, tolerance 0) with the evidence
    replay, the contradicted claims and the forecast scores between the results and the model appendix.

    Parameters
    ----------
    model : Model
        The model the replay ran on (validated).
    result : TrackResult
        As :func:`scenarist.evidence.replay.track` returns it (at least one point, the as-of row).
    scores : Scores, optional
        The ledger's scores (:func:`scenarist.forecasts.score` of ``forecasts``); with ``forecasts``, adds the
        "Forecast scores" section.
    forecasts : sequence of Forecast
        The forecasts recorded for the model, shown with their probabilities, criteria, resolutions and scores.
    likelihood : OutcomeDistribution, optional
        When given, the page has the "Likelihoods" section of the analysis report (what ``scenarist track
        --report`` shows: 500 draws, seed 0, no interventions).
    sensitivity : SensitivityResult, optional
        When given, the page has the "Sensitivity" section.
    generated : datetime, optional
        Time stamp printed in the footer (as UTC); default: now.
    ach : AchResult, optional
        When given, the page has the "ACH matrix" section after the evidence tracking (:func:`ach_view`).

    Returns
    -------
    str
        The HTML document, titled "<model title>: tracking to <last date>".

    Raises
    ------
    OptionError
        ``forecasts`` given without ``scores``; ``likelihood`` of another model; and the errors of
        :func:`scenarist.analysis.analyze` for the model.
    """
    from ..analysis import analyze
    from .plots import timeline_chart

    if forecasts and scores is None:
        raise OptionError("the forecast scores section needs scores= (scenarist.forecasts.score(forecasts))")
    shown = tuple(
        s
        for s in TRACK_BASE_SECTIONS
        if (s != "likelihood" or likelihood is not None) and (s != "sensitivity" or sensitivity is not None)
    )
    extra = [("sec-tracking", "Evidence tracking")]
    if ach is not None:
        extra.append(("sec-ach", "ACH matrix"))
    if result.claims:
        extra.append(("sec-contradicted-claims", "Contradicted claims"))
    if scores is not None and forecasts:
        extra.append(("sec-forecast-scores", "Forecast scores"))
    context: dict[str, Any] = {
        "track": result,
        "timeline_svg": Markup(timeline_chart(result)),
        "moved": result.moved_most(),
        "scores": scores,
        "forecasts": tuple(forecasts),
        "score_of": {r.forecast_id: r for r in scores.rows} if scores is not None else {},
        "ach": ach_view(ach) if ach is not None else None,
    }
    return _render(
        "track.html",
        analyze(model),
        shown,
        likelihood=likelihood,
        sensitivity=sensitivity,
        title=f"{model.metadata.title}: tracking to {result.points[-1].date.isoformat()}",
        max_columns=MAX_TABLEAU_COLUMNS,
        generated=generated,
        extra_contents=extra,
        **context,
    )


def _num(x: float, fmt: str = ".2f") -> str:
    if x is None or math.isnan(x):
        return "–"
    return "∞" if math.isinf(x) else format(x, fmt)


def _pct(x: float) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def ach_view(r: AchResult) -> dict:
    """What the "ACH matrix" section shows, as text: one row per item (date, id, title, grade, family, cluster, how
    the row was obtained, each cell as ``(text, rating)``, diagnosticity, what it counts for), and the per-hypothesis
    lines (score, weighted score, prior, posterior), the leaders, critical items and items that do not bear."""
    hyps = r.hypotheses
    rows = []
    for row in r.rows:
        rows.append(
            {
                "date": row.date.isoformat(),
                "id": row.id,
                "title": row.title,
                "grade": row.grade,
                "family": row.family,
                "cluster": row.cluster,
                "via": f"derived via {row.descriptor} ({'fixing it' if row.mode == 'fix' else 'conditioning'})"
                if row.derived
                else None,
                "cells": [(_num(float(x)), g) for x, g in zip(row.likelihood, row.ratings)],
                "diag": _num(row.diagnosticity, ".1f"),
                "a": "–" if row.score_weight == 0 else f"{row.score_weight:.2g}",
                "influence": None if row.influence is None else f"{100 * row.influence:.1f}",
            }
        )
    names = dict(zip(hyps, r.hypothesis_names))
    return {
        "r": r,
        "names": r.hypothesis_names,
        "rows": rows,
        "scores": [f"{x:.3g}" for x in r.scores],
        "weighted": [f"{x:.3g}" for x in r.weighted_scores],
        "prior": [_pct(float(x)) for x in r.prior],
        "posterior": [_pct(float(x)) for x in r.posterior],
        "leading": [names[h] for h in r.leading],
        "leading_posterior": [names[h] for h in r.leading_posterior],
        "critical": [
            (
                "score",
                [(c, [names.get(h, h) for h in c.leading_without]) for c in r.critical_score],
                [names[h] for h in r.leading],
            ),
            (
                "posterior",
                [(c, [names.get(h, h) for h in c.leading_without]) for c in r.critical_posterior],
                [names[h] for h in r.leading_posterior],
            ),
        ],
        "influential": sorted((x for x in r.rows if x.influence), key=lambda x: -x.influence)[:3],
        "high": f"{r.thresholds[0]:.3g}",
        "low": f"{r.thresholds[1]:.3g}",
    }


__all__ = ["TRACK_BASE_SECTIONS", "ach_view", "build_track_report"]
