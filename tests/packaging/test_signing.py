"""Release signing: the configurable Windows sign command and the notarisation verdict.

The real signers (signtool with a cloud HSM, notarytool) run only in the GitHub workflow; here
stand-ins with the same command-line contract prove what our scripts do with them: every file
handed over, a failure stops the build, a tag build without secrets fails, a rejected
notarisation prints Apple's log and fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

SIGN = ROOT / "packaging" / "windows" / "sign.py"
NOTARIZE = ROOT / "packaging" / "macos" / "notarize.sh"


def _sign(*files: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WINDOWS_SIGN_COMMAND", "BSM_REQUIRE_SIGNING")
    }
    return subprocess.run(
        [sys.executable, str(SIGN), *map(str, files)],
        env={**clean, "WINDOWS_SIGN_VERIFY": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    made = [tmp_path / "backup-status.exe", tmp_path / "with space" / "setup.exe"]
    for path in made:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"MZ")
    return made


def _signer(tmp_path: Path, exit_code: int = 0) -> str:
    script = tmp_path / "fake_signer.py"
    script.write_text(
        f"import sys\nopen(sys.argv[1], 'ab').write(b'+signed')\nsys.exit({exit_code})\n"
    )
    return f'"{sys.executable}" "{script}" {{file}}'


def test_the_command_signs_every_file_even_with_spaces_in_the_path(
    tmp_path: Path, files: list[Path]
) -> None:
    proc = _sign(*files, WINDOWS_SIGN_COMMAND=_signer(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [p.read_bytes() for p in files] == [b"MZ+signed", b"MZ+signed"]
    assert "Signed 2 file(s)." in proc.stdout


def test_a_failing_signer_fails_the_step(tmp_path: Path, files: list[Path]) -> None:
    proc = _sign(*files, WINDOWS_SIGN_COMMAND=_signer(tmp_path, exit_code=3))
    assert proc.returncode == 1
    assert f"Signing {files[0]} failed (exit 3)" in proc.stdout
    assert files[1].read_bytes() == b"MZ"  # stopped at the first failure


def test_without_a_command_files_stay_unsigned_unless_signing_is_required(
    files: list[Path],
) -> None:
    skipped = _sign(*files)
    assert skipped.returncode == 0 and "Code signing skipped" in skipped.stdout
    required = _sign(*files, BSM_REQUIRE_SIGNING="1")
    assert required.returncode == 1 and "Signing required" in required.stdout
    assert [p.read_bytes() for p in files] == [b"MZ", b"MZ"]


FAKE_XCRUN = """#!/usr/bin/env bash
echo "xcrun $*" >> "$XCRUN_CALLS"
case "$1 $2" in
  "notarytool submit") echo '{"id": "abc-123", "status": "'"$NOTARY_STATUS"'"}' ;;
  "notarytool log") echo '{"issues": [{"message": "The binary is not signed."}]}' ;;
  "stapler staple"|"stapler validate") echo "stapled" ;;
esac
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script for the macOS runner")
@pytest.mark.parametrize("status", ["Accepted", "Invalid"])
def test_notarisation_checks_the_verdict_and_prints_the_log_when_rejected(
    tmp_path: Path, status: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    xcrun = bin_dir / "xcrun"
    xcrun.write_text(FAKE_XCRUN)
    xcrun.chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "XCRUN_CALLS": str(calls),
        "NOTARY_STATUS": status,
        "APPLE_ID": "dev@example.test",
        "APPLE_TEAM_ID": "TEAM123456",
        "APPLE_APP_PASSWORD": "app-pass",
    }
    proc = subprocess.run(
        ["bash", str(NOTARIZE), "dist/X.dmg"], env=env, capture_output=True, text=True, timeout=60
    )
    made = calls.read_text().splitlines()
    assert made[0].startswith("xcrun notarytool submit dist/X.dmg ")
    assert "--wait" in made[0] and "--output-format json" in made[0]
    if status == "Accepted":
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert made[1:] == ["xcrun stapler staple dist/X.dmg", "xcrun stapler validate dist/X.dmg"]
    else:
        assert proc.returncode == 1
        assert "Notarisation of dist/X.dmg: Invalid (submission abc-123)" in proc.stdout
        assert "The binary is not signed." in proc.stdout  # Apple's log, printed
        assert not any("stapler" in call for call in made)
