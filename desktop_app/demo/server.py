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

import contextlib
import gzip
import hmac
import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from operator import attrgetter
from types import TracebackType
from typing import Any, NamedTuple, cast
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from desktop_app.demo.data import DemoData
from desktop_app.demo.faults import Fault, FaultKind, FaultPlan, Target
from desktop_app.demo.partners import DemoPartner, signups_body
from desktop_app.demo.quirks import Quirk, quirky_body
from desktop_app.report.background import unpaced
from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes
from desktop_app.report.status import ConditionStatus

__all__ = ["DemoServer", "LoggedRequest"]

logger = logging.getLogger(__name__)

REPORT_SCOPE = "partners_read"
_REPORT_PATH = re.compile(r"^/v1/partners/([^/]+)/reports/backup_status/?$")
_SIGNUPS_PATH = re.compile(r"^/v1/partners/([^/]+)/signups/?$")
_TOKEN_PATH = "/oauth2/token"
SERIALIZE_CHUNK = 64  # rows per serializer call (about 0.5 ms), with a pause between
_MAX_FORM_BYTES = 64 * 1024
_CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
}
_ACCEPTED: dict[str, tuple[str, int]] = {  # media type -> (format, specificity)
    "application/json": ("json", 1),
    "application/xml": ("xml", 1),
    "text/xml": ("xml", 1),
    "application/*": ("json", 0),
    "*/*": ("json", 0),
}
_BODY_FAULTS = frozenset(
    {
        FaultKind.MALFORMED,
        FaultKind.TRUNCATED,
        FaultKind.OVERSIZED,
        FaultKind.WRONG_CONTENT_TYPE,
        FaultKind.ERROR_OBJECT,
    }
)
_EARLY_FAULTS = frozenset({FaultKind.LATENCY, FaultKind.STATUS, FaultKind.HTML_ERROR})
_MALFORMED = {
    "json": b'{"page": 1, "page_size": 2, "count": 2, "links": [], "list": [{"username": }',
    "xml": b'<?xml version="1.0"?><list page="1" count="2"',  # beyond recovery: no row
}


class LoggedRequest(NamedTuple):
    """One request as the server saw it. The Authorization value is never kept, only its scheme:
    ``headers["Authorization"]`` reads e.g. ``"OAuth [redacted]"``."""

    method: str
    path: str
    headers: Mapping[str, str]
    auth_scheme: str | None


@dataclass(frozen=True, slots=True)
class _Token:
    issued_at: float
    scopes: frozenset[str]


@dataclass(slots=True)
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    declared_length: int | None = None  # a Content-Length other than len(body): truncation
    stream: Callable[[], Iterator[bytes]] | None = None  # a large body written in chunks
    close: bool = False


