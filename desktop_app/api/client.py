"""The Backup Status Report over HTTP: one GET, streamed, bounded, retried politely, and every
failure turned into a typed ApiError whose message a partner admin can act on.

Qt-free and blocking: the UI runs it on a worker thread and cancels it through a
``threading.Event``. Redirects are followed here, not by requests, so the Authorization header
is only ever sent to the API's own origin.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

import requests

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider, TokenProvider
from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    FetchCancelled,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from desktop_app.api.http import REDIRECT_STATUSES, host_of, origin, user_agent
from desktop_app.api.network import network_error
from desktop_app.api.regions import Endpoint, is_loopback_host
from desktop_app.api.responses import (
    ERROR_BODY_LIMIT,
    MEDIA_TYPES,
    content_kind,
    describe_kind,
    format_size,
    parse_retry_after,
    server_error_text,
    server_said,
)
from desktop_app.api.secret import Secret, redact
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body
from desktop_app.report.query import ReportQuery
from desktop_app.report.rows import Report

log = logging.getLogger(__name__)

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
DEFAULT_MAX_BYTES: Final = 768 * 1024 * 1024
CHUNK_SIZE: Final = 256 * 1024  # small enough that a cancel is noticed quickly
WAIT_SLICE: Final = 0.25  # with a cancel event, back-off sleeps are sliced this fine
CONNECTION_RETRIES: Final = 1  # a refused/reset connection is retried once, then reported


def _cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FetchCancelled("The report fetch was cancelled.")


class ReportClient:
    """Fetches the Backup Status Report of one partner from one endpoint.

    Retries: 429/502/503/504 are retried up to ``max_retries`` times with exponential back-off
    (``backoff_base`` × 1, 2, 4 … seconds), or after the server's Retry-After when it sends one.
    Waiting never adds up to more than ``max_total_wait``: a Retry-After beyond what is left
    ends the fetch at once with RateLimitedError/ServerError carrying ``retry_after``, so the
    caller's scheduler can come back later. A refused or dropped connection is retried once;
    timeouts and TLS failures are not (they would only repeat slowly).

    A 401 asks the token provider to renew once, then fails with AuthenticationError.
    Fetches through one client are serialised (a requests.Session is not meant to be shared).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        username: str,
        tokens: TokenProvider,
        *,
        response_format: str = "json",
        session: requests.Session | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_retries: int = 3,
        max_total_wait: float = 30.0,
        backoff_base: float = 1.0,
        max_redirects: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        owns_session: bool | None = None,
    ) -> None:
        """``owns_session``: whether ``close()`` closes the session (default: when none given)."""
        if response_format not in MEDIA_TYPES:
            raise ValueError(f"response_format must be 'json' or 'xml', not {response_format!r}")
        if not username.strip():
            raise ValueError("The partner username is empty.")
        self._endpoint = endpoint
        self._username = username.strip()
        self._tokens = tokens
        self._format = response_format
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None if owns_session is None else owns_session
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_bytes = max_bytes
        self._max_retries = max_retries
        self._max_total_wait = max_total_wait
        self._backoff_base = backoff_base
        self._max_redirects = max_redirects
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------------

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def username(self) -> str:
        return self._username

    @property
    def response_format(self) -> str:
        return self._format

    @property
    def report_url(self) -> str:
        user = quote(self._username, safe="")
        return f"{self._endpoint.api_base}/v1/partners/{user}/reports/backup_status"

    def __repr__(self) -> str:
        return (
            f"ReportClient(api_base={self._endpoint.api_base!r}, username={self._username!r}, "
            f"format={self._format!r}, tokens={self._tokens!r})"
        )

    def close(self) -> None:
        """Close the session if this client owns it; the token provider belongs to the caller."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> ReportClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch_report(
        self, query: ReportQuery | None = None, *, cancel: threading.Event | None = None
    ) -> Report:
        """The whole report, with ``fetched_at`` (aware UTC), ``fetch_seconds`` and ``source`` set.

        Raises an ApiError subclass on every failure, FetchCancelled once ``cancel`` is set.
        ``fetch_seconds`` covers everything: waiting, downloading and parsing.
        """
        with self._lock:
            return self._fetch(query.to_params() if query else {}, cancel)

    # -- the retry loop -----------------------------------------------------------------------

    def _fetch(self, params: Mapping[str, str], cancel: threading.Event | None) -> Report:
        started = self._clock()
        renewed = False
        retries = 0
        connection_retries = 0
        waited = 0.0
        while True:
            _cancelled(cancel)
            token = self._tokens.token()
            response, failure = self._send(params, token)
            if failure is not None:
                if (
                    isinstance(failure, _RetryableNetworkError)
                    and connection_retries < CONNECTION_RETRIES
                    and waited + self._backoff_base <= self._max_total_wait
                ):
                    connection_retries += 1
                    log.debug("connection failed; retrying in %.2f s", self._backoff_base)
                    self._wait(self._backoff_base, cancel)
                    waited += self._backoff_base
                    continue
                raise failure.plain() if isinstance(failure, _RetryableNetworkError) else failure
            assert response is not None
            with response:
                status = response.status_code
                if 200 <= status < 300:
                    return self._finish(response, started, token, cancel)
                if status == 401:
                    if not renewed and self._tokens.renew_after_rejection(token):
                        renewed = True
                        log.debug("HTTP 401; renewing the token once")
                        continue
                    raise self._status_error(response, token)
                if status not in RETRY_STATUSES:
                    raise self._status_error(response, token)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = (
                    retry_after if retry_after is not None else self._backoff_base * (2**retries)
                )
                if retries >= self._max_retries or waited + delay > self._max_total_wait:
                    raise self._status_error(
                        response, token, retries=retries, retry_after=retry_after
                    )
            log.debug("HTTP %d; retry %d in %.2f s", status, retries + 1, delay)
            self._wait(delay, cancel)
            waited += delay
            retries += 1

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        remaining = seconds
        while remaining > 0:
            _cancelled(cancel)
            step = remaining if cancel is None else min(remaining, WAIT_SLICE)
            self._sleep(step)
            remaining -= step
        _cancelled(cancel)

    # -- one request, redirects followed by hand --------------------------------------------

    def _headers(self, token: str | None) -> dict[str, str]:
        headers = {
            "Accept": MEDIA_TYPES[self._format],
            "Accept-Encoding": "gzip",
            "User-Agent": user_agent(),
        }
        if token is not None:
            headers["Authorization"] = f"OAuth {token}"
        return headers

    def _send(
        self, params: Mapping[str, str], token: str
    ) -> tuple[requests.Response | None, ApiError | None]:
        """The first non-redirect response, or the error that prevented one.

        Errors are returned rather than raised inside ``except`` so the requests exception,
        whose ``.request`` holds the Authorization header, is never chained onto them.
        """
        url = self.report_url
        api_origin = origin(url)
        query: Mapping[str, str] | None = params
        for _hop in range(self._max_redirects + 1):
            same_origin = origin(url) == api_origin
            sent_at = time.perf_counter()
            log.debug(
                "GET %s params=%s (credentials %s)",
                url,
                dict(query or {}),
                "sent" if same_origin else "withheld",
            )
            try:
                response = self._session.get(
                    url,
                    params=query,
                    headers=self._headers(token if same_origin else None),
                    timeout=(self._connect_timeout, self._read_timeout),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                log.debug("GET %s failed: %s", url, type(exc).__name__)
                return None, self._network_failure(exc, url)
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
            refusal = self._redirect_refusal(url, target)
            if refusal is not None:
                return None, refusal
            log.debug("redirected (HTTP %d) to %s", response.status_code, target)
            url, query = target, None  # the Location already carries its own query
        return None, InvalidResponseError(
            f"The server redirected more than {self._max_redirects} times; giving up."
        )

    @staticmethod
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

    def _network_failure(self, exc: requests.RequestException, url: str) -> ApiError:
        error = network_error(
            exc, url, connect_timeout=self._connect_timeout, read_timeout=self._read_timeout
        )
        retryable = isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
            exc, (requests.exceptions.SSLError, requests.exceptions.Timeout)
        )
        return _RetryableNetworkError(error.message) if retryable else error

    # -- the body ---------------------------------------------------------------------------

    def _finish(
        self,
        response: requests.Response,
        started: float,
        token: str,
        cancel: threading.Event | None,
    ) -> Report:
        self._check_content_type(response)
        read_started = time.perf_counter()
        body, failure = self._read_body(response, cancel)
        if failure is not None:
            raise failure
        fetched_at = datetime.now(UTC)
        log.debug(
            "read %d bytes (%s) in %.3f s",
            len(body),
            format_size(len(body)),
            time.perf_counter() - read_started,
        )
        _cancelled(cancel)
        parse_started = time.perf_counter()
        try:
            report = parse_body(body, self._format)
        except ParseError as exc:
            raise InvalidResponseError(
                f"The server's {self._format.upper()} could not be read as a Backup Status "
                f"Report: {redact(str(exc), token)}",
                status=response.status_code,
            ) from None
        log.debug("parsed %d rows in %.3f s", len(report), time.perf_counter() - parse_started)
        return dataclasses.replace(
            report,
            fetched_at=fetched_at,
            fetch_seconds=self._clock() - started,
            source=self._format,
        )

    def _check_content_type(self, response: requests.Response) -> None:
        content_type = response.headers.get("Content-Type")
        kind = content_kind(content_type)
        if kind in ("missing", self._format):
            return
        hint = (
            " Check the API address; a proxy, captive portal or sign-in page may be answering "
            "instead of the API."
            if kind in ("html", "other")
            else ""
        )
        raise InvalidResponseError(
            f"Expected {self._format.upper()} but the server sent "
            f"{describe_kind(kind, content_type)} (HTTP {response.status_code}).{hint}",
            status=response.status_code,
        )

    def _too_large(self) -> InvalidResponseError:
        return InvalidResponseError(
            f"The server's response exceeded {format_size(self._max_bytes)}, the most this app "
            "will read; the report may be far larger than expected."
        )

    def _read_body(
        self, response: requests.Response, cancel: threading.Event | None
    ) -> tuple[bytes, ApiError | None]:
        """The decompressed body, counting decompressed bytes against ``max_bytes``."""
        length = response.headers.get("Content-Length", "")
        if (
            length.isdigit()
            and int(length) > self._max_bytes
            and not response.headers.get("Content-Encoding")
        ):
            return b"", self._too_large()
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                if cancel is not None and cancel.is_set():
                    return b"", FetchCancelled("The report fetch was cancelled.")
                size += len(chunk)
                if size > self._max_bytes:
                    return b"", self._too_large()
                chunks.append(chunk)
        except requests.exceptions.ContentDecodingError:
            return b"", InvalidResponseError(
                "The server's compressed response could not be decompressed."
            )
        except requests.exceptions.ChunkedEncodingError:
            return b"", InvalidResponseError(
                f"The server's response was cut off after {format_size(size)}; the connection "
                "ended before the whole report arrived. Try again."
            )
        except requests.RequestException as exc:
            return b"", network_error(
                exc,
                response.url,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
            )
        return b"".join(chunks), None

    # -- error statuses -----------------------------------------------------------------------

    @staticmethod
    def _error_text(response: requests.Response, token: str) -> str:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(16 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size >= ERROR_BODY_LIMIT:
                    break
        except requests.RequestException:
            pass  # the status alone still explains the failure
        text = server_error_text(b"".join(chunks), response.headers.get("Content-Type"))
        return redact(text, Secret(token))

    def _status_error(
        self,
        response: requests.Response,
        token: str,
        *,
        retries: int = 0,
        retry_after: float | None = None,
    ) -> ApiError:
        status = response.status_code
        reason = f" {response.reason}" if response.reason else ""
        host = host_of(response.url or self.report_url)
        detail = self._error_text(response, token)
        said = server_said(detail)
        tries = f" after {retries + 1} attempts" if retries else ""
        later = (
            f" The server asked to wait {retry_after:.0f} s before trying again."
            if retry_after is not None
            else " Try again later."
        )
        if status == 401:
            return AuthenticationError(
                "The access token is invalid or has expired (HTTP 401). Sign in again or check "
                f"the client credentials and the region.{said}",
                status=status,
            )
        if status == 403:
            return PermissionDeniedError(
                f"Access to the report of partner '{self._username}' was denied (HTTP 403). "
                "The token needs the partners_read scope, and the username must be your own "
                f"partner username, not another partner's.{said}",
                status=status,
            )
        if status == 404:
            return NotFoundError(
                f"No partner named '{self._username}' was found at {host} (HTTP 404); "
                f"check the partner username and the region.{said}",
                status=status,
            )
        if status == 400:
            return BadRequestError(
                "The server did not accept the request (HTTP 400): "
                f"{detail or 'it gave no explanation'}",
                status=status,
            )
        if status == 429:
            return RateLimitedError(
                f"{host} is limiting how often the report may be fetched (HTTP 429){tries}.{later}",
                status=status,
                retry_after=retry_after,
            )
        if status >= 500:
            return ServerError(
                f"{host} reported a server problem (HTTP {status}{reason}){tries}.{said}{later}",
                status=status,
                retry_after=retry_after,
            )
        return ApiError(
            f"{host} answered HTTP {status}{reason}, which this app does not expect.{said}",
            status=status,
        )


class _RetryableNetworkError(NetworkError):
    """Marks a connection failure worth one more try; never escapes the client."""

    def plain(self) -> NetworkError:
        return NetworkError(self.message, status=self.status)


def build_client(
    endpoint: Endpoint,
    username: str,
    *,
    access_token: str | Secret | None = None,
    client_id: str | None = None,
    client_secret: str | Secret | None = None,
    response_format: str = "json",
    session: requests.Session | None = None,
    **options: object,
) -> ReportClient:
    """A ReportClient with the right token provider: client credentials when given (they renew
    themselves, which an unattended app needs), else the fixed access token.

    ``options`` are passed on to ReportClient (timeouts, limits, sleep, clock …). The client and
    the provider share one session; the client closes it when it created it.
    """
    has_credentials = bool(client_id) or bool(client_secret)
    if has_credentials and not (client_id and client_secret):
        raise ValueError("Both the client ID and the client secret are needed.")
    if not has_credentials and not access_token:
        raise ValueError("Give either an access token, or a client ID and secret.")
    owns = session is None
    shared = session if session is not None else requests.Session()
    tokens: TokenProvider
    if client_id and client_secret:
        tokens = ClientCredentialsProvider.for_endpoint(
            endpoint, client_id, client_secret, session=shared
        )
    else:
        assert access_token is not None
        tokens = StaticTokenProvider(access_token)
    return ReportClient(
        endpoint,
        username,
        tokens,
        response_format=response_format,
        session=shared,
        owns_session=owns,
        **options,  # type: ignore[arg-type]
    )
