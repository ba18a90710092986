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

Sub-partners: ``fetch_signups`` reads one page of a partner's sub-partner list
(``GET {api}/v1/partners/{username}/signups?type=PARTNER``) with the same retries, limits,
deadline (per page) and errors; ``api.partners`` walks the pages and the tree. ``for_partner``
makes a client for another partner on the same endpoint and tokens, whose rows carry that
partner (``BackupStatusRow.partner``).

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
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Final, Generic, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3

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
from desktop_app.api.network import exception_chain, network_error
from desktop_app.api.regions import Endpoint, is_loopback_host
from desktop_app.api.responses import (
    ERROR_BODY_LIMIT,
    MEDIA_TYPES,
    content_kind,
    describe_kind,
    error_object_text,
    format_size,
    parse_retry_after,
    server_error_text,
    server_said,
)
from desktop_app.api.secret import Secret, redact
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body
from desktop_app.report.query import STATUS_PARAM, ReportQuery
from desktop_app.report.read_problems import renumbered
from desktop_app.report.rows import HEAD_BYTES, Link, Report, ResponseSample
from desktop_app.report.signups import SignupsPage, parse_signups

log = logging.getLogger(__name__)

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
DEFAULT_MAX_BYTES: Final = 768 * 1024 * 1024
CHUNK_SIZE: Final = 256 * 1024  # small enough that a cancel is noticed quickly
WAIT_SLICE: Final = 0.25  # with a cancel event, back-off sleeps are sliced this fine
CONNECTION_RETRIES: Final = 1  # a refused/reset connection is retried once, then reported
DEFAULT_DEADLINE: Final = 300.0  # seconds for a whole fetch: the Settings default (5 min)
MAX_PAGES: Final = 100  # ``next`` links followed at most (the report is documented as one page)
SIGNUPS_PARAMS: Final = {"type": "PARTNER"}

_T = TypeVar("_T")


def _cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise FetchCancelled("The report fetch was cancelled.")


@dataclasses.dataclass(frozen=True, slots=True)
class _Reader(Generic[_T]):
    """One kind of document: its name in messages, what a body that is not one fails to be
    read as, and how a body is read (``ParseError`` when it is not one)."""

    noun: str
    read_as: str
    read: Callable[[bytes, requests.Response], _T]


