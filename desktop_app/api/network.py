"""Plain-words NetworkError messages for what ``requests`` raises when nothing usable came back."""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit

import requests

from desktop_app.api.errors import NetworkError


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: __cause__/__context__, urllib3's ``.reason``, and args."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked.extend(current.args)
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return seen


def _refused(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionRefusedError) or (
        isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED
    )


def _dns_failed(exc: BaseException) -> bool:
    return isinstance(exc, socket.gaierror) or type(exc).__name__ == "NameResolutionError"


def network_error(
    exc: requests.RequestException, url: str, *, connect_timeout: float, read_timeout: float
) -> NetworkError:
    """``exc`` (raised while talking to ``url``) in words a partner admin can act on.

    Only the host goes into the message: URLs and exception text never contain credentials
    (tokens travel in headers, secrets in request bodies), but the host is what the admin needs.
    """
    host = urlsplit(url).netloc or url
    chain = exception_chain(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        text = (
            f"TLS/certificate problem talking to {host}: the secure connection could not be "
            "established or the server's certificate could not be verified. Check the address; "
            "a proxy or security product that intercepts https can also cause this."
        )
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        text = (
            f"Timed out connecting to {host} after {connect_timeout:g} s. Check your internet "
            "connection, firewall or proxy."
        )
    elif isinstance(exc, requests.exceptions.ReadTimeout) or any(
        type(c).__name__ == "ReadTimeoutError" for c in chain
    ):
        text = (
            f"{host} stopped responding (no data for {read_timeout:g} s). The service may be "
            "busy; try again later."
        )
    elif isinstance(exc, requests.exceptions.ProxyError):
        text = f"The proxy refused or failed the connection to {host}. Check the proxy settings."
    elif any(_dns_failed(c) for c in chain):
        text = (
            f"Could not find the server {host} (DNS lookup failed). Check the address and your "
            "internet connection."
        )
    elif any(_refused(c) for c in chain):
        text = (
            f"{host} refused the connection. Check the address and port; the service may be down."
        )
    elif isinstance(exc, requests.exceptions.ConnectionError):
        text = (
            f"The connection to {host} failed or was interrupted. Check your internet connection "
            "and try again."
        )
    else:
        text = f"The request to {host} failed ({type(exc).__name__})."
    return NetworkError(text)
