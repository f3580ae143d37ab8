"""The HTML report: self-contained (no external asset), holds the tableau in tableau order, the reference scenarios,
source addresses as links, escaped user text, an SVG outcome chart. Which sections a page shows:
test_report_sections.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scenarist.analysis import analyze
from scenarist.errors import OptionError
from scenarist.io.paths import packaged_models
from scenarist.io.yaml_model import load_model
from scenarist.probability import outcome_distribution, sensitivity
from scenarist.reporting import DEFAULT_SECTIONS, build_report, write_report

EXAMPLE = packaged_models()["example"]


#: The default sections but those that need a probability computed beforehand (likelihood, sensitivity).
NO_PROBABILITY = tuple(s for s in DEFAULT_SECTIONS if s not in ("likelihood", "sensitivity"))


class Tables(HTMLParser):
    """Collect every table as rows of cell texts, keyed by the table's class (or 'table')."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self.svgs = 0
        self.links: list[tuple[str, str]] = []  # (tag, address) of every src/href

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.links.append((tag, a[key]))
        if tag == "svg":
            self.svgs += 1
        if tag == "table":
            self._rows = []
            self.tables.append((a.get("class") or "table", self._rows))
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> Tables:
    p = Tables()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def model_with_addresses(tmp_path_factory):
    # The example plus one source with a web address, one with a non-web address, and a rationale with markup.
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        "    date: 2025-01-01\n",
        "    date: 2025-01-01\n    address: https://example.org/notes?a=1&b=2\n"
        "  - id: archive\n    title: Archive copy\n    address: Box 12, National Archive\n    endnote: 7\n"
        "    endnotes: [9, 7]\n",
        1,
    )
    text = text.replace("rationale: Liberals keep talking.", 'rationale: "Liberals <b>keep</b> talking & wait."')
    path = tmp_path_factory.mktemp("m") / "model.yaml"
    path.write_text(text, encoding="utf-8")
    return load_model(path)


@pytest.fixture(scope="module")
def html(model_with_addresses):
    m = model_with_addresses
    return build_report(analyze(m), likelihood=outcome_distribution(m, draws=20, seed=0), sensitivity=sensitivity(m))


def test_self_contained(html):
    p = parse(html)
    assert p.svgs >= 3  # the outcome chart, the likelihood bands and the matrix heat map, inline
    assert "<link" not in html and "<script" not in html and "@import" not in html
    # The only addresses are in-page anchors and the model's own source links.
    assert all(addr.startswith("#") or tag == "a" for tag, addr in p.links)
    external = [addr for tag, addr in p.links if not addr.startswith("#")]
    assert external == ["https://example.org/notes?a=1&b=2"]


def test_tableau_in_tableau_order(html, model_with_addresses):
    result = analyze(model_with_addresses)
    rows = dict(parse(html).tables)["tableau"]
    header = rows[0]
    assert header[1:4] == ["1", "2", "3"] and header[4] == "Status quo 2024"
    by_name = {r[0]: r[1:] for r in rows[1:]}
    # Columns follow the tableau order of the search: recession/closed/nationalist/rupture first (TIS 9).
    for d, desc in enumerate(model_with_addresses.descriptors):
        row = next(v for k, v in by_name.items() if k.startswith(desc.name))
        expected = [desc.variants[int(i)].name for i in result.scenarios.scenarios[:, d]]
        assert row[:3] == expected
    assert by_name["Total impact score"] == ["9", "8", "8", "3"]
    assert by_name["Consistency value"] == ["0", "2", "0", "-1"]
    assert by_name["Inconsistency"] == ["0", "0", "0", "1"]
    # The reference's inconsistent descriptor is flagged with its inconsistency.
    assert next(v for k, v in by_name.items() if k.startswith("Domestic politics"))[3] == "Nationalist majority [1]"


