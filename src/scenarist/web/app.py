"""The browser workspace's application: :func:`create_app` builds the FastAPI app that ``scenarist serve`` runs.

Pages (:mod:`.pages`) and their JSON twins (:mod:`.api_routes`) only parse a request, call the public library
(:mod:`scenarist.api`, :class:`scenarist.workspace.Workspace`) and present the result; no analysis is computed here.
Results are cached by (model, version, analysis, settings), so reopening a page costs nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputFileError, ModelError, OptionError, ScenaristError, UnknownNameError
from . import security
from .jobs import Jobs

#: Results kept in memory per server (an LRU of analyses, explanations and likelihoods).
CACHE_SIZE = 128


class ResultCache:
    """A small LRU of results keyed by (model id, version, kind, settings); versions are immutable, so an entry
    never goes stale."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self.data: OrderedDict = OrderedDict()
        self.hits = 0

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, computing (and keeping) it on a miss."""
        if key in self.data:
            self.hits += 1
            self.data.move_to_end(key)
            return self.data[key]
        value = compute()
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)
        return value


def _status(exc: ScenaristError) -> int:
    if isinstance(exc, UnknownNameError):
        return 404
    if isinstance(exc, (ModelError, OptionError, InputFileError)):
        return 422
    return 400


def error_body(status: int, message: str, kind: str = "error", problems: list | None = None) -> dict:
    """The one JSON error shape of every 4xx and 5xx answer under ``/api``:
    ``{"error": {"status", "kind", "message", "problems"}}`` (``problems``: field, line, message)."""
    return {"error": {"status": status, "kind": kind, "message": message, "problems": problems or []}}


def _problems(exc: Exception) -> list[dict]:
    if isinstance(exc, ModelError):
        return [{"field": p.field, "line": p.line, "message": p.message} for p in exc.problems]
    return []


def create_app(
    db: str | os.PathLike | None = None,
    *,
    allowed_hosts: tuple[str, ...] = security.LOOPBACK_HOSTS,
    packaged: bool = True,
) -> FastAPI:
    """Build the workspace application over the store ``db``.

    Parameters
    ----------
    db : str or path, optional
        SQLAlchemy URL or SQLite file of the store (default ``$SCENARIST_DB`` or ``./scenarist.db``); the
        workspace's models live there beside the evidence and the forecast ledger.
    allowed_hosts : tuple of str
        Host names the app answers to (loopback names by default); any other ``Host`` header gets 400.
    packaged : bool
        Keep the packaged flagship and example models in the workspace on first start (default).

    Raises
    ------
    StoreError
        The store cannot be opened.
    """
    from ..workspace import Workspace

    workspace = Workspace(db)
    if packaged:
        _keep_packaged(workspace)

    app = FastAPI(
        title="Scenarist workspace",
        version=_version(),
        description="Cross-Impact Balance scenario analysis: every page has a JSON twin under /api.",
        dependencies=[Depends(_csrf_guard)],
    )
    app.state.workspace = workspace
    app.state.cache = ResultCache()
    app.state.jobs = Jobs(app.state.cache)
    app.state.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
    app.state.templates = _templates()

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if not security.host_allowed(request.headers.get("host"), request.app.state.allowed_hosts):
            shown = (request.headers.get("host") or "")[:80]
            response = _error_response(request, 400, f"host {shown!r} is not allowed (loopback names only)")
        else:
            response = await call_next(request)
        for name, value in security.SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(security.CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
        return response

    @app.exception_handler(ScenaristError)
    async def scenarist_error(request: Request, exc: ScenaristError):
        return _error_response(request, _status(exc), str(exc), type(exc).__name__, _problems(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(x) for x in e["loc"][1:]), "line": None, "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        return _error_response(
            request, 422, f"{first['field']}: {first['message']}", "RequestValidationError", problems
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):  # a bug: say so in the one shape, never a page
        return _error_response(request, 500, f"internal error ({type(exc).__name__}); please report it")

    static = resources.files("scenarist.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    from . import analyses, api_routes, pages

    app.include_router(pages.router)
    app.include_router(api_routes.router)
    from . import editor, editor_api

    app.include_router(editor.router)
    app.include_router(editor_api.router)
    app.include_router(analyses.pages)
    app.include_router(analyses.twins)
    return app


async def _csrf_guard(request: Request) -> None:
    security.csrf_token(request)  # make sure every answer that renders a form sets the cookie
    if request.method in security.UNSAFE_METHODS and not await security.csrf_ok(request):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def _error_response(request: Request, status: int, message: str, kind: str = "error", problems=None) -> Response:
    if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(error_body(status, message, kind, problems), status_code=status)
    templates = request.app.state.templates
    html = templates.get_template("error.html").render(
        status=status, message=message, problems=problems or [], csrf="", title=f"Error {status}"
    )
    return HTMLResponse(html, status_code=status)


def _templates() -> Environment:
    folder = resources.files("scenarist.web") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(("html",), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.1f} %"
    return env


def _version() -> str:
    from .. import __version__

    return __version__


def _keep_packaged(workspace) -> None:
    """Keep the packaged flagship and example in the workspace when they are not there yet, and the flagship's
    packaged evidence (2024–26) in the store when it holds none for the flagship."""
    from ..evidence.files import load_evidence, packaged_evidence
    from ..io.paths import EXAMPLE, FLAGSHIP, packaged_models
    from ..loading import load

    kept = set(workspace.model_ids())
    for name in (FLAGSHIP, EXAMPLE):
        if name not in packaged_models():
            continue
        model = load(name)
        if model.metadata.id not in kept:
            with contextlib.suppress(OptionError):  # another server process added it first
                workspace.add(model, author="scenarist", reason=f"packaged model {name}")
        evidence = list(packaged_evidence().values())
        if name == FLAGSHIP and evidence and workspace.store.count(model.metadata.id) == 0:
            for path in evidence:
                ev = load_evidence(path, model)
                if ev.model in (None, model.metadata.id):
                    workspace.store.import_evidence(ev, model.metadata.id, origin=f"packaged {path.name}")
