"""The window on the small screens partner admins use (1024x700 laptops, 1366x768): search and
every filter reachable, every active filter named on screen, and on a first start at 1366 px the
columns that matter visible without scrolling. Judged on a real X server (``tests.tray_desktop``)
by ``layout_probe``, which runs the demo app there as a first start."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import tray_desktop as desktop_harness
from tests.support import ROOT
from tests.tray_desktop import app_environment

SIZES = {"1024x700": (1024, 700), "1366x768": (1366, 768)}


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], dict[str, Any]]]:
    """``probe("1366x768")``: the facts of a first start on a screen that size (run once)."""
    desktop_harness.skip_or_fail_without_tools()
    found: dict[str, dict[str, Any]] = {}

    def run(size: str) -> dict[str, Any]:
        if size not in found:
            folder = tmp_path_factory.mktemp(size)
            with desktop_harness.tray_desktop(*SIZES[size]) as desktop:
                done = subprocess.run(
                    [sys.executable, "-m", "tests.gui.shell.layout_probe", str(folder)],
                    cwd=ROOT,  # where ``tests`` is a package
                    env=app_environment(desktop, folder / "home"),
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
            assert done.returncode == 0, done.stderr[-3000:]
            found[size] = json.loads(done.stdout.strip().splitlines()[-1])
        return found[size]

    yield run


@pytest.fixture(params=list(SIZES))
def facts(request: pytest.FixtureRequest, probe: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return probe(request.param)


def test_search_and_every_filter_are_reachable(facts: dict[str, Any]) -> None:
    assert facts["search reachable"]
    assert facts["ctrl+f focuses search"]
    assert facts["unreachable toggles"] == []


def test_every_active_filter_is_named_on_screen_even_without_the_toolbar(
    facts: dict[str, Any],
) -> None:
    for words in ("search “a”", "Failure", "needs attention", "customer "):
        assert words in facts["filters named"]
        assert words in facts["filters named without toolbar"]
    assert facts["filter notice reachable"] and facts["show all reachable"]
    assert facts["filter notice reachable without toolbar"]


def test_the_window_fits_the_screen(facts: dict[str, Any]) -> None:
    x, y, width, height = facts["window"]
    sx, sy, swidth, sheight = facts["screen"]
    assert x >= sx and y >= sy and x + width <= sx + swidth and y + height <= sy + sheight


def test_first_start_at_1366_shows_the_main_columns_without_scrolling(
    probe: Callable[[str], dict[str, Any]],
) -> None:
    assert probe("1366x768")["columns cut off"] == []


def test_view_menu_entries_say_what_they_show(facts: dict[str, Any]) -> None:
    texts = [t.replace("&", "") for t in facts["view menu"]]
    assert "Toolbar (refresh, export and search)" in texts
    assert all(t not in ("Main", "Problems", "Toolbar") for t in texts)
