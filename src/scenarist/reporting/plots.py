"""Charts for the HTML report, drawn with matplotlib and returned as inline SVG markup (no files, no pyplot).

Each function returns a string starting with ``<svg``; text stays text (``svg.fonttype: none``) so the report is
searchable and small, and element ids are salted per chart so several charts can live in one page.
"""

from __future__ import annotations

import io
import textwrap

import numpy as np

from ..analysis import OutcomeSummary
from ..cib import CompiledModel

#: Colours shared by the charts and the page's CSS (a colour-blind-safe pair from Okabe & Ito 2008).
BAR_COLOUR = "#0072B2"
RANGE_COLOUR = "#D55E00"


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

    Draw on it, then pass it to :func:`figure_to_svg`; sections added by other analyses use the same pair so all
    charts of the report look alike.
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
            i + 0.25, a.low, a.high, colors=RANGE_COLOUR, linewidth=1.5 if vague else 6,
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
        f"{compiled.descriptor_ids[d]}.{vid}"
        for d in range(compiled.n_descriptors)
        for vid in compiled.variant_ids[d]
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
            ax.text(c, r, f"{int(m[r, c]):+d}", ha="center", va="center", fontsize=7,
                    color="white" if abs(m[r, c]) >= 0.67 * bound else "black")
    ax.set_xlabel("impacted variant (column)")
    ax.set_ylabel("impacting variant (row)")
    fig.colorbar(im, ax=ax, shrink=0.6, label="score")
    return figure_to_svg(fig, "matrix")


__all__ = ["BAR_COLOUR", "RANGE_COLOUR", "figure_to_svg", "matrix_heatmap", "new_figure", "outcome_chart"]
