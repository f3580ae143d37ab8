"""The HTML reports: self-contained pages (inline CSS and SVG) rendered from Jinja2 templates with autoescaping.

* :func:`build_report`: the report of an analysis, with the sections asked for (:data:`SECTIONS`, default
  :data:`DEFAULT_SECTIONS`; see :mod:`scenarist.reporting.builder`);
* :func:`build_track_report`: the report of an evidence replay (see :mod:`scenarist.reporting.track`);
* :func:`write_report`: writes either atomically, never over an input file.

The charts are in :mod:`scenarist.reporting.plots`. Nothing here computes a probability: results are passed in.
"""

from .builder import (
    DEFAULT_SECTIONS,
    MAX_CSV_SCENARIOS,
    MAX_TABLEAU_COLUMNS,
    SECTIONS,
    SENSITIVITY_TOP,
    build_report,
    format_citations,
    link,
    scenarios_csv,
    write_report,
)
from .track import build_track_report

__all__ = [
    "DEFAULT_SECTIONS",
    "MAX_CSV_SCENARIOS",
    "MAX_TABLEAU_COLUMNS",
    "SECTIONS",
    "SENSITIVITY_TOP",
    "build_report",
    "build_track_report",
    "format_citations",
    "link",
    "scenarios_csv",
    "write_report",
]
