"""A non-editable install ships the icons and samples: build the wheel (and sdist) for real.

Builds run on a copy of the sources in a temp dir, with the test environment's setuptools
(``--no-build-isolation``: nothing is downloaded), then the wheel is unpacked and imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

ICONS = sorted(p.name for p in (ROOT / "resources" / "icons").glob("*.svg"))
SAMPLES = ("sample_report.json", "sample_report.xml")
FIND_ICONS = "from desktop_app.ui.icons import find_icon_dir; print(find_icon_dir(env={}))"


def _copy_sources(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "desktop_app", target / "desktop_app", ignore=ignore)
    shutil.copytree(ROOT / "resources", target / "resources", ignore=ignore)
    (target / "packaging").mkdir()
    shutil.copy2(ROOT / "packaging" / "setuptools_hooks.py", target / "packaging")
    return target


def _pip_wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", str(source), "--no-deps"),
            *("--no-build-isolation", "--no-index", "--quiet", "--wheel-dir", str(out)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    return _pip_wheel(_copy_sources(base / "src"), base / "out")


def test_wheel_carries_every_icon_and_sample(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped_icons = sorted(
            n.rsplit("/", 1)[1] for n in names if n.startswith("desktop_app/resources/icons/")
        )
        app_svg = zf.read("desktop_app/resources/icons/app.svg")
    assert len(ICONS) >= 13
    assert shipped_icons == ICONS
    assert app_svg == (ROOT / "resources" / "icons" / "app.svg").read_bytes()
    for sample in SAMPLES:
        assert f"desktop_app/resources/samples/{sample}" in names
    # The build tools stay out of the installed package.
    assert not any(n.startswith("packaging/") for n in names)


def test_installed_wheel_finds_its_icons_and_passes_the_self_test(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("BSM_ICON_DIR", None)
    # -P: do not put the current directory (a source checkout) on sys.path.
    where = subprocess.run(
        [sys.executable, "-P", "-c", FIND_ICONS],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(where.stdout.strip()) == site / "desktop_app" / "resources" / "icons"
    test = subprocess.run(
        [sys.executable, "-P", "-m", "desktop_app", "--self-test"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert test.returncode == 0, test.stdout + test.stderr
    assert f"from {site / 'desktop_app' / 'resources' / 'samples'}" in test.stdout
    assert f"icons from {site / 'desktop_app' / 'resources' / 'icons'}" in test.stdout


def test_sdist_keeps_the_resources_and_builds_the_same_wheel(tmp_path: Path) -> None:
    source = _copy_sources(tmp_path / "src")
    out = tmp_path / "sdist"
    subprocess.run(
        [sys.executable, "-c", f"import setuptools.build_meta as b; b.build_sdist({str(out)!r})"],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (sdist,) = out.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert "packaging/setuptools_hooks.py" in members
    assert {f"resources/icons/{name}" for name in ICONS} <= members
    wheel = _pip_wheel(sdist, tmp_path / "wheel")
    with zipfile.ZipFile(wheel) as zf:
        assert "desktop_app/resources/icons/app.svg" in zf.namelist()
