"""The customer summary CSV: one line per customer with counts and history success rates.

Success rates are percentages with one decimal (a number, so a spreadsheet can chart them);
an empty cell means no finished run in that window, which is not the same as 0%.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from desktop_app.export.csv_writer import write_csv
from desktop_app.report.customers import CustomerCounts
from desktop_app.storage.history import SuccessRates

__all__ = ["CUSTOMER_SUMMARY_HEADER", "summary_rows", "write_customer_summary"]

CUSTOMER_SUMMARY_HEADER: tuple[str, ...] = (
    "Customer",
    "Backup sets",
    "Failures",
    "Warnings",
    "Stale",
    "Missing",
    "Success rate 7 days (%)",
    "Success rate 30 days (%)",
)


def _percent(rate: float | None) -> float | str:
    return "" if rate is None else round(rate * 100, 1)


def summary_rows(
    customers: Iterable[CustomerCounts], rates: Mapping[str, SuccessRates]
) -> list[Sequence[object]]:
    """The CSV cells per customer, in the given order."""
    rows: list[Sequence[object]] = []
    for c in customers:
        rate = rates.get(c.username)
        rows.append(
            (
                c.username,
                c.backup_sets,
                c.failures,
                c.warnings,
                c.stale,
                c.missing,
                _percent(rate.last_7_days if rate else None),
                _percent(rate.last_30_days if rate else None),
            )
        )
    return rows


def write_customer_summary(
    target: str | os.PathLike[str] | IO[str],
    customers: Iterable[CustomerCounts],
    rates: Mapping[str, SuccessRates],
    *,
    delimiter: str = ",",
    bom: bool = True,
) -> int:
    """Write the summary atomically (see ``write_csv``); returns the number of customers."""
    return write_csv(
        target,
        CUSTOMER_SUMMARY_HEADER,
        summary_rows(customers, rates),
        delimiter=delimiter,
        bom=bom,
    )
