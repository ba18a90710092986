"""The GUI thread while a 100,000-set report is judged with learned rhythms.

Run: ``QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_rhythm_gui.py [--sets 100000]``

Builds the history of ``bench_rhythm`` (30 days of runs in a realistic mix) with each set's
current state, learns every rhythm once, then opens it through the app's ``HistoryService``
(its workers, its judging lane) with the parts that follow the states on the GUI thread: the
table model (stale/overdue and repeated marks, the preparer's rule), the problem toggles and the
tray. Each round judges the report again (``recompute``: the learned rhythms plus the overrides
into one rule, derive, summaries on the worker; the answer taken in on the GUI thread) and
prints how long it took and the longest time a 1 ms timer on the GUI thread could not fire.
Target: stall under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).parent))

from bench_rhythm import NOW, build
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.report.problem_states import ProblemStates
from desktop_app.report.rows import BackupStatusRow, Report
from desktop_app.runtime.pacing import Pacer
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.runs import learn_all, save_learned
from desktop_app.ui.history.service import HistoryService
from desktop_app.ui.icons import IconProvider
from desktop_app.ui.problems.filter_bar import ProblemFilterBar
from desktop_app.ui.table.model import ReportTableModel
from desktop_app.ui.tray.controller import TrayController
from desktop_app.ui.workers import Workers


def with_states(path: Path) -> list[BackupStatusRow]:
    """Give every set a current state (its newest run) and learn everything once; returns the
    report rows, one per set."""
    db = sqlite3.connect(path)
    found = db.execute(
        "SELECT b.id, b.username, b.computer_id, b.backupset_name, MAX(r.start_ts), r.status"
        " FROM backup_set b JOIN run r ON r.set_id = b.id GROUP BY b.id"
    ).fetchall()
    observed = int(NOW.timestamp())
    db.executemany(
        "INSERT INTO state (set_id, observed_at, computer_name, start_ts, start_offset, end_ts,"
        " end_offset, condition_status, condition_types, errors, warnings)"
        " VALUES (?, ?, 'PC', ?, 0, ?, 0, ?, '', 0, 0)",
        [(i, observed, start, start + 600, status) for i, _u, _c, _n, start, status in found],
    )
    db.execute("UPDATE backup_set SET current_state = ?", (observed,))
    save_learned(db, learn_all(db, NOW.timestamp(), lambda: None))
    db.commit()
    db.close()
    return [
        BackupStatusRow(
            None,
            user,
            cid,
            "PC",
            name,
            datetime.fromtimestamp(start, UTC),
            datetime.fromtimestamp(start + 600, UTC),
            status,
            (),
            0,
            0,
        )
        for _i, user, cid, name, start, status in found
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        build(path, args.sets)
        rows = with_states(path)
        report = Report(tuple(rows), fetched_at=NOW, source="history")
        workers = Workers()
        pacer = Pacer()
        history = HistoryService(
            workers,
            lambda: HistoryStore(path, clock=lambda: NOW, pause=pacer.pause),
            now=lambda: NOW,
            clock=lambda: NOW,
        )
        model = ReportTableModel(now=lambda: NOW)
        model.set_rows(rows)
        bar = ProblemFilterBar(model)
        tray = TrayController(IconProvider(), now=lambda: NOW, monochrome=False)

        def follow(states: ProblemStates) -> None:
            model.set_stale_keys(states.derived.stale, states.derived.overdue)
            model.set_repeated_keys(states.derived.repeated)
            bar.set_derived(states.derived)
            tray.show_states(states)

        history.rule_changed.connect(model.set_stale_rule)
        history.rule_changed.connect(tray.set_stale_rule)
        history.states_changed.connect(follow)
        loop = QEventLoop()
        history.recorder.opened.connect(loop.quit)
        history.start()
        loop.exec()

        longest = [0.0]
        clock = QElapsedTimer()
        ticker = QTimer()
        ticker.setInterval(1)

        def tick() -> None:
            longest[0] = max(longest[0], clock.nsecsElapsed() / 1e6 - 1.0)
            clock.restart()

        ticker.timeout.connect(tick)
        for round_ in range(args.rounds):
            done = QEventLoop()
            judged: list[ProblemStates] = []
            history.states_changed.connect(done.quit)
            history.states_changed.connect(judged.append)
            longest[0] = 0.0
            began = time.perf_counter()
            clock.start()
            ticker.start()
            if round_ == 0:
                history.show_report(report)
            else:
                history.recompute()
            done.exec()
            ticker.stop()
            seconds = time.perf_counter() - began
            history.states_changed.disconnect(done.quit)
            history.states_changed.disconnect(judged.append)
            derived = judged[-1].derived
            print(
                f"judge {len(rows):,} sets with {len(judged[-1].rule.rhythms):,} rhythms: "
                f"{seconds:.2f} s, longest GUI-thread stall {longest[0]:.0f} ms "
                f"({len(derived.overdue):,} overdue, {len(derived.stale):,} stale, "
                f"{len(derived.repeated):,} repeated failures)"
            )
        history.close()
        tray.hide()
        workers.close(timeout=5.0)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
