"""``--self-test``'s window check: the real app, demo mode, one fetched report on screen."""

from __future__ import annotations

from pathlib import Path

from desktop_app.launch import check_demo_window
from desktop_app.ui.shell.single_instance import Claim, SingleInstance, instance_key


def test_the_demo_window_shows_every_fetched_row(qapp: object, tmp_path: Path) -> None:
    result = check_demo_window(tmp_path, rows=150)
    assert result.ok, result.detail
    assert result.detail.startswith("main window shown, 150 of 150 demo rows on screen")
    assert (tmp_path / "self-test.ini").exists()  # its settings stayed in the given folder


def test_no_report_in_time_fails(qapp: object, tmp_path: Path) -> None:
    # Enough rows that the report cannot be fetched and prepared before the event loop starts.
    result = check_demo_window(tmp_path, rows=20_000, timeout_ms=0)
    assert not result.ok
    assert "0 of 20000 demo rows" in result.detail


def test_a_lock_held_by_someone_else_fails(qapp: object, tmp_path: Path) -> None:
    other = SingleInstance(instance_key(str(tmp_path)), lock_dir=str(tmp_path))
    assert other.claim([]) is Claim.PRIMARY
    try:
        result = check_demo_window(tmp_path, rows=10)
    finally:
        other.close()
    assert (result.ok, result.detail) == (False, "could not take the single-instance lock")
