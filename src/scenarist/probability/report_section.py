"""The likelihood section of the HTML report (``scenarist analyze --report``): a band chart of the outcome
distribution beside the source's own words, the table behind it, the sensitivity ranking and the prior response.

A presenter: it calls the likelihood engines and renders; nothing here computes a probability. It registers itself
with :func:`scenarist.reporting.register_section` when imported (the CLI imports it).
"""

from __future__ import annotations

import numpy as np

from ..reporting import Section, escape, register_section
from .distribution import DEFAULT_DRAWS, DEFAULT_SEED, OutcomeDistribution, outcome_distribution
from .sensitivity import SensitivityResult, sensitivity

#: Judgment draws behind the report's bands, and their seed: the defaults of ``scenarist likelihood`` and
#: ``track``, so the report shows the numbers those commands print.
REPORT_DRAWS = DEFAULT_DRAWS
REPORT_SEED = DEFAULT_SEED
#: Judgments listed in the report's sensitivity table.
REPORT_TOP = 10


def band_chart(d: OutcomeDistribution) -> str:
    """Horizontal chart: per outcome variant and the none bin, the point estimate (bar), the 5–95 % band
    (black whisker) and, where the source assessed the variant, its WEP range (orange interval). SVG markup."""
    from ..reporting.plots import BAR_COLOUR, RANGE_COLOUR, figure_to_svg, new_figure

    m = d.marginal()
    labels = list(m.variant_names) + ["(none)"]
    point = list(m.probability) + [d.none.probability]
    lows = list(m.low) + [d.none.low] if m.low is not None else None
    highs = list(m.high) + [d.none.high] if m.high is not None else None
    ranges = {c.variants[0]: (c.low, c.high, c.term) for c in d.comparisons if len(c.variants) == 1 and c.low is not None}
    n = len(labels)
    fig = new_figure(7.0, 0.45 * n + 0.9)
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(n)[::-1]
    ax.barh(y, point, color=BAR_COLOUR, height=0.5, label="model: mean over draws")
    if lows is not None:
        ax.errorbar(point, y, xerr=[np.maximum(0, np.subtract(point, lows)), np.maximum(0, np.subtract(highs, point))], fmt="none", ecolor="black",
                    capsize=4, lw=1.2, label="5–95 % band over judgment draws")
    first = True
    for i, v in enumerate(m.variant_ids):
        if v in ranges:
            lo, hi, term = ranges[v]
            ax.plot([lo, hi], [y[i] + 0.33, y[i] + 0.33], color=RANGE_COLOUR, lw=4, solid_capstyle="butt",
                    label="source's term (WEP range)" if first else None)
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


def _pct(x) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{100 * float(x):.1f} %"


def distribution_table(d: OutcomeDistribution) -> str:
    """HTML table: variant, point estimate, band, MC standard error, stated matrix, conditional, source's words."""
    m = d.marginal()
    words = {c.variants[0]: c for c in d.comparisons if len(c.variants) == 1}
    rows = []
    for i, v in enumerate(m.variant_ids):
        band = "–" if m.low is None else f"{_pct(m.low[i])} – {_pct(m.high[i])}"
        se = "–" if m.standard_error is None else _pct(m.standard_error[i])
        c = words.get(v)
        said = "" if c is None else f"{escape(c.term)} ({_pct(c.low)}–{_pct(c.high)}): {escape(c.verdict or '')}"
        rows.append(f"<tr><td>{escape(m.variant_names[i])}</td><td class='num'>{_pct(m.probability[i])}</td>"
                    f"<td class='num'>{band}</td><td class='num'>{se}</td><td class='num'>{_pct(m.stated[i])}</td>"
                    f"<td class='num'>{_pct(m.conditional[i])}</td><td>{said}</td></tr>")
    nb = d.none
    band = "–" if nb.low is None else f"{_pct(nb.low)} – {_pct(nb.high)}"
    rows.append(f"<tr><td><em>none</em> (no consistent scenario)</td><td class='num'>{_pct(nb.probability)}</td>"
                f"<td class='num'>{band}</td><td class='num'>{_pct(nb.standard_error)}</td>"
                f"<td class='num'>{_pct(nb.stated)}</td><td class='num'></td><td></td></tr>")
    head = ("<tr><th>Outcome variant</th><th class='num'>P (mean)</th><th class='num'>5–95 % band</th>"
            "<th class='num'>MC s.e.</th><th class='num'>Stated matrix</th><th class='num'>P(· | not none)</th>"
            "<th>Source's term: verdict on the conditional</th></tr>")
    joint = ""
    for c in d.comparisons:
        if len(c.variants) > 1:
            band = "" if c.band is None else f", band {_pct(c.band[0])} – {_pct(c.band[1])}"
            joint += (f"<li>{escape(' + '.join(c.variants))}: model {_pct(c.conditional)}{band}; source: "
                      f"“{escape(c.statement)}”" + (f" ({escape(c.term)}: {escape(c.verdict or '')})" if c.term else "")
                      + "</li>")
    joint = f"<p>Joint assessments:</p><ul>{joint}</ul>" if joint else ""
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>{joint}"


