"""Build the one-folder app bundle for this OS with PyInstaller: the one documented command.

    python packaging/build.py [--smoke] [--archive]

Needs the project and PyInstaller installed in the running Python (``pip install ".[build]"``).
Writes ``dist/Backup Status Monitor/`` (on macOS also ``dist/Backup Status Monitor.app``) with
two executables, ``backup-status`` (windowed) and ``backup-status-cli`` (console), and prints
its unpacked size and the build time. The build fails when PyInstaller reports a module the app
imports as excluded (or missing at top level): such a bundle crashes when that import runs.

``--smoke`` then runs, offscreen, the console executable's ``--version`` and ``--self-test``
(whose last check builds the real main window in demo mode and waits for one fetched report on
screen) and the windowed executable's ``--self-test`` (its exit code), and fails when any
fails. ``--archive`` packs the Linux bundle into a .tar.gz (keeps symlinks and the executable
bit, which CI artifact zips lose). Installers and signing are separate steps (see
packaging/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tarfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
SPEC = PACKAGING / "backup_status_monitor.spec"
APP_NAME = "Backup Status Monitor"
EXE_NAME = "backup-status"
CLI_NAME = "backup-status-cli"
DIST_NAME = "backup-status-monitor"
APP_PACKAGE = "desktop_app"
# A line of warn-<spec>.txt: "missing module named X - imported by A (top-level), B (delayed)"
WARN_LINE = re.compile(r"^(missing|excluded) module named (\S+) - imported by (.+)$")
DEMO_WINDOW_OK = re.compile(r"^\s*ok\s+demo window: .* of \d+ demo rows on screen", re.MULTILINE)


def bundle_dir(dist: Path) -> Path:
    """The folder PyInstaller writes (on macOS the .app holds the runnable copy)."""
    if sys.platform == "darwin":
        return dist / f"{APP_NAME}.app"
    return dist / APP_NAME


def executable(dist: Path, name: str = EXE_NAME) -> Path:
    """One of the bundle's executables (``EXE_NAME`` or ``CLI_NAME``)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    if sys.platform == "darwin":
        return bundle_dir(dist) / "Contents" / "MacOS" / name
    return bundle_dir(dist) / (name + suffix)


def tree_size(path: Path) -> int:
    """Bytes of every file under ``path`` (symlinks counted as links, not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def import_problems(warn_text: str, package: str = APP_PACKAGE) -> list[str]:
    """Modules the app imports but the bundle lacks, from PyInstaller's warn file.

    Any excluded module the app imports counts (the exclusion was a mistake); a missing one
    counts when imported at top level (conditional, delayed and optional imports are the
    platform-specific ones, such as ``winreg`` on Linux).
    """
    problems: list[str] = []
    for line in warn_text.splitlines():
        match = WARN_LINE.match(line.strip())
        if match is None:
            continue
        kind, module, importers = match.groups()
        ours = [
            i.strip()
            for i in importers.split(", ")
            if i.strip() == package or i.strip().startswith((package + ".", package + " "))
        ]
        if kind == "missing":
            ours = [i for i in ours if "top-level" in i]
        if ours:
            problems.append(f"{kind} module {module} imported by {', '.join(ours)}")
    return problems


def warn_file(work: Path) -> Path:
    return work / SPEC.stem / f"warn-{SPEC.stem}.txt"


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller on the spec; returns the bundle folder."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
    )
    return bundle_dir(dist)


def smoke(dist: Path, expected_version: str) -> list[str]:
    """Run the bundle offscreen as the docstring says; returns the problems found."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    cli, gui = executable(dist, CLI_NAME), executable(dist, EXE_NAME)
    problems: list[str] = []
    for exe, args in ((cli, ["--version"]), (cli, ["--self-test"]), (gui, ["--self-test"])):
        started = time.monotonic()
        proc = subprocess.run(
            [str(exe), *args], env=env, capture_output=True, text=True, timeout=180
        )
        seconds = time.monotonic() - started
        print(f"$ {exe.name} {' '.join(args)}  (exit {proc.returncode}, {seconds:.1f} s)")
        print(proc.stdout + proc.stderr, end="")
        label = f"{exe.name} {' '.join(args)}"
        if proc.returncode != 0:
            problems.append(f"{label} exited {proc.returncode}")
        if exe == cli and args == ["--version"] and expected_version not in proc.stdout:
            problems.append(f"{label} did not print {expected_version}")
        if exe == cli and args == ["--self-test"] and not DEMO_WINDOW_OK.search(proc.stdout):
            problems.append(f"{label} did not show a fetched demo report in the main window")
    return problems


def archive(bundle: Path, dist: Path, app_version: str) -> Path:
    machine = platform.machine().lower() or "unknown"
    target = dist / f"{DIST_NAME}-{app_version}-linux-{machine}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        tar.add(bundle, arcname=DIST_NAME)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Backup Status Monitor app bundle.")
    parser.add_argument("--dist-dir", type=Path, default=ROOT / "dist")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument("--smoke", action="store_true", help="run the bundle's self-test")
    parser.add_argument("--archive", action="store_true", help="pack a Linux .tar.gz")
    args = parser.parse_args(argv)
    try:
        app_version = version(DIST_NAME)
    except PackageNotFoundError:
        print(f"{DIST_NAME} is not installed here: run `pip install '.[build]'` first")
        return 2

    started = time.monotonic()
    bundle = build(args.dist_dir.resolve(), args.work_dir.resolve())
    elapsed = time.monotonic() - started
    size = tree_size(bundle)
    print(f"built {bundle} ({app_version}) in {elapsed:.0f} s")
    print(f"unpacked size: {size / 2**20:.1f} MiB ({size} bytes)")
    missing = import_problems(warn_file(args.work_dir.resolve()).read_text(encoding="utf-8"))
    if missing:
        print("build FAILED: the bundle lacks modules the app imports:")
        print("\n".join(f"  {line}" for line in missing))
        return 1

    if args.smoke:
        problems = smoke(args.dist_dir.resolve(), app_version)
        if problems:
            print("smoke run FAILED: " + "; ".join(problems))
            return 1
        print("smoke run passed")
    if args.archive and sys.platform.startswith("linux"):
        print(f"archive: {archive(bundle, args.dist_dir.resolve(), app_version)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
