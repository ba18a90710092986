"""The customer sidebar's Partner level: customers grouped under the partner whose report lists
them, partners in tree order, with each partner's counts summed over its customers.

Qt-free: ``ui.problems.customer_sidebar`` only shows the groups. A customer belongs to the
partner of its first row in the report (Echo customer usernames are unique per region, so a
customer has one partner); one known only from the history (all its sets missing) has none and
is listed after the partners, under ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from desktop_app.report.customers import CustomerCounts, worst_rank
from desktop_app.report.rows import BackupStatusRow, PartnerStatus

__all__ = ["PartnerGroup", "customer_partners", "group_by_partner"]


@dataclass(frozen=True, slots=True)
class PartnerGroup:
    """One partner (``status``: its place in the tree and how its part stands; ``None`` for the
    customers of no known partner), its customers in the sidebar's order, and their totals."""

    status: PartnerStatus | None
    customers: tuple[CustomerCounts, ...]
    backup_sets: int = 0
    failures: int = 0
    warnings: int = 0
    stale: int = 0
    missing: int = 0
    worst_status: str | None = None

    @property
    def usernames(self) -> frozenset[str]:
        return frozenset(c.username for c in self.customers)


def customer_partners(rows: Iterable[BackupStatusRow]) -> dict[str, str]:
    """Customer username -> the partner of its first row (rows without either are skipped)."""
    partners: dict[str, str] = {}
    for row in rows:
        user, partner = row.username, row.partner
        if user is not None and partner is not None and user not in partners:
            partners[user] = partner
    return partners


def group_by_partner(
    partners: Sequence[PartnerStatus],
    customers: Sequence[CustomerCounts],
    partner_of: Mapping[str, str],
) -> list[PartnerGroup]:
    """Every partner in ``partners`` order (even one without customers: refused, say) with its
    customers in the order given, then a group of the customers of no known partner if any."""
    members: dict[str | None, list[CustomerCounts]] = {p.partner: [] for p in partners}
    members[None] = []
    for customer in customers:
        owner = partner_of.get(customer.username)
        members[owner if owner in members else None].append(customer)
    groups = [_group(p, members[p.partner]) for p in partners]
    if members[None]:
        groups.append(_group(None, members[None]))
    return groups


def _group(status: PartnerStatus | None, customers: list[CustomerCounts]) -> PartnerGroup:
    worst = [c.worst_status for c in customers if c.worst_status is not None]
    return PartnerGroup(
        status,
        tuple(customers),
        sum(c.backup_sets for c in customers),
        sum(c.failures for c in customers),
        sum(c.warnings for c in customers),
        sum(c.stale for c in customers),
        sum(c.missing for c in customers),
        min(worst, key=worst_rank) if worst else None,
    )
