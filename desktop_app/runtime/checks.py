"""One line of ``--self-test``: kept apart from ``self_test`` so the Qt probe and the demo-window
check (which ``self_test`` imports lazily, from above) can return it without importing upward."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: a short name, whether it passed, and what was found (or what is missing)."""

    name: str
    ok: bool
    detail: str
