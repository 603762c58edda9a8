"""Which addresses the dashboard listens on and which host names it answers to.

The page has no authentication, so by default it listens on a loopback address only and answers
only to the loopback names; anything more is asked for with ``--allow-remote`` (and
``--allowed-host``). Standard library only: ``iei-sim`` imports the command on every call.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# A DNS name or an IP address; no scheme, port, path or wildcard.
_HOST_NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")


def bare_host(host: str) -> str:
    """The form hosts are compared in: lower case, IPv6 without brackets (``[::1]`` → ``::1``)."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(bare_host(host))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """``localhost``, ``::1`` or any ``127.x.x.x``: reachable from this machine only."""
    address = _address(host)
    return bare_host(host) == "localhost" or (address is not None and address.is_loopback)


def is_wildcard(host: str) -> bool:
    """``0.0.0.0`` or ``::``: listens on every address of the machine."""
    address = _address(host)
    return address is not None and address.is_unspecified


def checked_host_name(name: str, option: str = "--allowed-host") -> str:
    """``name`` as :func:`bare_host`; ValueError unless it is a plain host name or IP address."""
    bare = bare_host(name)
    if _address(bare) is None and not _HOST_NAME.fullmatch(bare):
        raise ValueError(
            f"{option} {name!r}: give a host name or IP address (no scheme, port or path)"
        )
    return bare


def remote_host_names(bound_host: str, names: Iterable[str]) -> list[str]:
    """Host names other machines may use besides the loopback ones: the bound address (unless
    it is a wildcard, which says nothing of the name people type) and the ``--allowed-host``
    names. A name outside this list is refused, which is what defeats DNS rebinding."""
    found = [] if is_wildcard(bound_host) else [bare_host(bound_host)]
    found += [checked_host_name(name) for name in names]
    return [name for name in dict.fromkeys(found) if not is_loopback(name)]


def page_url(host: str, port: int | str) -> str:
    """The page's address; a wildcard bind is reached through this machine's loopback address."""
    if is_wildcard(host):
        host = "::1" if ":" in bare_host(host) else "127.0.0.1"
    name = bare_host(host)
    return f"http://[{name}]:{port}/" if ":" in name else f"http://{name}:{port}/"
