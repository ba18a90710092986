"""The customer summary CSV: one line per customer with counts and history success rates.

Success rates are percentages with one decimal (a number, so a spreadsheet can chart them);
an empty cell means no finished run in that window, which is not the same as 0%. Beside each
rate, how many days of recorded history it is based on: a "30-day" rate computed from the 2 days
since the app was installed says less than its title. With less than ``MIN_HISTORY_DAYS`` of
history both cells are empty: too little to call a rate.
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
    "Days of history behind the 7-day rate",
    "Success rate 30 days (%)",
    "Days of history behind the 30-day rate",
)
MIN_HISTORY_DAYS = 1.0


def _percent(rate: float | None) -> float | str:
    return "" if rate is None else round(rate * 100, 1)


def _rate_cells(rate: float | None, days: float | None, window: int) -> tuple[object, object]:
    """(rate %, days of history behind it), both empty with too little history."""
    if days is None or days < MIN_HISTORY_DAYS:
        return "", ""
    return _percent(rate), round(min(float(window), days), 1)


def summary_rows(
    customers: Iterable[CustomerCounts],
    rates: Mapping[str, SuccessRates],
    history_days: Mapping[str, float] | None = None,
) -> list[Sequence[object]]:
    """The CSV cells per customer, in the given order; ``history_days`` says how far back each
    customer's history reaches (see module docstring; ``None``: not known, rates as they are)."""
    rows: list[Sequence[object]] = []
    for c in customers:
        rate = rates.get(c.username)
        days = history_days.get(c.username) if history_days is not None else float("inf")
        rows.append(
            (
                c.username,
                c.backup_sets,
                c.failures,
                c.warnings,
                c.stale,
                c.missing,
                *_rate_cells(rate.last_7_days if rate else None, days, 7),
                *_rate_cells(rate.last_30_days if rate else None, days, 30),
            )
        )
    return rows


def write_customer_summary(
    target: str | os.PathLike[str] | IO[str],
    customers: Iterable[CustomerCounts],
    rates: Mapping[str, SuccessRates],
    *,
    history_days: Mapping[str, float] | None = None,
    delimiter: str = ",",
    bom: bool = True,
) -> int:
    """Write the summary atomically (see ``write_csv``); returns the number of customers."""
    return write_csv(
        target,
        CUSTOMER_SUMMARY_HEADER,
        summary_rows(customers, rates, history_days),
        delimiter=delimiter,
        bom=bom,
    )
