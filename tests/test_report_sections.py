"""Which sections a report shows: exactly the ones asked for (read back from the page), whatever was imported
before; clear errors for unknown names and missing results; user text escaped in every template."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scenarist.analysis import VolumeWeights, analyze
from scenarist.errors import OptionError
from scenarist.io.paths import packaged_models
from scenarist.io.yaml_model import load_model
from scenarist.probability import outcome_distribution, sensitivity
from scenarist.reporting import DEFAULT_SECTIONS, SECTIONS, build_report, build_track_report

EXAMPLE = packaged_models()["example"]
EVIDENCE = Path(__file__).parent / "data" / "evidence" / "example.yaml"
#: Injected into user text; the reports hold no script of their own, so any "<script" in a page is a leak.
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def page_sections(html: str) -> tuple[str, ...]:
    """The sections of a page in page order, read from the ``data-section`` attribute of its <section> elements."""
    names = re.findall(r'<section id="[^"]+" data-section="([^"]+)"', html)
    return tuple(dict.fromkeys(names))


def contents(html: str) -> list[tuple[str, str]]:
    """The table of contents: (anchor, text) of each entry."""
    nav = re.search(r"<nav>.*?</nav>", html, re.S).group(0)
    return re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', nav)


def headings(html: str) -> dict[str, str]:
    """Section id → its <h2> text."""
    return dict(re.findall(r'<section id="([^"]+)"[^>]*>\s*<h2>(.*?)</h2>', html, re.S))


def section_html(html: str, name: str) -> str:
    """The markup of every <section> of one section name, concatenated."""
    parts = re.findall(rf'<section id="[^"]+" data-section="{name}">.*?</section>', html, re.S)
    assert parts, name
    return "".join(parts)


@pytest.fixture(scope="module")
def example():
    model = load_model(EXAMPLE)
    result = analyze(model)
    assert len(result.scenarios) == 3
    weights = VolumeWeights("exact", "global", 12, 1, np.array([7, 3, 1]), None)
    return {
        "model": model,
        "analysis": replace(result, volume_weights=weights),
        "likelihood": outcome_distribution(model, draws=20, seed=0),
        "sensitivity": sensitivity(model),
    }


def report(example, sections=DEFAULT_SECTIONS, **kwargs):
    return build_report(
        example["analysis"], sections, likelihood=example["likelihood"], sensitivity=example["sensitivity"], **kwargs
    )


def test_section_lists():
    assert SECTIONS == ("tableau", "references", "outcome", "volume_weights", "likelihood", "sensitivity", "model")
    assert tuple(s for s in SECTIONS if s != "volume_weights") == DEFAULT_SECTIONS


def test_default_page_has_exactly_the_default_sections(example):
    html = report(example)
    assert page_sections(html) == DEFAULT_SECTIONS
    # Headings and contents agree, entry by entry.
    toc = contents(html)
    assert [a for a, _ in toc] == [
        "summary",
        "tableau",
        "references",
        "outcome",
        "sec-likelihoods",
        "sec-sensitivity",
        "descriptors",
        "matrix",
        "judgments",
        "actors",
        "indicators",
        "sources",
    ]
    heads = headings(html)
    for anchor, text in toc:
        assert heads[anchor] == text, anchor
    assert heads["outcome"] == "Outcome: A–B relationship"
    assert heads["sec-likelihoods"] == "Likelihoods" and heads["sec-sensitivity"] == "Sensitivity"
    assert 'id="sec-volume-weights"' not in html and "Volume weights" not in html


@pytest.mark.parametrize(
    "chosen",
    [
        (),
        ("tableau",),
        ("model",),
        ("likelihood",),
        ("sensitivity", "outcome"),  # given out of order: the page keeps its own order
        ("volume_weights", "tableau", "volume_weights"),  # a repeat counts once
        SECTIONS,
    ],
)
def test_a_chosen_subset_gives_only_those(example, chosen):
    html = report(example, chosen)
    expected = tuple(s for s in SECTIONS if s in chosen)
    assert page_sections(html) == expected
    anchors = {a for a, _ in contents(html)}
    for name, anchor in (
        ("tableau", "tableau"),
        ("references", "references"),
        ("outcome", "outcome"),
        ("volume_weights", "sec-volume-weights"),
        ("likelihood", "sec-likelihoods"),
        ("sensitivity", "sec-sensitivity"),
        ("model", "matrix"),
    ):
        assert (anchor in anchors) == (name in chosen), name
        assert (f'id="{anchor}"' in html) == (name in chosen), name
    assert 'id="summary"' in html and "<footer>" in html  # always there


def test_one_name_as_a_string(example):
    assert page_sections(report(example, "tableau")) == ("tableau",)


def test_volume_weights_section(example):
    html = section_html(report(example, ["volume_weights"]), "volume_weights")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert (
        "Exact: how many start scenarios end in each scenario of the tableau under global succession; 1 of 12 end "
        "in cycles."
    ) in text
    for i, (w, share) in enumerate(zip([7, 3, 1], np.array([7, 3, 1]) / 12)):
        assert f"<tr><td>{i + 1}</td><td>{w}</td><td>{share:.4%}</td></tr>" in html
    sampled = replace(example["analysis"].volume_weights, method="sampled", total=100_000)
    html = build_report(replace(example["analysis"], volume_weights=sampled), ["volume_weights"])
    assert "Sampled from 100,000 starts: how many start scenarios" in html


FRESH = """
import json, sys
if sys.argv[1] == "cli":
    import scenarist.cli  # noqa: F401  (once registered a section as a side effect)
