"""Packaging tests: the wheel's resources, the bundle rules, the icon generator, the bundle.

``packaging/`` and ``resources/`` are folders of build scripts, not Python packages, so their
modules are loaded by file path.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.support import ROOT

__all__ = ["ROOT", "load_script"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bundle: builds the PyInstaller bundle (slow; needs BSM_BUILD_BUNDLE=1)"
    )


def load_script(relative: str) -> ModuleType:
    """Import a build script (e.g. ``packaging/bundle_rules.py``) by its path."""
    path = ROOT / relative
    name = "bsm_" + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look the module up by name
    spec.loader.exec_module(module)
    return module
