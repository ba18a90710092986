"""Plain text about backup sets for a ticket: what a PSA's e-mail-to-ticket inbox should get.

Qt-free: the row context menu copies it ("Copy as ticket text") and puts it in a ``mailto:``
link ("E-mail to ticket address"). One block per set, in the words of the window: customer,
computer, backup set, status (stale and missing included), conditions, failing since, last
successful backup. Times show the computer's clock and the admin's, each with its offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, explain_condition_type
from desktop_app.report.summary import counted
from desktop_app.report.timeline import SetHistory
from desktop_app.ui.time_format import format_admin_time_long, format_computer_time

__all__ = ["MAILTO_LIMIT", "TicketSet", "mailto_url", "ticket_subject", "ticket_text"]

MAILTO_LIMIT = 1800
"""Characters of body a mailto link carries: mail programs (Outlook on Windows) cut longer
links, so a long selection says how many sets were left out instead of losing the end."""


@dataclass(frozen=True, slots=True)
class TicketSet:
    """One set for the ticket: its row, the status as the window shows it ("Stale", "Missing",
    "Failure"), and its history (``None``: history off or not recorded)."""

    row: BackupStatusRow
    status: str
    history: SetHistory | None


def _since(moment: datetime | None, none: str) -> str:
    return none if moment is None else format_admin_time_long(moment)


def _known(value: str | None) -> str:
    """A name or ID as sent; one that could not be read says so instead of "None"."""
    return "unknown" if value is None else value


def _ended(row: BackupStatusRow) -> str:
    if row.local_end is not None:
        return format_computer_time(row.local_end)
    return "not yet (running)" if row.condition_status == ConditionStatus.RUNNING else "unknown"


def ticket_block(item: TicketSet) -> str:
    row = item.row
    types = row.condition_types
    conditions = (
        "unknown"
        if types is None
        else "; ".join(f"{explain_condition_type(t)} ({t})" for t in types) or "none reported"
    )
    lines = [
        f"Customer: {_known(row.username)}",
        f"Computer: {_known(row.computer_name)} (ID {_known(row.computer_id)})",
        f"Backup set: {_known(row.backupset_name)}",
        f"Status: {item.status or 'unknown'}",
        f"Conditions: {conditions}",
        f"Last run started: {format_computer_time(row.local_start)}",
        f"Last run ended: {_ended(row)}",
    ]
    history = item.history
    if history is None:
        lines.append("Failing since: unknown (no history)")
        lines.append("Last successful backup: unknown (no history)")
    else:
        lines.append(f"Failing since: {_since(history.failing_since, 'not failing')}")
        lines.append(f"Last successful backup: {_since(history.last_success, 'none recorded')}")
    return "\n".join(lines)


def ticket_text(items: Sequence[TicketSet]) -> str:
    """Every set's block, separated by a blank line."""
    return "\n\n".join(ticket_block(item) for item in items) + "\n"


def ticket_subject(items: Sequence[TicketSet]) -> str:
    """``Backup failure: acme / FS01 / Files``; several: ``Backup problems: 3 backup sets
    (2 customers)``."""
    if len(items) == 1:
        row = items[0].row
        return (
            f"Backup {(items[0].status or 'status unknown').lower()}: "
            f"{_known(row.username)} / {_known(row.computer_name)} / {_known(row.backupset_name)}"
        )
    customers = len({item.row.username for item in items})
    return (
        f"Backup problems: {counted(len(items), 'backup set')} ({counted(customers, 'customer')})"
    )


def mailto_url(address: str, items: Sequence[TicketSet]) -> str:
    """``mailto:`` with the subject and the ticket text as body, kept under ``MAILTO_LIMIT``."""
    blocks = [ticket_block(item) for item in items]
    body = ""
    for shown, block in enumerate(blocks):
        candidate = f"{body}\n\n{block}" if body else block
        if len(quote(candidate)) > MAILTO_LIMIT and body:
            left = len(blocks) - shown
            body += f"\n\n… and {counted(left, 'more backup set')} (copy them from the app)."
            break
        body = candidate
    return (
        f"mailto:{quote(address.strip(), safe='@')}"
        f"?subject={quote(ticket_subject(items))}&body={quote(body + chr(10))}"
    )
