"""The workspace's JSON API against its own OpenAPI document: Schemathesis generates requests from the schema
(valid and invalid parameters and bodies) and checks that no answer is a server error, that answers match their
documented shape, and that every error uses the one JSON error shape."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import openapi  # noqa: E402

import scenarist  # noqa: E402
from scenarist.web import create_app  # noqa: E402
from scenarist.web.security import LOOPBACK_HOSTS  # noqa: E402

TOKEN = "schemathesis-csrf-token"


def _app(tmp_path_factory=None):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="scenarist-schema-"))
    app = create_app(folder / "ws.db", packaged=False, allowed_hosts=(*LOOPBACK_HOSTS, "testserver"))
    app.state.workspace.add(scenarist.load("example"), author="tester", reason="schema test")
    return app


APP = _app()
schema = openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_has_no_server_errors(case):
    # A fixed CSRF token in cookie and header, so writes are checked too (not only refused with 403).
    response = case.call(headers={"X-CSRF-Token": TOKEN}, cookies={"scenarist_csrf": TOKEN})
    assert response.status_code < 500, (case.method, case.path, case.path_parameters, case.query, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["status"] == response.status_code and isinstance(error["message"], str) and error["message"]
