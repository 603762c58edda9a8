"""ASGI middleware that keeps other web sites out of the dashboard.

Solara's server answers any ``Host`` and accepts a kernel WebSocket from any ``Origin``, so a
page on another site could drive the dashboard through the user's browser: directly
(cross-site WebSocket hijacking) or by pointing its own DNS name at 127.0.0.1 (DNS rebinding).
:class:`SameOriginGuard` refuses, with HTTP 403 and before Solara sees it,

* any request whose ``Host`` is not an allowed host name (a rebinding page's requests carry the
  attacker's name), and
* any WebSocket whose ``Origin`` is not the page's own origin: the scheme, host and port of the
  ``Host`` it was addressed to; the loopback names (``localhost``, ``127.0.0.1``, ``[::1]``)
  count as one host. The origin is taken from ``Host`` rather than from the listening port so
  that an SSH tunnel to another local port (``ssh -L 9000:127.0.0.1:8765``) keeps working.

A WebSocket without ``Origin`` is let through: browsers always send one on a WebSocket
handshake, so its absence means a non-browser client (a script on a machine that can reach the
port), which no web page can impersonate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from iei_sim.dashboard.hosts import bare_host, is_loopback

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
POLICY_VIOLATION = 1008  # WebSocket close code; the server answers the handshake with 403


def _host_and_port(value: str, scheme: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``Host`` header value, or None if it is not one."""
    return _origin_parts(urlsplit(f"//{value}"), scheme)


def _origin_parts(parts: SplitResult, scheme: str) -> tuple[str, int] | None:
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return None
    if not parts.hostname or parts.path or parts.query or parts.fragment or parts.username:
        return None
    return parts.hostname, port if port is not None else DEFAULT_PORTS[scheme]


class SameOriginGuard:
    """Answer only requests addressed to an allowed host, and WebSockets opened by the page."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_hosts = frozenset(bare_host(name) for name in allowed_hosts)

    def allows_host(self, host: str) -> bool:
        """Loopback names always (only this machine can use them), others when listed."""
        return is_loopback(host) or bare_host(host) in self.allowed_hosts

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None to pass it on."""
        headers = Headers(scope=scope)
        host_header = headers.get("host", "")
        scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
        host = _host_and_port(host_header, scheme)
        if host is None or not self.allows_host(host[0]):
            return (
                f"host {host_header!r} is not one this dashboard answers to "
                "(see --allowed-host in `iei-sim dashboard --help`)"
            )
        origin = headers.get("origin")
        if scope["type"] == "websocket" and origin is not None:
            parts = urlsplit(origin)
            own = _origin_parts(parts, scheme) if parts.scheme == scheme else None
            if own is None or own[1] != host[1] or not self._same_host(own[0], host[0]):
                return f"WebSocket from origin {origin!r}, not this page's"
        return None

    @staticmethod
    def _same_host(origin_host: str, host: str) -> bool:
        return bare_host(origin_host) == bare_host(host) or (
            is_loopback(origin_host) and is_loopback(host)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        reason = self.refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
            return
        logger.warning("refused %s %s: %s", scope["type"], scope.get("path", ""), reason)
        if scope["type"] == "websocket" and "websocket.http.response" not in scope.get(
            "extensions", {}
        ):  # a server without the denial-response extension answers a close with 403
            await WebSocketClose(POLICY_VIOLATION, reason)(scope, receive, send)
        else:
            await PlainTextResponse(f"Forbidden: {reason}\n", status_code=403)(scope, receive, send)
