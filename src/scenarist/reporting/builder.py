"""Build the self-contained HTML reports: the report of an :class:`~scenarist.analysis.Analysis`
(``scenarist analyze --report``) and the track report (``scenarist track --report``).

Every page is rendered by Jinja2 with autoescaping from the templates in ``templates/``: ``report.html`` is the page,
one partial per section (``_tableau.html``, ``_likelihood.html``, …) is included by it, and ``track.html`` extends
it. CSS and charts (SVG) are inline, so a report is one file that can be mailed or archived as it is.

Sections
--------
A report shows the sections it is asked for, and only those; nothing else (an import, a registry) adds or removes
one. :data:`SECTIONS` names them all, in page order:

``tableau``
    The scenario tableau: one column per scenario found (at most ``max_columns``), the reference scenarios beside.
``references``
    The reference scenarios evaluated: inconsistency, consistency value, total impact score, the computed scenario
    each equals, the descriptors that make it inconsistent.
``outcome``
    How the scenarios found distribute over the outcome's variants, beside the source's own assessment.
``volume_weights``
    Each scenario's volume weight under global succession; needs ``analysis.volume_weights``.
``likelihood``
    The outcome distribution over judgment draws (band chart and table); needs ``likelihood=`` an
    :class:`~scenarist.probability.distribution.OutcomeDistribution`.
``sensitivity``
    The judgments whose ±1 move shifts the outcome most, and the response to the priors; needs ``sensitivity=`` a
    :class:`~scenarist.probability.sensitivity.SensitivityResult`.
``model``
    The appendix: descriptors and variants, the cross-impact matrix, and the judgments, actors, indicators and
    sources the model has.

:data:`DEFAULT_SECTIONS` is what ``scenarist analyze --report`` shows: every section but ``volume_weights``, which
must be asked for (``analyze --basins``). The page always opens with the title, a table of contents and a summary
(model size, tolerance, interventions, scenarios found) and ends with a footer. A section asked for always appears;
when the model has nothing for it (no reference scenarios, no outcome descriptor, an outcome fixed by an
intervention) it holds one sentence saying so.

This module renders what it is given and computes no probability: the caller computes the likelihood and the
sensitivity (:func:`scenarist.report` does, with the defaults of ``scenarist likelihood``) and passes them in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ..analysis import Analysis
from ..errors import OptionError

if TYPE_CHECKING:
    from ..probability.distribution import OutcomeDistribution
    from ..probability.sensitivity import SensitivityResult

#: Scenario columns shown in the report's tableau at most; the rest are counted, and offered as a CSV file inside
#: the page (up to :data:`MAX_CSV_SCENARIOS`) and by ``scenarist analyze --json``.
MAX_TABLEAU_COLUMNS = 200
#: Most scenarios written into the report's embedded CSV file (a row of variant ids each); beyond, only the JSON.
MAX_CSV_SCENARIOS = 20_000
#: Judgments listed in the sensitivity section (the most influential first).
SENSITIVITY_TOP = 10

#: Every section of the analysis report, in page order (see the module docstring for what each holds).
SECTIONS: tuple[str, ...] = (
    "tableau",
    "references",
    "outcome",
    "volume_weights",
    "likelihood",
    "sensitivity",
    "model",
)
#: The sections of ``scenarist analyze --report``: all of :data:`SECTIONS` but ``volume_weights``.
DEFAULT_SECTIONS: tuple[str, ...] = ("tableau", "references", "outcome", "likelihood", "sensitivity", "model")

#: Fragment id and table-of-contents entry of each section (the model appendix has one entry per part, see
#: :func:`_contents`); the headings in the templates read the same.
_ANCHORS = {
    "tableau": ("tableau", "Scenario tableau"),
    "references": ("references", "Reference scenarios"),
    "outcome": ("outcome", "Outcome"),
    "volume_weights": ("sec-volume-weights", "Volume weights"),
    "likelihood": ("sec-likelihoods", "Likelihoods"),
    "sensitivity": ("sec-sensitivity", "Sensitivity"),
}


def _environment():
    """The Jinja2 environment of the report templates: autoescaped, strict about undefined names."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("scenarist.reporting", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cite"] = format_citations
    env.filters["link"] = link
    env.filters["pct"] = lambda x: f"{100 * x:.0f} %"
    env.filters["pct1"] = _pct1
    env.filters["pct1_tight"] = lambda x: _pct1(x, "")
    env.filters["num"] = lambda x: f"{x:,}".replace(",", "\u202f")
    env.filters["thousands"] = lambda x: f"{x:,}"
    env.filters["share4"] = lambda x: f"{x:.4%}"
    env.filters["signed"] = lambda x: f"{x:+d}"
    env.filters["shift"] = lambda shifts, k: "–" if shifts is None else f"{100 * shifts[k]:+.1f}"
    env.filters["score3"] = lambda x: "∞" if math.isinf(x) else f"{x:.3f}"
    env.globals["is_web"] = _is_web
    env.globals["zip"] = zip
    return env


