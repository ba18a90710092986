"""The Backup Status Report over HTTP: streamed, bounded, retried politely, within a deadline,
and every failure turned into a typed ApiError whose message a partner admin can act on.

Qt-free and blocking: the UI runs it on a worker thread and cancels it through a
``threading.Event``. Redirects are followed here, not by requests, so the Authorization header
is only ever sent to the API's own origin.

What is sent (also in the README): ``GET {api}/v1/partners/{username}/reports/backup_status``
with ``Accept`` (JSON or XML), ``Accept-Encoding: gzip`` and ``Authorization: OAuth {token}``;
from a ``ReportQuery``, ``condition_status`` as one comma-separated list (``FAILURE,WARNING``;
how several values are sent is not documented) and ``order_by``/``order_dir``. A server that
answers HTTP 400 to a list of statuses is asked again without the filter, and is not sent one
again by this client: the caller filters the rows itself (``ReportQuery.keep``).

Pages: the report is documented as one page, but a ``next`` link is followed (same origin
only, at most ``max_pages``), and when the envelope's ``count`` promises more rows than arrived
the report says so in ``Report.incomplete`` instead of passing for the whole report.

Deadline: besides the connect and read timeouts, the whole fetch (retries, waits, pages) ends
after ``deadline`` seconds with a ``NetworkError`` (a server dripping one byte every few seconds
never trips a read timeout). While the body streams, a timer closes the socket at the deadline;
while waiting for the response headers, each read waits at most for the time left.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

import requests

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider, TokenProvider
from desktop_app.api.errors import (
    ApiError,
    BadRequestError,
    InvalidResponseError,
    NetworkError,
)
from desktop_app.api.http import REDIRECT_STATUSES, host_of, origin, user_agent
from desktop_app.api.network import network_error
from desktop_app.api.regions import Endpoint, is_loopback_host
from desktop_app.api.report_body import read_report
from desktop_app.api.responses import (
    MEDIA_TYPES,
    parse_retry_after,
)
from desktop_app.api.secret import Secret
from desktop_app.api.status_errors import status_error
from desktop_app.api.transfer import Limits, Transfer, check_cancelled
from desktop_app.report.query import STATUS_PARAM, ReportQuery
from desktop_app.report.rows import Link, ReadProblem, Report

log = logging.getLogger(__name__)

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
DEFAULT_MAX_BYTES: Final = 768 * 1024 * 1024
WAIT_SLICE: Final = 0.25  # with a cancel event, back-off sleeps are sliced this fine
CONNECTION_RETRIES: Final = 1  # a refused/reset connection is retried once, then reported
DEFAULT_DEADLINE: Final = 300.0  # seconds for a whole fetch: the Settings default (5 min)
MAX_PAGES: Final = 100  # ``next`` links followed at most (the report is documented as one page)


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
        deadline: float = DEFAULT_DEADLINE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        """``owns_session``: whether ``close()`` closes the session (default: when none given).
        ``deadline``: seconds a whole fetch may take (see the module docstring)."""
        if not deadline > 0:
            raise ValueError("deadline must be a positive number of seconds")
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
        self._deadline = deadline
        self._max_pages = max_pages
        self._status_list_refused = False  # the server said 400 to a list of statuses
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

    @property
    def deadline(self) -> float:
        return self._deadline

    @property
    def status_list_refused(self) -> bool:
        """True once the server refused a list of statuses: the filter is no longer sent."""
        return self._status_list_refused

    def fetch_report(
        self, query: ReportQuery | None = None, *, cancel: threading.Event | None = None
    ) -> Report:
        """The whole report (all its pages), with ``fetched_at`` (aware UTC), ``fetch_seconds``,
        ``source``, ``response`` and, when rows are known to be missing, ``incomplete`` set.

        Raises an ApiError subclass on every failure, FetchCancelled once ``cancel`` is set.
        ``fetch_seconds`` covers everything: waiting, downloading and parsing. The rows may hold
        statuses the query did not ask for (see the module docstring): filter them.
        """
        with self._lock:
            started = self._clock()
            fetch = Transfer(
                started + self._deadline, self._deadline, self._clock, cancel, self._max_bytes
            )
            params = query.to_params() if query else {}
            several = "," in params.get(STATUS_PARAM, "")
            if several and self._status_list_refused:
                params = _without_statuses(params)
            try:
                first = self._page(self.report_url, params, fetch)
            except BadRequestError:
                if not several or self._status_list_refused:
                    raise
                self._status_list_refused = True
                log.info("The server refused a list of statuses (HTTP 400); filtering locally")
                first = self._page(self.report_url, _without_statuses(params), fetch)
            report = self._follow_pages(first, fetch)
            return dataclasses.replace(
                report, fetch_seconds=self._clock() - started, source=self._format
            )

    # -- pages --------------------------------------------------------------------------------

    def _follow_pages(self, first: Report, fetch: Transfer) -> Report:
        """``first`` with the rows of every page its ``next`` links lead to (module docstring)."""
        rows = list(first.rows)
        problems = list(first.problems)
        incomplete: str | None = None
        page, url = first, self.report_url
        seen = {url}
        pages = 1
        while (link := _next_link(page.links)) is not None and page.rows:
            target = urljoin(url, link.href)
            if origin(target) != origin(self.report_url):
                incomplete = f"its next page is on another server ({host_of(target)})"
                break
            if target in seen:
                break  # a loop: whatever is still missing shows in the count below
            if pages >= self._max_pages:
                incomplete = f"it has more than {self._max_pages} pages"
                break
            seen.add(target)
            page, url = self._page(target, None, fetch), target
            pages += 1
            offset = len(rows)
            rows.extend(page.rows)
            problems.extend(_shifted(p, offset) for p in page.problems)
        if incomplete is None and first.count > len(rows):
            incomplete = (
                f"the server said it holds {first.count:,} backup sets but sent {len(rows):,}"
            )
        if incomplete is not None:
            log.warning("The report is incomplete: %s", incomplete)
        if pages > 1:
            log.info("Read %d pages, %d rows", pages, len(rows))
        sample = first.response
        return dataclasses.replace(
            first,
            rows=tuple(rows),
            problems=tuple(problems),
            incomplete=incomplete,
            response=sample if sample is None else dataclasses.replace(sample, pages=pages),
            fetched_at=page.fetched_at,
        )

    # -- the retry loop -----------------------------------------------------------------------

    def _page(self, url: str, params: Mapping[str, str] | None, fetch: Transfer) -> Report:
        """One page of the report, retried and redirected as the class docstring says."""
        renewed = False
        retries = 0
        connection_retries = 0
        waited = 0.0
        cancel = fetch.cancel
        while True:
            check_cancelled(cancel)
            fetch.time_left()
            token = self._tokens.token()
            response, failure = self._send(url, params, token, fetch)
            if failure is not None:
                if (
                    isinstance(failure, _RetryableNetworkError)
                    and connection_retries < CONNECTION_RETRIES
                    and waited + self._backoff_base <= self._max_total_wait
                ):
                    connection_retries += 1
                    log.debug("connection failed; retrying in %.2f s", self._backoff_base)
                    self._wait(self._backoff_base, fetch)
                    waited += self._backoff_base
                    continue
                raise failure.plain() if isinstance(failure, _RetryableNetworkError) else failure
            assert response is not None
            with response:
                status = response.status_code
                if 200 <= status < 300:
                    return read_report(response, token, fetch, self._format, self._limits())
                if status == 401:
                    if not renewed and self._tokens.renew_after_rejection(token):
                        renewed = True
                        log.debug("HTTP 401; renewing the token once")
                        continue
                    raise status_error(response, token, self._username, self.report_url)
                if status not in RETRY_STATUSES:
                    raise status_error(response, token, self._username, self.report_url)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = (
                    retry_after if retry_after is not None else self._backoff_base * (2**retries)
                )
                if retries >= self._max_retries or waited + delay > self._max_total_wait:
                    raise status_error(
                        response,
                        token,
                        self._username,
                        self.report_url,
                        retries=retries,
                        retry_after=retry_after,
                    )
            log.debug("HTTP %d; retry %d in %.2f s", status, retries + 1, delay)
            self._wait(delay, fetch)
            waited += delay
            retries += 1

    def _wait(self, seconds: float, fetch: Transfer) -> None:
        """Sleep ``seconds`` (in slices, to notice a cancel); a wait past the deadline ends the
        fetch at once: waiting would only end in the same error later."""
        cancel = fetch.cancel
        if seconds >= fetch.until - self._clock():
            raise fetch.deadline_error()
        remaining = seconds
        while remaining > 0:
            check_cancelled(cancel)
            step = remaining if cancel is None else min(remaining, WAIT_SLICE)
            self._sleep(step)
            remaining -= step
        check_cancelled(cancel)

    def _limits(self) -> Limits:
        return Limits(self._max_bytes, self._connect_timeout, self._read_timeout, self.report_url)

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
        self, url: str, params: Mapping[str, str] | None, token: str, fetch: Transfer
    ) -> tuple[requests.Response | None, ApiError | None]:
        """The first non-redirect response, or the error that prevented one.

        Errors are returned rather than raised inside ``except`` so the requests exception,
        whose ``.request`` holds the Authorization header, is never chained onto them.
        """
        api_origin = origin(self.report_url)
        query: Mapping[str, str] | None = params
        for _hop in range(self._max_redirects + 1):
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
                response = self._session.get(
                    url,
                    params=query,
                    headers=self._headers(token if same_origin else None),
                    timeout=(min(self._connect_timeout, left), min(self._read_timeout, left)),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                log.debug("GET %s failed: %s", url, type(exc).__name__)
                if self._clock() >= fetch.until:
                    return None, fetch.deadline_error()
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


def _next_link(links: tuple[Link, ...]) -> Link | None:
    return next((link for link in links if link.rel.lower() == "next" and link.href), None)


def _shifted(problem: ReadProblem, offset: int) -> ReadProblem:
    """A later page's problem, numbered within the whole report."""
    if problem.row is None or not offset:
        return problem
    return dataclasses.replace(problem, row=problem.row + offset)


def _without_statuses(params: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k != STATUS_PARAM}


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