from scenarist.analysis import analyze
from scenarist.errors import OptionError
from scenarist.io.yaml_model import load_model
from scenarist.probability import outcome_distribution, sensitivity
from scenarist.reporting import build_report
import re

def sections(html):
    return list(dict.fromkeys(re.findall(r'data-section="([^"]+)"', html)))

out = {}
bare = load_model(sys.argv[2])  # no outcome: the default list needs no computed result
out["bare"] = sections(build_report(analyze(bare)))
m = load_model("example")
try:
    build_report(analyze(m))
    out["example"] = "no error"
except OptionError as exc:
    out["example"] = str(exc)
out["given"] = sections(build_report(analyze(m), likelihood=outcome_distribution(m, draws=5, seed=0),
                                     sensitivity=sensitivity(m)))
out["chosen"] = sections(build_report(analyze(m), ["tableau", "model"]))
print(json.dumps(out))
"""

BARE = """
metadata: {id: bare, title: Bare, provenance: optional}
descriptors:
  - {id: A, name: A, variants: [{id: a1, name: a1}, {id: a2, name: a2}]}
  - {id: B, name: B, variants: [{id: b1, name: b1}, {id: b2, name: b2}]}
judgments:
  - {from: A.a1, to: B.b1, score: 1}
  - {from: B.b1, to: A.a1, score: 1}
