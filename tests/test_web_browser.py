"""The workspace in a real browser: Playwright for Python driving Debian's Chromium (``/usr/bin/chromium``, or
``$SCENARIST_CHROMIUM``) against a server on loopback. Skipped when Playwright or Chromium is missing (``.ci/run``
installs both). Screenshots of every page visited are kept in ``build/screenshots/`` as test artefacts.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")

import scenarist  # noqa: E402
from browser import MARKS, serving, shot  # noqa: E402
from scenarist.web import create_app  # noqa: E402

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("web") / "ws.db")
    with serving(app) as base:
        yield app, base


def outcome_rows(page) -> dict:
    rows = page.locator("#likelihood tbody tr").all_inner_texts()
    return {r.split("\t")[0]: r.split("\t")[1] for r in rows}


def test_edit_the_flagship_see_the_change_and_restore(server, page):
    app, base = server
    flagship = scenarist.load("iran-russia-pezeshkian")
    mid = flagship.metadata.id
    page.goto(f"{base}/")
    shot(page, "models")
    assert mid in page.inner_text("table.list")

    page.goto(f"{base}/models/{mid}")
    before_count = page.inner_text("#count")
    assert before_count.startswith(f"{scenarist.analyze(flagship).to_dict()['n_scenarios']} consistent")
    page.click("#tableau thead a >> nth=0")
    page.wait_for_selector("#explain details")
    shot(page, "tableau-explain")

    page.goto(f"{base}/models/{mid}/likelihood?draws=50")
    before_lk = outcome_rows(page)
    shot(page, "likelihood")

    # The strongest positive judgment of the matrix, turned into its opposite.
    j = max(flagship.judgments, key=lambda j: j.score)
    page.goto(f"{base}/models/{mid}/matrix")
    shot(page, "matrix")
    page.click(f'td[data-from="{j.from_}"][data-to="{j.to}"]')
    page.wait_for_selector("#cell-form")
    page.fill("input[name=score]", str(-j.score))
    page.fill("input[name=reason]", "a sceptic's reading of this cell")
    shot(page, "judgment-form")
    page.click("#cell-form button")
    page.wait_for_url("**/matrix?saved=2")
    assert page.inner_text(f'td[data-from="{j.from_}"][data-to="{j.to}"]').startswith(str(-j.score))

    edited = app.state.workspace.get(mid)
    page.goto(f"{base}/models/{mid}")
    assert page.inner_text("#count").startswith(f"{scenarist.analyze(edited).to_dict()['n_scenarios']} consistent")
    page.goto(f"{base}/models/{mid}/likelihood?draws=50")
    after_lk = outcome_rows(page)
    expected = scenarist.likelihood(edited, draws=50, seed=0).to_dict()["distribution"]
    assert [after_lk[r["name"]] for r in expected] == [f"{100 * r['probability']:.1f} %" for r in expected]
    assert after_lk != before_lk

    page.goto(f"{base}/models/{mid}/history")
    shot(page, "history")
    page.click("#history tbody tr:nth-child(2) button")
    page.wait_for_url("**/history")
    assert app.state.workspace.head(mid).version == scenarist.workspace.version_id(flagship)
    assert page.locator("#history tbody tr").count() == 3


def test_a_model_from_scratch_in_the_browser(server, page):
    _app, base = server
    page.goto(f"{base}/")
    page.fill("#new-model input[name=model_id]", "scratch")
    page.fill("#new-model input[name=title]", "Three descriptors")
    page.fill("#new-model textarea[name=descriptors]", "a*: low, high\nb: weak, strong\nc: calm, tense")
    page.click("#new-model button")
    page.wait_for_url("**/models/scratch/matrix")
    cells = (
        ("a.high", "b.strong", "2"),
        ("a.low", "b.weak", "2"),
        ("b.strong", "c.tense", "3"),
        ("b.weak", "c.calm", "1"),
    )
    for saved, (source, target, score) in enumerate(cells, start=2):
        page.click(f'td[data-from="{source}"][data-to="{target}"]')
        page.wait_for_selector("#cell-form")
        page.fill("input[name=score]", score)
        page.fill("input[name=reason]", "filled in")
        page.click("#cell-form button")
        page.wait_for_url(f"**/matrix?saved={saved}")
        page.wait_for_load_state("load")
    page.goto(f"{base}/models/scratch")
    shot(page, "scratch-tableau")
    assert page.inner_text("#count").startswith("2 consistent scenarios")


def test_import_a_scenariowizard_file_by_upload(server, page, tmp_path):
    _app, base = server
    scw = tmp_path / "trade-copy.scw"
    scenarist.export("example", scw)
    page.goto(f"{base}/")
    page.set_input_files("#import-model input[type=file]", str(scw))
    page.click("#import-model button")
    page.wait_for_url("**/models/trade-copy")
    expected = scenarist.analyze(scenarist.import_model(scw)).to_dict()["n_scenarios"]
    assert page.inner_text("#count").startswith(f"{expected} consistent")
    bad = tmp_path / "broken.yaml"
    bad.write_text("metadata: [unclosed\n", encoding="utf-8")
    page.goto(f"{base}/")
    page.set_input_files("#import-model input[type=file]", str(bad))
    page.click("#import-model button")
    page.wait_for_selector("#import-model .errors")
    shot(page, "import-error")
    assert "broken.yaml:" in page.inner_text("#import-model .errors")


def test_an_evidence_item_moves_the_timeline(server, page):
    _app, base = server
    mid = scenarist.load("iran-russia-pezeshkian").metadata.id
    page.goto(f"{base}/models/{mid}/track")
    page.wait_for_selector("#timeline", timeout=120_000)
    before = page.locator("#timeline tbody tr").count()
    page.goto(f"{base}/models/{mid}/evidence")
    form = "#evidence-form"
    page.fill(f"{form} input[name=item_id]", "test-2026-07-01-talks")
    page.fill(f"{form} input[name=date]", "2026-07-01")
    page.fill(f"{form} input[name=title]", "Washington offers talks")
    page.fill(f"{form} textarea[name=summary]", "A test item: the US offers direct talks.")
    page.fill(f"{form} input[name=outlet]", "Test wire")
    page.select_option(f"{form} select[name=reliability]", "B")
    page.select_option(f"{form} select[name=credibility]", "2")
    page.select_option(f"{form} select[name=kind]", "likelihood")
    page.select_option(f"{form} select[name=descriptor]", "us_approach")
    page.fill(f"{form} input[name=likelihoods]", "pressure=0.2, dialogue=0.8")
    page.fill(f"{form} textarea[name=rationale]", "An offer of talks is likelier under a policy of dialogue.")
    shot(page, "evidence-form")
    page.click(f"{form} button")
    page.wait_for_url(f"**/models/{mid}/evidence")
    assert "Washington offers talks" in page.inner_text("#evidence")
    page.goto(f"{base}/models/{mid}/track")
    page.wait_for_selector("#timeline", timeout=120_000)
    shot(page, "timeline")
    rows = page.locator("#timeline tbody tr")
    assert rows.count() == before + 1
    assert rows.last.inner_text().startswith("2026-07-01\ttest-2026-07-01-talks")
