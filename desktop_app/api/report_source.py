"""What the window needs of a report client: fetch (cancellable) and close. A ``ReportClient``
is one; tests and the partner view hand in others."""

from __future__ import annotations

import threading
from typing import Protocol

from desktop_app.report.rows import Report

__all__ = ["ReportSource"]


class ReportSource(Protocol):
    """What fetching needs of a ``ReportClient``."""

    def fetch_report(self, *, cancel: threading.Event | None = None) -> Report: ...

    def close(self) -> None: ...
