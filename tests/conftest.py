"""Shared fixtures: paths to test data and small helpers to write and load YAML models."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"


def _find_shared() -> Path:
    """The team's shared folder (source article, facts, reference data), which is not part of the repository.

    Looked for in this order: the folder named by $SCENARIST_SHARED; then a folder ``shared`` beside the checkout or
    beside any folder above it (so a checkout nested deeper on a team machine still finds it). No absolute path is
    written here. Tests that need the folder skip cleanly when none exists.
    """
    import os

    candidates = [os.environ.get("SCENARIST_SHARED")] + [p / "shared" for p in TESTS.parent.parents]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and (Path(candidate) / "data").is_dir():
            return Path(candidate)
    return TESTS.parent.parent / "shared"


SHARED = _find_shared()


@pytest.fixture
def data_dir() -> Path:
    """The tests' own data folder (copies of MIT reference files live under ``cib/``)."""
    return DATA


@pytest.fixture
def write_model(tmp_path):
    """Write YAML text to a temporary ``model.yaml`` and return its path."""

    def _write(text: str, name: str = "model.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module (Playwright; skipped where Playwright or Chromium is missing, so a
    browser test outside the modules marked with ``browser.MARKS`` skips cleanly too)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    from browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")

    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh 1400×900 browser context and page for one test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()
