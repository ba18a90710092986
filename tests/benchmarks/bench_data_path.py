"""Figures for the data path: generate reports, parse them, (later) export them.

Run: ``python tests/benchmarks/bench_data_path.py [--full] [--sizes 1000 10000]``.
Prints, for JSON and XML at each size: the bare parse (json.loads / lxml fromstring), the full
parse to rows, their ratio, and the memory the rows keep (tracemalloc, bytes per row).
Targets at 100k rows: JSON ratio <= 2.0, XML ratio <= 2.5, <= 700 retained bytes per row.

Sections are plain functions taking generated documents, so more sections (CSV export end to
end) can be appended after ``bench_parse`` and called from ``main``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from desktop_app.report.parse import parse_json, parse_xml
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow

SIZES = (1_000, 10_000, 100_000)
FULL_SIZES = (*SIZES, 1_000_000)
TARGETS = {"json": 2.0, "xml": 2.5}
BYTES_PER_ROW_TARGET = 700


# -- documents ---------------------------------------------------------------------------------

_SETS = ("Files and Folders", "System State", "SQL Server", "Exchange", "Hyper-V", "VMware")
_OFFSETS = ("-05:00", "-08:00", "+00:00", "+01:00", "+05:30", "-03:00")
_STATUSES = (
    ("COMPLETED", ["COMPLETED"]),
    ("COMPLETED", ["COMPLETED"]),
    ("COMPLETED", ["COMPLETED"]),
    ("WARNING", ["WARNINGS"]),
    ("FAILURE", ["ERRORS"]),
    ("FAILURE", ["ERRORS", "NO_EXCHANGE_OR_SQL_DATA_BACKED_UP"]),
    ("FAILURE", ["MISSED"]),
    ("RUNNING", ["RUNNING"]),
)


def generate_rows(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Deterministic rows shaped like a real partner's report (JSON-ready values)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    computer_id = 1000
    while len(rows) < count:
        username = f"customer{len(rows) // 20:05d}"
        computer_id += 1
        offset = rng.choice(_OFFSETS)
        for backupset in _SETS[: rng.randint(1, 4)]:
            status, types = rng.choice(_STATUSES)
            day, hour, minute = rng.randint(1, 28), rng.randint(0, 22), rng.randint(0, 59)
            start = f"2024-05-{day:02d}T{hour:02d}:{minute:02d}:{rng.randint(0, 59):02d}{offset}"
            end = f"2024-05-{day:02d}T{hour + 1:02d}:{minute:02d}:{rng.randint(0, 59):02d}{offset}"
            errors = rng.randint(1, 40) if status == "FAILURE" else 0
            rows.append(
                {
                    "report_date": "2024-05-29T06:00:00+00:00",
                    "username": username,
                    "computer_id": computer_id,
                    "computer_name": f"{username.upper()}-PC{computer_id}",
                    "backupset_name": backupset,
                    "local_start": start,
                    "local_end": None if status == "RUNNING" else end,
                    "condition_status": status,
                    "condition_types": types,
                    "errors": errors,
                    "warnings": rng.randint(1, 9) if status == "WARNING" else 0,
                }
            )
    return rows[:count]


def _demo_generator() -> Callable[[int], list[dict[str, Any]]] | None:
    """The demo data generator (``desktop_app.demo.data``) when present, as JSON-ready dicts."""
    try:
        from desktop_app.demo.data import generate_rows as demo_rows
    except ImportError:
        return None
    now = datetime(2024, 5, 29, 6, 0, tzinfo=UTC)

    def generate(count: int) -> list[dict[str, Any]]:
        return [_row_dict(row) for row in demo_rows(count, now=now)]

    return generate


def _row_dict(row: BackupStatusRow) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(row, name) for name in FIELD_NAMES}  # not partner
    for name in ("report_date", "local_start", "local_end"):
        value = values[name]
        values[name] = None if value is None else value.isoformat()
    values["condition_types"] = [str(t) for t in row.condition_types]
    values["condition_status"] = str(row.condition_status)
    return values


def to_json(rows: list[dict[str, Any]]) -> bytes:
    envelope = {"page": 1, "page_size": len(rows), "count": len(rows), "links": [], "list": rows}
    return json.dumps(envelope, separators=(",", ":")).encode()


def to_xml(rows: list[dict[str, Any]]) -> bytes:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<list page="1" page_size="{len(rows)}" ']
    parts.append(f'count="{len(rows)}">')
    for row in rows:
        parts.append("<backup_status>")
        for name, value in row.items():
            if name == "condition_types":
                parts.append("<condition_types>")
                parts.extend(f"<condition_type>{t}</condition_type>" for t in value)
                parts.append("</condition_types>")
            elif value is None:
                parts.append(f"<{name}/>")
            else:
                parts.append(f"<{name}>{escape(str(value))}</{name}>")
        parts.append("</backup_status>")
    parts.append("</list>\n")
    return "".join(parts).encode()


# -- measurement -------------------------------------------------------------------------------


def best_time(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def retained_bytes(function: Callable[[], object]) -> tuple[object, int]:
    """The result of ``function`` and how many bytes it still holds once it returned."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = function()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return result, after - before


@dataclass(frozen=True)
class ParseFigures:
    fmt: str
    rows: int
    megabytes: float
    bare_seconds: float
    parse_seconds: float
    bytes_per_row: float

    @property
    def ratio(self) -> float:
        return self.parse_seconds / self.bare_seconds

    def line(self) -> str:
        verdict = "ok" if self.ratio <= TARGETS[self.fmt] else "SLOW"
        memory = "ok" if self.bytes_per_row <= BYTES_PER_ROW_TARGET else "BIG"
        return (
            f"{self.fmt:4} {self.rows:>9,} rows {self.megabytes:7.1f} MB  "
            f"bare {self.bare_seconds:7.3f}s  to rows {self.parse_seconds:7.3f}s  "
            f"ratio {self.ratio:4.2f} ({verdict})  "
            f"retained {self.bytes_per_row:5.0f} B/row ({memory})"
        )


