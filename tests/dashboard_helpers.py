"""Starting and stopping a real ``iei-sim dashboard`` server in a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONSOLE_SCRIPT = Path(sys.executable).parent / "iei-sim"
SERVER_START_S = 60  # imports Solara, Mesa and the page on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the dashboard exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@contextmanager
def running_dashboard(arguments: list[str], port: int, log: Path) -> Iterator[str]:
    """``iei-sim dashboard ARGUMENTS --port PORT`` until the block ends; yields the page URL.

    Output goes to ``log``; the server runs in its own process group, stopped with SIGTERM (as
    a user's Ctrl-C or a scheduler would) and killed with its children if that takes too long.
    """
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "dashboard", *arguments, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        try:
            wait_for_http(url, process, SERVER_START_S)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- server log ---\n{log.read_text()}") from None
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
