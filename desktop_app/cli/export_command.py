"""``backup-status export``: fetch the Backup Status Report once and write it as CSV or JSON.

For schedulers and scripts: no Qt, no prompts, one clear error line on stderr and a documented
exit code. The status filter is sent to the server *and* applied again here, and the ordering is
applied here, so the output is right even from a server that ignores those parameters.

Values the report holds that cannot be read are written as empty cells and listed on stderr
(the first ``PROBLEM_LINES``, then how many more); the export still succeeds. ``--strict``
refuses instead (exit 5, nothing written), and so it does for an incomplete report (the server
promised more rows than arrived), which otherwise is a warning on stderr.

``--stale-after HOURS`` adds the app's "stale or missing" column (``stale_or_missing``) to CSV.
Without a history this command can only tell stale sets ("Stale": no activity for longer than
HOURS, the app's rule), never missing ones, so the column holds "Stale" or nothing. It is opt-in
so the default output keeps exactly the documented fields scripts may rely on.
Several partners: ``cli.partner_options`` and ``cli.partner_export``.
"""

from __future__ import annotations

import argparse
import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import IO, Any, Protocol, TextIO

from desktop_app.api.errors import ApiError, AuthenticationError
from desktop_app.api.regions import Endpoint, Region, custom_endpoint, endpoint_for_region
from desktop_app.cli import partner_options
from desktop_app.export.atomic import ExportError, os_error_reason, write_atomically
from desktop_app.export.csv_writer import resolve_delimiter
from desktop_app.export.report_csv import FLAG_FIELD, write_report_csv
from desktop_app.report.derived import STALE, StaleRule
from desktop_app.report.errors import ParseError
from desktop_app.report.query import OrderBy, OrderDir, ReportQuery
from desktop_app.report.read_problems import count_text, problem_lines
from desktop_app.report.rows import BackupStatusRow, Report, row_key
from desktop_app.report.status import status_severity
from desktop_app.storage.credentials import CredentialStore, CredentialStoreError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NETWORK = 4
EXIT_INVALID_RESPONSE = 5
EXIT_CANNOT_WRITE = 6

ENV_USERNAME = "BACKUP_STATUS_USERNAME"
ENV_TOKEN = "BACKUP_STATUS_TOKEN"
ENV_CLIENT_ID = "BACKUP_STATUS_CLIENT_ID"
ENV_CLIENT_SECRET = "BACKUP_STATUS_CLIENT_SECRET"

PROBLEM_LINES = 10  # read problems listed on stderr before "… and N more"

REGIONS: dict[str, Region] = {"na": Region.NORTH_AMERICA, "emea": Region.EMEA}
ORDER_FIELDS = ("username", "computer_name", "backupset_name", "local_end", "condition_status")

EPILOG = f"""\
credentials (the first one found is used):
  1. {ENV_TOKEN}: a fixed access token
  2. {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}: client credentials
  3. the OS keyring entry "USERNAME@API_HOST" saved by the app
  The partner username comes from --username or {ENV_USERNAME}.

{partner_options.PARTNERS_EPILOG}
output:
  CSV is UTF-8 with a byte order mark (for Excel) unless --no-bom; '-' writes to standard
  output, without a BOM when that is a terminal. Text cells starting with = + - @ tab or CR
  get a leading ' so spreadsheets do not run them as formulas; numbers are never changed.
  A file is replaced only once the export is complete.
  --stale-after HOURS adds a last column, {FLAG_FIELD}: "Stale" for a set with no activity
  (end, or start while running) for longer than HOURS, else empty. Missing sets need the
  app's history, so this command never reports them.
  --order-by condition_status sorts worst first (FAILURE, WARNING, RUNNING, COMPLETED);
  rows without an end time always come last.

odd data:
  A value the report holds that cannot be read is an empty cell, and one stderr line says
  where (row, field, the value sent); up to 10 lines, then how many more. Times without a UTC
  offset are read as UTC and listed the same way. The export still succeeds (exit 0). A report
  with fewer rows than the server said it has is exported with a warning. --strict makes
  either of these fail with exit 5 and writes nothing.
  --timeout SECONDS ends a fetch that takes longer (default 300), with exit 4.

exit codes:
  0  success
  1  unexpected internal error (run with --debug and report it)
  2  usage: bad option, unknown status, missing username or incomplete credentials
  3  authentication or permission refused, or no stored credentials
  4  network, server, not found or rate limit; a connection that broke mid-report; --timeout
  5  the server's answer was not a readable report (or an error object); with --strict, also
     a value that could not be read or an incomplete report
  6  the output could not be written (folder missing, permission denied, disk full)
"""


