"""Resident memory of the app with a large report fetched from a demo server in another process.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_memory.py [--rows 100000] [--where]``

The demo server runs as users would run a real one: elsewhere (``python -m desktop_app.demo
--rows N --port P`` in a child process), so its data, its serialized body and its threads are
not counted. The app is the real one (``app.build``: the main window shown offscreen, the tray,
a signed-in account over the server's custom URL, its own settings and history in a temporary
folder). Printed: resident memory (RSS, Linux ``/proc/self/status``) once the window shows; the
peak and settled RSS of the first fetch and of a refresh (F5), each phase lasting until the
report's follow-up work is done (history write, problem states, sidebar, tray) plus a few
seconds; and the settled RSS after a full garbage collection.

``--where`` runs the same with ``tracemalloc`` on (slower; more memory for its own bookkeeping)
and prints where the memory goes once the first report has settled: Python's traced bytes by
the project module that allocated them (the innermost ``desktop_app`` frame; else the library),
Qt's and the other C libraries' share (RSS minus Python's traced bytes), and Python's traced
peak while the body is fetched and parsed.

Target at 100k rows: peak and settled RSS <= 300 MiB.

Last measured (issue 14, 2 cores, 100k rows; MiB): before: first fetch peak 300-301, settled
299-301; F5 peak 386-405, settled 352-386. After (offsets shared in JSON rows, glibc's mmap
threshold fixed at 4 MiB by ``runtime.memory``): first fetch peak 282-284, settled 275-280; F5
peak 351-353, settled 285-287. The F5 peak is the old report, its view and the history cache
alive while the new body is read, decoded and parsed and its view built.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.support (the in-memory keyring), bench_gui_fetch

from tests.benchmarks.bench_gui_fetch import close_app, settle, wait_until  # noqa: E402

if TYPE_CHECKING:
    from desktop_app.app import AppParts

MIB = 1024 * 1024
TARGET_MIB = 300
SETTLE_S = 3.0
TIMEOUT_S = 180.0


def rss_mib(field: str = "VmRSS") -> float:
    """Resident memory now (``VmRSS``) or its peak since the last ``reset_peak`` (``VmHWM``)."""
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def reset_peak() -> None:
    """Start a new peak (Linux 4.0+: writing 5 to ``clear_refs`` resets ``VmHWM``)."""
    Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def demo_server(rows: int) -> Iterator[str]:
    """``python -m desktop_app.demo`` in a child process; yields its base URL."""
    command = [sys.executable, "-m", "desktop_app.demo", "--rows", str(rows), "--port", "0"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip().startswith("base URL:"):
                yield line.split(":", 1)[1].strip()
                break
        else:
            raise RuntimeError("the demo server did not start")
    finally:
        child.terminate()
        child.wait(10)


@dataclass
class Figures:
    rows: int
    before_build: float  # Python, PySide6 and the package imported
    shown: float  # after build(): the window shown, nothing fetched yet
    first_peak: float
    first_settled: float
    refresh_peak: float
    refresh_settled: float
    collected: float  # after gc.collect()


def measure(rows: int, folder: Path, base_url: str, tray: bool) -> tuple[Figures, AppParts]:
    """Start the app signed in to the server at ``base_url``; fetch, settle, refresh, settle."""
    from PySide6.QtCore import QSettings

    from desktop_app.app import AppOptions, build
    from desktop_app.storage.account import Account, save_account
    from desktop_app.storage.credentials import CredentialStore, StoredCredentials
    from desktop_app.ui.settings.store import QSettingsStore
    from tests.support import MemoryKeyring

    folder.mkdir(exist_ok=True)
    settings_path = folder / "settings.ini"
    account = Account("demo-partner", region=None, api_url=base_url)
    store = QSettingsStore(QSettings(str(settings_path), QSettings.Format.IniFormat))
    save_account(account, store)
    store.settings.sync()
    keyring = MemoryKeyring()
    credentials = StoredCredentials(client_id="demo-client", client_secret="demo-secret")
    CredentialStore(keyring).save(account.username, account.api_host, credentials)

    before = rss_mib()
    options = AppOptions(
        demo=False, settings_path=settings_path, tray=tray, keyring_backend=keyring
    )
    reset_peak()
    parts = build(options)
    shown = rss_mib()
    ready: list[object] = []
    parts.refresh.report_ready.connect(ready.append)
    if not wait_until(lambda: bool(ready), TIMEOUT_S):
        raise RuntimeError("the first report did not arrive")
    settle(parts, TIMEOUT_S, SETTLE_S)
    first = rss_mib("VmHWM"), rss_mib()

    ready.clear()
    reset_peak()
    parts.window.refresh_action.trigger()
    if not wait_until(lambda: bool(ready), TIMEOUT_S):
        raise RuntimeError("the refresh did not arrive")
    settle(parts, TIMEOUT_S, SETTLE_S)
    refreshed = rss_mib("VmHWM"), rss_mib()
    gc.collect()
    figures = Figures(parts.model.total_rows(), before, shown, *first, *refreshed, rss_mib())
    return figures, parts


def where(rows: int, folder: Path, base_url: str, tray: bool, top: int, rss: float) -> None:
    """The same again with tracemalloc on: Python's live bytes by module and by line, Qt's
    share (``rss``, the settled RSS of a run without tracemalloc, minus them), the peak."""
    tracemalloc.start(25)
    figures, parts = measure(rows, folder, base_url, tray)
    snapshot = tracemalloc.take_snapshot()
    traced = tracemalloc.get_traced_memory()[0] / MIB
    by_module: Counter[str] = Counter()
    by_line: Counter[str] = Counter()
    for stat in snapshot.statistics("traceback"):
        module, line = _owner(stat.traceback)
        by_module[module] += stat.size
        by_line[f"{module}:{line}"] += stat.size
    tracemalloc.stop()
    print(f"\nWhere the memory goes with {figures.rows:,} rows, settled after a refresh:")
    print(f"  RSS {rss:.0f} MiB (without tracemalloc) = Python's live objects {traced:.0f} MiB")
    print(f"    + Qt, the interpreter, C libraries and free heap {rss - traced:.0f} MiB")
    print("  Python's live bytes by the module that allocated them (innermost of ours):")
    for module, size in by_module.most_common(top):
        print(f"    {size / MIB:>7.1f} MiB  {module}")
    print("  ... and by line:")
    for where, size in by_line.most_common(top):
        print(f"    {size / MIB:>7.1f} MiB  {where}")
    close_app(parts)


def _owner(traceback: tracemalloc.Traceback) -> tuple[str, int]:
    """The innermost project frame of an allocation's stack, else its innermost frame."""
    for frame in reversed(traceback):  # tracemalloc keeps the most recent frame last
        name = frame.filename
        if "desktop_app" in name:
            return name[name.rfind("desktop_app") :], frame.lineno
    frame = traceback[-1]
    name = frame.filename
    return name[name.rfind("site-packages") :] if "site-packages" in name else name, frame.lineno


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-tray", action="store_true", help="build the app without its tray")
    parser.add_argument("--where", action="store_true", help="tracemalloc: where memory goes")
    parser.add_argument("--top", type=int, default=25, help="modules listed with --where")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    tray = not args.no_tray
    print(f"Python {sys.version.split()[0]}; RSS in MiB; demo server in a child process")
    with tempfile.TemporaryDirectory() as tmp, demo_server(args.rows) as base_url:
        f, parts = measure(args.rows, Path(tmp) / "plain", base_url, tray)
        close_app(parts)
        print(
            f"{'rows':>8} {'imports':>8} {'shown':>6} {'1st peak':>9} {'1st settled':>12}"
            f" {'F5 peak':>8} {'F5 settled':>11} {'after gc':>9}"
        )
        print(
            f"{f.rows:>8,} {f.before_build:>8.0f} {f.shown:>6.0f} {f.first_peak:>9.0f}"
            f" {f.first_settled:>12.0f} {f.refresh_peak:>8.0f} {f.refresh_settled:>11.0f}"
            f" {f.collected:>9.0f}",
            flush=True,
        )
        if args.where:
            where(args.rows, Path(tmp) / "traced", base_url, tray, args.top, f.refresh_settled)
    print(f"Target: peak and settled <= {TARGET_MIB} MiB (100k rows)")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