class _Fetch(Generic[_T]):
    """One fetch (a report with its pages, or a sub-partner page): whose, what it reads, its
    deadline, its cancel event, and the bytes read so far."""

    def __init__(
        self,
        partner: str,
        reader: _Reader[_T],
        until: float,
        cancel: threading.Event | None,
        budget: int,
    ) -> None:
        self.partner = partner
        self.reader = reader
        self.until = until
        self.cancel = cancel
        self.budget = budget  # bytes that may still be read (over all pages)
        self.arrived = 0  # bytes of bodies received (for the deadline message)


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
        tag_rows: bool = False,
    ) -> None:
        """``owns_session``: whether ``close()`` closes the session (default: when none given).
        ``deadline``: seconds a whole fetch may take (see the module docstring). ``tag_rows``:
        every row fetched carries ``username`` as its partner (a view of several partners);
        otherwise ``None``, like the rows read back from history."""
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
        self._tag_rows = tag_rows
        self._report_reader = _Reader("report", "a Backup Status Report", self._read_report)
        self._signups_reader = _Reader(
            "list of sub-partners",
            "a list of sub-partners",
            lambda body, _response: parse_signups(body, self._format),
        )
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

    def signups_url(self, partner: str | None = None) -> str:
        """Where ``partner``'s (default: this client's partner's) sub-partners are listed."""
        user = quote(partner or self._username, safe="")
        return f"{self._endpoint.api_base}/v1/partners/{user}/signups"

    def for_partner(self, username: str, *, session: requests.Session) -> ReportClient:
        """A client for partner ``username`` on this endpoint, with these tokens, format and
        limits, whose rows carry ``username`` as their partner. It sends over ``session``
        (configured as this one: the proxy and trust settings) and closes it with itself;
        fetches through different clients may run at the same time."""
        return ReportClient(
            self._endpoint,
            username,
            self._tokens,
            response_format=self._format,
            session=session,
            connect_timeout=self._connect_timeout,
            read_timeout=self._read_timeout,
            max_bytes=self._max_bytes,
            max_retries=self._max_retries,
            max_total_wait=self._max_total_wait,
            backoff_base=self._backoff_base,
            max_redirects=self._max_redirects,
            sleep=self._sleep,
            clock=self._clock,
            owns_session=True,
            deadline=self._deadline,
            max_pages=self._max_pages,
            tag_rows=True,
        )

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
            fetch = _Fetch(
                self._username,
                self._report_reader,
                started + self._deadline,
                cancel,
                self._max_bytes,
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

    def fetch_signups(
        self,
        partner: str | None = None,
        *,
        url: str | None = None,
        params: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> SignupsPage:
        """One page of ``partner``'s sub-partner list (default: this client's partner): ``url``
        (a ``next`` link, which carries its own query) or the list's first address with
        ``type=PARTNER`` and ``params`` (``page``, ``page_size``).

        Retried, redirected and limited as ``fetch_report``, within one deadline per page;
        raises the same ApiError subclasses (a 403 names the list and the partner).
        """
        whose = partner or self._username
        with self._lock:
            fetch = _Fetch(
                whose,
                self._signups_reader,
                self._clock() + self._deadline,
                cancel,
                self._max_bytes,
            )
            if url is not None:
                return self._page(url, params, fetch)
            return self._page(self.signups_url(whose), {**SIGNUPS_PARAMS, **(params or {})}, fetch)

    # -- pages --------------------------------------------------------------------------------

    def _follow_pages(self, first: Report, fetch: _Fetch[Report]) -> Report:
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
            problems.extend(renumbered(p, offset) for p in page.problems)
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

    def _page(self, url: str, params: Mapping[str, str] | None, fetch: _Fetch[_T]) -> _T:
        """One page (of what ``fetch`` reads), retried and redirected as the class docstring
        says."""
        renewed = False
        retries = 0
        connection_retries = 0
        waited = 0.0
        cancel = fetch.cancel
        while True:
            _cancelled(cancel)
            self._time_left(fetch)
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
                    return self._finish(response, token, fetch)
                if status == 401:
                    if not renewed and self._tokens.renew_after_rejection(token):
                        renewed = True
                        log.debug("HTTP 401; renewing the token once")
                        continue
                    raise self._status_error(response, token, fetch)
                if status not in RETRY_STATUSES:
                    raise self._status_error(response, token, fetch)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                delay = (
                    retry_after if retry_after is not None else self._backoff_base * (2**retries)
                )
                if retries >= self._max_retries or waited + delay > self._max_total_wait:
                    raise self._status_error(
                        response, token, fetch, retries=retries, retry_after=retry_after
                    )
            log.debug("HTTP %d; retry %d in %.2f s", status, retries + 1, delay)
            self._wait(delay, fetch)
            waited += delay
            retries += 1

    def _wait(self, seconds: float, fetch: _Fetch[_T]) -> None:
        """Sleep ``seconds`` (in slices, to notice a cancel); a wait past the deadline ends the
        fetch at once: waiting would only end in the same error later."""
        cancel = fetch.cancel
        if seconds >= fetch.until - self._clock():
            raise self._deadline_error(fetch)
        remaining = seconds
        while remaining > 0:
            _cancelled(cancel)
            step = remaining if cancel is None else min(remaining, WAIT_SLICE)
            self._sleep(step)
            remaining -= step
        _cancelled(cancel)

    def _time_left(self, fetch: _Fetch[_T]) -> float:
        """Seconds until the deadline; the deadline error once it has passed."""
        left = fetch.until - self._clock()
        if left <= 0:
            raise self._deadline_error(fetch)
        return left

    def _deadline_error(self, fetch: _Fetch[_T]) -> NetworkError:
        arrived = f"; {format_size(fetch.arrived)} had arrived" if fetch.arrived else ""
        return NetworkError(
            f"The {fetch.reader.noun} did not arrive within "
            f"{_minutes_or_seconds(self._deadline)}, the fetch deadline{arrived}. The server "
            "or the connection is too slow; try again later, or allow more time "
            "(Settings > Network, or export --timeout)."
        )

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
        self, url: str, params: Mapping[str, str] | None, token: str, fetch: _Fetch[_T]
    ) -> tuple[requests.Response | None, ApiError | None]:
        """The first non-redirect response, or the error that prevented one.

        Errors are returned rather than raised inside ``except`` so the requests exception,
        whose ``.request`` holds the Authorization header, is never chained onto them.
        """
        api_origin = origin(self.report_url)
        query: Mapping[str, str] | None = params
        for _hop in range(self._max_redirects + 1):
            same_origin = origin(url) == api_origin
            left = self._time_left(fetch)
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
                    return None, self._deadline_error(fetch)
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

    def _finish(self, response: requests.Response, token: str, fetch: _Fetch[_T]) -> _T:
        cancel = fetch.cancel
        self._check_content_type(response)
        read_started = time.perf_counter()
        body, failure = self._read_body(response, fetch)
        if failure is not None:
            raise failure
        fetch.budget -= len(body)
        log.debug(
            "read %d bytes (%s) in %.3f s",
            len(body),
            format_size(len(body)),
            time.perf_counter() - read_started,
        )
        _cancelled(cancel)
        reader = fetch.reader
        try:
            return reader.read(body, response)
        except ParseError as exc:
            said = error_object_text(body, self._format)
            if said:  # a 200 holding an error object: the server's own words explain it best
                raise InvalidResponseError(
                    f"The server answered with an error instead of the {reader.noun}: "
                    f"{redact(said, token)}",
                    status=response.status_code,
                ) from None
            raise InvalidResponseError(
                f"The server's {self._format.upper()} could not be read as {reader.read_as}: "
                f"{redact(str(exc), token)}",
                status=response.status_code,
            ) from None

    def _read_report(self, body: bytes, response: requests.Response) -> Report:
        """A report page from its body, stamped with when it arrived and what the answer was."""
        fetched_at = datetime.now(UTC)
        parse_started = time.perf_counter()
        report = parse_body(body, self._format, self._username if self._tag_rows else None)
        log.debug("parsed %d rows in %.3f s", len(report), time.perf_counter() - parse_started)
        sample = ResponseSample(
            content_type=response.headers.get("Content-Type", ""),
            status=response.status_code,
            size=len(body),
            fmt=self._format,
            head=body[:HEAD_BYTES],
        )
        return dataclasses.replace(report, fetched_at=fetched_at, response=sample)

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
        self, response: requests.Response, fetch: _Fetch[_T]
    ) -> tuple[bytes, ApiError | None]:
        """The decompressed body, counting decompressed bytes against ``max_bytes``; a timer
        closes the connection at the deadline (see the module docstring)."""
        length = response.headers.get("Content-Length", "")
        if (
            length.isdigit()
            and int(length) > fetch.budget
            and not response.headers.get("Content-Encoding")
        ):
            return b"", self._too_large()
        expired = threading.Event()
        timer = threading.Timer(self._time_left(fetch), _shut_down, (response, expired))
        timer.daemon = True
        timer.start()
        chunks: list[bytes] = []
        size = 0
        failure: ApiError | None = None
        try:
            for chunk in _body_chunks(response):
                if fetch.cancel is not None and fetch.cancel.is_set():
                    return b"", FetchCancelled("The report fetch was cancelled.")
                size += len(chunk)
                if size > fetch.budget:
                    return b"", self._too_large()
                chunks.append(chunk)
        except (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
            failure = InvalidResponseError(
                "The server's compressed response could not be decompressed."
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            failure = self._broken_body(
                response, exc, _arrived(response, size), length, fetch.reader.noun
            )
        finally:
            timer.cancel()
            fetch.arrived += _arrived(response, size)
        if expired.is_set():
            return b"", self._deadline_error(fetch)
        return (b"", failure) if failure is not None else (b"".join(chunks), None)

    def _broken_body(
        self,
        response: requests.Response,
        exc: BaseException,
        arrived: int,
        length: str,
        noun: str,
    ) -> NetworkError:
        """A connection that reset or closed before the whole body arrived: a network error
        (the documented exit 4), saying how much really arrived."""
        if any(
            isinstance(c, requests.exceptions.Timeout | TimeoutError)
            or type(c).__name__ == "ReadTimeoutError"
            for c in exception_chain(exc)
        ):
            return network_error(
                requests.exceptions.ReadTimeout(exc),
                response.url,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
            )
        of = f" of {format_size(int(length))}" if length.isdigit() else ""
        return NetworkError(
            f"The connection to {host_of(response.url or self.report_url)} broke after "
            f"{format_size(arrived)}{of} of the {noun} had arrived. Try again."
        )

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
        fetch: _Fetch[_T],
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
                f"Access to the {fetch.reader.noun} of partner '{fetch.partner}' was denied "
                "(HTTP 403). "
                "The token needs the partners_read scope, and the username must be your own "
                f"partner username (or a sub-partner's), not another partner's.{said}",
                status=status,
            )
        if status == 404:
            return NotFoundError(
                f"No partner named '{fetch.partner}' was found at {host} (HTTP 404); "
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


def _shut_down(response: requests.Response, expired: threading.Event) -> None:
    """At the deadline (timer thread): stop the body's reads, which then fail or end."""
    expired.set()
    raw = response.raw
    try:
        raw.shutdown()  # urllib3 >= 2.3: shuts the socket down under the blocked read
    except (AttributeError, ValueError, OSError):
        response.close()  # older urllib3: closing is the best there is


def _body_chunks(response: requests.Response) -> Iterator[bytes]:
    """The body, decompressed, in pieces as they arrive (``read1``): a connection that breaks
    mid-body then leaves nothing uncounted in a half-filled buffer. Older urllib3 has no
    ``read1``: then requests' fixed-size chunks."""
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(CHUNK_SIZE)
        return
    while chunk := read1(CHUNK_SIZE, decode_content=True):
        yield chunk


def _arrived(response: requests.Response, decoded: int) -> int:
    """Bytes of the body that really arrived: urllib3 counts what it read from the socket,
    including a last chunk cut short; ``decoded`` is what was handed to us."""
    try:
        wire = int(response.raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        wire = 0
    return max(wire, decoded)


def _minutes_or_seconds(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"


def _next_link(links: tuple[Link, ...]) -> Link | None:
    return next((link for link in links if link.rel.lower() == "next" and link.href), None)


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
