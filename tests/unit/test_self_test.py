"""``--self-test`` in-process (Qt probe stubbed: unit tests make no QApplication) and via the CLI.

The real Qt probe is tested in tests/gui/test_qt_self_check.py.
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop_app import app_version
from desktop_app.demo.data import generate_rows
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes
from desktop_app.self_test import (
    SAMPLE_FILES,
    CheckResult,
    QtProbe,
    check_keyring,
    find_samples_dir,
    run_self_test,
)
from tests.support import ROOT


def _qt_ok() -> list[CheckResult]:
    return [CheckResult("Qt (stub)", True, "not probed in unit tests")]


def _run(qt_probe: QtProbe = _qt_ok, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO()
    code = run_self_test(out, qt_probe=qt_probe, **kwargs)
    return code, out.getvalue()


def test_all_checks_pass_with_the_checked_in_samples() -> None:
    code, text = _run()
    assert code == 0, text
    assert text.splitlines()[0] == f"Backup Status Monitor {app_version()} self-test"
    assert f"ok    version metadata: {app_version()}" in text
    assert "ok    sample report (JSON): 20 rows from" in text
    assert "ok    sample report (XML): 20 rows from" in text
    assert "ok    sample reports agree" in text
    assert "ok    keyring backend" in text
    assert text.rstrip().endswith("self-test passed (6 checks)")


def test_samples_are_found_in_the_checkout() -> None:
    assert find_samples_dir(frozen_base="") == ROOT / "resources" / "samples"


def test_a_missing_sample_file_is_named_and_fails(tmp_path: Path) -> None:
    (tmp_path / SAMPLE_FILES["xml"]).write_bytes(
        (ROOT / "resources" / "samples" / SAMPLE_FILES["xml"]).read_bytes()
    )
    code, text = _run(samples_dir=tmp_path)
    assert code == 1
    assert f"FAIL  sample report (JSON): cannot read {tmp_path / SAMPLE_FILES['json']}" in text
    assert "ok    sample report (XML): 20 rows" in text
    assert text.rstrip().endswith("self-test FAILED (1 of 5): sample report (JSON)")


def test_an_unreadable_sample_and_disagreeing_formats_fail(tmp_path: Path) -> None:
    (tmp_path / SAMPLE_FILES["json"]).write_bytes(b'{"list": [')
    (tmp_path / SAMPLE_FILES["xml"]).write_bytes(rows_to_xml_bytes(generate_rows(20, seed=1)))
    code, text = _run(samples_dir=tmp_path)
    assert code == 1
    assert "FAIL  sample report (JSON): cannot parse" in text

    (tmp_path / SAMPLE_FILES["json"]).write_bytes(rows_to_json_bytes(generate_rows(20, seed=2)))
    code, text = _run(samples_dir=tmp_path)
    assert code == 1
    assert "FAIL  sample reports agree: JSON and XML rows differ" in text


def test_missing_metadata_fails() -> None:
    code, text = _run(version="0+unknown")
    assert code == 1
    assert "FAIL  version metadata: package metadata missing" in text


def test_a_failing_qt_probe_is_reported() -> None:
    def broken() -> list[CheckResult]:
        raise ImportError("No module named 'PySide6'")

    code, text = _run(qt_probe=broken)
    assert code == 1
    assert "FAIL  Qt: ImportError: No module named 'PySide6'" in text


def test_no_stdout_still_gives_the_exit_code(tmp_path: Path) -> None:
    assert run_self_test(None, samples_dir=tmp_path, qt_probe=_qt_ok) == 1
    assert run_self_test(None, qt_probe=_qt_ok) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux backend names")
def test_keyring_check_names_what_is_missing() -> None:
    ok = check_keyring("linux")
    assert ok.ok and "SecretService backend present" in ok.detail
    missing_module = check_keyring(
        "linux", {"linux": ("SecretService", ("keyring.backends.SecretService", "no_such_mod"))}
    )
    assert not missing_module.ok and "module no_such_mod missing" in missing_module.detail
    no_entry_point = check_keyring("linux", {"linux": ("NoSuchBackend", ())})
    assert not no_entry_point.ok
    assert "no 'NoSuchBackend' backend entry point" in no_entry_point.detail
    assert check_keyring("sunos5").ok  # nothing expected there


def test_checked_in_samples_match_their_generator() -> None:
    """Regenerate with ``python resources/generate_samples.py`` when this fails."""
    path = ROOT / "resources" / "generate_samples.py"
    spec = importlib.util.spec_from_file_location("bsm_generate_samples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.sample_bytes().items():
        assert (ROOT / "resources" / "samples" / name).read_bytes() == data, name


@pytest.mark.skipif(
    importlib.util.find_spec("PySide6") is None,
    reason="the Qt probe needs PySide6 (it does not load under Wine; windows-latest runs it)",
)
def test_cli_flag_runs_the_self_test() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--self-test"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout
    assert "SVG icons" in proc.stdout  # the real Qt probe ran in the child process
