"""Streaming, atomic CSV writing shared by the headless export and the GUI export.

Why these choices:

* RFC 4180 quoting through the ``csv`` module with ``\\r\\n`` line ends, so Excel, LibreOffice and
  scripts all read the file back the same way.
* UTF-8 with a BOM by default: without it Excel on Windows guesses a legacy code page and
  garbles non-ASCII computer names. ``bom=False`` is for scripts.
* Formula-injection guard (OWASP "CSV Injection"): a *text* cell starting with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return is prefixed with a single quote ``'`` so a spreadsheet shows
  it as text instead of evaluating it. Numbers (``int``/``float``) are never touched, so a real
  ``-3`` stays a number; only text that merely looks like one (``"-3"``) gets the quote.
* Atomic: a file target is written to a temporary file in the same folder, flushed, fsynced and
  then ``os.replace``-d onto the target. A failure or a cancel removes the temporary file and
  leaves any existing target exactly as it was.
* A stream target (e.g. standard output for ``-``) is written directly, without a temporary
  file. It gets a BOM only when ``bom`` is true *and* the stream is not a terminal: a BOM is
  invisible noise on a console, but a redirect into a ``.csv`` file should still open in Excel.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import IO, Any

from desktop_app.export.atomic import (
    ExportCancelled,
    ExportError,
    os_error_reason,
    write_atomically,
)

__all__ = [
    "CHUNK_ROWS",
    "DELIMITERS",
    "ExportCancelled",
    "ExportError",
    "format_cell",
    "neutralise",
    "quote_text",
    "resolve_delimiter",
    "write_csv",
    "write_csv_lines",
]

DELIMITERS: dict[str, str] = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
"""Accepted delimiter spellings (``"tab"`` is the command-line friendly name of ``"\\t"``)."""

INJECTION_TRIGGERS = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP CSV Injection)."""

LIST_SEPARATOR = "; "
"""Joins tuple/list cells, e.g. a row's condition types."""

CHUNK_ROWS = 1000
"""Rows written between progress reports and cancel checks: frequent enough for a responsive
progress bar, rare enough that the callbacks cost nothing measurable."""

Cell = str | int | float


def neutralise(text: str) -> str:
    """Prefix ``'`` when ``text`` would start a spreadsheet formula (see module docstring)."""
    return "'" + text if text[:1] in INJECTION_TRIGGERS else text


def format_cell(value: object) -> Cell:
    """One value as a CSV cell: None empty, datetimes ISO 8601 with offset, lists joined."""
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return neutralise(LIST_SEPARATOR.join(str(format_cell(v)) for v in value))
    return neutralise(str(value))


def resolve_delimiter(name: str) -> str:
    """Map ``","``, ``";"``, ``"tab"``/``"\\t"`` to the character; ValueError otherwise."""
    try:
        return DELIMITERS[name]
    except KeyError:
        raise ValueError(f"unsupported delimiter {name!r} (use ',', ';' or 'tab')") from None


def write_csv(
    path_or_stream: str | os.PathLike[str] | IO[str],
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    bom: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    format_cells: bool = True,
) -> int:
    """Write ``header`` and ``rows``; return the number of data rows written.

    ``progress(n)`` is called with the running row count every ``CHUNK_ROWS`` rows and at the end;
    ``cancelled()`` is checked as often and aborts with ``ExportCancelled``. Pass
    ``format_cells=False`` only when the cells are already final (``format_cell`` output).
    OSError becomes ``ExportError`` with a user-readable message; any other exception from
    ``rows`` propagates unchanged (after the cleanup).
    """
    delimiter = resolve_delimiter(delimiter)
    source: Iterable[Sequence[object]] = (
        ([format_cell(v) for v in row] for row in rows) if format_cells else rows
    )

    def body(stream: IO[str]) -> int:
        writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        return _pump(source, writer.writerows, progress, cancelled)

    return _write_target(path_or_stream, bom, body)


def write_csv_lines(
    path_or_stream: str | os.PathLike[str] | IO[str],
    header: Sequence[str],
    lines: Iterable[str],
    *,
    delimiter: str = ",",
    bom: bool = True,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Like ``write_csv`` for rows already rendered as CSV text, one per item, each ending in
    ``\r\n`` (see ``quote_text``). The fast path for large, fixed-shape reports: building a line
    with one f-string costs far less than ``csv.writer``'s per-cell work."""
    delimiter = resolve_delimiter(delimiter)

    def body(stream: IO[str]) -> int:
        csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerow(header)
        write = stream.write
        return _pump(lines, lambda chunk: write("".join(chunk)), progress, cancelled)

    return _write_target(path_or_stream, bom, body)


def quote_text(text: str, delimiter: str) -> str:
    """``text`` as one CSV field exactly as ``csv.writer`` (QUOTE_MINIMAL, ``\r\n``) writes it:
    quoted, with quotes doubled, when it holds the delimiter, a quote, CR or LF."""
    if delimiter in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _pump(
    items: Iterable[Any],
    write_chunk: Callable[[list[Any]], object],
    progress: Callable[[int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> int:
    """Feed ``items`` to ``write_chunk`` in ``CHUNK_ROWS`` lists, reporting and checking cancel."""
    iterator = iter(items)
    written = 0
    while True:
        if cancelled is not None and cancelled():
            raise ExportCancelled()
        chunk = list(islice(iterator, CHUNK_ROWS))
        if not chunk:
            break
        write_chunk(chunk)
        written += len(chunk)
        if progress is not None:
            progress(written)
    if progress is not None and written == 0:
        progress(0)
    return written


def _write_target(
    path_or_stream: str | os.PathLike[str] | IO[str],
    bom: bool,
    body: Callable[[IO[str]], int],
) -> int:
    """Run ``body`` on a file (atomically, via a temporary file) or directly on a stream."""
    if isinstance(path_or_stream, str | os.PathLike):

        def write(binary: IO[bytes]) -> int:
            encoding = "utf-8-sig" if bom else "utf-8"
            text = io.TextIOWrapper(binary, encoding=encoding, newline="")
            try:
                return body(text)
            finally:
                text.detach()  # flushes; the binary file stays open for the fsync

        return write_atomically(Path(path_or_stream), write)
    stream = path_or_stream
    try:
        if bom and not _isatty(stream):
            stream.write("\ufeff")
        return body(stream)
    except OSError as exc:
        where = _stream_name(stream)
        raise ExportError(f"Could not write to {where}: {os_error_reason(exc)}.") from exc


def _isatty(stream: IO[Any]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _stream_name(stream: IO[Any]) -> str:
    name = getattr(stream, "name", None)
    return "standard output" if name in (None, "<stdout>", 1) else str(name)
