"""The dashboard's server refuses other web sites: a foreign ``Host`` (DNS rebinding) or a
WebSocket from a foreign ``Origin`` (cross-site WebSocket hijacking) gets HTTP 403.

The guard is checked around a small Starlette app first, then in a real ``iei-sim dashboard``
server against Solara's own kernel channel.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from tests.dashboard_helpers import free_port, running_dashboard

from iei_sim.dashboard.guard import SameOriginGuard
from iei_sim.dashboard.hosts import LOOPBACK_NAMES
from iei_sim.dashboard.server import parse_args

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "small.yaml"
PAGE = "http://127.0.0.1:8765"


class Recorder:
    """The app behind the guard: a page and a WebSocket that greets; counts what reaches it."""

    def __init__(self) -> None:
        self.reached: list[str] = []

        async def page(_request) -> PlainTextResponse:
            return PlainTextResponse("page")

        async def channel(websocket: WebSocket) -> None:
            await websocket.accept()
            await websocket.send_text("hello")
            await websocket.close()

        self.app = Starlette(routes=[Route("/", page), WebSocketRoute("/channel", channel)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.reached.append(scope["type"])
        await self.app(scope, receive, send)


@pytest.fixture
def inner() -> Recorder:
    return Recorder()


@pytest.fixture
def client(inner: Recorder) -> Iterator[TestClient]:
    guard = SameOriginGuard(inner, [*LOOPBACK_NAMES, "sim.example.org"])
    with TestClient(guard, base_url=PAGE) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "127.0.0.2", "sim.example.org"]
)
def test_pages_addressed_to_an_allowed_host_are_served(
    client: TestClient, inner: Recorder, host: str
) -> None:
    response = client.get("/", headers={"host": host})
    assert response.status_code == 200 and response.text == "page"
    assert "http" in inner.reached


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",  # DNS rebinding: the attacker's name, pointed at 127.0.0.1
        "evil.example:8765",
        "localhost.evil.example",
        "sim.example.org.evil.example",
        "127.0.0.1:notaport",
        "127.0.0.1/path",
        "",
    ],
)
def test_pages_addressed_to_another_host_are_refused(
    client: TestClient, inner: Recorder, host: str
) -> None:
    response = client.get("/", headers={"host": host})
    assert response.status_code == 403
    assert "not one this dashboard answers to" in response.text
    assert "http" not in inner.reached  # refused before the app saw it


@pytest.mark.parametrize(
    "origin",
    [
        PAGE,
        "http://localhost:8765",  # the loopback names are one host
        "http://[::1]:8765",
        None,  # not a browser: browsers always send Origin on a WebSocket
    ],
)
def test_websockets_of_the_page_itself_are_accepted(client: TestClient, origin: str | None) -> None:
    headers = {"origin": origin} if origin else {}
    with client.websocket_connect("ws://127.0.0.1:8765/channel", headers=headers) as socket:
        assert socket.receive_text() == "hello"


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://evil.example:8765",
        "http://127.0.0.1:9999",  # another local web page, on another port
        "https://127.0.0.1:8765",  # another scheme is another origin
        "http://sim.example.org:8765",  # an allowed host, but not the one this page is at
        "null",  # sandboxed frames and file:// pages
    ],
)
def test_websockets_from_another_origin_are_refused(
    client: TestClient, inner: Recorder, origin: str
) -> None:
    headers = {"origin": origin}
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("ws://127.0.0.1:8765/channel", headers=headers),
    ):
        pass
    assert refused.value.status_code == 403
    assert "not this page's" in refused.value.text
    assert "websocket" not in inner.reached


def test_websocket_to_a_foreign_host_is_refused_even_from_its_own_origin(
    client: TestClient, inner: Recorder
) -> None:
    headers = {"host": "evil.example:8765", "origin": "http://evil.example:8765"}
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect("ws://127.0.0.1:8765/channel", headers=headers),
    ):
        pass
    assert refused.value.status_code == 403
    assert "websocket" not in inner.reached


def test_a_tunnelled_page_keeps_its_websocket(client: TestClient) -> None:
    """``ssh -L 9000:127.0.0.1:8765``: the server listens on 8765, the page is at localhost:9000."""
    headers = {"host": "localhost:9000", "origin": "http://localhost:9000"}
    with client.websocket_connect("ws://127.0.0.1:8765/channel", headers=headers) as socket:
        assert socket.receive_text() == "hello"


def test_without_the_denial_extension_a_refused_websocket_is_closed(inner: Recorder) -> None:
    """A server that cannot send a 403 body gets a close before accept (it answers 403)."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/channel",
        "headers": [(b"host", b"127.0.0.1:8765"), (b"origin", b"http://evil.example")],
    }
    asyncio.run(SameOriginGuard(inner, LOOPBACK_NAMES)(scope, receive, send))
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008
    assert inner.reached == []


def test_the_server_takes_the_allowed_hosts_it_is_given() -> None:
    args = parse_args(
        ["--host", "0.0.0.0", "--port", "0", "--allowed-host", "a", "--allowed-host", "b"]
    )
    assert (args.host, args.port, args.allowed_host, args.open_browser) == (
        "0.0.0.0",
        0,
        ["a", "b"],
        False,
    )


# --- A real server: Solara's kernel channel behind the guard -------------------------------


def handshake_status(port: int, origin: str | None, host: str = "127.0.0.1") -> int:
    """HTTP status of a handshake on the WebSocket a Solara page opens (a fresh kernel and page
    id each time), addressed to ``host``: 101 when accepted (then closed at once)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    channel = (
        f"ws://{host}:{port}/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    )
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        with connect(channel, sock=connection, origin=origin, open_timeout=30):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code
    finally:
        connection.close()


def get_status(url: str, host: str) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_real_dashboard_refuses_other_sites(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    with running_dashboard([str(SMALL)], port, log) as url:
        assert get_status(url, f"127.0.0.1:{port}") == 200
        assert get_status(url, f"localhost:{port}") == 200
        assert get_status(url, "evil.example") == 403
        assert handshake_status(port, "http://evil.example") == 403
        assert handshake_status(port, f"http://127.0.0.1:{port}") == 101
    output = log.read_text()
    assert "refused websocket" in output  # the operator sees what was refused
    assert "Traceback" not in output, output


@pytest.mark.slow
def test_allowed_host_names_reach_a_real_dashboard(tmp_path: Path) -> None:
    """``--allowed-host`` reaches the server (bound to loopback here, so nothing is exposed)."""
    port = free_port()
    arguments = [str(SMALL), "--allow-remote", "--allowed-host", "sim.example.org"]
    with running_dashboard(arguments, port, tmp_path / "server.log") as url:
        assert get_status(url, f"sim.example.org:{port}") == 200
        assert get_status(url, f"other.example.org:{port}") == 403
        own = f"http://sim.example.org:{port}"
        assert handshake_status(port, own, host="sim.example.org") == 101
        assert handshake_status(port, "http://evil.example", host="sim.example.org") == 403
