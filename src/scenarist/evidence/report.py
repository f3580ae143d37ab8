"""The tracking and contradicted-claims sections of the HTML report, and ``track --report``.

The sections plug into the report package's extension point (:class:`scenarist.reporting.Section`), so the page
keeps the analyze report's layout: summary, tableau and model appendix, with the timeline after the results.
"""

from __future__ import annotations

import os
import textwrap

import numpy as np
from markupsafe import escape

from ..model import Model
from .replay import TrackResult

#: Colour-blind-safe palette (Okabe & Ito 2008), one colour per outcome variant.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def timeline_chart(result: TrackResult, annotate: int = 3) -> str:
    """SVG timeline of the outcome distribution: "model + indicators" (solid, with its 5–95 % band) and "model"
    (dashed) per variant, the none bin in grey, and the ``annotate`` dates that moved it most marked and numbered.

    Returns
    -------
    str
        SVG markup (``<svg ...>``).
    """
    import matplotlib.dates as mdates

    from ..reporting.plots import figure_to_svg, new_figure

    dates = [p.date for p in result.points]
    # Values hold from one date until the next: draw steps, and extend the last one a little so it shows.
    span = (dates[-1] - dates[0]).days if len(dates) > 1 else 30
    end = dates[-1] + np.timedelta64(max(7, span // 20), "D").astype(object)
    xs = dates + [end]
    fig = new_figure(9.0, 4.2)
    ax = fig.add_subplot()
    for i, name in enumerate(result.variant_names):
        colour = PALETTE[i % len(PALETTE)]
        ind = [p.indicators.probability[i] for p in result.points]
        mod = [p.model.probability[i] for p in result.points]
        ax.step(xs, ind + ind[-1:], where="post", color=colour, linewidth=2, label=f"{name} (model + indicators)")
        ax.step(xs, mod + mod[-1:], where="post", color=colour, linewidth=1, linestyle="--", label=f"{name} (model)")
        if result.points[0].indicators.low is not None:
            lo = [p.indicators.low[i] for p in result.points]
            hi = [p.indicators.high[i] for p in result.points]
            ax.fill_between(xs, lo + lo[-1:], hi + hi[-1:], step="post", color=colour, alpha=0.15, linewidth=0)
    none = [p.model.none for p in result.points]
    if max(none) > 1e-9:  # float noise is not a none bin
        ax.step(xs, none + none[-1:], where="post", color="#777777", linewidth=1, linestyle=":", label="none (no consistent scenario)")
    for k, p in enumerate(result.moved_most(annotate), start=1):
        ax.axvline(p.date, color="#444444", linewidth=0.6, alpha=0.6)
        ax.annotate(str(k), (p.date, 1.02), ha="center", va="bottom", fontsize=9, fontweight="bold",
                    xycoords=("data", "axes fraction"))
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    ax.set_title(f"{result.outcome}: outcome distribution after each evidence date", fontsize=10, pad=14)
    return figure_to_svg(fig, "timeline")


def _pct(x) -> str:
    return "–" if x is None or np.isnan(x) else f"{100 * float(x):.1f}%"


def _cell(snap, i: int) -> str:
    s = _pct(snap.probability[i])
    if snap.low is not None:
        s += f" <span class='muted'>[{100 * snap.low[i]:.0f}–{100 * snap.high[i]:.0f}]</span>"
    return s


def tracking_section(result: TrackResult):
    """The "Evidence tracking" :class:`~scenarist.reporting.Section`: chart, the events that moved the outcome most,
    the series table, developments outside the model, and the background items."""
    from ..reporting import Section

    parts = []
    parts.append(
        "<p class='note'>Evidence dated after the model's as-of date"
        + (f" ({result.as_of.isoformat()})" if result.as_of else "")
        + " replayed in date order. <strong>Model</strong>: priors updated by the likelihood items and "
        "interventions fixed, through CIB. <strong>Model + indicators</strong>: a last Bayes step with the indicator "
        "items on the outcome. Each item's likelihood vector is tempered by its Admiralty grade; items of one "
        "cluster count once."
        + (f" Bands: 5–95 % across {result.draws} judgment draws (seed {result.seed})." if result.draws else " No judgment draws: no bands.")
        + "</p>"
    )
    parts.append(f"<div class='chart'>{timeline_chart(result)}</div>")
    moved = result.moved_most()
    if moved:
        parts.append("<h3>Events that moved the outcome most</h3><ol>")
        for p in moved:
            titles = "; ".join(f"{escape(result.item(i).title)} <code>{escape(i)}</code>" for i in p.items)
            parts.append(f"<li><strong>{p.date.isoformat()}</strong> ({100 * p.shift:.1f} points of total variation): {titles}</li>")
        parts.append("</ol>")
    head = "".join(f"<th class='num'>{escape(n)}<br><span class='muted'>model | + indicators</span></th>" for n in result.variant_names)
    rows = []
    for k, p in enumerate(result.points):
        ev = f"<em>{escape(result.start_label)}</em>" if k == 0 else "<br>".join(f"{escape(result.item(i).title)} <span class='muted'>({escape(str(result.item(i).grade))}, {escape(result.item(i).bearing.kind)})</span>" for i in p.items)
        cells = "".join(f"<td class='num'>{_cell(p.model, i)}<br>{_cell(p.indicators, i)}</td>" for i in range(len(result.variants)))
        rows.append(f"<tr><td>{p.date.isoformat()}</td><td>{ev}</td>{cells}<td class='num'>{_pct(p.model.none)}</td><td class='num'>{100 * p.shift:.1f}</td></tr>")
    parts.append(
        "<h3>Time series</h3><div class='scroll'><table><thead><tr><th>Date</th><th>Evidence</th>"
        f"{head}<th class='num'>none</th><th class='num'>shift</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )
    if result.outside:
        parts.append("<h3>Developments outside the model</h3><p class='note'>No variant of these descriptors covers "
                     "what happened; they are reported, not forced onto a variant.</p><ul>")
        for i in result.outside:
            it = result.item(i)
            parts.append(f"<li><strong>{it.date.isoformat()}</strong> <code>{escape(it.bearing.descriptor)}</code>: "
                         f"{escape(it.bearing.what)} <span class='muted'>({escape(it.title)}; {_source(it.source)})</span></li>")
        parts.append("</ul>")
    if result.background:
        parts.append(f"<h3>Background</h3><p class='note'>{len(result.background)} item(s) dated on or before the "
                     "as-of date: the model already had them, so they are shown, not replayed.</p><ul>")
        for i in result.background:
            it = result.item(i)
            parts.append(f"<li>{it.date.isoformat()} {escape(it.title)} <span class='muted'>({_source(it.source)})</span></li>")
        parts.append("</ul>")
    for n in result.notes:
        parts.append(f"<p class='note'>{escape(n)}</p>")
    return Section("Evidence tracking", "\n".join(parts), anchor="sec-tracking")


def _source(s) -> str:
    outlet = escape(s.outlet)
    if s.address:
        outlet = f"<a href='{escape(s.address)}'>{outlet}</a>"
    return f"{outlet}, read {s.accessed.isoformat()}"


def claims_section(result: TrackResult):
    """The "Contradicted claims" :class:`~scenarist.reporting.Section` (None when no claim is recorded)."""
    from ..reporting import Section

    if not result.claims:
        return None
    rows = []
    for c in result.claims:
        where = ""
        if c.citation is not None:
            where = escape(c.citation.source) + (f" §{escape(c.citation.section)}" if c.citation.section else "")
            if c.citation.endnotes:
                where += " n. " + ", ".join(str(n) for n in c.citation.endnotes)
        ev = ", ".join(f"<code>{escape(e)}</code>" for e in c.evidence)
        srcs = "; ".join(_source(s) for s in c.sources)
        rows.append(f"<tr><td>{escape(c.claim)}<br><span class='muted'>{where}</span></td><td>{escape(c.contradicted_by)}</td>"
                    f"<td>{escape(c.verdict)}</td><td>{ev}{'<br>' if ev and srcs else ''}{srcs}</td></tr>")
    html = ("<p class='note'>Factual claims of the analysed source that later evidence contradicts.</p><table><thead><tr>"
            "<th>Claim</th><th>What contradicts it</th><th>Verdict</th><th>Evidence</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
    return Section("Contradicted claims", html, anchor="sec-contradicted-claims")


def forecasts_section(scores, forecasts=()):
    """The "Forecast scores" :class:`~scenarist.reporting.Section`: each resolved forecast's Brier and log scores, the
    means per forecaster side by side, and the caveat that few resolutions mean little. None without forecasts.

    Parameters
    ----------
    scores : scenarist.forecasts.Scores
    forecasts : sequence of scenarist.forecasts.Forecast
        Shown with their probabilities, criteria and resolutions.
    """
    import math

    from ..reporting import Section

    if not forecasts:
        return None
    rows = []
    by_id = {r.forecast_id: r for r in scores.rows}
    for f in forecasts:
        probs = ", ".join(f"{escape(v)} {_pct(p)}" for v, p in zip(f.variants, f.probabilities))
        r = by_id.get(f.id)
        res = "open" if f.resolution is None else f"{escape(f.resolution.outcome)} ({f.resolution.resolved_on.isoformat()})"
        if f.resolution is not None and f.resolution.evidence:
            res += "<br><span class='muted'>" + ", ".join(escape(e) for e in f.resolution.evidence) + "</span>"
        brier = "–" if r is None else f"{r.brier:.3f}"
        log = "–" if r is None else ("∞" if math.isinf(r.log) else f"{r.log:.3f}")
        rows.append(f"<tr><td><code>{escape(f.id)}</code><br>{escape(f.forecaster)}</td><td>{f.made_on.isoformat()}"
                    f"<br><span class='muted'>to {f.horizon.isoformat()}</span></td><td>{probs}<br><span class='muted'>"
                    f"{escape(f.criteria)}</span></td><td>{res}</td><td class='num'>{brier}</td><td class='num'>{log}</td></tr>")
    summary = "".join(
        f"<tr><td>{escape(k)}</td><td class='num'>{v['n']}</td><td class='num'>{v['brier']:.3f}</td>"
        f"<td class='num'>{'∞' if math.isinf(v['log']) else format(v['log'], '.3f')}</td></tr>"
        for k, v in scores.summary.items()
    )
    notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in scores.notes)
    html = ("<p class='note'>Brier score Σ(p − o)², 0 (perfect) to 2; log score −ln p(outcome) in nats. Lower is "
            "better for both.</p><table><thead><tr><th>Forecast</th><th>Made</th><th>Probabilities and criteria</th>"
            "<th>Resolution</th><th class='num'>Brier</th><th class='num'>log</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            + ("<h3>Side by side</h3><table><thead><tr><th>Forecaster</th><th class='num'>resolved</th>"
               "<th class='num'>mean Brier</th><th class='num'>mean log</th></tr></thead><tbody>" + summary + "</tbody></table>"
               if summary else "")
            + notes)
    return Section("Forecast scores", html, anchor="sec-forecast-scores")


def write_track_report(model: Model, result: TrackResult, path: str | os.PathLike, scores=None, forecasts=(),
                       inputs=()) -> None:
    """Write the analyze report of ``model`` with the tracking and contradicted-claims sections (and, given
    ``scores`` and ``forecasts`` from the ledger, the forecast scores) added, atomically.

    ``inputs`` are the files the command read (model, evidence file or store): the report never replaces one.

    Raises
    ------
    OptionError
        The path is not a regular file, its directory does not exist, it is one of ``inputs``, or it cannot be
        written.
    """
    from ..analysis import analyze
    from ..reporting import build_report, write_report

    extra = [tracking_section(result), claims_section(result)]
    if scores is not None:
        extra.append(forecasts_section(scores, forecasts))
    sections = [s for s in extra if s is not None]
    html = build_report(analyze(model), extra_sections=sections,
                        title=f"{model.metadata.title}: tracking to {result.points[-1].date.isoformat()}")
    write_report(path, html, inputs=inputs)


__all__ = ["claims_section", "forecasts_section", "timeline_chart", "tracking_section", "write_track_report"]
