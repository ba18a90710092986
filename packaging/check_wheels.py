"""Can every supported Python on every target OS install the app from binary wheels only?

    python packaging/check_wheels.py [--python 3.11 ...] [--target win_amd64 ...]

Resolves the project's dependencies (pyproject.toml, environment markers evaluated for the
target) with ``uv pip compile --only-binary :all:`` for each CPython 3.11-3.15 and each target:
Windows x64 and arm64, macOS 13 on Apple silicon and Intel. uv checks wheel tags, so a
dependency without a wheel for one combination (say lxml for a new Python on Windows arm64,
or PySide6 6.12 on macOS 13, whose wheels need macOS 14) fails here instead of on a user's
machine. Prints the PySide6 version each combination gets. Needs uv (the test extra) and
access to the package index; the GitHub workflow runs it on every push.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11", "3.12", "3.13", "3.14", "3.15")
MACOS_MINIMUM = "13.0"  # Info.plist LSMinimumSystemVersion; README's supported versions
TARGETS: dict[str, str] = {  # name -> uv's target triple
    "win_amd64": "x86_64-pc-windows-msvc",
    "win_arm64": "aarch64-pc-windows-msvc",
    "macos13_arm64": "aarch64-apple-darwin",
    "macos13_x86_64": "x86_64-apple-darwin",
}
PINNED = re.compile(r"^(pyside6-essentials|lxml)==(\S+)", re.MULTILINE)


def find_uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise SystemExit("uv not found: pip install uv (it is in the test extra)")
    return found


def resolve(uv: str, python: str, triple: str) -> subprocess.CompletedProcess[str]:
    command = [
        uv,
        "pip",
        "compile",
        str(ROOT / "pyproject.toml"),
        "--python-version",
        python,
        "--python-platform",
        triple,
        "--only-binary",
        ":all:",
        "--no-header",
        "--no-annotate",
        "--quiet",
    ]
    env = {**os.environ, "MACOSX_DEPLOYMENT_TARGET": MACOS_MINIMUM}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", choices=PYTHONS)
    parser.add_argument("--target", action="append", choices=tuple(TARGETS))
    args = parser.parse_args(argv)
    uv = find_uv()
    failures = 0
    for python in args.python or PYTHONS:
        for name in args.target or TARGETS:
            proc = resolve(uv, python, TARGETS[name])
            if proc.returncode == 0:
                pins = dict(PINNED.findall(proc.stdout))
                versions = ", ".join(f"{k} {v}" for k, v in sorted(pins.items()))
                print(f"ok    CPython {python} {name}: {versions}")
            else:
                failures += 1
                reason = " ".join(proc.stderr.split())[:600]
                print(f"FAIL  CPython {python} {name}: {reason}")
    total = len(args.python or PYTHONS) * len(args.target or TARGETS)
    print(f"{total - failures} of {total} combinations install from wheels")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
