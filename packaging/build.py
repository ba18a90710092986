"""Build the one-folder app bundle for this OS with PyInstaller: the one documented command.

    python packaging/build.py [--smoke] [--archive]

Needs the project and PyInstaller installed in the running Python (``pip install ".[build]"``).
Writes ``dist/Backup Status Monitor/`` (on macOS also ``dist/Backup Status Monitor.app``),
prints its unpacked size and the build time. ``--smoke`` then runs the bundled binary's
``--version`` and ``--self-test`` offscreen and fails when either fails; ``--archive`` packs
the Linux bundle into a .tar.gz (keeps symlinks and the executable bit, which CI artifact zips
lose). Installers and signing are separate steps (see packaging/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
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
DIST_NAME = "backup-status-monitor"


def bundle_dir(dist: Path) -> Path:
    """The folder PyInstaller writes (on macOS the .app holds the runnable copy)."""
    if sys.platform == "darwin":
        return dist / f"{APP_NAME}.app"
    return dist / APP_NAME


def executable(dist: Path) -> Path:
    if sys.platform == "darwin":
        return bundle_dir(dist) / "Contents" / "MacOS" / EXE_NAME
    return bundle_dir(dist) / (EXE_NAME + (".exe" if sys.platform == "win32" else ""))


def tree_size(path: Path) -> int:
    """Bytes of every file under ``path`` (symlinks counted as links, not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


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


def smoke(exe: Path, expected_version: str) -> list[str]:
    """Run ``--version`` and ``--self-test`` offscreen; returns the problems found."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    problems: list[str] = []
    for args in (["--version"], ["--self-test"]):
        proc = subprocess.run(
            [str(exe), *args], env=env, capture_output=True, text=True, timeout=120
        )
        print(f"$ {exe.name} {' '.join(args)}  (exit {proc.returncode})")
        print(proc.stdout + proc.stderr, end="")
        if proc.returncode != 0:
            problems.append(f"{' '.join(args)} exited {proc.returncode}")
        # A windowed Windows exe may have no stdout: then the exit code has to do.
        if args == ["--version"] and proc.stdout and expected_version not in proc.stdout:
            problems.append(f"--version did not print {expected_version}")
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

    if args.smoke:
        problems = smoke(executable(args.dist_dir.resolve()), app_version)
        if problems:
            print("smoke run FAILED: " + "; ".join(problems))
            return 1
        print("smoke run passed")
    if args.archive and sys.platform.startswith("linux"):
        print(f"archive: {archive(bundle, args.dist_dir.resolve(), app_version)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
