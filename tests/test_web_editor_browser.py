"""The model editor in a real browser: Playwright for Python driving Debian's Chromium (``/usr/bin/chromium`` or
``$SCENARIST_CHROMIUM``) against a server on loopback; skipped when either is missing. Screenshots go to
``build/screenshots/editor-*.png``."""

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
    app = create_app(tmp_path_factory.mktemp("web") / "ws.db", packaged=False)
    with serving(app) as base:
        yield app, base


def test_build_a_model_in_the_editor_and_see_its_tableau(server, page):
    app, base = server
    page.goto(f"{base}/")
    page.fill("#new-model input[name=model_id]", "trio")
    page.fill("#new-model input[name=title]", "Built in the editor")
    page.fill("#new-model textarea[name=descriptors]", "a: low, high\nb: weak, strong")
    page.click("#new-model button")
    page.wait_for_url("**/models/trio/matrix")

    page.click("header nav >> text=Model")
    page.wait_for_url("**/models/trio/edit")
    form = "#add-descriptor"
    page.fill(f"{form} input[name=id]", "c")
    page.fill(f"{form} input[name=name]", "Climate")
    page.select_option(f"{form} select[name=role]", "outcome")
    page.fill(f"{form} textarea[name=variants]", "calm: Calm\ntense: Tense")
    page.fill(f"{form} input[name=reason]", "add the outcome")
    shot(page, "editor-overview")
    page.click(f"{form} button")
    page.wait_for_url("**/edit/descriptors/c?saved=2")
    assert page.inner_text(".saved") == "Saved as version 2."
    assert page.locator("#variants tbody tr").count() == 2

    page.click("text=Model")
    page.click("#sources-link")
    form = "#add-source"
    page.fill(f"{form} input[name=id]", "report")
    page.fill(f"{form} input[name=title]", "A field report")
    page.fill(f"{form} input[name=source_author]", "R. Analyst")
    page.fill(f"{form} input[name=reason]", "cite the field report")
    page.click(f"{form} button")
    page.wait_for_url("**/edit/sources?saved=3")
    assert "A field report" in page.inner_text("#sources")
    shot(page, "editor-sources")

    page.goto(f"{base}/models/trio/edit/descriptors/a")
    page.check("#descriptor-form input[name=exogenous]")
    page.fill("#descriptor-form input[name=reason]", "nothing here impacts a")
    page.click("#descriptor-form button")
    page.wait_for_url("**/edit/descriptors/a?saved=4")
    form = "#prior-form"
    page.fill(f"{form} input[name='p:low']", "0.5")
    page.fill(f"{form} input[name='p:high']", "0.4")
    page.fill(f"{form} textarea[name=rationale]", "The report leans towards low.")
    page.select_option(f"{form} select[name=cite_source] >> nth=0", "report")
    page.click(f"{form} button")
    page.wait_for_selector(f"{form} .field-error")
    assert page.inner_text(f"{form} fieldset .field-error") == "probabilities sum to 0.9, not 1"
    shot(page, "editor-prior-error")
    assert app.state.workspace.head("trio").seq == 4
    page.fill(f"{form} input[name='p:high']", "0.5")
    page.click(f"{form} button")
    page.wait_for_url("**/edit/descriptors/a?saved=5")
    shot(page, "editor-descriptor")

    stored = app.state.workspace.get("trio")
    assert stored.descriptor("a").prior.probabilities == {"low": 0.5, "high": 0.5}
    assert stored.descriptor("a").prior.citations[0].source == "report"
    assert [d.id for d in stored.descriptors] == ["a", "b", "c"]
    page.click("header nav >> text=Scenarios")
    page.wait_for_url("**/models/trio")
    n = scenarist.analyze(stored).to_dict()["n_scenarios"]
    assert page.inner_text("#count").startswith(f"{n} consistent scenario")
    assert page.locator("#tableau tbody th", has_text="Climate").count() == 1
    shot(page, "editor-tableau")
