"""What the tray says in words: the tooltip's counts and the Failures menu's last entry.

Kept apart from the controller so the wording (which must match the window's toggles) is in one
short place, and so the controller holds only state and wiring.
"""

from __future__ import annotations

from desktop_app.report.status import ConditionStatus, status_text
from desktop_app.report.summary import ProblemSummary

__all__ = ["elide", "show_all_failures_text", "summary_lines"]

_DOCUMENTED: tuple[str, ...] = tuple(ConditionStatus)


def summary_lines(summary: ProblemSummary) -> list[str]:
    """The tooltip's counts, in the words and numbers of the window's toggles (an undocumented
    or unreadable status that the report has gets its count too, as it gets its toggle)."""
    statuses = summary.statuses
    others = sorted(s for s, n in statuses.items() if n and s not in _DOCUMENTED)
    parts = [
        f"{status_text(status)} {statuses.get(status, 0):,}" for status in (*_DOCUMENTED, *others)
    ]
    problems = [
        f"Stale / overdue {summary.stale:,}",
        f"Missing {summary.missing:,}",
        f"Repeated failure {summary.repeated:,}",
        f"Needs attention {summary.needs_attention:,}",
    ]
    if summary.acknowledged:
        problems.append(f"Acknowledged {summary.acknowledged:,}")
    return [" · ".join(parts), " · ".join(problems)]


def show_all_failures_text(count: int) -> str:
    """The Failures menu's last entry; it opens exactly these ``count`` sets."""
    if count == 1:
        return "Show the failure that needs attention"
    return f"Show all {count:,} failures that need attention"


def elide(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (menus and tooltips stay short)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
