"""The track report (``scenarist track --report``): the analyze report of the model with the evidence replay added.

The page is ``templates/track.html``, which extends the analysis report's page: title, contents and summary; the
tableau, reference scenarios and outcome (and the likelihood and sensitivity sections when their results are
given); then the replay's own sections; then the model appendix. The replay's sections, in page order:

* **Evidence tracking** (``#sec-tracking``): always; the timeline chart, the dates that moved the outcome most, the
  time series, developments outside the model, background items, notes;
* **Contradicted claims** (``#sec-contradicted-claims``): when the replay carries claims;
* **Forecast scores** (``#sec-forecast-scores``): when forecasts and their scores are given.

Like :func:`~scenarist.reporting.build_report` it renders what it is given and computes no probability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..errors import OptionError
from .builder import MAX_TABLEAU_COLUMNS, _render

if TYPE_CHECKING:
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


__all__ = ["TRACK_BASE_SECTIONS", "build_track_report"]