def bench_parse(fmt: str, body: bytes, rows: int) -> ParseFigures:
    """Bare parse versus parse to rows, plus retained memory, for one document."""
    repeat = 5 if rows <= 10_000 else (3 if rows <= 100_000 else 1)
    if fmt == "json":
        bare: Callable[[], object] = lambda: json.loads(body)  # noqa: E731
        full: Callable[[], object] = lambda: parse_json(body)  # noqa: E731
    else:
        parser = etree.XMLParser(huge_tree=rows > 100_000)
        bare = lambda: etree.fromstring(body, parser)  # noqa: E731
        full = lambda: parse_xml(body)  # noqa: E731
    bare_seconds = best_time(bare, repeat)
    parse_seconds = best_time(full, repeat)
    report, retained = retained_bytes(full)
    assert len(report) == rows, (len(report), rows)  # type: ignore[arg-type]
    del report
    return ParseFigures(
        fmt, rows, len(body) / 1e6, bare_seconds, parse_seconds, retained / max(rows, 1)
    )


def documents(rows: int) -> tuple[bytes, bytes]:
    generate = _demo_generator() or generate_rows
    data = generate(rows)
    return to_json(data), to_xml(data)


# -- export (CSV, end to end) --------------------------------------------------------------------

EXPORT_ROWS = 100_000
EXPORT_TARGET = 1.5  # backup-status export may take at most 1.5x the hand-written script


def hand_written_export(server: Any, target: str) -> int:
    """The minimal script doing the same job: token, GET, json.loads, csv. The yardstick."""
    import csv

    import requests

    with requests.Session() as session:
        form = {
            "client_id": server.client_id,
            "client_secret": server.client_secret,
            "grant_type": "none",
            "scope": "partners_read",
        }
        token = session.post(f"{server.auth_url}/oauth2/token", data=form).json()["access_token"]
        headers = {"Authorization": f"OAuth {token}", "Accept": "application/json"}
        document = json.loads(session.get(server.report_url, headers=headers).content)
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(FIELD_NAMES)
        for row in document["list"]:
            row["condition_types"] = "; ".join(row["condition_types"])
            writer.writerow([row[name] for name in FIELD_NAMES])
    return len(document["list"])


def app_export(server: Any, target: str) -> None:
    """``backup-status export`` in-process, client credentials from its environment."""
    import io

    from desktop_app.__main__ import build_parser
    from desktop_app.cli.export_command import run_export
    from desktop_app.storage.credentials import CredentialStore

    args = build_parser().parse_args(["export", "--base-url", server.base_url, "-o", target])
    environ = {
        "BACKUP_STATUS_USERNAME": server.username,
        "BACKUP_STATUS_CLIENT_ID": server.client_id,
        "BACKUP_STATUS_CLIENT_SECRET": server.client_secret,
    }
    err = io.StringIO()
    code = run_export(
        args, credential_store=CredentialStore(), environ=environ, stdout=io.StringIO(), stderr=err
    )
    assert code == 0, err.getvalue()


def _timed(function: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. CPU time is the steadier figure on a busy machine; both
    exports run their HTTP server in this process, so it is counted alike for both."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_export(rows: int, repeat: int = 3) -> str:
    """Both exports against one demo server, interleaved (best of ``repeat``) to even out noise."""
    import os
    import tempfile

    from desktop_app.demo.server import DemoServer

    with DemoServer(rows=rows, evolve=False) as server, tempfile.TemporaryDirectory() as folder:
        mine, theirs = os.path.join(folder, "app.csv"), os.path.join(folder, "script.csv")
        hand_written_export(server, theirs)  # warm-up: the server serializes its report once
        app_export(server, mine)
        script: list[tuple[float, float]] = []
        app: list[tuple[float, float]] = []
        for _ in range(repeat):
            script.append(_timed(lambda: hand_written_export(server, theirs)))
            app.append(_timed(lambda: app_export(server, mine)))
        with open(mine, "rb") as a, open(theirs, "rb") as b:
            lines = (sum(1 for _ in a), sum(1 for _ in b))
        assert lines == (rows + 1, rows + 1), lines
    script_wall, script_cpu = min(w for w, _ in script), min(c for _, c in script)
    app_wall, app_cpu = min(w for w, _ in app), min(c for _, c in app)
    ratio, cpu_ratio = app_wall / script_wall, app_cpu / script_cpu
    verdict = "ok" if ratio <= EXPORT_TARGET else "SLOW"
    return (
        f"csv  {rows:>9,} rows  hand-written script {script_wall:6.3f}s  "
        f"backup-status export {app_wall:6.3f}s  ratio {ratio:4.2f} ({verdict}, target "
        f"<= {EXPORT_TARGET})  CPU {script_cpu:6.3f}s vs {app_cpu:6.3f}s ratio {cpu_ratio:4.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 1,000,000 rows")
    parser.add_argument("--sizes", type=int, nargs="*", help="row counts to run instead")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes) if args.sizes else (FULL_SIZES if args.full else SIZES)
    print(f"Python {sys.version.split()[0]}, lxml {etree.__version__}")
    print("== parse")
    for rows in sizes:
        json_body, xml_body = documents(rows)
        for fmt, body in (("json", json_body), ("xml", xml_body)):
            print(bench_parse(fmt, body, rows).line(), flush=True)
        del json_body, xml_body
    print("== export (demo server -> CSV file)")
    for rows in tuple(args.sizes) if args.sizes else (EXPORT_ROWS,):
        print(bench_export(rows), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