def sensitivity_table(s: SensitivityResult, top: int = REPORT_TOP) -> str:
    """HTML table of the ``top`` most influential judgments with the outcome shift of each ±1 move."""
    labels = list(s.variant_ids) + ["none"]
    head = "<tr><th>#</th><th>Judgment</th><th class='num'>Score</th><th class='num'>Influence</th>" \
           "<th class='num'>Kernel −1</th><th class='num'>Kernel +1</th>" + "".join(f"<th class='num'>{escape(x)}: −1 / +1</th>" for x in labels) + "</tr>"
    rows = []
    for i, e in enumerate(s.top(top)):
        cells = []
        for k in range(len(labels)):
            dn = "–" if e.shift_down is None else f"{100 * e.shift_down[k]:+.1f}"
            up = "–" if e.shift_up is None else f"{100 * e.shift_up[k]:+.1f}"
            cells.append(f"<td class='num'>{dn} / {up}</td>")
        rows.append(f"<tr><td>{i + 1}</td><td>{escape(e.source)} → {escape(e.target)}</td><td class='num'>{e.score:+d}</td>"
                    f"<td class='num'>{100 * e.influence:.1f}</td><td class='num'>{e.kernel_text(-1)}</td>"
                    f"<td class='num'>{e.kernel_text(+1)}</td>{''.join(cells)}</tr>")
    prior_rows = []
    for p in s.priors:
        cells = "".join(f"<td class='num'>{_pct(x)}</td>" for x in p.conditional)
        prior_rows.append(f"<tr><td>{escape(p.descriptor)} = {escape(p.variant)}</td><td class='num'>{_pct(p.prior)}</td>{cells}</tr>")
    prior_head = "<tr><th>Exogenous variant certain</th><th class='num'>Prior</th>" + "".join(
        f"<th class='num'>P({escape(x)})</th>" for x in labels) + "</tr>"
    prior_html = (f"<p>Response to the priors: the outcome if each exogenous variant were certain. The outcome is "
                  f"linear in each prior, so moving a prior a fraction t toward a variant moves P(v) by t times the "
                  f"difference between that row and the stated distribution.</p><table><thead>{prior_head}</thead>"
                  f"<tbody>{''.join(prior_rows)}</tbody></table>") if prior_rows else ""
    return (f"<p>Each judgment moved by −1 and +1 (shifts in percentage points of the outcome; influence = the larger "
            f"total-variation shift; kernel −1 and kernel +1 = consistent scenarios gained / lost by each move, – where "
            f"the move leaves the scale).</p>"
            f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>{prior_html}")


def likelihood_section(analysis) -> Section | None:
    """The report section for an :class:`~scenarist.analysis.Analysis` (None when the model has no outcome)."""
    model = analysis.model
    if model.outcome is None:
        return None
    fixed = dict(analysis.fixed) or None
    if fixed and model.outcome.id in fixed:
        return Section("Likelihoods", "<p>The outcome is fixed by an intervention: no distribution to show.</p>",
                       anchor="sec-likelihoods")
    d = outcome_distribution(model, fixed=fixed, draws=REPORT_DRAWS, seed=REPORT_SEED)
    s = sensitivity(model, fixed=fixed)
    notes = "".join(f"<li>{escape(n)}</li>" for n in d.notes)
    priors = "; ".join(
        f"{escape(desc)}: " + ", ".join(f"{escape(v)} {_pct(p)}" for v, p in info["probabilities"].items())
        + f" ({escape(info['origin'])})"
        for desc, info in d.priors.items()
    )
    html = (
        f"<p>Outcome distribution of <strong>{escape(d.marginal().name)}</strong> over {d.draws} judgment draws "
        f"(seed {d.seed}; the defaults of <code>scenarist likelihood</code> and <code>track</code>, which print "
        f"the same numbers), weighting each combination of exogenous variants by its prior (method: "
        f"<code>docs/method.md</code>). The band is how much the answer depends on contestable judgments; the "
        f"Monte Carlo standard error only says how many draws were made. The none bin holds the weight of "
        f"exogenous combinations that admit no consistent scenario.</p>"
        + (f"<p>Priors of the exogenous descriptors: {priors}.</p>" if priors else "")
        + band_chart(d) + distribution_table(d)
        + (f"<ul class='note'>{notes}</ul>" if notes else "")
        + "<h3>Sensitivity</h3>" + sensitivity_table(s)
    )
    return Section("Likelihoods", html, anchor="sec-likelihoods")


register_section(likelihood_section)