"""


@pytest.mark.slow  # about 13 s: two fresh interpreters, each building reports
def test_sections_do_not_depend_on_what_was_imported(tmp_path):
    """Each in a fresh interpreter: the same sections (and the same error) with or without ``scenarist.cli``."""
    bare = tmp_path / "bare.yaml"
    bare.write_text(BARE, encoding="utf-8")
    runs = {}
    for first in ("plain", "cli"):
        r = subprocess.run([sys.executable, "-c", FRESH, first, str(bare)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        runs[first] = json.loads(r.stdout.strip().splitlines()[-1])
    assert runs["plain"] == runs["cli"]
    assert runs["plain"]["bare"] == list(DEFAULT_SECTIONS)
    assert runs["plain"]["given"] == list(DEFAULT_SECTIONS)
    assert runs["plain"]["chosen"] == ["tableau", "model"]
    assert "needs likelihood=" in runs["plain"]["example"]


def test_unknown_section_names_the_known_ones(example):
    with pytest.raises(OptionError) as exc:
        report(example, ["tableau", "likelihoods"])
    assert str(exc.value) == (
        "unknown report section 'likelihoods'; the sections are: tableau, references, outcome, volume_weights, "
        "likelihood, sensitivity, model"
    )


@pytest.mark.parametrize(
    "section, fragment",
    [
        ("likelihood", "report section 'likelihood' needs likelihood=, an OutcomeDistribution"),
        ("sensitivity", "report section 'sensitivity' needs sensitivity=, a SensitivityResult"),
    ],
)
def test_a_section_without_its_result_is_an_error(example, section, fragment):
    with pytest.raises(OptionError, match=re.escape(fragment)):
        build_report(example["analysis"], [section])
    # Left out, it needs nothing.
    build_report(
        example["analysis"],
        [s for s in DEFAULT_SECTIONS if s != section],
        **{k: example[k] for k in ("likelihood", "sensitivity") if k != section},
    )


def test_volume_weights_need_them_in_the_analysis(example):
    bare = replace(example["analysis"], volume_weights=None)
    with pytest.raises(OptionError, match=re.escape("report section 'volume_weights' needs analysis.volume_weights")):
        build_report(bare, ["volume_weights"])
    assert len(bare.scenarios) == 3
    short = replace(example["analysis"].volume_weights, weights=np.array([1]))
    with pytest.raises(OptionError, match="has 1 weights for 3 scenarios"):
        build_report(replace(bare, volume_weights=short), ["volume_weights"])


def test_results_of_the_wrong_kind_or_model(example, write_model):
    with pytest.raises(OptionError, match="likelihood= must be an OutcomeDistribution, not SensitivityResult"):
        build_report(example["analysis"], ["likelihood"], likelihood=example["sensitivity"])
    with pytest.raises(OptionError, match="sensitivity= must be a SensitivityResult, not dict"):
        build_report(example["analysis"], ["sensitivity"], sensitivity={})
    other = EXAMPLE.read_text(encoding="utf-8").replace("id: example-trade", "id: other-trade", 1)
    other_model = load_model(write_model(other))
    with pytest.raises(OptionError, match="distribution of model 'other-trade'"):
        build_report(example["analysis"], ["likelihood"], likelihood=outcome_distribution(other_model, draws=0))


def test_outcome_fixed_by_an_intervention_explains_instead_of_failing(example):
    result = analyze(example["model"], fixed={"relationship": "truce"})
    html = build_report(result)  # no likelihood, no sensitivity needed
    assert page_sections(html) == DEFAULT_SECTIONS
    assert "<p>The outcome is fixed by an intervention: no distribution to show.</p>" in html
    assert "<p>The outcome is fixed by an intervention: no sensitivity to show.</p>" in html


def test_likelihood_wording_and_numbers(example):
    html = section_html(report(example, ["likelihood"]), "likelihood")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    d = example["likelihood"]
    m = d.marginal()
    # 20 draws are not the defaults: the page does not claim that `likelihood` prints the same numbers.
    assert "over 20 judgment draws (seed 0), weighting each combination" in text
    for i, name in enumerate(m.variant_names):
        assert f"{name} {100 * m.probability[i]:.1f} % {100 * m.low[i]:.1f} % – {100 * m.high[i]:.1f} %" in text
    assert "<svg" in html and "5–95 % band over judgment draws" in html
    from scenarist.probability import DEFAULT_DRAWS, DEFAULT_SEED

    default = outcome_distribution(example["model"], draws=DEFAULT_DRAWS, seed=DEFAULT_SEED)
    html = build_report(example["analysis"], ["likelihood"], likelihood=default)
    assert "over 500 judgment draws (seed 0; the defaults of <code>scenarist likelihood</code>" in html


# -- escaping ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The example model and evidence with markup in every kind of user text."""
    folder = tmp_path_factory.mktemp("hostile")
    text = EXAMPLE.read_text(encoding="utf-8")
    for old in (
        "name: World economy",
        "name: Integration",
        "name: Status quo 2024",
        "name: Government of A",
        "name: A cuts tariffs",
        "title: Teaching notes for the Scenarist worked example",
    ):
        assert old in text, old
        key, _, value = old.partition(": ")
        text = text.replace(old, f'{key}: "{value} {XSS}"', 1)
    text = text.replace(
        'title: "Worked example: trade relations between two fictional states"', f'title: "Worked example {XSS}"', 1
    )
    (folder / "model.yaml").write_text(text, encoding="utf-8")
    ev = EVIDENCE.read_text(encoding="utf-8")
    for old, new in (
        ("title: A cuts tariffs on B's machinery", f'title: "A cuts tariffs {XSS}"'),
        ("title: Forecasters expect steady growth", f'title: "Forecasters {XSS}"'),
        (
            "source: {outlet: Example Gazette, accessed: 2025-01-01}",
            'source: {outlet: "Gazette <script>alert(1)</script>", address: "javascript:alert(1)", accessed: 2025-01-01}',
        ),
        ("claim: The notes' outlook expected growth to continue through 2025.", f'claim: "Growth {XSS}"'),
    ):
        assert old in ev, old
        ev = ev.replace(old, new, 1)
    (folder / "evidence.yaml").write_text(ev, encoding="utf-8")
    return folder


