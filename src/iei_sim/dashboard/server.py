"""The dashboard's web server: Solara's app behind :class:`SameOriginGuard`, served by uvicorn.

``iei-sim dashboard`` runs this module as its child process::

    python -m iei_sim.dashboard.server --host 127.0.0.1 --port 8765 [--allowed-host NAME]...

``solara run`` has no way to add middleware, so this does what
``solara run iei_sim.dashboard.app --production --no-check-version`` does (see its ``run`` in
``solara/__main__.py``) with the guard around the app: the app module in ``SOLARA_APP`` (read
when Solara's server is imported), production mode (no file watcher, no developer checks), no
telemetry, Solara's logging setup, and no version check (it is a call ``run`` makes, not a
setting, so it is simply not made): the server makes no request beyond localhost.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import warnings
import webbrowser

import uvicorn

from iei_sim.dashboard.guard import SameOriginGuard
from iei_sim.dashboard.hosts import LOOPBACK_NAMES, page_url

APP_MODULE = "iei_sim.dashboard.app"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m iei_sim.dashboard.server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the page may be addressed by, besides the loopback names (repeatable)",
    )
    parser.add_argument("--open-browser", action="store_true", help="open the page when up")
    return parser.parse_args(argv)


def configure_solara() -> None:
    """Set Solara up as ``solara run APP --production --no-check-version`` does.

    Solara warns on every page load served over plain http to a host other than ``localhost``
    (127.0.0.1, say) that its session cookie falls back to ``SameSite=Lax``: what a page that is
    not embedded in another site needs, so the warning only floods the terminal.
    """
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    os.environ["SOLARA_APP"] = APP_MODULE  # before solara.server.app is imported
    from solara.server import settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False


def guarded_app(allowed_hosts: list[str]) -> SameOriginGuard:
    """Solara's starlette app behind the guard (imports the dashboard page)."""
    import solara.server.starlette

    return SameOriginGuard(solara.server.starlette.app, [*LOOPBACK_NAMES, *allowed_hosts])


def _open_when_started(server: uvicorn.Server, url: str) -> None:
    while not server.started and not server.should_exit:
        time.sleep(0.1)
    if server.started:
        webbrowser.open(url)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_solara()
    from solara.__main__ import LOGGING_CONFIG

    config = uvicorn.Config(
        guarded_app(args.allowed_host),
        host=args.host,
        port=args.port,
        log_config=LOGGING_CONFIG,
        log_level="error",
    )
    server = uvicorn.Server(config)
    # Bound here rather than by uvicorn so that with port 0 the address is known before serving.
    socket = config.bind_socket()
    port = socket.getsockname()[1]
    os.environ["SERVER_NAME"] = args.host  # the CGI variables `solara run` sets
    os.environ["SERVER_PORT"] = str(port)
    url = page_url(args.host, port)
    print(f"Serving the dashboard at {url}", flush=True)
    if args.open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    server.run(sockets=[socket])


if __name__ == "__main__":
    main()
