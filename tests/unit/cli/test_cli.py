"""The command line entry point, run in-process and as a real subprocess."""

import subprocess
import sys

import pytest

from desktop_app import app_version
from desktop_app.__main__ import main


def test_version_flag_prints_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.strip() == f"backup-status {app_version()}"
    assert app_version() != "0+unknown"


def test_module_runs_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("backup-status ")
