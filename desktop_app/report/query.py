"""Query parameters of the Backup Status Report: condition_status filter and ordering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from desktop_app.report.status import ConditionStatus


class OrderDir(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class OrderBy(StrEnum):
    """The server documents only USERNAME."""

    USERNAME = "USERNAME"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What to ask the server for. Statuses are sent as one comma-separated parameter."""

    statuses: tuple[ConditionStatus, ...] = ()
    order_by: OrderBy | None = None
    order_dir: OrderDir | None = None

    @classmethod
    def for_statuses(cls, names: Iterable[str], **kwargs: object) -> ReportQuery:
        """Build from user text; raises ValueError naming an unknown status."""
        statuses: list[ConditionStatus] = []
        for raw in names:
            name = raw.strip().upper()
            if not name:
                continue
            try:
                status = ConditionStatus(name)
            except ValueError:
                allowed = ", ".join(s.value for s in ConditionStatus)
                raise ValueError(f"unknown status '{raw.strip()}' (use {allowed})") from None
            if status not in statuses:
                statuses.append(status)
        return cls(statuses=tuple(statuses), **kwargs)  # type: ignore[arg-type]

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.statuses:
            params["condition_status"] = ",".join(s.value for s in self.statuses)
        if self.order_by is not None:
            params["order_by"] = self.order_by.value
        if self.order_dir is not None:
            params["order_dir"] = self.order_dir.value
        return params