def _pct1(x, space: str = " ") -> str:
    """``0.1234`` → ``"12.3 %"`` (``space`` before the sign); ``"–"`` for None or NaN."""
    if x is None or math.isnan(float(x)):
        return "–"
    return f"{100 * float(x):.1f}{space}%"


def _is_web(address: str | None) -> bool:
    return bool(address) and re.match(r"^https?://", address, re.IGNORECASE) is not None


def format_citations(citations: Iterable) -> str:
    """``"notes §4 n. 3, 5; other p. 12"`` from citations (pydantic ``Citation`` objects or dicts with ``source``
    and optional ``section``, ``endnotes``, ``page``); ``""`` for none. Plain text (the template escapes it)."""
    parts = []
    for c in citations or ():
        c = c if isinstance(c, dict) else c.model_dump(exclude_none=True)
        text = str(c["source"])
        if c.get("section"):
            text += f" §{c['section']}"
        if c.get("endnotes"):
            text += " n. " + ", ".join(str(n) for n in c["endnotes"])
        if c.get("page"):
            text += f" p. {c['page']}"
        parts.append(text)
    return "; ".join(parts)


def link(address: str | None) -> Markup:
    """An address as a link when it is a web address (http, https), otherwise as escaped text; empty for none."""
    if not address:
        return Markup("")
    if _is_web(address):
        return Markup('<a href="{0}" rel="noopener">{0}</a>').format(address)
    return Markup("{0}").format(address)


def _tableau(analysis: Analysis, max_columns: int) -> dict:
    """Rows of the tableau: per descriptor, the scenario cells then the reference cells."""
    c = analysis.compiled
    sc = analysis.scenarios
    shown = min(len(sc), max_columns)
    rows = []
    for d in range(c.n_descriptors):
        cells = [{"name": c.variant_names[d][int(v)], "pos": int(v)} for v in sc.scenarios[:shown, d]]
        refs = []
        for r in analysis.references:
            did = c.descriptor_ids[d]
            v = c.variant_ids[d].index(r.variants[did])
            # Against an intervention, the inconsistency counts nothing (see ReferenceResult.contradicts).
            ic = 0 if r.contradicts else r.descriptor_inconsistency[did]
            refs.append({"name": c.variant_names[d][v], "pos": v, "ic": ic, "contradicts": did in r.contradicts})
        rows.append(
            {
                "id": c.descriptor_ids[d],
                "name": c.descriptor_names[d],
                "exogenous": bool(c.exogenous[d]),
                "fixed": c.descriptor_ids[d] in analysis.fixed,
                "cells": cells,
                "refs": refs,
            }
        )
    return {
        "rows": rows,
        "numbers": list(range(1, shown + 1)),
        "ic": sc.inconsistency[:shown].tolist(),
        "cv": sc.consistency_value[:shown].tolist(),
        "tis": sc.total_impact_score[:shown].tolist(),
        "hidden": len(sc) - shown,
        "csv": _scenarios_csv_link(analysis) if shown < len(sc) <= MAX_CSV_SCENARIOS else None,
    }