class DemoServer:
    """The demo Intronis API on a background thread. Use as a context manager or start()/stop().

    ``data`` defaults to ``DemoData(rows, seed=seed)``; ``rows`` and ``seed`` are ignored when
    ``data`` is given. ``port=0`` picks a free port; read it back from ``base_url``.

    A default ``data`` is generated on a background thread that ``start()`` begins (100,000 rows
    take over a second, which must not happen on the caller's thread, often the GUI's); the port
    is bound at once, token requests are served meanwhile, and reading ``data`` (a report
    request, a test) waits until it exists.

    ``pause`` is called every few dozen rows while generating data and serializing a report: in
    the GUI's process a ``report.background.Pacer`` keeps
    this stand-in for a remote server from taking the GIL away from the GUI thread. With
    ``compress=False`` bodies are never gzipped (allowed: ``Accept-Encoding`` is a preference);
    in the GUI's own process compressing 30 MB on loopback only costs CPU on both ends.

    ``clock`` (``time.monotonic`` by default) times token lifetimes, so tests can expire tokens
    without sleeping. With ``evolve`` each successful report request first advances ``data``
    one tick. Serialized reports are cached per (tick, format, query, encoding), and each row's
    serialized form is kept until the row changes: a tick changes about 2% of the rows, so a
    new body costs little more than joining the cached pieces (``_RowTexts``).

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
        partners: Sequence[DemoPartner] = (),
    ) -> None:
        self._pause = pause
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
        self.token_lifetime = token_lifetime
        self._username = username
        self._client_id = client_id
        self._client_secret = client_secret
        self._host = host
        self._port = port
        self._clock = clock
        self._tokens: dict[str, _Token] = {}
        self._tokens_lock = threading.Lock()
        self._data_lock = threading.Lock()
        self._feeds = {name: _Feed() for name in self._tree or (username,)}
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
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
                    data = self._data = DemoData(rows, seed=seed, pause=self._pause)
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
        httpd = _HTTPServer((self._host, self._port), _Handler, self)
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
        return self._client_id

    @property
    def client_secret(self) -> str:
        """The demo's own made-up secret: shown to the user so they can try the app."""
        return self._client_secret

    @property
    def request_log(self) -> list[LoggedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def issue_token(self, scopes: tuple[str, ...] = (REPORT_SCOPE,)) -> str:
        """A valid access token straight from Python, as if obtained from /oauth2/token."""
        token = secrets.token_urlsafe(32)
        with self._tokens_lock:
            self._tokens[token] = _Token(self._clock(), frozenset(scopes))
        return token

    def revoke_tokens(self) -> None:
        """Forget every issued token: the next report request gets 401, as after expiry."""
        with self._tokens_lock:
            self._tokens.clear()

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
    ) -> _Response:
        """Route one request; the HTTP handler writes the result. Runs on a handler thread."""
        self._record(method, raw_path, headers)
        split = urlsplit(raw_path)
        if split.path == _TOKEN_PATH:
            if method != "POST":
                return _error(405, "method_not_allowed", "Use POST", [("Allow", "POST")])
            return self._with_faults(Target.TOKEN, headers, lambda: self._token(body))
        signups = _SIGNUPS_PATH.match(split.path)
        if signups is not None:
            if method != "GET":
                return _error(405, "method_not_allowed", "Use GET", [("Allow", "GET")])
            whose = unquote(signups.group(1))
            return self._with_faults(
                Target.SIGNUPS, headers, lambda: self._signups(whose, split.query, headers)
            )
        match = _REPORT_PATH.match(split.path)
        if match is None:
            return _error(404, "not_found", f"No such resource: {split.path}")
        if method != "GET":
            return _error(405, "method_not_allowed", "Use GET", [("Allow", "GET")])
        partner = unquote(match.group(1))
        return self._with_faults(
            Target.REPORT, headers, lambda: self._report(partner, split.path, split.query, headers)
        )

    def _with_faults(
        self, target: Target, headers: Mapping[str, str], respond: Callable[[], _Response]
    ) -> _Response:
        fault = self.faults.take(target, _EARLY_FAULTS)
        if fault is not None:
            if fault.kind is FaultKind.LATENCY:
                self._stopping.wait(fault.seconds)
            else:
                return _early_fault(fault)
        response = respond()
        if response.status == 200:
            fault = self.faults.take(target, _BODY_FAULTS)
            if fault is not None:
                return _body_fault(fault, response)
        return response

    def _token(self, body: bytes) -> _Response:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        missing = [
            f for f in ("client_id", "client_secret", "grant_type", "scope") if not form.get(f)
        ]
        if missing:
            return _error(400, "invalid_request", f"Missing form field(s): {', '.join(missing)}")
        if form["grant_type"] != "none":
            return _error(400, "unsupported_grant_type", "grant_type must be 'none'")
        id_ok = hmac.compare_digest(form["client_id"].encode(), self._client_id.encode())
        secret_ok = hmac.compare_digest(
            form["client_secret"].encode(), self._client_secret.encode()
        )
        if not (id_ok and secret_ok):
            return _error(401, "invalid_client", "Unknown client_id or wrong client_secret")
        scopes = tuple(s for s in re.split(r"[+\s,]+", form["scope"]) if s)
        if not scopes or not all(re.fullmatch(r"[a-z_]+", s) for s in scopes):
            return _error(400, "invalid_scope", "scope must list scope names joined by '+'")
        token = self.issue_token(scopes)
        payload = {"access_token": token, "expires_in": str(self.token_lifetime)}
        return _Response(200, json.dumps(payload).encode(), headers=[("Cache-Control", "no-store")])

    def _authorize(self, headers: Mapping[str, str]) -> _Response | _Token:
        value = headers.get("Authorization", "").strip()
        challenge = [("WWW-Authenticate", 'OAuth realm="intronis-demo"')]
        if not value:
            return _error(401, "unauthorized", "Missing Authorization header", challenge)
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "oauth" or not token.strip():
            return _error(401, "unauthorized", "Use 'Authorization: OAuth <token>'", challenge)
        token = token.strip()
        with self._tokens_lock:
            info = self._tokens.get(token)
            if info is not None and self._clock() - info.issued_at >= self.token_lifetime:
                del self._tokens[token]
                return _error(401, "invalid_token", "The access token has expired", challenge)
        if info is None:
            return _error(401, "invalid_token", "The access token is not valid", challenge)
        return info

    def _report(self, partner: str, path: str, query: str, headers: Mapping[str, str]) -> _Response:
        fmt = self._admitted(partner, headers)
        if isinstance(fmt, _Response):
            return fmt
        params = _report_params(parse_qs(query, keep_blank_values=True))
        if isinstance(params, _Response):
            return params
        statuses, order_dir = params
        use_gzip = self._compress and _accepts_gzip(headers.get("Accept-Encoding", ""))
        quirks = self.quirks
        page = _page_number(parse_qs(query)) if quirks else 1
        with self._data_lock:
            if self.evolve and page == 1:  # later pages belong to the same report
                self._data_of(partner).advance()
            if quirks:
                rows = _selected(self.report_rows(partner), statuses, order_dir)
                body = quirky_body(rows, fmt, quirks, page, self.base_url + path)
                if use_gzip:
                    body = gzip.compress(body, compresslevel=1, mtime=0)
            else:
                body = self._serialized(partner, path, fmt, statuses, order_dir, use_gzip)
        extra = [("Cache-Control", "no-store"), ("Vary", "Accept, Accept-Encoding")]
        if use_gzip:
            extra.append(("Content-Encoding", "gzip"))
        return _Response(200, body, _CONTENT_TYPES[fmt], extra)

    def _admitted(self, partner: str, headers: Mapping[str, str]) -> str | _Response:
        """The format to answer a request for ``partner``'s data in, or why it is refused."""
        auth = self._authorize(headers)
        if isinstance(auth, _Response):
            return auth
        refusal = self._refusal(partner, auth)
        if refusal is not None:
            return refusal
        fmt = _negotiate(headers.get("Accept"))
        if fmt is None:
            return _error(406, "not_acceptable", "Accept application/json or application/xml")
        return fmt

    def _refusal(self, partner: str, auth: _Token) -> _Response | None:
        """Why ``partner``'s report or list may not be read with this token; None when it may."""
        if partner not in self._feeds:
            return _error(403, "forbidden", "This token may not read another partner's report")
        if REPORT_SCOPE not in auth.scopes:
            return _error(403, "insufficient_scope", f"The token lacks the {REPORT_SCOPE} scope")
        spec = self._tree.get(partner)
        if spec is None or spec.refusal is None:
            return None
        if spec.refusal == 404:
            return _error(404, "not_found", f"No partner named {partner}")
        return _error(
            spec.refusal,
            "insufficient_scope",
            f"The token lacks the {REPORT_SCOPE} scope for partner {partner}",
        )

    def _signups(self, partner: str, query: str, headers: Mapping[str, str]) -> _Response:
        """A page of ``partner``'s sub-partner list (``demo.partners.signups_body``)."""
        fmt = self._admitted(partner, headers)
        if isinstance(fmt, _Response):
            return fmt
        params = parse_qs(query)
        kind = params.get("type", ["PARTNER"])[-1].strip().upper()
        try:
            page_size = int(params.get("page_size", ["100"])[-1])
        except ValueError:
            return _error(400, "invalid_parameter", "page_size must be a whole number")
        children = [p for p in self._tree.values() if p.parent == partner and kind == "PARTNER"]
        list_url = f"{self.base_url}/v1/partners/{quote(partner, safe='')}/signups"
        body = signups_body(children, fmt, _page_number(params), page_size, list_url)
        return _Response(200, body, _CONTENT_TYPES[fmt], [("Cache-Control", "no-store")])

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
            rows = _selected(self.report_rows(partner), statuses, order_dir)
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


