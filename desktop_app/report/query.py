"""Query parameters of the Backup Status Report: condition_status filter and ordering."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus

STATUS_PARAM = "condition_status"


class OrderDir(StrEnum):
    ASC = "ASC"
    DESC = "DESC"


class OrderBy(StrEnum):
    """The server documents only USERNAME."""

    USERNAME = "USERNAME"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What to ask the server for. Statuses are sent as one comma-separated parameter; a server
    may ignore or refuse them, so whoever needs them filtered filters too (``keep``)."""

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

    def keep(self, rows: Sequence[BackupStatusRow]) -> Sequence[BackupStatusRow]:
        """The rows with one of the queried statuses (all rows when none were asked for); a
        status that could not be read matches none."""
        if not self.statuses:
            return rows
        wanted = {str(s) for s in self.statuses}
        return [row for row in rows if row.condition_status in wanted]

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.statuses:
            params[STATUS_PARAM] = ",".join(s.value for s in self.statuses)
        if self.order_by is not None:
            params["order_by"] = self.order_by.value
        if self.order_dir is not None:
            params["order_dir"] = self.order_dir.value
        return params
