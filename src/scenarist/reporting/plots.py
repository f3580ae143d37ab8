"""Charts for the HTML reports, drawn with matplotlib and returned as inline SVG markup (no files, no pyplot).

Each function returns a string starting with ``<svg``; text stays text (``svg.fonttype: none``) so the report is
searchable and small, and element ids are salted per chart so several charts can live in one page. User text in a
chart (names, terms) is escaped by matplotlib's SVG writer.

* :func:`outcome_chart`: the outcome section (shares of the scenarios found beside the source's terms);
* :func:`matrix_heatmap`: the model appendix (the cross-impact matrix);
* :func:`band_chart`: the likelihood section (outcome distribution with its 5–95 % band);
* :func:`timeline_chart`: the track report (outcome distribution after each evidence date).
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from ..analysis import OutcomeSummary
from ..cib import CompiledModel

if TYPE_CHECKING:  # only for the annotations: the probability and evidence layers load when their charts are drawn
    from ..evidence.replay import TrackResult
    from ..probability.distribution import OutcomeDistribution

#: Colours shared by the charts and the page's CSS (a colour-blind-safe pair from Okabe & Ito 2008).
BAR_COLOUR = "#0072B2"
RANGE_COLOUR = "#D55E00"
#: Colour-blind-safe palette (Okabe & Ito 2008), one colour per outcome variant in the timeline chart.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def figure_to_svg(fig, salt: str) -> str:
    """Render a matplotlib ``Figure`` to SVG markup (the ``<svg>`` element only, no XML prologue).

    ``salt`` makes the element ids of this chart distinct from those of other charts in the same page.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def new_figure(width: float, height: float):
    """A pyplot-free matplotlib ``Figure`` of ``width`` × ``height`` inches with a transparent background.

    Draw on it, then pass it to :func:`figure_to_svg`; every chart of the reports uses the same pair so they all
    look alike.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.patch.set_alpha(0)
    return fig


_figure = new_figure  # older name, kept for callers that imported it


def outcome_chart(summary: OutcomeSummary) -> str:
    """Bar chart: share of the scenarios found that take each outcome variant, with the source's assessment.

    Bars show ``count / n_scenarios`` (labelled with the count); where the source assessed a variant, its WEP
    probability range is drawn beside the bar as a vertical interval labelled with the verbal term. The two are
    different quantities on one 0–1 axis, and the legend says so.

    Parameters
    ----------
    summary : OutcomeSummary

    Returns
    -------
    str
        SVG markup.
    """
    n = len(summary.variants)
    fig = _figure(max(4.5, 1.5 * n + 1.5), 3.6)
    ax = fig.add_subplot()
    x = np.arange(n)
    shares = [v.share for v in summary.variants]
    bars = ax.bar(x - 0.12, shares, width=0.5, color=BAR_COLOUR, label="share of the scenarios found")
    for rect, v in zip(bars, summary.variants):
        ax.annotate(
            f"{v.count} of {summary.n_scenarios}",
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    labelled = False  # one legend entry for all the ranges
    for i, v in enumerate(summary.variants):
        a = v.assessment
        if a is None or a.low is None:
            continue
        vague = a.high - a.low >= 0.99  # a term that maps to "anything": draw it thin so it does not dominate
        ax.vlines(
            i + 0.25,
            a.low,
            a.high,
            colors=RANGE_COLOUR,
            linewidth=1.5 if vague else 6,
            linestyles="dotted" if vague else "solid",
            label=None if labelled or vague else "source's assessment (WEP range)",
        )
        labelled = labelled or not vague
        ax.annotate(a.term, (i + 0.33, (a.low + a.high) / 2), fontsize=8, color=RANGE_COLOUR, va="center")
    ax.set_xticks(x, ["\n".join(textwrap.wrap(v.name, 16)) for v in summary.variants], fontsize=9)
    ax.set_ylim(0, 1.08)
    ax.set_xlim(-0.6, n - 0.1)
    ax.set_ylabel("share / probability")
    ax.set_title(f"{summary.descriptor_name}: {summary.n_scenarios} scenario(s) found", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(0, -0.18 if n > 3 else -0.14))
    return figure_to_svg(fig, "outcome")


def matrix_heatmap(compiled: CompiledModel, scale: tuple[int, int] = (-3, 3)) -> str:
    """Heat map of the cross-impact matrix (rows: source variants; columns: target variants).

    Blue cells promote, red cells hinder; lines separate descriptors; cells carry their scores when the matrix is
    small enough to read them (≤ 40 variants).

    Parameters
    ----------
    compiled : CompiledModel
    scale : (int, int)
        The model's score range, which fixes the colour scale.

    Returns
    -------
    str
        SVG markup.
    """
    m = compiled.matrix
    v = compiled.n_variants
    side = min(16.0, max(4.0, 0.28 * v + 2.5))
    fig = _figure(side + 1.0, side)
    ax = fig.add_subplot()
    bound = max(abs(scale[0]), abs(scale[1]), 1)
    im = ax.imshow(m, cmap="RdBu", vmin=-bound, vmax=bound, interpolation="nearest")
    labels = [
        f"{compiled.descriptor_ids[d]}.{vid}" for d in range(compiled.n_descriptors) for vid in compiled.variant_ids[d]
    ]
    fs = 8 if v <= 40 else 6
    ax.set_xticks(range(v), labels, rotation=90, fontsize=fs)
    ax.set_yticks(range(v), labels, fontsize=fs)
    ax.xaxis.tick_top()
    for o in compiled.offsets[1:-1]:
        ax.axhline(o - 0.5, color="#444", linewidth=0.8)
        ax.axvline(o - 0.5, color="#444", linewidth=0.8)
    if v <= 40:
        for r, c in zip(*np.nonzero(m)):
            ax.text(
                c,
                r,
                f"{int(m[r, c]):+d}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(m[r, c]) >= 0.67 * bound else "black",
            )
    ax.set_xlabel("impacted variant (column)")
    ax.set_ylabel("impacting variant (row)")
    fig.colorbar(im, ax=ax, shrink=0.6, label="score")
    return figure_to_svg(fig, "matrix")


def band_chart(d: OutcomeDistribution) -> str:
    """Horizontal bar chart of an outcome distribution: per outcome variant and the none bin (last row, labelled
    "(none)"), the mean over the judgment draws (bar), the 5–95 % band over the draws (black whisker, when the
    distribution has draws) and, where the source assessed a single variant, the probability range of its term
    (orange interval labelled with the term).

    Parameters
    ----------
    d : OutcomeDistribution
        As :func:`scenarist.probability.outcome_distribution` returns it; its headline marginal is drawn.

    Returns
    -------
    str
        SVG markup; x axis: probability, 0 to 1.
    """
    m = d.marginal()
    labels = list(m.variant_names) + ["(none)"]
    point = list(m.probability) + [d.none.probability]
    lows = list(m.low) + [d.none.low] if m.low is not None else None
    highs = list(m.high) + [d.none.high] if m.high is not None else None
    ranges = {
        c.variants[0]: (c.low, c.high, c.term) for c in d.comparisons if len(c.variants) == 1 and c.low is not None
    }
    n = len(labels)
    fig = new_figure(7.0, 0.45 * n + 0.9)
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(n)[::-1]
    ax.barh(y, point, color=BAR_COLOUR, height=0.5, label="model: mean over draws")
    if lows is not None:
        below = np.maximum(0, np.subtract(point, lows))
        above = np.maximum(0, np.subtract(highs, point))
        ax.errorbar(
            point,
            y,
            xerr=[below, above],
            fmt="none",
            ecolor="black",
            capsize=4,
            lw=1.2,
            label="5–95 % band over judgment draws",
        )
    first = True
    for i, v in enumerate(m.variant_ids):
        if v in ranges:
            lo, hi, term = ranges[v]
            ax.plot(
                [lo, hi],
                [y[i] + 0.33, y[i] + 0.33],
                color=RANGE_COLOUR,
                lw=4,
                solid_capstyle="butt",
                label="source's term (WEP range)" if first else None,
            )
            ax.text(hi + 0.01, y[i] + 0.33, term, va="center", fontsize=8, color=RANGE_COLOUR)
            first = False
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure_to_svg(fig, "likelihood-bands")


def timeline_chart(result: TrackResult, annotate: int = 3) -> str:
    """Step chart of the outcome distribution after each evidence date of a replay.

    Per outcome variant (one :data:`PALETTE` colour each): "model + indicators" as a solid line with its 5–95 % band
    shaded (when the replay made judgment draws) and "model" as a dashed line; the none bin as a grey dotted line
    when it is ever above 1e-9; the ``annotate`` dates that moved the outcome most marked by a vertical rule and
    numbered 1, 2, … in the order of :meth:`TrackResult.moved_most`. Each value holds until the next date; the last
    one is drawn a little past its date (at least 7 days) so it shows.

    Parameters
    ----------
    result : TrackResult
        As :func:`scenarist.evidence.replay.track` returns it (at least one point).
    annotate : int, ≥ 0
        Dates to mark.

    Returns
    -------
    str
        SVG markup; y axis: probability, 0 to 1; x axis: dates (year-month).
    """
    import matplotlib.dates as mdates

    dates = [p.date for p in result.points]
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
        ax.step(
            xs,
            none + none[-1:],
            where="post",
            color="#777777",
            linewidth=1,
            linestyle=":",
            label="none (no consistent scenario)",
        )
    for k, p in enumerate(result.moved_most(annotate), start=1):
        ax.axvline(p.date, color="#444444", linewidth=0.6, alpha=0.6)
        ax.annotate(
            str(k),
            (p.date, 1.02),
            ha="center",
            va="bottom",
            fontsize=9,
            fontweight="bold",
            xycoords=("data", "axes fraction"),
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8, frameon=False)
    ax.set_title(f"{result.outcome}: outcome distribution after each evidence date", fontsize=10, pad=14)
    return figure_to_svg(fig, "timeline")


__all__ = [
    "BAR_COLOUR",
    "PALETTE",
    "RANGE_COLOUR",
    "band_chart",
    "figure_to_svg",
    "matrix_heatmap",
    "new_figure",
    "outcome_chart",
    "timeline_chart",
]