def test_sections_sources_and_escaping(html):
    assert '<a href="https://example.org/notes?a=1&amp;b=2" rel="noopener">' in html
    assert "Box 12, National Archive" in html and 'href="Box' not in html
    assert '<code>archive</code><br><span class="note">n. 7, 9</span>' in html
    assert "Liberals &lt;b&gt;keep&lt;/b&gt; talking &amp; wait." in html
    assert "<b>keep</b>" not in html
    for anchor in (
        "summary",
        "tableau",
        "references",
        "outcome",
        "descriptors",
        "matrix",
        "judgments",
        "actors",
        "indicators",
        "sources",
    ):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    # Outcome variants, observables and horizons; actors; the indicator.
    assert "New tariffs above 25 % on more than half of bilateral trade." in html and "2030-12-31" in html
    assert "Government of A" in html and "prefers Open" in html
    assert "A cuts tariffs" in html
    assert "Teaching notes for the Scenarist worked example" in html
    refs = next(r for c, r in parse(html).tables if r and r[0][0] == "Reference scenario")
    assert refs[1][1:5] == ["1", "-1", "3", "none"]


def test_outcome_chart_is_svg_with_the_assessment(html):
    chart = re.search(r'<section id="outcome"[^>]*>.*?</section>', html, re.S).group(0)
    svg = chart[chart.index("<svg") : chart.index("</svg>")]
    # Text stays text in the SVG: the variant names, the counts and the source's terms are readable.
    for text in ("Integration", "Managed truce", "Rupture", "1 of 3", "likely", "unlikely"):
        assert text in svg
    # The table beside it: count, share and the WEP range of the source's term.
    outcome = next(r for c, r in parse(html).tables if r and r[0][:3] == ["Variant", "Scenarios", "Share"])
    assert outcome[1][:5] == ["Integration", "1", "33 %", "likely", "55 %–80 %"]
    assert outcome[4][:3] == ["jointly: Integration or Managed truce", "2", "67 %"]


def test_many_scenarios_are_capped(model_with_addresses):
    result = analyze(model_with_addresses, max_inconsistency=3)
    assert len(result.scenarios) > 2
    html = build_report(result, NO_PROBABILITY, max_columns=2)
    header = dict(parse(html).tables)["tableau"][0]
    assert header[1:3] == ["1", "2"] and header[3] == "Status quo 2024"
    assert f"Shown: the first 2 of {len(result.scenarios)} scenarios ({len(result.scenarios) - 2} not shown)" in html
    # #10: every scenario is in a CSV file inside the page (a data: address), in tableau order, variant ids.
    from urllib.parse import unquote

    (link,) = [a for t, a in parse(html).links if a.startswith("data:text/csv")]
    rows = [line.split(",") for line in unquote(link.split(",", 1)[1]).splitlines()]
    c = result.compiled
    assert rows[0] == ["number", *c.descriptor_ids, "inconsistency", "consistency_value", "total_impact_score"]
    assert len(rows) == 1 + len(result.scenarios)
    for i, row in enumerate(rows[1:]):
        assert row[0] == str(i + 1)
        assert row[1:5] == [c.variant_ids[d][v] for d, v in enumerate(result.scenarios.scenarios[i])]
        assert row[5:] == [
            str(int(result.scenarios.inconsistency[i])),
            str(int(result.scenarios.consistency_value[i])),
            str(int(result.scenarios.total_impact_score[i])),
        ]
    assert 'download="example-trade-scenarios.csv"' in html
    # Beyond MAX_CSV_SCENARIOS, no CSV: the note points to --json only.
    import scenarist.reporting.builder as b

    saved, b.MAX_CSV_SCENARIOS = b.MAX_CSV_SCENARIOS, 2
    try:
        small = build_report(result, NO_PROBABILITY, max_columns=2)
    finally:
        b.MAX_CSV_SCENARIOS = saved
    assert "data:text/csv" not in small and "<code>--json</code>" in small
    with pytest.raises(OptionError):
        build_report(result, NO_PROBABILITY, max_columns=0)


