"""The Qt half of ``--self-test`` against the installed PySide6, and the whole self-test."""

from __future__ import annotations

import io
import sys

import pytest

from desktop_app.self_test import run_self_test
from desktop_app.ui.shell.qt_self_check import NATIVE_PLATFORM_PLUGINS, probe_qt


def test_probe_finds_plugins_and_renders_icons(qapp: object) -> None:
    results = {r.name: r for r in probe_qt()}
    assert all(r.ok for r in results.values()), results
    assert results["Qt image formats"].detail == "png, svg, ico"
    assert "icons from" in results["SVG icons"].detail
    native = NATIVE_PLATFORM_PLUGINS.get("linux" if sys.platform.startswith("linux") else "")
    if native:
        assert results[f"Qt plugin platforms/q{native}"].detail.endswith("loads")


@pytest.mark.skipif(sys.platform == "darwin", reason="needs a platform without cocoa")
def test_a_missing_platform_plugin_is_named(qapp: object) -> None:
    results = {r.name: r for r in probe_qt(platform="darwin")}
    cocoa = results["Qt plugin platforms/qcocoa"]
    assert not cocoa.ok
    assert cocoa.detail == "platforms/*qcocoa* missing"


def test_whole_self_test_passes_in_process(qapp: object) -> None:
    out = io.StringIO()
    assert run_self_test(out) == 0, out.getvalue()
    assert "self-test passed" in out.getvalue()