class ReportFetcher(Protocol):
    """What the export needs of ``api.client.ReportClient`` (closing is optional)."""

    def fetch_report(self, query: ReportQuery) -> Report: ...


ClientFactory = Callable[..., ReportFetcher]
"""``api.client.build_client``-compatible: (endpoint, username, *, access_token=, client_id=,
client_secret=, response_format=) -> a client with ``fetch_report(query)``."""


class UsageError(Exception):
    """A problem with the command line or the environment the user can fix (exit 2)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    access_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None

    def __repr__(self) -> str:  # never show the secret or token
        return f"Credentials(client_id={self.client_id!r}, secret/token=***)"


def add_export_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``export`` on ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="fetch the report once and write it as CSV or JSON (no window)",
        description="Fetch the Backup Status Report once and write it as CSV or JSON.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE|-", help="'-' is stdout")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument(
        "--status",
        metavar="LIST",
        help="comma-separated condition statuses: FAILURE,WARNING,RUNNING,COMPLETED",
    )
    parser.add_argument("--order-by", choices=ORDER_FIELDS)
    parser.add_argument("--order-dir", choices=("asc", "desc"))
    partner_options.add_partner_arguments(parser, ENV_USERNAME)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--region", choices=tuple(REGIONS), help="data centre (default: na)")
    where.add_argument("--base-url", metavar="URL", help="a custom API address")
    parser.add_argument(
        "--auth-url",
        metavar="URL",
        help="token server (default: the region's, or the --base-url origin)",
    )
    parser.add_argument("--response-format", choices=("json", "xml"), default="json")
    parser.add_argument(
        "--delimiter",
        choices=(",", ";", "tab"),
        default=",",
        metavar="CHAR",
        help="CSV delimiter: ',' (default), ';' or 'tab'",
    )
    parser.add_argument("--no-bom", action="store_true", help="CSV without a byte order mark")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 5, write nothing) when a value cannot be read or rows are missing",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="the longest the whole fetch may take (default 300)",
    )
    parser.add_argument(
        "--stale-after",
        type=float,
        metavar="HOURS",
        help=f"CSV: add a {FLAG_FIELD} column marking sets idle for longer than HOURS",
    )
    # SUPPRESS: the top-level --debug must not be reset to False by this sub-parser's default.
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log details and tracebacks"
    )
    return parser


def run_export(
    args: argparse.Namespace,
    *,
    credential_store: CredentialStore,
    environ: Mapping[str, str],
    stdout: IO[str],
    stderr: TextIO,
    client_factory: ClientFactory | None = None,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Run the export for parsed ``args``; return the exit code. Never raises for expected errors.

    Collaborators come in as parameters so tests can hand in a keyring backend, an environment,
    streams and a clock (what ``--stale-after`` measures from); ``main`` passes the real ones.
    """
    try:
        return _export(
            args, credential_store, environ, stdout, stderr, client_factory, clock or _utc_now
        )
    except UsageError as exc:
        return _fail(stderr, str(exc), EXIT_USAGE)
    except ApiError as exc:
        return _fail(stderr, f"{exc.title}: {exc.message}", exc.exit_code)
    except ParseError as exc:
        return _fail(stderr, f"Unreadable response: {exc}", EXIT_INVALID_RESPONSE)
    except CredentialStoreError as exc:
        return _fail(stderr, f"{exc} (or set {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET})", EXIT_AUTH)
    except ExportError as exc:
        return _fail(stderr, exc.message, EXIT_CANNOT_WRITE)
    except KeyboardInterrupt:
        return _fail(stderr, "interrupted", 130)
    except Exception as exc:
        return _fail(
            stderr,
            f"unexpected {type(exc).__name__}; run with --debug for details",
            EXIT_INTERNAL,
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _fail(stderr: TextIO, message: str, code: int) -> int:
    # The traceback goes to the log, which only --debug shows; users get one line.
    log.debug("export failed (exit %d)", code, exc_info=True)
    stderr.write(f"backup-status: error: {message}\n")
    stderr.flush()
    return code


def _export(
    args: argparse.Namespace,
    store: CredentialStore,
    environ: Mapping[str, str],
    stdout: IO[str],
    stderr: TextIO,
    client_factory: ClientFactory | None,
    clock: Callable[[], datetime],
) -> int:
    query = _query(args)
    stale_after = _stale_after(args)
    options = _client_options(args)
    endpoint = _endpoint(args)
    usernames = partner_options.requested_usernames(args, environ, ENV_USERNAME)
    if not usernames:
        raise UsageError(f"no partner username: use --username or set {ENV_USERNAME}")
    username = usernames[0]
    delimiter = resolve_delimiter(args.delimiter)
    credentials = _credentials(environ, store, username, endpoint)
    if client_factory is None:
        from desktop_app.api.client import build_client

        client_factory = build_client

    started = time.perf_counter()
    client = client_factory(
        endpoint,
        username,
        access_token=credentials.access_token,
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        response_format=args.response_format,
        **options,
    )
    several = partner_options.several_requested(args, usernames)  # the partner column too
    try:
        if not several:
            report = client.fetch_report(query)
        else:
            from desktop_app.cli.partner_export import fetch_partners

            fetched = fetch_partners(client, usernames, query, args, stderr)
            if fetched.report is None:
                assert fetched.exit_code is not None
                return fetched.exit_code
            report = fetched.report
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()
    log.debug("fetched %d rows in %.2f s", len(report.rows), time.perf_counter() - started)
    if not _judge(report, stderr, strict=getattr(args, "strict", False)):
        return EXIT_INVALID_RESPONSE
    rows = order_rows(query.keep(report.rows), args.order_by, args.order_dir or "asc")

    flags = None if stale_after is None else stale_flags(rows, stale_after, clock())

    to_stdout = args.output == "-"
    write_csv = partial(
        write_report_csv, delimiter=delimiter, bom=not args.no_bom, flags=flags, partners=several
    )
    if args.format == "json":
        written = _write_json(args.output, report, rows, stdout, several)
    elif to_stdout:
        written = _write_csv_to_stdout(stdout, rows, write_csv)
    else:
        written = write_csv(args.output, rows)
    if not to_stdout:
        elapsed = time.perf_counter() - started
        stderr.write(f"backup-status: {written} rows written to {args.output} in {elapsed:.2f} s\n")
    return EXIT_OK


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    timeout = getattr(args, "timeout", None)
    if timeout is None:
        return {}
    if not 0 < timeout < float("inf"):
        raise UsageError("--timeout needs a positive number of seconds")
    return {"deadline": timeout}


def _judge(report: Report, stderr: TextIO, *, strict: bool) -> bool:
    """Tell what could not be read and whether rows are missing; ``False`` when ``strict``
    refuses the report for it (see the module docstring)."""
    problems = report.problems
    if not problems and report.incomplete is None:
        return True
    level = "error" if strict else "warning"
    if problems:
        stderr.write(f"backup-status: {level}: {count_text(problems)}:\n")
        for line in problem_lines(problems, PROBLEM_LINES):
            stderr.write(f"  {line}\n")
    if report.incomplete is not None:
        stderr.write(f"backup-status: {level}: the report is incomplete: {report.incomplete}\n")
    if strict:
        stderr.write("backup-status: error: --strict: nothing was written\n")
    stderr.flush()
    return not strict


def _stale_after(args: argparse.Namespace) -> timedelta | None:
    hours = getattr(args, "stale_after", None)
    if hours is None:
        return None
    if args.format != "csv":
        raise UsageError("--stale-after adds a CSV column; it does not apply to --format json")
    if not hours > 0 or hours == float("inf"):
        raise UsageError("--stale-after needs a positive number of hours")
    return timedelta(hours=hours)


def stale_flags(
    rows: Sequence[BackupStatusRow], stale_after: timedelta, now: datetime
) -> list[str]:
    """The flag column without a history: "Stale" (the app's rule) or empty, per row."""
    stale = StaleRule(stale_after).stale_keys(rows, now)
    if not stale:
        return [""] * len(rows)
    text = STALE.capitalize()
    return [text if key in stale else "" for key in map(row_key, rows)]


def _query(args: argparse.Namespace) -> ReportQuery:
    if args.order_dir is not None and args.order_by is None:
        raise UsageError("--order-dir needs --order-by")
    # Only USERNAME ordering is documented server-side; everything is re-sorted here anyway.
    order_by = OrderBy.USERNAME if args.order_by == "username" else None
    order_dir = OrderDir(args.order_dir.upper()) if order_by and args.order_dir else None
    names = args.status.split(",") if args.status else []
    try:
        return ReportQuery.for_statuses(names, order_by=order_by, order_dir=order_dir)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _endpoint(args: argparse.Namespace) -> Endpoint:
    try:
        if args.base_url:
            return custom_endpoint(args.base_url, args.auth_url)
        region_endpoint = endpoint_for_region(REGIONS[args.region or "na"])
        if args.auth_url:
            return Endpoint(region_endpoint.api_base, args.auth_url)
        return region_endpoint
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _credentials(
    environ: Mapping[str, str], store: CredentialStore, username: str, endpoint: Endpoint
) -> Credentials:
    token = environ.get(ENV_TOKEN, "").strip()
    if token:
        return Credentials(access_token=token)
    client_id = environ.get(ENV_CLIENT_ID, "").strip()
    client_secret = environ.get(ENV_CLIENT_SECRET, "").strip()
    if client_id and client_secret:
        return Credentials(client_id=client_id, client_secret=client_secret)
    if client_id or client_secret:
        missing = ENV_CLIENT_SECRET if client_id else ENV_CLIENT_ID
        raise UsageError(f"{missing} is not set (client credentials need both)")
    stored = store.load(username, endpoint.api_host)
    if stored is None:
        raise AuthenticationError(
            f"no credentials for {username}@{endpoint.api_host}: set {ENV_CLIENT_ID} and "
            f"{ENV_CLIENT_SECRET} (or {ENV_TOKEN}), or save them in the app"
        )
    if stored.has_client_credentials:
        return Credentials(client_id=stored.client_id, client_secret=stored.client_secret)
    return Credentials(access_token=stored.access_token)


def _text_key(value: str | None) -> tuple[bool, str, str]:
    """Case-insensitive, then exact; an unknown value after every known one (ascending)."""
    return (False, value.casefold(), value) if value is not None else (True, "", "")


_SORT_KEYS: dict[str, Callable[[BackupStatusRow], Any]] = {
    "username": lambda r: _text_key(r.username),
    "computer_name": lambda r: _text_key(r.computer_name),
    "backupset_name": lambda r: _text_key(r.backupset_name),
    "condition_status": lambda r: (status_severity(r.condition_status), r.condition_status or ""),
    # Instants, so different offsets compare correctly; None never reaches here (order_rows).
    "local_end": lambda r: r.local_end.timestamp() if r.local_end is not None else 0.0,
}


def order_rows(
    rows: Sequence[BackupStatusRow], order_by: str | None, order_dir: str = "asc"
) -> Sequence[BackupStatusRow]:
    """Stable sort by ``order_by``; rows without an end time last in either direction."""
    if order_by is None:
        return rows
    key = _SORT_KEYS[order_by]
    reverse = order_dir == "desc"
    if order_by == "local_end":
        ended = [r for r in rows if r.local_end is not None]
        running = [r for r in rows if r.local_end is None]
        return sorted(ended, key=key, reverse=reverse) + running
    return sorted(rows, key=key, reverse=reverse)  # reverse=True keeps ties in input order


def _write_csv_to_stdout(
    stdout: IO[str], rows: Sequence[BackupStatusRow], write: Callable[..., int]
) -> int:
    """Write through stdout's binary buffer so ``\\r\\n`` is not translated to ``\\r\\r\\n``."""
    stdout.flush()
    binary = getattr(stdout, "buffer", None)
    if binary is None:
        return write(stdout, rows)
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        return write(text, rows)
    finally:
        try:
            text.detach()  # flushes; leaves stdout itself open
        except OSError as exc:
            raise ExportError(
                f"Could not write to standard output: {os_error_reason(exc)}."
            ) from exc


def _write_json(
    output: str,
    report: Report,
    rows: Sequence[BackupStatusRow],
    stdout: IO[str],
    partners: bool = False,
) -> int:
    from desktop_app.report.serialize import rows_to_json_bytes

    same = len(rows) == len(report.rows)
    data = rows_to_json_bytes(
        rows,
        page=report.page,
        page_size=len(rows) if not same or not report.page_size else report.page_size,
        count=len(rows) if not same or not report.count else report.count,
        links=report.links,
        partner_field=partners,
    )
    if output != "-":
        write_atomically(output, lambda handle: handle.write(data))
        return len(rows)
    stdout.flush()
    binary = getattr(stdout, "buffer", None)
    try:
        if binary is None:
            stdout.write(data.decode("utf-8"))
            stdout.flush()
        else:
            binary.write(data)
            binary.flush()
    except OSError as exc:
        raise ExportError(f"Could not write to standard output: {os_error_reason(exc)}.") from exc
    return len(rows)