def test_write_report_atomic(tmp_path):
    target = tmp_path / "r.html"
    write_report(target, "<html></html>")
    assert target.read_text() == "<html></html>"
    with pytest.raises(OptionError, match="does not exist"):
        write_report(tmp_path / "no" / "r.html", "x")
    with pytest.raises(OptionError, match="is a directory"):
        write_report(tmp_path, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_model_without_outcome_or_references(write_model):
    text = """
metadata: {id: bare, title: Bare, provenance: optional}
descriptors:
  - {id: A, name: A, variants: [{id: a1, name: a1}, {id: a2, name: a2}]}
  - {id: B, name: B, variants: [{id: b1, name: b1}, {id: b2, name: b2}]}
judgments:
  - {from: A.a1, to: B.b1, score: 1}
  - {from: B.b1, to: A.a1, score: 1}
"""
    model = load_model(write_model(text))
    html = build_report(analyze(model))  # no outcome: the likelihood and sensitivity sections need no result
    assert 'id="sources"' not in html and "<svg" in html  # the matrix heat map, and no outcome chart
    assert html.count("<svg") == 1
    # Sections asked for appear, and say why they are empty.
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "The model defines no reference scenarios." in text
    assert "The model has no outcome descriptor: no distribution over an outcome's variants to show." in text
    assert "The model has no outcome descriptor: no distribution to show." in text
    assert "The model has no outcome descriptor: no sensitivity to show." in text


def test_packaged_template_exists():
    # The template ships as package data (pyproject: reporting/templates/*.html).
    import scenarist.reporting as report

    assert (Path(report.__file__).parent / "templates" / "report.html").is_file()


@pytest.mark.parametrize("name", sorted(packaged_models()))
def test_report_on_every_packaged_model(name):
    # Real models exercise fields the small fixtures do not (endnotes, long names, many scenarios).
    model = load_model(name)
    result = analyze(model)
    html = build_report(
        result, likelihood=outcome_distribution(model, draws=20, seed=0), sensitivity=sensitivity(model)
    )
    p = parse(html)
    assert p.svgs >= 1 + 2 * (result.outcome is not None)
    rows = dict(p.tables)["tableau"]
    assert len(rows) == len(model.descriptors) + 4  # header, descriptors, IC, CV, TIS
    for s in model.sources:
        if s.address and s.address.startswith("http"):
            assert ("a", s.address) in p.links


def test_wep_sentence_reads(html):
    # #14: "mapped to a probability range by the ICD 203 (…), plus one entry of ours table." — the table's name now
    # stands apart from the sentence.
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert (
        "Each of the source's terms is mapped to a probability range by the model's words-of-estimative-probability "
        "table, “ICD 203 (US Intelligence Community Directive 203, 2015)”. A share of scenarios is not a probability"
    ) in text
    assert "2015) table" not in text


def test_reference_contradicting_an_intervention(model_with_addresses):
    # #20: under --fix politics=liberal the status quo (nationalist) is no scenario; the report says so instead of
    # printing an inconsistency that leaves the fixed descriptor out.
    result = analyze(model_with_addresses, fixed={"politics": "liberal"})
    html = build_report(result, NO_PROBABILITY)
    tables = parse(html).tables
    rows = dict(tables)["tableau"]
    by_name = {r[0]: r[1:] for r in rows[1:]}
    politics = next(v for k, v in by_name.items() if k.startswith("Domestic politics"))
    assert politics[-1] == "Nationalist majority (≠ fixed)"
    assert by_name["Inconsistency"][-1] == "—" and by_name["Consistency value"][-1] == "—"
    refs = next(r for c, r in tables if r and r[0][0] == "Reference scenario")
    assert refs[1][1] == (
        "contradicts the intervention on Domestic politics in B (it has Nationalist majority; fixed: Liberal majority)"
    )
    assert refs[1][3] == "none: not a scenario under the interventions"
