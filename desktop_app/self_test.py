"""``backup-status --self-test``: a headless check that a build (wheel or frozen bundle) is whole.

Packaging mistakes show up only at run time: a missing sample or icon file, package metadata
not copied (wrong version in About), keyring backends not discoverable (no metadata, so the
app silently falls back to "no keyring"), a Qt plugin left out (blurry or missing icons). The
self-test exercises each of those once and prints one line per check, so a CI smoke run of the
bundle fails loudly and says what is missing.

Qt-free except the Qt probe, which lives in ``desktop_app.ui.shell.qt_self_check`` and is imported
only when the check runs (the import contracts keep PySide6 inside ``desktop_app.ui``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import desktop_app
from desktop_app import APP_NAME, app_version
from desktop_app.report.errors import ParseError
from desktop_app.report.parse import parse_body
from desktop_app.runtime.checks import CheckResult

SAMPLE_FILES: dict[str, str] = {"json": "sample_report.json", "xml": "sample_report.xml"}
SAMPLE_ROWS = 20
UNKNOWN_VERSION = "0+unknown"

# The keyring backend each OS needs, and the modules it cannot work without.
KEYRING_BACKENDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linux": ("SecretService", ("keyring.backends.SecretService", "secretstorage", "jeepney")),
    "win32": ("Windows", ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred")),
    "darwin": ("macOS", ("keyring.backends.macOS", "keyring.backends.macOS.api")),
}


QtProbe = Callable[[], list[CheckResult]]


def samples_dir_candidates(frozen_base: str | None = None) -> list[Path]:
    """Where the sample reports may be: in the package (wheel), the checkout, the bundle."""
    if frozen_base is None:
        frozen_base = getattr(sys, "_MEIPASS", None)
    package_dir = Path(desktop_app.__file__).resolve().parent
    found = [
        package_dir / "resources" / "samples",
        package_dir.parent / "resources" / "samples",
    ]
    if frozen_base:
        found.append(Path(frozen_base) / "resources" / "samples")
    return found


def find_samples_dir(frozen_base: str | None = None) -> Path | None:
    """The first candidate holding the JSON sample, or None."""
    for folder in samples_dir_candidates(frozen_base):
        if (folder / SAMPLE_FILES["json"]).is_file():
            return folder
    return None


def check_version(version: str) -> CheckResult:
    """Frozen builds need the package metadata copied in, or About shows "0+unknown"."""
    if version == UNKNOWN_VERSION:
        return CheckResult("version metadata", False, "package metadata missing (0+unknown)")
    return CheckResult("version metadata", True, version)


def check_samples(samples_dir: Path | None) -> list[CheckResult]:
    """Parse the bundled sample in both formats; both must hold the same rows."""
    if samples_dir is None:
        tried = ", ".join(str(p) for p in samples_dir_candidates())
        return [CheckResult("sample reports", False, f"samples folder missing (tried {tried})")]
    results: list[CheckResult] = []
    parsed: dict[str, object] = {}
    for fmt, file_name in SAMPLE_FILES.items():
        name = f"sample report ({fmt.upper()})"
        path = samples_dir / file_name
        try:
            report = parse_body(path.read_bytes(), fmt)
        except OSError as exc:
            results.append(CheckResult(name, False, f"cannot read {path}: {exc.strerror or exc}"))
            continue
        except ParseError as exc:
            results.append(CheckResult(name, False, f"cannot parse {path}: {exc}"))
            continue
        parsed[fmt] = report.rows
        ok = len(report.rows) == SAMPLE_ROWS
        results.append(CheckResult(name, ok, f"{len(report.rows)} rows from {path}"))
    if len(parsed) == len(SAMPLE_FILES):
        same = parsed["json"] == parsed["xml"]
        results.append(
            CheckResult(
                "sample reports agree",
                same,
                "JSON and XML rows are identical" if same else "JSON and XML rows differ",
            )
        )
    return results


def check_keyring(
    platform: str, backends: Mapping[str, tuple[str, tuple[str, ...]]] = KEYRING_BACKENDS
) -> CheckResult:
    """The OS keyring backend must be discoverable (entry points) and importable.

    Whether a keyring *service* answers here (a headless CI box has none) is reported, not
    judged: the check is about the build, not the machine.
    """
    name = "keyring backend"
    expected = _platform_key(platform)
    if expected is None or expected not in backends:
        return CheckResult(name, True, f"no OS keyring expected on {platform}")
    backend_name, modules = backends[expected]
    from importlib import metadata

    entry_points = {ep.name for ep in metadata.entry_points(group="keyring.backends")}
    if backend_name not in entry_points:
        return CheckResult(
            name, False, f"keyring metadata missing: no '{backend_name}' backend entry point"
        )
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # an import can fail with more than ImportError (ctypes)
            return CheckResult(name, False, f"module {module} missing ({type(exc).__name__})")
    return CheckResult(name, True, f"{backend_name} backend present; active: {_active_keyring()}")


def _platform_key(platform: str) -> str | None:
    if platform.startswith("linux") or "bsd" in platform:
        return "linux"
    if platform in ("win32", "cygwin"):
        return "win32"
    if platform == "darwin":
        return "darwin"
    return None


def _active_keyring() -> str:
    """The backend keyring would use now (names only; no secret is read)."""
    try:
        import keyring

        ring = keyring.get_keyring()
    except Exception as exc:  # the environment, not the build: report it
        return f"unavailable ({type(exc).__name__})"
    label = f"{type(ring).__module__}.{type(ring).__name__}"
    if type(ring).__module__ == "keyring.backends.fail":
        label += " (no keyring service reachable here)"
    return label


def default_qt_probe() -> list[CheckResult]:
    """The Qt plugin checks, then the real window with one demo fetch (Qt imported only now)."""
    import tempfile

    from desktop_app.ui.shell.qt_self_check import probe_qt

    results = probe_qt()
    try:
        from desktop_app.launch import check_demo_window

        with tempfile.TemporaryDirectory(prefix="bsm-self-test-", ignore_cleanup_errors=True) as d:
            results.append(check_demo_window(Path(d)))
    except Exception as exc:  # e.g. a module the bundle left out: name it, keep the rest
        results.append(CheckResult("demo window", False, f"{type(exc).__name__}: {exc}"))
    return results


def run_checks(
    *,
    samples_dir: Path | None,
    platform: str,
    version: str,
    qt_probe: QtProbe,
) -> list[CheckResult]:
    results = [check_version(version), *check_samples(samples_dir), check_keyring(platform)]
    try:
        results.extend(qt_probe())
    except Exception as exc:  # e.g. PySide6 itself not bundled
        results.append(CheckResult("Qt", False, f"{type(exc).__name__}: {exc}"))
    return results


def format_report(results: Sequence[CheckResult], version: str) -> str:
    lines = [f"{APP_NAME} {version} self-test"]
    lines += [f"  {'ok  ' if r.ok else 'FAIL'}  {r.name}: {r.detail}" for r in results]
    failed = [r.name for r in results if not r.ok]
    if failed:
        lines.append(f"self-test FAILED ({len(failed)} of {len(results)}): {', '.join(failed)}")
    else:
        lines.append(f"self-test passed ({len(results)} checks)")
    return "\n".join(lines) + "\n"


def run_self_test(
    out: TextIO | None,
    *,
    samples_dir: Path | None = None,
    platform: str = sys.platform,
    version: str | None = None,
    qt_probe: QtProbe | None = None,
) -> int:
    """Run every check, print the report to ``out``; 0 when all pass, 1 otherwise.

    ``out`` may be None: a windowed Windows build has no stdout, and the exit code still tells.
    """
    version = app_version() if version is None else version
    results = run_checks(
        samples_dir=find_samples_dir() if samples_dir is None else samples_dir,
        platform=platform,
        version=version,
        qt_probe=default_qt_probe if qt_probe is None else qt_probe,
    )
    if out is not None:
        out.write(format_report(results, version))
        out.flush()
    return 0 if all(r.ok for r in results) else 1
