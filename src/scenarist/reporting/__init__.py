"""The HTML report: one self-contained page (inline CSS and SVG) built from an analysis.

See :mod:`scenarist.reporting.builder` for how other analyses add their sections.
"""

from .builder import (
    MAX_CSV_SCENARIOS,
    MAX_TABLEAU_COLUMNS,
    Section,
    build_report,
    escape,
    format_citations,
    register_section,
    registered_sections,
    scenarios_csv,
    write_report,
)

__all__ = [
    "MAX_CSV_SCENARIOS",
    "MAX_TABLEAU_COLUMNS",
    "Section",
    "build_report",
    "escape",
    "format_citations",
    "register_section",
    "registered_sections",
    "scenarios_csv",
    "write_report",
]
