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
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Final, TypeVar
from urllib.parse import quote, urljoin

import requests

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider, TokenProvider
from desktop_app.api.errors import (
    ApiError,
    BadRequestError,
)
from desktop_app.api.http import host_of, origin, user_agent
from desktop_app.api.redirects import RetryableNetworkError, send
from desktop_app.api.regions import Endpoint
from desktop_app.api.report_body import read_document, report_reader, signups_reader
from desktop_app.api.responses import (
    MEDIA_TYPES,
    parse_retry_after,
)
from desktop_app.api.secret import Secret
from desktop_app.api.status_errors import status_error
from desktop_app.api.transfer import Limits, Transfer, check_cancelled
from desktop_app.report.query import STATUS_PARAM, ReportQuery
from desktop_app.report.read_problems import renumbered
from desktop_app.report.rows import Link, Report
from desktop_app.report.signups import SignupsPage

log = logging.getLogger(__name__)

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
DEFAULT_MAX_BYTES: Final = 768 * 1024 * 1024
WAIT_SLICE: Final = 0.25  # with a cancel event, back-off sleeps are sliced this fine
CONNECTION_RETRIES: Final = 1  # a refused/reset connection is retried once, then reported
DEFAULT_DEADLINE: Final = 300.0  # seconds for a whole fetch: the Settings default (5 min)
MAX_PAGES: Final = 100  # ``next`` links followed at most (the report is documented as one page)
SIGNUPS_PARAMS: Final = {"type": "PARTNER"}

_T = TypeVar("_T")


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
        pause: Callable[[], None] | None = None,
    ) -> None:
        """``owns_session``: whether ``close()`` closes the session (default: when none given).
        ``deadline``: seconds a whole fetch may take (see the module docstring). ``tag_rows``:
        every row fetched carries ``username`` as its partner (a view of several partners);
        otherwise ``None``, like the rows read back from history. ``pause``: parse reports
        paced (``runtime.pacing.Pacer.pause``): several partners' reports parsed at once must
        leave the GIL to a GUI thread between them."""
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
        self._report_reader = report_reader(
            response_format, self._username if tag_rows else None, pause
        )
        self._signups_reader = signups_reader(response_format)
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

    def for_partner(
        self, username: str, *, session: requests.Session, pause: Callable[[], None] | None = None
    ) -> ReportClient:
        """A client for partner ``username`` on this endpoint, with these tokens, format and
        limits, whose rows carry ``username`` as their partner. It sends over ``session``
        (configured as this one: the proxy and trust settings) and closes it with itself;
        fetches through different clients may run at the same time. ``pause``: its parse is
        paced (see ``__init__``)."""
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
            pause=pause,
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
            fetch = Transfer(
                self._username,
                self._report_reader,
                started + self._deadline,
                self._deadline,
                self._clock,
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
            fetch = Transfer(
                whose,
                self._signups_reader,
                self._clock() + self._deadline,
                self._deadline,
                self._clock,
                cancel,
                self._max_bytes,
            )
            if url is not None:
                return self._page(url, params, fetch)
            return self._page(self.signups_url(whose), {**SIGNUPS_PARAMS, **(params or {})}, fetch)

    # -- pages --------------------------------------------------------------------------------

    def _follow_pages(self, first: Report, fetch: Transfer[Report]) -> Report:
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

    def _page(self, url: str, params: Mapping[str, str] | None, fetch: Transfer[_T]) -> _T:
        """One page (of what ``fetch`` reads), retried and redirected as the class docstring
        says."""
        renewed = False
        retries = 0
        connection_retries = 0
        waited = 0.0
        cancel = fetch.cancel
        while True:
            check_cancelled(cancel)
            fetch.time_left()
            token = self._tokens.token()
            response, failure = send(
                self._session,
                url,
                params,
                self._headers(),
                token,
                fetch,
                self._limits(),
                self._max_redirects,
            )
            if failure is not None:
                if (
                    isinstance(failure, RetryableNetworkError)
                    and connection_retries < CONNECTION_RETRIES
                    and waited + self._backoff_base <= self._max_total_wait
                ):
                    connection_retries += 1
                    log.debug("connection failed; retrying in %.2f s", self._backoff_base)
                    self._wait(self._backoff_base, fetch)
                    waited += self._backoff_base
                    continue
                raise failure.plain() if isinstance(failure, RetryableNetworkError) else failure
            assert response is not None
            with response:
                status = response.status_code
                if 200 <= status < 300:
                    return read_document(response, token, fetch, self._format, self._limits())
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

    def _wait(self, seconds: float, fetch: Transfer[_T]) -> None:
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

    def _status_error(
        self,
        response: requests.Response,
        token: str,
        fetch: Transfer[_T],
        *,
        retries: int = 0,
        retry_after: float | None = None,
    ) -> ApiError:
        return status_error(
            response,
            token,
            fetch.partner,
            self.report_url,
            noun=fetch.reader.noun,
            retries=retries,
            retry_after=retry_after,
        )

    def _limits(self) -> Limits:
        return Limits(self._max_bytes, self._connect_timeout, self._read_timeout, self.report_url)

    # -- one request, redirects followed by hand --------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": MEDIA_TYPES[self._format],
            "Accept-Encoding": "gzip",
            "User-Agent": user_agent(),
        }


def _next_link(links: tuple[Link, ...]) -> Link | None:
    return next((link for link in links if link.rel.lower() == "next" and link.href), None)


def _without_statuses(params: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k != STATUS_PARAM}


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