def _selected(
    rows: Sequence[BackupStatusRow], statuses: tuple[str, ...], order_dir: str | None
) -> Sequence[BackupStatusRow]:
    """The rows the query asks for: only ``statuses`` (if any), by username if ordered."""
    if statuses:
        wanted = frozenset(statuses)
        rows = [r for r in rows if r.condition_status in wanted]
    if order_dir is not None:
        rows = sorted(rows, key=attrgetter("username"), reverse=order_dir == "DESC")
    return rows


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[-1]))
    except ValueError:
        return 1


class _Feed:
    """One partner's serialised reports: cached per query for one tick of its data."""

    def __init__(self) -> None:
        self.cache: dict[tuple[object, ...], bytes] = {}
        self.tick: tuple[int, ...] = ()
        self.row_texts = {fmt: _RowTexts(fmt) for fmt in _CONTENT_TYPES}


class _RowTexts:
    """Each row's serialized form (JSON object or ``<backup_status>`` element), by row object.

    ``body`` gives the same bytes as one ``rows_to_json_bytes``/``rows_to_xml_bytes`` call over
    the rows: rows seen before are reused, new ones are serialized in ``SERIALIZE_CHUNK``
    batches, each batch as a document of its own that is cut into its rows. The cuts follow the
    serializer exactly: the envelope's length comes from an empty document, and rows are split
    where one ends and the next begins (``},{"report_date":``, ``</backup_status>``), a
    sequence escaped text cannot contain. Entries are keyed by ``id(row)`` and hold the row, so
    an id is never reused while its entry exists. Not thread-safe (the data lock serialises).
    """

    def __init__(self, fmt: str) -> None:
        self._json = fmt == "json"
        self._write = rows_to_json_bytes if self._json else rows_to_xml_bytes
        self._tail = b"]}" if self._json else b"</list>\n"
        empty = self._write((), page=1, page_size=0, count=0, links=())
        self._batch_head = len(empty) - len(self._tail)
        self._texts: dict[int, tuple[BackupStatusRow, bytes]] = {}

    def body(
        self,
        rows: Sequence[BackupStatusRow],
        links: list[Link],
        pause: Callable[[], None],
    ) -> bytes:
        count = len(rows)
        head = self._write((), page=1, page_size=count, count=count, links=links)
        head = head[: len(head) - len(self._tail)]
        known = self._texts
        pieces: list[bytes] = []
        new: list[tuple[int, BackupStatusRow]] = []
        for i, row in enumerate(rows):
            hit = known.get(id(row))
            if hit is not None and hit[0] is row:
                pieces.append(hit[1])
            else:
                pieces.append(b"")
                new.append((i, row))
            if not i % SERIALIZE_CHUNK:
                pause()
        for start in range(0, len(new), SERIALIZE_CHUNK):
            batch = new[start : start + SERIALIZE_CHUNK]
            texts = self._split([row for _, row in batch])
            for (i, row), text in zip(batch, texts, strict=True):
                pieces[i] = text
                known[id(row)] = (row, text)
            pause()
        if len(known) > 2 * count + SERIALIZE_CHUNK:  # forget rows that changed since
            self._texts = {id(row): (row, text) for row, text in zip(rows, pieces, strict=True)}
        return b"".join((head, (b"," if self._json else b"").join(pieces), self._tail))

    def _split(self, rows: list[BackupStatusRow]) -> list[bytes]:
        whole = self._write(rows, page=1, page_size=0, count=0, links=())
        inner = whole[self._batch_head : len(whole) - len(self._tail)]
        if self._json:
            cut = b'},{"report_date":'
            parts = inner.split(cut)
            texts = [b'{"report_date":' + part + b"}" for part in parts]
            texts[0] = texts[0][len(b'{"report_date":') :]
            texts[-1] = texts[-1][:-1]
        else:
            cut = b"</backup_status>"
            texts = [part + cut for part in inner.split(cut)[:-1]]
        if len(texts) != len(rows):  # the serializer changed its layout: fail loudly
            raise RuntimeError("could not split serialized rows")
        return texts


