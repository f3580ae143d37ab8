"""Build the self-contained HTML report of an :class:`~scenarist.analysis.Analysis`.

The page is one Jinja2 template (``templates/report.html``) with inline CSS and inline SVG charts: no external
asset, so the file can be mailed or archived as it is.

Adding a section
----------------
Other analyses (likelihoods, basins of attraction, tracking) add their own section in one of two ways:

* pass it per call: ``build_report(analysis, extra_sections=[Section("Likelihoods", html)])``;
* or register a builder once, at import time, that is asked for its section on every report::

      @register_section
      def basins_section(analysis):
          return Section("Basins of attraction", "<p>…</p>")   # or None to add nothing

Extra sections appear after the built-in results (tableau, reference scenarios, outcome) and before the model
appendix (descriptors, matrix, judgments, actors, indicators, sources), in the order given (registered ones first).
A section's ``html`` is trusted markup: escape user text in it with :func:`escape`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from markupsafe import Markup, escape

from ..analysis import Analysis
from ..errors import OptionError

#: Scenario columns shown in the report's tableau at most; the rest are counted, and offered as a CSV file inside
#: the page (up to :data:`MAX_CSV_SCENARIOS`) and by ``scenarist analyze --json``.
MAX_TABLEAU_COLUMNS = 200
#: Most scenarios written into the report's embedded CSV file (a row of variant ids each); beyond, only the JSON.
MAX_CSV_SCENARIOS = 20_000


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    title : str
        Heading (plain text; escaped).
    html : str
        Body markup, trusted as it is (escape any user text with :func:`escape`).
    anchor : str or None
        Fragment id for the table of contents; derived from the title when ``None``.
    """

    title: str
    html: str
    anchor: str | None = None

    @property
    def id(self) -> str:
        """The section's fragment id (``anchor`` or a slug of ``title``)."""
        return self.anchor or "sec-" + (re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "section")


SectionBuilder = Callable[[Analysis], "Section | None"]
_REGISTRY: list[SectionBuilder] = []


def register_section(builder: SectionBuilder) -> SectionBuilder:
    """Register ``builder(analysis) -> Section | None``, asked for a section by every :func:`build_report`.

    Usable as a decorator; registering the same builder twice has no effect. Returns ``builder``.
    """
    if builder not in _REGISTRY:
        _REGISTRY.append(builder)
    return builder


def registered_sections() -> tuple[SectionBuilder, ...]:
    """The registered section builders, in registration order."""
    return tuple(_REGISTRY)


def _environment():
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
    env.filters["num"] = lambda x: f"{x:,}".replace(",", "\u202f")
    env.filters["signed"] = lambda x: f"{x:+d}"
    return env


def format_citations(citations: Iterable) -> str:
    """``"notes §4 n. 3, 5; other p. 12"`` from citations (pydantic ``Citation`` objects or dicts)."""
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
    """An address as a link when it is a web address (http, https), otherwise as escaped text."""
    if not address:
        return Markup("")
    if re.match(r"^https?://", address, re.IGNORECASE):
        return Markup('<a href="{0}" rel="noopener">{0}</a>').format(address)
    return Markup("{0}").format(address)


def _tableau(analysis: Analysis, max_columns: int) -> dict:
    """Rows of the tableau: per descriptor, the scenario cells then the reference cells."""
    c = analysis.compiled
    sc = analysis.scenarios
    shown = min(len(sc), max_columns)
    rows = []
    for d in range(c.n_descriptors):
        cells = [
            {"name": c.variant_names[d][int(v)], "pos": int(v)} for v in sc.scenarios[:shown, d]
        ]
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
        w.writerow([i + 1, *(c.variant_ids[d][v] for d, v in enumerate(row)),
                    int(sc.inconsistency[i]), int(sc.consistency_value[i]), int(sc.total_impact_score[i])])
    return buf.getvalue()


def _scenarios_csv_link(analysis: Analysis) -> str:
    """A ``data:`` address holding :func:`scenarios_csv`, so the page stays one self-contained file."""
    from urllib.parse import quote

    return "data:text/csv;charset=utf-8," + quote(scenarios_csv(analysis), safe="")


def build_report(
    analysis: Analysis,
    extra_sections: Sequence[Section] = (),
    *,
    title: str | None = None,
    max_columns: int = MAX_TABLEAU_COLUMNS,
    generated: dt.datetime | None = None,
) -> str:
    """Render the HTML report of an analysis as one self-contained page.

    Parameters
    ----------
    analysis : Analysis
    extra_sections : sequence of Section
        Added after the built-in results, after any registered sections (see the module docstring).
    title : str, optional
        Page title; default: the model's title.
    max_columns : int, ≥ 1
        Scenario columns shown in the tableau; the number left out is stated, and all scenarios are offered as a
        CSV file embedded in the page (up to :data:`MAX_CSV_SCENARIOS`) and by ``scenarist analyze --json``.
    generated : datetime, optional
        Time stamp printed in the footer; default: now (UTC).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    OptionError
        ``max_columns`` < 1.
    """
    if max_columns < 1:
        raise OptionError(f"max_columns must be ≥ 1, got {max_columns}")
    from .plots import matrix_heatmap, outcome_chart

    model = analysis.model
    sections = [s for s in (b(analysis) for b in _REGISTRY) if s is not None]
    sections.extend(extra_sections)
    outcome_svg = None
    if analysis.outcome is not None:
        outcome_svg = Markup(outcome_chart(analysis.outcome))
    scale = (model.metadata.scale.min, model.metadata.scale.max)
    names = {d.id: d.name for d in model.descriptors}
    variant_names = {(d.id, v.id): v.name for d in model.descriptors for v in d.variants}

    def ref_name(ref: str) -> str:
        d, _, v = ref.partition(".")
        return f"{names.get(d, d)}: {variant_names.get((d, v), v)}"

    generated = generated or dt.datetime.now(dt.timezone.utc)
    return _environment().get_template("report.html").render(
        title=title or model.metadata.title,
        a=analysis,
        model=model,
        meta=model.metadata,
        size=analysis.size(),
        fixed=analysis.fixed,
        tableau=_tableau(analysis, max_columns),
        csv_name=f"{model.metadata.id}-scenarios.csv",
        outcome=analysis.outcome,
        outcome_svg=outcome_svg,
        matrix_svg=Markup(matrix_heatmap(analysis.compiled, scale)),
        sections=[{"id": s.id, "title": s.title, "html": Markup(s.html)} for s in sections],
        names=names,
        ref_name=ref_name,
        vname=lambda d, v: variant_names.get((d, v), v),
        endnotes_of=lambda src: sorted({*([src.endnote] if src.endnote else []), *src.endnotes}),
        generated=generated.strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(path, html: str, inputs=(), option: str = "--report") -> None:
    """Write the report atomically (all or nothing) to ``path``.

    Parameters
    ----------
    path : str or path-like
        The output file; a symbolic link is written through (its target is replaced).
    html : str
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
    "MAX_CSV_SCENARIOS",
    "MAX_TABLEAU_COLUMNS",
    "Section",
    "build_report",
    "escape",
    "format_citations",
    "link",
    "register_section",
    "registered_sections",
    "scenarios_csv",
    "write_report",
]
