"""Parse a Backup Status Report body, JSON or XML, into an immutable ``Report``.

The one entry point the API client needs; the format modules hold the details.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.report.parse_json import parse_json
from desktop_app.report.parse_xml import parse_xml
from desktop_app.report.rows import Report
from desktop_app.runtime.pacing import unpaced

__all__ = ["parse_body", "parse_json", "parse_xml"]

FORMATS = ("json", "xml")


def parse_body(
    body: bytes, fmt: str, partner: str | None = None, pause: Callable[[], None] | None = None
) -> Report:
    """Parse ``body`` as ``fmt`` ("json" or "xml"); ``ValueError`` for any other format. Every
    row carries ``partner`` (``BackupStatusRow.partner``). ``pause``: a paced worker's rest,
    called every millisecond or so of work (``runtime.pacing``).

    Raises ``ParseError`` for a body that cannot be read as a report.
    """
    if fmt == "json":
        return parse_json(body, partner, pause=pause)
    if fmt == "xml":
        return parse_xml(body, partner=partner, pause=pause or unpaced)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