# -- HTTP plumbing ---------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    """Daemon handler threads, plus a way to end kept-alive connections at stop()."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: DemoServer
    ) -> None:
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections; they then close them."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-response is normal here (faults, stop()); stay quiet.
        logger.debug("Demo server connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IntronisDemo/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections end eventually
    # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
    # client's delayed ACK of the headers, 40 ms a request on loopback (44 ms measured per
    # sub-partner page; 0.9 ms without).
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo %s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        app = cast(_HTTPServer, self.server).app
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._write(_error(400, "invalid_request", "Bad Content-Length"), close=True)
            return
        if length > _MAX_FORM_BYTES:
            self._write(_error(413, "payload_too_large", "Request body too large"), close=True)
            return
        body = self.rfile.read(length) if length > 0 else b""
        headers = dict(self.headers.items())
        try:
            response = app.handle_request(self.command, self.path, headers, body)
        except Exception:
            logger.exception("Demo server failed on %s %s", self.command, urlsplit(self.path).path)
            response = _error(500, "server_error", "The demo server failed")
        self._write(response)

    def _write(self, response: _Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        length = response.declared_length
        if length is None:
            length = len(response.body)
        self.send_header("Content-Length", str(length))
        if close or response.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if response.stream is not None:
            for chunk in response.stream():
                self.wfile.write(chunk)
        else:
            self.wfile.write(response.body)
        self.wfile.flush()


# -- responses -------------------------------------------------------------------------------


def _error(
    status: int, error: str, message: str, headers: list[tuple[str, str]] | None = None
) -> _Response:
    body = json.dumps({"error": error, "message": message}).encode()
    return _Response(status, body, headers=list(headers or ()))


def _early_fault(fault: Fault) -> _Response:
    if fault.kind is FaultKind.HTML_ERROR:
        phrase = _phrase(fault.status_code)
        page = (
            f"<html><head><title>{fault.status_code} {phrase}</title></head><body>"
            f"<center><h1>{fault.status_code} {phrase}</h1></center><hr><center>nginx</center>"
            "</body></html>\n"
        )
        return _Response(fault.status_code, page.encode(), "text/html; charset=utf-8")
    headers = [] if fault.retry_after is None else [("Retry-After", str(fault.retry_after))]
    phrase = _phrase(fault.status_code)
    return _error(fault.status_code, phrase.lower().replace(" ", "_"), phrase, headers)


def _body_fault(fault: Fault, response: _Response) -> _Response:
    body = response.body
    if ("Content-Encoding", "gzip") in response.headers:
        body = gzip.decompress(body)
    plain_headers = [h for h in response.headers if h[0] != "Content-Encoding"]
    if fault.kind is FaultKind.WRONG_CONTENT_TYPE:
        return _Response(200, body, fault.content_type, plain_headers)
    if fault.kind is FaultKind.ERROR_OBJECT:
        if response.content_type == _CONTENT_TYPES["xml"]:
            error = (
                b'<?xml version="1.0"?><error><code>report_unavailable</code>'
                b"<message>The report is being rebuilt; try again in a few minutes</message>"
                b"</error>"
            )
            return _Response(200, error, response.content_type, plain_headers)
        text = {
            "error": "report_unavailable",
            "message": "The report is being rebuilt; try again in a few minutes",
        }
        return _Response(200, json.dumps(text).encode(), response.content_type, plain_headers)
    if fault.kind is FaultKind.MALFORMED:
        malformed = _MALFORMED["xml" if response.content_type == _CONTENT_TYPES["xml"] else "json"]
        return _Response(200, malformed, response.content_type, plain_headers)
    if fault.kind is FaultKind.TRUNCATED:
        cut = body[: int(len(body) * fault.keep)]
        declared = None if fault.honest_length else len(body)
        return _Response(200, cut, response.content_type, plain_headers, declared, close=True)
    is_xml = response.content_type == _CONTENT_TYPES["xml"]
    size = fault.size
    head = (
        b'<?xml version="1.0"?><list page="1" page_size="0" count="0"><!--'
        if is_xml
        else (b'{"page": 1, "page_size": 0, "count": 0, "links": [], "list": [], "padding": "')
    )
    tail = b"--></list>" if is_xml else b'"}'
    pad = max(0, size - len(head) - len(tail))

    def chunks() -> Iterator[bytes]:
        yield head
        block = b"x" * (1 << 20)
        left = pad
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield tail

    return _Response(
        200,
        b"",
        response.content_type,
        plain_headers,
        declared_length=len(head) + pad + len(tail),
        stream=chunks,
    )


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


# -- request parsing -------------------------------------------------------------------------


def _negotiate(accept: str | None) -> str | None:
    """Pick "json" or "xml" from an Accept header; None when neither is acceptable (406)."""
    if accept is None or not accept.strip():
        return "json"
    best: tuple[float, int] = (0.0, -1)
    chosen: str | None = None
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        hit = _ACCEPTED.get(media.lower())
        if hit is None or q <= 0:
            continue
        if (q, hit[1]) > best:
            best, chosen = (q, hit[1]), hit[0]
    return chosen


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _float(q[2:]) <= 0)
    return False


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _report_params(query: dict[str, list[str]]) -> tuple[tuple[str, ...], str | None] | _Response:
    """Validated (statuses, order direction or None); an error response when invalid."""
    statuses: list[str] = []
    for value in query.get("condition_status", []):
        for raw in value.split(","):
            name = raw.strip().upper()
            if not name:
                continue
            if name not in ConditionStatus.__members__:
                allowed = ", ".join(s.value for s in ConditionStatus)
                return _error(
                    400, "invalid_parameter", f"Unknown condition_status '{raw}' (use {allowed})"
                )
            if name not in statuses:
                statuses.append(name)
    order_by = query.get("order_by", [""])[-1].strip().upper()
    order_dir = query.get("order_dir", [""])[-1].strip().upper()
    if order_by not in ("", "USERNAME"):
        return _error(400, "invalid_parameter", "order_by supports only USERNAME")
    if order_dir not in ("", "ASC", "DESC"):
        return _error(400, "invalid_parameter", "order_dir must be ASC or DESC")
    direction = None if not (order_by or order_dir) else (order_dir or "ASC")
    return tuple(sorted(statuses)), direction
