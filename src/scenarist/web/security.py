"""What guards the workspace when it serves on loopback: the Host allow-list, the CSRF token and the security
headers. Pure ASGI/Starlette pieces with no knowledge of models.

- **Host allow-list.** A page on another site can make the browser resolve its own name to 127.0.0.1 (DNS
  rebinding) and then read the workspace's answers; refusing any ``Host`` header that is not a loopback name stops
  it. See the OWASP notes on DNS rebinding and Starlette's ``TrustedHostMiddleware``, which this mirrors.
- **CSRF.** Every write (POST, PUT, PATCH, DELETE) must carry the token from the ``scenarist_csrf`` cookie, in a
  form field ``csrf_token`` or an ``X-CSRF-Token`` header (the double-submit cookie pattern, OWASP CSRF Prevention
  Cheat Sheet). Another site can make the browser send the cookie but cannot read it to copy it into the request.
- **Headers.** No framing, no MIME sniffing, no referrer, and a Content-Security-Policy that allows only the
  workspace's own scripts (htmx ships inside the package; nothing is fetched from elsewhere).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

#: Host names the workspace answers to by default (with any port).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Bind addresses ``serve`` accepts: loopback only, until a multi-user mode adds logins.
LOOPBACK_BINDS = ("127.0.0.1", "localhost", "::1")
CSRF_COOKIE = "scenarist_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def host_name(host_header: str) -> str:
    """The host name of a ``Host`` header, without its port (``[::1]:8000`` → ``[::1]``).

    Examples
    --------
    >>> host_name("127.0.0.1:8000"), host_name("[::1]:80"), host_name("localhost")
    ('127.0.0.1', '[::1]', 'localhost')
    """
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host_header: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a request's ``Host`` header names one of ``allowed`` (a missing header is refused)."""
    return bool(host_header) and host_name(host_header) in allowed


def new_token() -> str:
    """A fresh CSRF token (32 random bytes, URL-safe text)."""
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The request's CSRF token: the cookie's, or a new one that the response will set."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "new_csrf", None) or new_token()
        request.state.new_csrf = token
    return token


async def csrf_ok(request: Request) -> bool:
    """Whether a write request carries the cookie's token in its header or its ``csrf_token`` form field."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent.encode(), cookie.encode())
