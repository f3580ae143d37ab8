"""What every result object of the public API shares: a short ``repr`` and an HTML view for notebooks.

A result is a frozen dataclass that defines ``to_dict()`` (exactly what the matching command prints with
``--json``), ``to_frame()`` (a pandas DataFrame of its main table) and ``_summary()`` (a few headline facts).
This mixin turns ``_summary()`` into ``repr(result)`` — one line, never the whole model — and into the heading of
``_repr_html_``, which Jupyter shows with the first rows of ``to_frame()`` under it.
"""

from __future__ import annotations

import html
from typing import Any

#: Rows of ``to_frame()`` a notebook shows under the summary.
HTML_ROWS = 20


def _short(value: Any) -> str:
    """A summary value as text: strings quoted, floats to 4 significant digits, long text cut."""
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, str):
        text = repr(value if len(value) <= 60 else value[:59] + "…")
    else:
        text = str(value)
    return text


class Result:
    """Mixin of the API's result classes (declare them ``@dataclass(frozen=True, repr=False)``).

    Subclasses define ``_summary() -> dict`` (headline facts, a handful of short values) besides ``to_dict`` and
    ``to_frame``.
    """

    __slots__ = ()

    def _summary(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        facts = " ".join(f"{k}={_short(v)}" for k, v in self._summary().items())
        return f"<{type(self).__name__}{' ' if facts else ''}{facts}>"

    def _repr_html_(self) -> str:
        """HTML for notebooks: the summary as a definition list, then the first :data:`HTML_ROWS` rows of
        ``to_frame()`` (and how many more there are)."""
        facts = "".join(
            f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(_short(v))}</dd>" for k, v in self._summary().items()
        )
        out = f"<div><strong>{html.escape(type(self).__name__)}</strong><dl>{facts}</dl>"
        to_frame = getattr(self, "to_frame", None)
        if to_frame is not None:
            frame = to_frame()
            out += frame.head(HTML_ROWS).to_html(escape=True)
            if len(frame) > HTML_ROWS:
                out += f"<p>{len(frame) - HTML_ROWS:,} more row(s); <code>.to_frame()</code> has them all.</p>"
        return out + "</div>"
