"""Shared support for the browser tests: Debian's Chromium (``/usr/bin/chromium`` or ``$SCENARIST_CHROMIUM``) driven
by Playwright for Python against a workspace served by Uvicorn on loopback. The fixtures built on it (``browser``,
``page``) live in ``conftest.py``; screenshots go to ``build/screenshots/`` as test artefacts.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SCENARIST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
#: Chromium flags for a headless run in a container: no sandbox (root), no GPU, nothing fetched from the network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The marks every browser test module carries: skipped without Chromium, and slow.
MARKS = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.slow,
]


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a daemon thread; yields its base URL, stops it on exit."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    if not srv.started:
        raise RuntimeError("the test server did not start within 30 s")
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def shot(page, name: str) -> None:
    """Save a full-page screenshot of ``page`` as ``build/screenshots/NAME.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
