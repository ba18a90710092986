"""The command line as scripts and schedulers run it: a real process, with or without a console.

A windowed build (PyInstaller's windowed exe, ``pythonw``) starts with ``sys.stdout`` and
``sys.stderr`` set to None; the child here recreates exactly that before ``main()`` runs. Under
Windows CPython (``.ci/wine-tests``) these are Windows processes talking to the loopback server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.cli.export_command import (
    EXIT_AUTH,
    EXIT_CANNOT_WRITE,
    EXIT_OK,
    EXIT_USAGE,
)
from desktop_app.demo.server import DemoServer
from tests.support import ROOT
from tests.unit.cli.test_export_command import assert_same_rows, read_csv

WITHOUT_CONSOLE = (
    "import sys; sys.stdout = sys.stderr = None; "
    "from desktop_app.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(rows=60, seed=5, evolve=False) as demo:
        yield demo


def _env(server: DemoServer, secret: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKUP_STATUS_")}
    env.update(
        BACKUP_STATUS_USERNAME=server.username,
        BACKUP_STATUS_CLIENT_ID=server.client_id,
        BACKUP_STATUS_CLIENT_SECRET=server.client_secret if secret is None else secret,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def _run(
    server: DemoServer, *args: str, console: bool = True, secret: str | None = None
) -> subprocess.CompletedProcess[str]:
    start = ["-m", "desktop_app"] if console else ["-c", WITHOUT_CONSOLE]
    return subprocess.run(
        [sys.executable, *start, *args],
        env=_env(server, secret),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_export_process_writes_the_csv_and_exits_0(server: DemoServer, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    proc = _run(server, "export", "--base-url", server.base_url, "--output", str(target))
    assert proc.returncode == EXIT_OK, proc.stderr
    assert_same_rows(read_csv(target), list(server.data.rows()))
    assert f"60 rows written to {target}" in proc.stderr
    assert server.client_secret not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "secret", "expected"),
    [
        (("export", "--output", "{target}"), None, EXIT_OK),
        (("export", "--output", "{target}"), "0" * 32, EXIT_AUTH),
        (("export", "--output", "{missing}"), None, EXIT_CANNOT_WRITE),
        (("export", "--output", "-"), None, EXIT_USAGE),
        (("--no-such-flag",), None, EXIT_USAGE),
        (("--version",), None, 0),
    ],
    ids=["export", "bad-secret", "unwritable", "stdout-output", "usage", "version"],
)
def test_no_console_gives_real_exit_codes(
    server: DemoServer, tmp_path: Path, args: tuple[str, ...], secret: str | None, expected: int
) -> None:
    """No stream to write to must never turn into a crash (exit 1 with a lost traceback)."""
    target = tmp_path / "report.csv"
    missing = tmp_path / "no such folder" / "report.csv"
    filled = [a.format(target=target, missing=missing) for a in args]
    if filled[0] == "export":
        filled[1:1] = ["--base-url", server.base_url]
    proc = _run(server, *filled, console=False, secret=secret)
    assert (proc.returncode, proc.stdout, proc.stderr) == (expected, "", "")
    if expected == EXIT_OK and filled[0] == "export":
        assert_same_rows(read_csv(target), list(server.data.rows()))
