"""The track report's "Contradicted claims" section escapes each text exactly once.

The issue showed ``Russia&#39;s`` on the page: text escaped twice. Here a claim with an apostrophe, an ampersand and
a ``<script>`` element goes through the report; an HTML parser must read back exactly the text the claim holds (once
escaped: the browser shows the apostrophe; twice escaped: it shows ``&#39;``), and no markup of the claim's own may
reach the page.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest

from scenarist.evidence.items import ContradictedClaim, ItemSource
from scenarist.evidence.replay import track
from scenarist.loading import load
from scenarist.model import Citation
from scenarist.reporting.track import build_track_report

CLAIM = "Russia's & Iran's \"partnership\" <script>alert('x')</script>"
BY = "Tom & Jerry's <b>reply</b> (A&B)"
OUTLET = "O'Brien & Sons <i>Weekly</i>"
ADDRESS = "https://example.org/a?b=1&c='2'"


class _Section(HTMLParser):
    """Text of the claims section as a browser shows it, and the tags it holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = 0
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "section" and ("id", "sec-contradicted-claims") in attrs:
            self.inside = 1
        elif self.inside:
            self.inside += tag == "section"
            self.tags.append(tag)
            self.attrs.extend(attrs)

    def handle_endtag(self, tag):
        if self.inside and tag == "section":
            self.inside -= 1

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    model = load("example")
    claim = ContradictedClaim(
        id="c-1",
        claim=CLAIM,
        contradicted_by=BY,
        citation=Citation(source="notes", section="S&P's <note>"),
        sources=(ItemSource(outlet=OUTLET, address=ADDRESS, accessed=dt.date(2025, 3, 1)),),
    )
    return build_track_report(model, track(model, [], claims=[claim]), generated=dt.datetime(2025, 1, 1))


def test_claim_text_is_escaped_exactly_once(page):
    section = _Section()
    section.feed(page)
    shown = "".join(section.text)
    for text in (CLAIM, BY, OUTLET, "S&P's <note>"):
        assert text in shown, shown  # read back as written: escaped once, not twice
    for twice in ("&amp;#39;", "&amp;amp;", "&amp;lt;", "&amp;#34;", "&amp;quot;"):
        assert twice not in page
    assert "script" not in section.tags and "b" not in section.tags and "i" not in section.tags
    assert "<script>alert" not in page
    assert ("href", ADDRESS) in section.attrs  # the link's address, escaped once in its attribute


def test_the_raw_page_holds_each_special_character_escaped_once(page):
    start = page.index('<section id="sec-contradicted-claims"')
    html = page[start : page.index("</section>", start)]
    assert "Russia&#39;s &amp; Iran&#39;s &#34;partnership&#34; &lt;script&gt;" in html
    assert "Tom &amp; Jerry&#39;s &lt;b&gt;reply&lt;/b&gt; (A&amp;B)" in html
