"""Every benchmark still runs, at a size that takes a second.

Benchmarks are scripts nobody runs on every change, so a restructure can break one silently (the
move of the acknowledgement helpers left bench_customer_features stopping at its import). This
runs each as a user would, in its own process with tiny sizes, and checks that it printed figures.
The figures themselves are not judged here: timing belongs in the benchmarks' own output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]

# Each benchmark with arguments that make it small; a new benchmark must be added here.
SMALL_RUNS: dict[str, list[str]] = {
    "bench_table.py": ["--sizes", "500", "--repeat", "1"],
    "bench_data_path.py": ["--sizes", "500"],
    "bench_history.py": ["--rows", "300", "--ticks", "3"],
    "bench_missing_rows.py": ["--rows", "500", "--missing", "20"],
    "bench_customer_features.py": ["--rows", "500", "--days", "3"],
    "bench_rhythm.py": ["--sets", "300", "--changed", "30", "--repeat", "1"],
    "bench_rhythm_gui.py": ["--sets", "300", "--rounds", "1"],
    "bench_gui_fetch.py": ["--sizes", "300", "--watchdog"],  # the restart and diagnostics too
    "bench_memory.py": ["--rows", "300"],
    "bench_partners.py": ["--partners", "3", "--rows", "100", "--repeat", "1"],
    "bench_gui_partners.py": ["--partners", "3", "--rows", "100", "--repeat", "1"],
}

FIGURE = re.compile(r"\d+(\.\d+)?\s*(ms|s|MiB|x)\b")


def test_every_benchmark_has_a_small_run() -> None:
    assert sorted(p.name for p in HERE.glob("bench_*.py")) == sorted(SMALL_RUNS)


@pytest.mark.parametrize("script", sorted(SMALL_RUNS))
def test_benchmark_runs_and_prints_figures(script: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
        "HOME": str(tmp_path),  # nothing of the user's: settings and history stay in tmp
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, str(HERE / script), *SMALL_RUNS[script]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    assert FIGURE.search(done.stdout), f"{script} printed no figures:\n{done.stdout[-2000:]}"
