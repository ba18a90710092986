"""One request on the wire with its redirects followed by hand: credentials only ever go to
the API's own origin, never down from https to plain http (loopback aside), at most
``max_redirects`` hops, each read waiting at most for the fetch's time left."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from desktop_app.api.errors import ApiError, InvalidResponseError, NetworkError
from desktop_app.api.http import REDIRECT_STATUSES, host_of, origin
from desktop_app.api.network import network_error
from desktop_app.api.regions import is_loopback_host
from desktop_app.api.transfer import Limits, Transfer

__all__ = ["RetryableNetworkError", "send"]

log = logging.getLogger("desktop_app.api.client")


def send(
    session: requests.Session,
    url: str,
    params: Mapping[str, str] | None,
    headers: Mapping[str, str],
    token: str,
    fetch: Transfer[Any],
    limits: Limits,
    max_redirects: int,
) -> tuple[requests.Response | None, ApiError | None]:
    """The first non-redirect response, or the error that prevented one. ``headers`` go with
    every request; ``Authorization: OAuth {token}`` only with those to the API's origin.

    Errors are returned rather than raised inside ``except`` so the requests exception,
    whose ``.request`` holds the Authorization header, is never chained onto them.
    """
    api_origin = origin(limits.report_url)
    query: Mapping[str, str] | None = params
    for _hop in range(max_redirects + 1):
        same_origin = origin(url) == api_origin
        left = fetch.time_left()
        sent_at = time.perf_counter()
        log.debug(
            "GET %s params=%s (credentials %s)",
            url,
            dict(query or {}),
            "sent" if same_origin else "withheld",
        )
        try:
            response = session.get(
                url,
                params=query,
                headers=_with_token(headers, token) if same_origin else dict(headers),
                timeout=(min(limits.connect_timeout, left), min(limits.read_timeout, left)),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            log.debug("GET %s failed: %s", url, type(exc).__name__)
            if fetch.clock() >= fetch.until:
                return None, fetch.deadline_error()
            return None, _network_failure(exc, url, limits)
        log.debug(
            "HTTP %d from %s in %.3f s (type %s, length %s, encoding %s)",
            response.status_code,
            host_of(url),
            time.perf_counter() - sent_at,
            response.headers.get("Content-Type"),
            response.headers.get("Content-Length"),
            response.headers.get("Content-Encoding"),
        )
        if response.status_code not in REDIRECT_STATUSES:
            return response, None
        location = response.headers.get("Location")
        response.close()
        if not location:
            return None, InvalidResponseError(
                f"{host_of(url)} answered with a redirect (HTTP {response.status_code}) "
                "but did not say where to.",
                status=response.status_code,
            )
        target = urljoin(url, location)
        refusal = _redirect_refusal(url, target)
        if refusal is not None:
            return None, refusal
        log.debug("redirected (HTTP %d) to %s", response.status_code, target)
        url, query = target, None  # the Location already carries its own query
    return None, InvalidResponseError(
        f"The server redirected more than {max_redirects} times; giving up."
    )


def _with_token(headers: Mapping[str, str], token: str) -> dict[str, str]:
    return {**headers, "Authorization": f"OAuth {token}"}


def _redirect_refusal(current: str, target: str) -> ApiError | None:
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return InvalidResponseError(f"The server redirected to an unusable address: {target}")
    if (
        urlsplit(current).scheme == "https"
        and parts.scheme == "http"
        and not is_loopback_host(parts.hostname)
    ):
        return InvalidResponseError(
            f"The server redirected from https to unencrypted http ({host_of(target)}); "
            "refusing to follow."
        )
    return None


def _network_failure(exc: requests.RequestException, url: str, limits: Limits) -> ApiError:
    error = network_error(
        exc, url, connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout
    )
    retryable = isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, (requests.exceptions.SSLError, requests.exceptions.Timeout)
    )
    return RetryableNetworkError(error.message) if retryable else error


class RetryableNetworkError(NetworkError):
    """Marks a connection failure worth one more try; never escapes the client."""

    def plain(self) -> NetworkError:
        return NetworkError(self.message, status=self.status)