def test_user_text_is_escaped_in_every_analysis_section(hostile):
    model = load_model(hostile / "model.yaml")
    result = analyze(model)
    result = replace(
        result, volume_weights=VolumeWeights("exact", "global", 12, 0, np.ones(len(result.scenarios), dtype=np.int64))
    )
    html = build_report(
        result, SECTIONS, likelihood=outcome_distribution(model, draws=5, seed=0), sensitivity=sensitivity(model)
    )
    assert "<script" not in html
    assert page_sections(html) == SECTIONS
    # The marker reaches every section that shows user text, escaped (the page's title and header too).
    assert f"<title>Worked example {XSS_ESCAPED}</title>" in html
    for name in ("tableau", "references", "outcome", "likelihood", "model"):
        assert XSS_ESCAPED in section_html(html, name), name


def test_user_text_is_escaped_in_every_track_section(hostile):
    from scenarist.evidence import load_evidence
    from scenarist.evidence.replay import track
    from scenarist.forecasts import Forecast, Resolution, score

    model = load_model(hostile / "model.yaml")
    ev = load_evidence(hostile / "evidence.yaml", model)
    result = track(model, list(ev.items), draws=0, claims=list(ev.contradicted_claims))
    forecasts = [
        Forecast(
            f"f{k}",
            model.metadata.id,
            "relationship",
            f"analyst {XSS}",
            dt.date(2025, 1, 1),
            dt.date(2030, 12, 31),
            ("integration", "truce", "rupture"),
            (0.5, 0.25, 0.25),
            f"criteria {XSS}",
            resolution=Resolution("truce", dt.date(2025, 7, 1), (f"ev {XSS}",)) if k else None,
        )
        for k in range(2)
    ]
    html = build_track_report(
        model,
        result,
        score(forecasts),
        forecasts,
        likelihood=outcome_distribution(model, draws=5, seed=0),
        sensitivity=sensitivity(model),
    )
    assert "<script" not in html
    assert 'href="javascript' not in html  # an address that is not a web address is no link
    assert page_sections(html) == (
        "tableau",
        "references",
        "outcome",
        "likelihood",
        "sensitivity",
        "tracking",
        "claims",
        "forecasts",
        "model",
    )
    for name in ("tracking", "claims", "forecasts"):
        assert XSS_ESCAPED in section_html(html, name), name


def test_track_report_sections_and_errors(example):
    from scenarist.evidence import load_evidence
    from scenarist.evidence.replay import track

    model = example["model"]
    ev = load_evidence(EVIDENCE, model)
    result = track(model, list(ev.items), draws=0)  # no claims
    html = build_track_report(model, result, generated=dt.datetime(2025, 1, 2, 3, 4))
    assert page_sections(html) == ("tableau", "references", "outcome", "tracking", "model")
    assert "<title>Worked example: trade relations between two fictional states: tracking to 2025-06-30</title>" in html
    assert "Generated by Scenarist on 2025-01-02 03:04 UTC" in html
    toc = [a for a, _ in contents(html)]
    assert toc.index("outcome") < toc.index("sec-tracking") < toc.index("descriptors")
    # n_eff per date: no families here, so it counts the likelihood-bearing items counted so far (one likelihood,
    # then two indicators, by date; the intervention does not count), by hand from the example evidence file
    tracking = section_html(html, "tracking")
    assert "n<sub>eff</sub>" in tracking and "draws contradicted" not in tracking
    cells = re.findall(r'<td class="num">([0-9.–]+)</td></tr>', tracking)
    assert cells == ["–", "1.00", "1.00", "2.00", "2.00", "3.00", "3.00"]
    with pytest.raises(OptionError, match="needs scores="):
        build_track_report(model, result, None, [object()])
