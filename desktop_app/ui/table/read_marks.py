"""Which table cells a report's read problems mark, and what their tooltips say.

Each read problem (``report.rows.ReadProblem``) marks the cells that show its field: the
unknown-status icon, a tooltip saying what was sent, and an empty cell when the value is unknown
(a time read as UTC keeps its value, marked). The status bar's list of them is
``ui.problems.read_problems``.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop_app.report.rows import ReadProblem
from desktop_app.ui.table.columns import Column

__all__ = ["CellProblems", "problem_cells"]

_SHOWN_IN: dict[str, tuple[Column, ...]] = {
    "username": (Column.CUSTOMER,),
    "computer_name": (Column.COMPUTER,),
    "backupset_name": (Column.BACKUP_SET,),
    "local_start": (Column.STARTED,),
    "local_end": (Column.ENDED,),
    "condition_status": (Column.STATUS,),
    "condition_types": (Column.CONDITION_TYPES,),
    "errors": (Column.ERRORS,),
    "warnings": (Column.WARNINGS,),
    "row": tuple(Column),
}
"""The columns that show a field itself: empty while it is unknown."""
_ALSO_MARKED: dict[str, tuple[Column, ...]] = {
    "computer_id": (Column.COMPUTER,),  # the id is in the computer's tooltip
    "local_start": (Column.DURATION,),
    "local_end": (Column.DURATION, Column.AGE),
}
"""Columns computed from a field (or showing it in a tooltip): marked, not emptied.
``report_date`` has none: the detail pane shows it."""

CellProblems = dict[tuple[int, int], tuple[bool, str]]
"""(source row, column) -> (the cell is unknown, the tooltip lines saying why)."""


def problem_cells(problems: Sequence[ReadProblem]) -> CellProblems:
    """The marked cells of a report: row ``n`` of the report is source row ``n - 1``."""
    cells: CellProblems = {}
    for problem in problems:
        if problem.row is None:
            continue
        text = (
            f"Could not be read: {problem.field} was {problem.raw} ({problem.reason}; "
            f"{problem.outcome})"
        )
        shown = _SHOWN_IN.get(problem.field, ())
        for column in (*shown, *_ALSO_MARKED.get(problem.field, ())):
            key = (problem.row - 1, int(column))
            blank, earlier = cells.get(key, (False, ""))
            unknown = blank or (problem.blank and column in shown)
            cells[key] = (unknown, f"{earlier}\n{text}" if earlier else text)
    return cells
