"""setuptools commands that put the runtime resources into wheels and sdists.

The icons (and the self-test's sample reports) live once, in ``resources/`` at the top of the
repository, next to the generated rasters. A plain ``pip install .`` would not ship them, since
they sit outside the ``desktop_app`` package. ``BuildPyWithResources`` copies them into
``desktop_app/resources/`` of the build tree, where ``desktop_app.ui.icons`` looks first, and
``SdistWithResources`` keeps them (and this file) in the sdist, so wheels built from an sdist
carry them too. Editable installs need neither: they find ``<repo>/resources`` directly.

``pyproject.toml`` names these classes under ``[tool.setuptools.cmdclass]``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "desktop_app"
# Runtime resources, relative to the repository root; they land at desktop_app/<same path>.
RESOURCE_PATTERNS: tuple[str, ...] = (
    "resources/icons/*.svg",
    "resources/samples/*.json",
    "resources/samples/*.xml",
)


def resource_files(root: Path = ROOT) -> list[str]:
    """The runtime resource files, as sorted POSIX paths relative to ``root``."""
    found = {p.relative_to(root).as_posix() for pat in RESOURCE_PATTERNS for p in root.glob(pat)}
    return sorted(found)


class BuildPyWithResources(build_py):
    """``build_py`` that also copies ``resources/...`` into ``desktop_app/resources/...``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        files = resource_files()
        if not any(f.endswith("app.svg") for f in files):
            raise RuntimeError(f"resources/icons/app.svg not found under {ROOT}")
        for rel in files:
            target = Path(self.build_lib) / PACKAGE / rel
            self.mkpath(str(target.parent))
            self.copy_file(str(ROOT / rel), str(target))


class SdistWithResources(sdist):
    """``sdist`` that also ships the resources and this hook module."""

    def make_distribution(self) -> None:
        self.filelist.extend([*resource_files(), "packaging/setuptools_hooks.py"])
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()
