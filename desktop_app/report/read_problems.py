"""Saying what could not be read, the same way on stderr, in the log and in the window."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from desktop_app.report.rows import ReadProblem

__all__ = ["count_text", "problem_lines", "renumbered"]


def count_text(problems: Sequence[ReadProblem]) -> str:
    """ "1 value could not be read" / "3 values could not be read"."""
    n = len(problems)
    return f"{n:,} value{'' if n == 1 else 's'} could not be read"


def problem_lines(problems: Sequence[ReadProblem], limit: int) -> list[str]:
    """One line per problem, the first ``limit`` of them, then how many more there are."""
    lines = [p.line() for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit:,} more")
    return lines


def renumbered(problem: ReadProblem, offset: int) -> ReadProblem:
    """A later page's problem, numbered within the whole list (rows before it: ``offset``)."""
    if problem.row is None or not offset:
        return problem
    return dataclasses.replace(problem, row=problem.row + offset)
