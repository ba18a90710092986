"""A local stand-in of the Intronis API over real HTTP on 127.0.0.1, for the demo and for tests.

It behaves like the documented API where that matters to a client: ``POST /oauth2/token`` with
form fields, ``Authorization: OAuth <token>``, tokens that expire, 401/403/404/405/406/400 with
a JSON error object, ``Accept`` choosing JSON or XML, gzip when asked, the ``condition_status``
filter and username ordering. Its data can evolve on every report request so refresh and
change notifications can be seen working, and ``faults`` scripts misbehaviour from Python.

Content negotiation: ``application/json`` and ``application/xml`` (``text/xml`` too) are served;
a missing ``Accept``, ``*/*`` or ``application/*`` gets JSON; an ``Accept`` naming only other
types gets 406.

It serves the documented shapes unless ``quirks`` (``demo.quirks.Quirk``) switch on what a real
server may send instead: odd values, pages with ``next`` links, a short report.

With ``partners`` (``demo.partners``) it serves a partner tree: each partner's own report, and
each partner's sub-partner list (``GET /v1/partners/{u}/signups?type=PARTNER``, in pages with
``next`` links); without, it is one partner, whose sub-partner list is empty.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import NamedTuple
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from desktop_app.demo.data import DemoData
from desktop_app.demo.fault_responses import BODY_FAULTS, EARLY_FAULTS, body_fault, early_fault
from desktop_app.demo.faults import FaultKind, FaultPlan, Target
from desktop_app.demo.partners import DemoPartner, signups_body
from desktop_app.demo.quirks import Quirk, quirky_body
from desktop_app.demo.request_params import (
    accepts_gzip,
    negotiate,
    page_number,
    report_params,
    selected,
)
from desktop_app.demo.row_texts import Feed
from desktop_app.demo.tokens import REPORT_SCOPE, Token, TokenDesk
from desktop_app.demo.wire import CONTENT_TYPES, Handler, HTTPServer, Response, error
from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.runtime.pacing import unpaced

__all__ = ["REPORT_SCOPE", "DemoServer", "LoggedRequest"]

logger = logging.getLogger(__name__)

_REPORT_PATH = re.compile(r"^/v1/partners/([^/]+)/reports/backup_status/?$")
_SIGNUPS_PATH = re.compile(r"^/v1/partners/([^/]+)/signups/?$")
_TOKEN_PATH = "/oauth2/token"


class LoggedRequest(NamedTuple):
    """One request as the server saw it. The Authorization value is never kept, only its scheme:
    ``headers["Authorization"]`` reads e.g. ``"OAuth [redacted]"``."""

    method: str
    path: str
    headers: Mapping[str, str]
    auth_scheme: str | None


class DemoServer:
    """The demo Intronis API on a background thread. Use as a context manager or start()/stop().

    ``data`` defaults to ``DemoData(rows, seed=seed)``; ``rows`` and ``seed`` are ignored when
    ``data`` is given. ``port=0`` picks a free port; read it back from ``base_url``.

    A default ``data`` is generated on a background thread that ``start()`` begins (100,000 rows
    take over a second, which must not happen on the caller's thread, often the GUI's); the port
    is bound at once, token requests are served meanwhile, and reading ``data`` (a report
    request, a test) waits until it exists.

    ``pause`` is called every few dozen rows while generating data and serializing a report: in
    the GUI's process a ``runtime.pacing.Pacer`` keeps
    this stand-in for a remote server from taking the GIL away from the GUI thread. With
    ``compress=False`` bodies are never gzipped (allowed: ``Accept-Encoding`` is a preference);
    in the GUI's own process compressing 30 MB on loopback only costs CPU on both ends.

    ``clock`` (``time.monotonic`` by default) times token lifetimes, so tests can expire tokens
    without sleeping. With ``evolve`` each successful report request first advances ``data``
    one tick. Serialized reports are cached per (tick, format, query, encoding), and each row's
    serialized form is kept until the row changes: a tick changes about 2% of the rows, so a
    new body costs little more than joining the cached pieces (``demo.row_texts``).

    ``partners``: a partner tree (``demo.partners.standard_tree``), its root first; the root is
    ``username`` and its report is ``data``; every other partner has data of its own
    (``DemoPartner.rows``, generated with ``data`` in the background). ``rows`` is then ignored.
    """

    def __init__(
        self,
        data: DemoData | None = None,
        *,
        rows: int = 500,
        seed: int = 7,
        username: str = "demo-partner",
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",
        token_lifetime: int = 3600,
        evolve: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        faults: FaultPlan | None = None,
        pause: Callable[[], None] = unpaced,
        compress: bool = True,
        quirks: frozenset[Quirk] | set[Quirk] = frozenset(),
        showcase: bool = False,
        partners: Sequence[DemoPartner] = (),
    ) -> None:
        self._pause = pause
        self._showcase = showcase  # the default data's rhythm showcase (demo.showcase)
        self.quirks: frozenset[Quirk] = frozenset(quirks)
        self._compress = compress
        self._data = data
        self._tree = {p.username: p for p in partners}
        if partners:
            username, rows = partners[0].username, partners[0].rows
        self._partner_data: dict[str, DemoData] = {}
        self._data_args = (rows, seed)
        self._data_build_lock = threading.Lock()
        self.faults = faults if faults is not None else FaultPlan()
        self.evolve = evolve
        self.tokens = TokenDesk(client_id, client_secret, token_lifetime, clock)
        self._username = username
        self._host = host
        self._port = port
        self._data_lock = threading.Lock()
        self._feeds = {name: Feed() for name in self._tree or (username,)}
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def data(self) -> DemoData:
        """The simulated report data; generated on first use if ``start()`` has not yet."""
        data = self._data
        if data is None:
            with self._data_build_lock:  # waits for the generating thread, if one runs
                data = self._data
                if data is None:
                    rows, seed = self._data_args
                    data = self._data = DemoData(
                        rows, seed=seed, pause=self._pause, showcase=self._showcase
                    )
        return data

    def _generate_data(self) -> None:
        try:
            for partner in self._feeds:
                self._data_of(partner)  # generates it
        except Exception:  # reported again to whoever reads ``data``
            logger.exception("Generating the demo data failed")

    def _data_of(self, partner: str) -> DemoData:
        """A partner's own data (the root's is ``data``), generated on first use."""
        if partner == self._username:
            return self.data
        with self._data_build_lock:
            data = self._partner_data.get(partner)
            if data is None:
                spec = self._tree[partner]
                seed = self._data_args[1] + list(self._tree).index(partner)
                data = DemoData(
                    spec.rows, seed=seed, pause=self._pause, customer_prefix=spec.prefix
                )
                self._partner_data[partner] = data
        return data

    def _listed_with(self, partner: str) -> list[str]:
        """``partner`` and the sub-partners whose sets its report lists too."""
        return [partner] + [
            p.username for p in self._tree.values() if p.parent == partner and p.in_parent_report
        ]

    def report_rows(self, partner: str | None = None) -> tuple[BackupStatusRow, ...]:
        """The rows ``partner``'s report (default: ``username``'s) lists now."""
        parts = [
            self._data_of(name).rows() for name in self._listed_with(partner or self._username)
        ]
        return parts[0] if len(parts) == 1 else tuple(row for part in parts for row in part)

    @property
    def partners(self) -> tuple[DemoPartner, ...]:
        """The partner tree served (empty: one partner, ``username``)."""
        return tuple(self._tree.values())

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        if self._data is None:
            threading.Thread(target=self._generate_data, name="demo-data", daemon=True).start()
        self._stopping.clear()
        httpd = HTTPServer((self._host, self._port), Handler, self)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-server"
        )
        self._thread.daemon = True
        self._thread.start()
        logger.info("Demo server listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving, end open connections and close the listening socket. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        if thread is not None:
            thread.join()
        httpd.close_connections()
        httpd.server_close()
        self._httpd = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._httpd is not None else "stopped"
        tick = "generating" if self._data is None else self._data.tick
        return f"DemoServer({where}, username={self._username!r}, tick={tick})"

    # -- facts for clients and tests -------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def auth_url(self) -> str:
        return self.base_url

    @property
    def report_url(self) -> str:
        return f"{self.base_url}/v1/partners/{quote(self._username, safe='')}/reports/backup_status"

    @property
    def username(self) -> str:
        return self._username

    @property
    def client_id(self) -> str:
        return self.tokens.client_id

    @property
    def client_secret(self) -> str:
        """The demo's own made-up secret: shown to the user so they can try the app."""
        return self.tokens.client_secret

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def issue_token(self, scopes: tuple[str, ...] = (REPORT_SCOPE,)) -> str:
        """A valid access token straight from Python, as if obtained from /oauth2/token."""
        return self.tokens.issue(scopes)

    def revoke_tokens(self) -> None:
        """Forget every issued token: the next report request gets 401, as after expiry."""
        self.tokens.revoke_all()

    # -- request handling (called on handler threads) ------------------------------------

    def _record(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        kept: dict[str, str] = {}
        scheme: str | None = None
        for name, value in headers.items():
            if name.lower() == "authorization":
                scheme = value.strip().split(" ", 1)[0] if value.strip() else ""
                kept[name] = f"{scheme} [redacted]"
            else:
                kept[name] = value
        with self._log_lock:
            self._log.append(LoggedRequest(method, path, kept, scheme))

    def handle_request(
        self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """Route one request; the HTTP handler writes the result. Runs on a handler thread."""
        self._record(method, raw_path, headers)
        split = urlsplit(raw_path)
        if split.path == _TOKEN_PATH:
            if method != "POST":
                return error(405, "method_not_allowed", "Use POST", [("Allow", "POST")])
            return self._with_faults(
                Target.TOKEN, headers, lambda: self.tokens.grant(body, self.issue_token)
            )
        signups = _SIGNUPS_PATH.match(split.path)
        if signups is not None:
            if method != "GET":
                return error(405, "method_not_allowed", "Use GET", [("Allow", "GET")])
            whose = unquote(signups.group(1))
            return self._with_faults(
                Target.SIGNUPS, headers, lambda: self._signups(whose, split.query, headers)
            )
        match = _REPORT_PATH.match(split.path)
        if match is None:
            return error(404, "not_found", f"No such resource: {split.path}")
        if method != "GET":
            return error(405, "method_not_allowed", "Use GET", [("Allow", "GET")])
        partner = unquote(match.group(1))
        return self._with_faults(
            Target.REPORT, headers, lambda: self._report(partner, split.path, split.query, headers)
        )

    def _with_faults(
        self, target: Target, headers: Mapping[str, str], respond: Callable[[], Response]
    ) -> Response:
        fault = self.faults.take(target, EARLY_FAULTS)
        if fault is not None:
            if fault.kind is FaultKind.LATENCY:
                self._stopping.wait(fault.seconds)
            else:
                return early_fault(fault)
        response = respond()
        if response.status == 200:
            fault = self.faults.take(target, BODY_FAULTS)
            if fault is not None:
                return body_fault(fault, response)
        return response

    def _report(self, partner: str, path: str, query: str, headers: Mapping[str, str]) -> Response:
        fmt = self._admitted(partner, headers)
        if isinstance(fmt, Response):
            return fmt
        params = report_params(parse_qs(query, keep_blank_values=True))
        if isinstance(params, Response):
            return params
        statuses, order_dir = params
        use_gzip = self._compress and accepts_gzip(headers.get("Accept-Encoding", ""))
        quirks = self.quirks
        page = page_number(parse_qs(query)) if quirks else 1
        with self._data_lock:
            if self.evolve and page == 1:  # later pages belong to the same report
                self._data_of(partner).advance()
            if quirks:
                rows = selected(self.report_rows(partner), statuses, order_dir)
                body = quirky_body(rows, fmt, quirks, page, self.base_url + path)
                if use_gzip:
                    body = gzip.compress(body, compresslevel=1, mtime=0)
            else:
                body = self._serialized(partner, path, fmt, statuses, order_dir, use_gzip)
        extra = [("Cache-Control", "no-store"), ("Vary", "Accept, Accept-Encoding")]
        if use_gzip:
            extra.append(("Content-Encoding", "gzip"))
        return Response(200, body, CONTENT_TYPES[fmt], extra)

    def _admitted(self, partner: str, headers: Mapping[str, str]) -> str | Response:
        """The format to answer a request for ``partner``'s data in, or why it is refused."""
        auth = self.tokens.authorize(headers)
        if isinstance(auth, Response):
            return auth
        refusal = self._refusal(partner, auth)
        if refusal is not None:
            return refusal
        fmt = negotiate(headers.get("Accept"))
        if fmt is None:
            return error(406, "not_acceptable", "Accept application/json or application/xml")
        return fmt

    def _refusal(self, partner: str, auth: Token) -> Response | None:
        """Why ``partner``'s report or list may not be read with this token; None when it may."""
        if partner not in self._feeds:
            return error(403, "forbidden", "This token may not read another partner's report")
        if REPORT_SCOPE not in auth.scopes:
            return error(403, "insufficient_scope", f"The token lacks the {REPORT_SCOPE} scope")
        spec = self._tree.get(partner)
        if spec is None or spec.refusal is None:
            return None
        if spec.refusal == 404:
            return error(404, "not_found", f"No partner named {partner}")
        return error(
            spec.refusal,
            "insufficient_scope",
            f"The token lacks the {REPORT_SCOPE} scope for partner {partner}",
        )

    def _signups(self, partner: str, query: str, headers: Mapping[str, str]) -> Response:
        """A page of ``partner``'s sub-partner list (``demo.partners.signups_body``)."""
        fmt = self._admitted(partner, headers)
        if isinstance(fmt, Response):
            return fmt
        params = parse_qs(query)
        kind = params.get("type", ["PARTNER"])[-1].strip().upper()
        try:
            page_size = int(params.get("page_size", ["100"])[-1])
        except ValueError:
            return error(400, "invalid_parameter", "page_size must be a whole number")
        children = [p for p in self._tree.values() if p.parent == partner and kind == "PARTNER"]
        list_url = f"{self.base_url}/v1/partners/{quote(partner, safe='')}/signups"
        body = signups_body(children, fmt, page_number(params), page_size, list_url)
        return Response(200, body, CONTENT_TYPES[fmt], [("Cache-Control", "no-store")])

    def _serialized(
        self,
        partner: str,
        path: str,
        fmt: str,
        statuses: tuple[str, ...],
        order_dir: str | None,
        use_gzip: bool,
    ) -> bytes:
        """``partner``'s report body for the current tick; called with the data lock held."""
        feed = self._feeds[partner]
        tick = tuple(self._data_of(name).tick for name in self._listed_with(partner))
        if tick != feed.tick:
            feed.cache.clear()
            feed.tick = tick
        key = (fmt, statuses, order_dir, use_gzip)
        cached = feed.cache.get(key)
        if cached is not None:
            return cached
        plain = feed.cache.get((fmt, statuses, order_dir, False))
        if plain is None:
            rows = selected(self.report_rows(partner), statuses, order_dir)
            params: dict[str, str] = {}
            if statuses:
                params["condition_status"] = ",".join(statuses)
            if order_dir is not None:
                params.update(order_by="USERNAME", order_dir=order_dir)
            href = self.base_url + path + (f"?{urlencode(params)}" if params else "")
            plain = feed.row_texts[fmt].body(rows, [Link("self", href)], self._pause)
            feed.cache[(fmt, statuses, order_dir, False)] = plain
        if not use_gzip:
            return plain
        packed = gzip.compress(plain, compresslevel=1, mtime=0)
        feed.cache[key] = packed
        return packed