def scenarios_csv(analysis: Analysis) -> str:
    """Every scenario found as CSV text: ``number``, one column per descriptor id (variant ids), ``inconsistency``,
    ``consistency_value``, ``total_impact_score``; one row per scenario in tableau order."""
    import csv
    import io

    c = analysis.compiled
    sc = analysis.scenarios
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["number", *c.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score"])
    for i, row in enumerate(sc.scenarios.tolist()):
        w.writerow(
            [
                i + 1,
                *(c.variant_ids[d][v] for d, v in enumerate(row)),
                int(sc.inconsistency[i]),
                int(sc.consistency_value[i]),
                int(sc.total_impact_score[i]),
            ]
        )
    return buf.getvalue()


def _scenarios_csv_link(analysis: Analysis) -> str:
    """A ``data:`` address holding :func:`scenarios_csv`, so the page stays one self-contained file."""
    from urllib.parse import quote

    return "data:text/csv;charset=utf-8," + quote(scenarios_csv(analysis), safe="")


# -- which sections, and what each needs ------------------------------------------------------------------------


def _requested(sections: Iterable[str] | str) -> tuple[str, ...]:
    """The sections asked for, in page order; OptionError on an unknown name."""
    names = (sections,) if isinstance(sections, str) else tuple(sections)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise OptionError(
            f"unknown report section{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"the sections are: {', '.join(SECTIONS)}"
        )
    return tuple(n for n in SECTIONS if n in names)


def _no_outcome_reason(analysis: Analysis, what: str) -> str | None:
    """Why the model has no ``what`` to show (no outcome descriptor, or an outcome fixed by an intervention), or
    None when it has one."""
    outcome = analysis.model.outcome
    if outcome is None:
        return f"The model has no outcome descriptor: no {what} to show."
    if outcome.id in analysis.fixed:
        return f"The outcome is fixed by an intervention: no {what} to show."
    return None


def _likelihood_view(analysis: Analysis, likelihood: Any, asked: bool) -> tuple[dict | None, str | None]:
    """What the likelihood partial shows: ``(view, None)``, or ``(None, reason)`` when the model has no outcome
    distribution to show. Raises OptionError when the section is asked for and the distribution is missing."""
    if not asked:
        return None, None
    from ..probability.distribution import DEFAULT_DRAWS, DEFAULT_SEED, OutcomeDistribution

    if likelihood is None:
        reason = _no_outcome_reason(analysis, "distribution")
        if reason is not None:
            return None, reason
        raise OptionError(
            "report section 'likelihood' needs likelihood=, an OutcomeDistribution (compute it with "
            "scenarist.probability.outcome_distribution(model, fixed=analysis.fixed or None)), "
            "or leave 'likelihood' out of sections"
        )
    if not isinstance(likelihood, OutcomeDistribution):
        raise OptionError(f"likelihood= must be an OutcomeDistribution, not {type(likelihood).__name__}")
    if likelihood.model_id != analysis.model.metadata.id:
        raise OptionError(
            f"likelihood= is the distribution of model {likelihood.model_id!r}, not of the analysed model "
            f"{analysis.model.metadata.id!r}"
        )
    from .plots import band_chart

    d = likelihood
    return {
        "distribution": d,
        "marginal": d.marginal(),
        "words": {c.variants[0]: c for c in d.comparisons if len(c.variants) == 1},
        "joint": [c for c in d.comparisons if len(c.variants) > 1],
        "defaults": d.draws == DEFAULT_DRAWS and d.seed == DEFAULT_SEED,
        "chart": Markup(band_chart(d)),
    }, None


def _sensitivity_view(analysis: Analysis, sensitivity: Any, asked: bool) -> tuple[dict | None, str | None]:
    """What the sensitivity partial shows: ``(view, None)`` or ``(None, reason)``; OptionError as for the
    likelihood."""
    if not asked:
        return None, None
    from ..probability.sensitivity import SensitivityResult

    if sensitivity is None:
        reason = _no_outcome_reason(analysis, "sensitivity")
        if reason is not None:
            return None, reason
        raise OptionError(
            "report section 'sensitivity' needs sensitivity=, a SensitivityResult (compute it with "
            "scenarist.probability.sensitivity(model, fixed=analysis.fixed or None)), "
            "or leave 'sensitivity' out of sections"
        )
    if not isinstance(sensitivity, SensitivityResult):
        raise OptionError(f"sensitivity= must be a SensitivityResult, not {type(sensitivity).__name__}")
    return {
        "result": sensitivity,
        "labels": [*sensitivity.variant_ids, "none"],
        "top": sensitivity.top(SENSITIVITY_TOP),
    }, None


def _check_volume_weights(analysis: Analysis) -> None:
    vw = analysis.volume_weights
    if vw is None:
        raise OptionError(
            "report section 'volume_weights' needs analysis.volume_weights (analyze with basins=True, "
            "or `scenarist analyze --basins`), or leave 'volume_weights' out of sections"
        )
    if len(vw.weights) != len(analysis.scenarios):
        raise OptionError(
            f"analysis.volume_weights has {len(vw.weights)} weights for {len(analysis.scenarios)} scenarios"
        )


def _contents(analysis: Analysis, shown: tuple[str, ...], extra: Iterable[tuple[str, str]] = ()) -> list:
    """The table of contents: ``(anchor, heading)`` per section shown, ``extra`` ones before the model appendix."""
    out = []
    for name in shown:
        if name == "model":
            continue
        anchor, heading = _ANCHORS[name]
        if name == "outcome" and analysis.outcome is not None:
            heading = f"Outcome: {analysis.outcome.descriptor_name}"
        out.append((anchor, heading))
    out.extend(extra)
    if "model" in shown:
        model = analysis.model
        out += [("descriptors", "Descriptors and variants"), ("matrix", "Cross-impact matrix")]
        parts = (
            ("judgments", "Judgments", model.judgments),
            ("actors", "Actors", model.actors),
            ("indicators", "Indicators", model.indicators),
            ("sources", "Sources", model.sources),
        )
        out += [(anchor, heading) for anchor, heading, present in parts if present]
    return out


def _render(
    template: str,
    analysis: Analysis,
    shown: tuple[str, ...],
    *,
    likelihood: Any,
    sensitivity: Any,
    title: str | None,
    max_columns: int,
    generated: dt.datetime | None,
    extra_contents: Iterable[tuple[str, str]] = (),
    **context: Any,
) -> str:
    """Render ``template`` (``report.html`` or a page extending it) for ``analysis`` with the sections ``shown``."""
    if max_columns < 1:
        raise OptionError(f"max_columns must be ≥ 1, got {max_columns}")
    if "volume_weights" in shown:
        _check_volume_weights(analysis)
    lk, lk_absent = _likelihood_view(analysis, likelihood, "likelihood" in shown)
    sn, sn_absent = _sensitivity_view(analysis, sensitivity, "sensitivity" in shown)
    from .plots import matrix_heatmap, outcome_chart

    model = analysis.model
    outcome_svg = None
    classification = None
    if "outcome" in shown and analysis.outcome is not None:
        outcome_svg = Markup(outcome_chart(analysis.outcome))
        from ..classification import classify

        classification = classify(analysis)  # None when the outcome's variants carry no rule
    matrix_svg = None
    if "model" in shown:
        matrix_svg = Markup(matrix_heatmap(analysis.compiled, (model.metadata.scale.min, model.metadata.scale.max)))
    names = {d.id: d.name for d in model.descriptors}
    variant_names = {(d.id, v.id): v.name for d in model.descriptors for v in d.variants}

    def ref_name(ref: str) -> str:
        d, _, v = ref.partition(".")
        return f"{names.get(d, d)}: {variant_names.get((d, v), v)}"

    generated = generated or dt.datetime.now(dt.UTC)
    return (
        _environment()
        .get_template(template)
        .render(
            title=title or model.metadata.title,
            a=analysis,
            model=model,
            meta=model.metadata,
            size=analysis.size(),
            fixed=analysis.fixed,
            shown=shown,
            contents=_contents(analysis, shown, extra_contents),
            tableau=_tableau(analysis, max_columns) if "tableau" in shown else None,
            csv_name=f"{model.metadata.id}-scenarios.csv",
            outcome=analysis.outcome,
            outcome_svg=outcome_svg,
            classification=classification,
            matrix_svg=matrix_svg,
            lk=lk,
            lk_absent=lk_absent,
            sn=sn,
            sn_absent=sn_absent,
            names=names,
            ref_name=ref_name,
            vname=lambda d, v: variant_names.get((d, v), v),
            endnotes_of=lambda src: sorted({*([src.endnote] if src.endnote else []), *src.endnotes}),
            generated=generated.strftime("%Y-%m-%d %H:%M UTC"),
            **context,
        )
    )


def build_report(
    analysis: Analysis,
    sections: Iterable[str] | str = DEFAULT_SECTIONS,
    *,
    likelihood: OutcomeDistribution | None = None,
    sensitivity: SensitivityResult | None = None,
    title: str | None = None,
    max_columns: int = MAX_TABLEAU_COLUMNS,
    generated: dt.datetime | None = None,
) -> str:
    """Render the HTML report of an analysis as one self-contained page.

    Parameters
    ----------
    analysis : Analysis
        As :func:`scenarist.analysis.analyze` returns it.
    sections : iterable of str, or one str
        Names from :data:`SECTIONS`; default :data:`DEFAULT_SECTIONS` (tableau, references, outcome, likelihood,
        sensitivity, model). Each one named appears, in page order (the order given and repeats do not matter);
        no other section does. The title, table of contents, summary and footer are always there.
    likelihood : OutcomeDistribution, optional
        Needed by the ``likelihood`` section, e.g. ``outcome_distribution(model, fixed=analysis.fixed or None,
        draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)``; rendered as given (this function computes no probability). Not
        needed when the model has no outcome descriptor or the analysis fixes the outcome: the section then says so.
    sensitivity : SensitivityResult, optional
        Needed by the ``sensitivity`` section, e.g. ``sensitivity(model, fixed=analysis.fixed or None)``; the same
        exceptions as ``likelihood``. Its :data:`SENSITIVITY_TOP` most influential judgments are listed.
    title : str, optional
        Page title; default: the model's title.
    max_columns : int, ≥ 1
        Scenario columns shown in the tableau; the number left out is stated, and all scenarios are offered as a
        CSV file embedded in the page (up to :data:`MAX_CSV_SCENARIOS`) and by ``scenarist analyze --json``.
    generated : datetime, optional
        Time stamp printed in the footer (as UTC); default: now.

    Returns
    -------
    str
        The HTML document (UTF-8 text, inline CSS and SVG, no script, no external asset).

    Raises
    ------
    OptionError
        An unknown section name (the message lists the known ones); ``likelihood`` asked for without
        ``likelihood=`` (or with a distribution of another model), ``sensitivity`` without ``sensitivity=``,
        ``volume_weights`` without ``analysis.volume_weights``; ``max_columns`` < 1.

    Examples
    --------
    >>> from scenarist.analysis import analyze
    >>> from scenarist.io.yaml_model import load_model
    >>> html = build_report(analyze(load_model("example")), ["tableau", "model"])
    >>> 'data-section="tableau"' in html, 'data-section="likelihood"' in html
    (True, False)
    """
    shown = _requested(sections)
    return _render(
        "report.html",
        analysis,
        shown,
        likelihood=likelihood,
        sensitivity=sensitivity,
        title=title,
        max_columns=max_columns,
        generated=generated,
    )


def write_report(path, html: str, inputs=(), option: str = "--report") -> None:
    """Write the report atomically (all or nothing) to ``path``.

    Parameters
    ----------
    path : str or path-like
        The output file; a symbolic link is written through (its target is replaced).
    html : str
        The document, as :func:`build_report` or :func:`~scenarist.reporting.build_track_report` return it;
        written as UTF-8.
    inputs : iterable of path-like
        Files the command read; writing over one of them is refused.
    option : str
        The option that named ``path``, for messages.

    Raises
    ------
    OptionError
        The path is empty, names something other than a regular file (a directory, a device), lies in a directory
        that does not exist, is one of ``inputs``, or cannot be written; nothing is left behind.
    """
    from ..io.output import check_output_path, write_atomic

    check_output_path(path, inputs=inputs, option=option)
    try:
        write_atomic(path, html)
    except OSError as exc:
        raise OptionError(f"{option} {path}: cannot write: {exc}") from None


__all__ = [
    "DEFAULT_SECTIONS",
    "MAX_CSV_SCENARIOS",
    "MAX_TABLEAU_COLUMNS",
    "SECTIONS",
    "SENSITIVITY_TOP",
    "build_report",
    "format_citations",
    "link",
    "scenarios_csv",
    "write_report",
]
