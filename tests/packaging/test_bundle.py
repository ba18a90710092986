"""The real thing: build the Linux one-folder bundle with the documented command and run it.

Slow (30-60 s on two cores), so it runs only with ``BSM_BUILD_BUNDLE=1`` (``.ci/run`` sets it).
Prints the bundle's unpacked size and build time; the target is under 150 MiB.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        os.environ.get("BSM_BUILD_BUNDLE") != "1", reason="set BSM_BUILD_BUNDLE=1 to build"
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
    pytest.mark.timeout(900),
]

SIZE_LIMIT_MIB = 150
# Libraries the bundle itself must provide; a "not found" for one of them is our bug.
OWN_LIBRARY = re.compile(r"^(libQt6|libpyside6|libshiboken6|libpython|libicu)")

build_script = load_script("packaging/build.py")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            *("--dist-dir", str(base / "dist"), "--work-dir", str(base / "work")),
        ],
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    folder = base / "dist" / "Backup Status Monitor"
    size = build_script.tree_size(folder)
    print(f"\nbundle: {folder}\nbuild time: {time.monotonic() - started:.0f} s")
    print(f"unpacked size: {size / 2**20:.1f} MiB")
    return folder


def _run(
    bundle: Path, *args: str, exe: str = "backup-status-cli"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(bundle / exe), *args],
        env=env,
        cwd=bundle.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bundled_binary_prints_the_package_version(bundle: Path) -> None:
    proc = _run(bundle, "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"backup-status {version('backup-status-monitor')}"


def test_bundled_self_test_passes(bundle: Path) -> None:
    proc = _run(bundle, "--self-test")
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout
    internal = bundle / "_internal"
    # Everything came from inside the bundle, not from the checkout or the venv.
    assert f"from {internal / 'resources' / 'samples'}" in proc.stdout
    assert f"icons from {internal / 'resources' / 'icons'}" in proc.stdout
    # The real main window, built offscreen, showed the demo report it fetched.
    assert re.search(r"ok +demo window: main window shown, 200 of 200 demo rows", proc.stdout)


def test_windowed_executable_runs_the_window_check_too(bundle: Path) -> None:
    proc = _run(bundle, "--self-test", exe="backup-status")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_bundle_is_small_and_has_its_desktop_entry(bundle: Path) -> None:
    size_mib = build_script.tree_size(bundle) / 2**20
    assert size_mib < SIZE_LIMIT_MIB, f"{size_mib:.1f} MiB"
    desktop = (bundle / "backup-status-monitor.desktop").read_text()
    assert os.access(bundle / "backup-status-cli", os.X_OK)
    assert "Exec=backup-status" in desktop and "Icon=backup-status-monitor" in desktop
    assert (bundle / "backup-status-monitor.png").stat().st_size > 0
    assert os.access(bundle / "install-user.sh", os.X_OK)
    # Trimmed: no Qt translations, no PDF/QML libraries, no GTK dragged in by its theme.
    names = {p.name for p in bundle.rglob("*")}
    assert not any(n.endswith(".qm") for n in names)
    dropped = ("libQt6Pdf", "libQt6Qml", "libQt6Quick", "libgtk-3")
    assert not any(n.startswith(dropped) for n in names)


def test_every_bundled_library_finds_the_libraries_the_bundle_owns(bundle: Path) -> None:
    """Pruning must not remove a Qt library some kept plugin still links."""
    internal = bundle / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}"}
    missing: list[str] = []
    for lib in sorted(internal.rglob("*.so*")):
        if lib.is_symlink() or not lib.is_file():
            continue
        out = subprocess.run(["ldd", str(lib)], env=env, capture_output=True, text=True).stdout
        missing += [
            f"{lib.relative_to(internal)}: {line.split()[0]}"
            for line in out.splitlines()
            if "not found" in line and OWN_LIBRARY.match(line.split()[0])
        ]
    assert not missing, "\n".join(missing)
