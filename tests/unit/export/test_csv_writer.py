"""CSV export: real files in tmp_path, read back with the csv module."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from desktop_app.export.atomic import replace_refusal
from desktop_app.export.csv_writer import (
    CHUNK_ROWS,
    ExportCancelled,
    ExportError,
    format_cell,
    write_csv,
)
from desktop_app.export.report_csv import report_rows_to_cells, write_report_csv
from desktop_app.report.rows import FIELD_NAMES, BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType

BOM = b"\xef\xbb\xbf"
PLUS_TWO = timezone(timedelta(hours=2))
POSIX_MODES = pytest.mark.skipif(
    sys.platform == "win32",
    reason="POSIX permission bits; Windows keeps only a read-only flag (see the win32 tests)",
)
ON_WINDOWS = pytest.mark.skipif(sys.platform != "win32", reason="Windows file semantics")
MINUS_FIVE = timezone(timedelta(hours=-5))


def make_row(i: int = 0, **changes: Any) -> BackupStatusRow:
    row = BackupStatusRow(
        report_date=datetime(2024, 5, 1, 6, 0, tzinfo=UTC),
        username=f"client{i}",
        computer_id=f"{1000 + i:05d}",
        computer_name=f"PC-{i}",
        backupset_name="Files",
        local_start=datetime(2024, 4, 30, 22, 0, tzinfo=MINUS_FIVE),
        local_end=datetime(2024, 4, 30, 23, 15, 30, tzinfo=MINUS_FIVE),
        condition_status=ConditionStatus.COMPLETED,
        condition_types=(ConditionType.COMPLETED,),
        errors=0,
        warnings=0,
    )
    return row._replace(**changes)


def read_back(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_report_header_is_exactly_the_field_names_with_bom(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    count = write_report_csv(target, [make_row(1), make_row(2)])
    assert count == 2
    raw = target.read_bytes()
    assert raw.startswith(BOM)
    assert raw.endswith(b"\r\n")
    table = read_back(target)
    assert tuple(table[0]) == FIELD_NAMES
    assert [r[1] for r in table[1:]] == ["client1", "client2"]
    assert table[1][2] == "01001"  # the id as sent, leading zero kept


def test_no_bom_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_report_csv(target, [make_row()], bom=False)
    raw = target.read_bytes()
    assert not raw.startswith(BOM)
    assert raw.startswith(b"report_date,username,")


@pytest.mark.parametrize(("delimiter", "char"), [(";", ";"), ("tab", "\t"), ("\t", "\t")])
def test_delimiters(tmp_path: Path, delimiter: str, char: str) -> None:
    target = tmp_path / "report.csv"
    write_report_csv(target, [make_row(computer_name="a,b")], delimiter=delimiter)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == char.join(FIELD_NAMES)
    table = read_back(target, char)
    assert table[1][3] == "a,b"
    assert len(table[1]) == len(FIELD_NAMES)


def test_unknown_delimiter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        write_csv(tmp_path / "x.csv", ["a"], [], delimiter="|")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_quoting_round_trips_delimiters_quotes_and_newlines(tmp_path: Path, delimiter: str) -> None:
    awkward = [
        'say "hi"',
        "two\r\nlines",
        "one\nline",
        "semi;colon",
        "com,ma",
        "tab\tinside",
        "ünïcødé 計算機",
        "",
    ]
    target = tmp_path / "q.csv"
    write_csv(target, ["value", "n"], [[text, 7] for text in awkward], delimiter=delimiter)
    table = read_back(target, delimiter)
    assert [r[0] for r in table[1:]] == awkward
    assert {r[1] for r in table[1:]} == {"7"}


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_injection_is_neutralised(tmp_path: Path, trigger: str) -> None:
    payload = f'{trigger}HYPERLINK("http://x")'
    target = tmp_path / "inj.csv"
    write_csv(target, ["text"], [[payload]])
    write_report_csv(tmp_path / "r.csv", [make_row(computer_name=payload)])
    assert read_back(target)[1][0] == "'" + payload
    assert read_back(tmp_path / "r.csv")[1][3] == "'" + payload


def test_numbers_are_never_neutralised(tmp_path: Path) -> None:
    target = tmp_path / "n.csv"
    write_csv(target, ["int", "float", "text"], [[-5, -1.5, "-5"]])
    assert read_back(target)[1] == ["-5", "-1.5", "'-5"]
    row = make_row(errors=-3, warnings=-1, computer_id="-7")
    cells = next(report_rows_to_cells([row]))
    assert (cells[2], cells[9], cells[10]) == ("'-7", -3, -1)  # an id is text, guarded as such


def test_unknown_values_are_empty_cells_never_none_or_zero(tmp_path: Path) -> None:
    target = tmp_path / "u.csv"
    write_report_csv(
        target, [make_row(errors=None, warnings=None, report_date=None, username=None)]
    )
    record = dict(zip(FIELD_NAMES, read_back(target)[1], strict=True))
    assert (record["errors"], record["warnings"], record["report_date"], record["username"]) == (
        "",
        "",
        "",
        "",
    )
    assert record["computer_id"] == "01000"


def test_safe_text_is_not_prefixed() -> None:
    assert format_cell("PC 1 = server") == "PC 1 = server"
    assert format_cell("") == ""
    assert format_cell(None) == ""


def test_condition_types_joined_and_datetimes_keep_offsets(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    row = make_row(
        condition_status=ConditionStatus.FAILURE,
        condition_types=(ConditionType.ERRORS, ConditionType.MISSED, "SOMETHING_NEW"),
        local_start=datetime(2024, 4, 30, 22, 0, tzinfo=PLUS_TWO),
        local_end=None,
    )
    write_report_csv(target, [row])
    record = dict(zip(FIELD_NAMES, read_back(target)[1], strict=True))
    assert record["condition_types"] == "ERRORS; MISSED; SOMETHING_NEW"
    assert record["condition_status"] == "FAILURE"
    assert record["local_start"] == "2024-04-30T22:00:00+02:00"
    assert record["local_end"] == ""
    assert record["report_date"] == "2024-05-01T06:00:00+00:00"
    assert datetime.fromisoformat(record["local_start"]).utcoffset() == timedelta(hours=2)


def test_equal_instants_keep_their_own_offsets() -> None:
    utc = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
    plus_two = datetime(2024, 5, 1, 8, 0, tzinfo=PLUS_TWO)
    assert utc == plus_two
    cells = list(report_rows_to_cells([make_row(report_date=utc), make_row(report_date=plus_two)]))
    assert [c[0] for c in cells] == ["2024-05-01T06:00:00+00:00", "2024-05-01T08:00:00+02:00"]


def test_generic_cells_match_report_cells() -> None:
    """The GUI path (format_cell) and the fast report path produce identical cells."""
    rows = [
        make_row(3, computer_name="=evil", condition_types=("A", "B"), local_end=None),
        make_row(4, backupset_name="-x"),
    ]
    # The documented fields only: the row's partner is not a report column.
    generic = [tuple(format_cell(v) for v in row[: len(FIELD_NAMES)]) for row in rows]
    assert generic == list(report_rows_to_cells(rows))


AWKWARD = [
    'say "hi"',
    "a,b",
    "a;b",
    "a\tb",
    "a\r\nb",
    "a\nb",
    "a\rb",
    "",
    " pad ",
    "=1+1",
    "-x",
    "ü",
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_fast_lines_equal_csv_module_output(tmp_path: Path, delimiter: str) -> None:
    """write_report_csv's hand-built lines must be byte-identical to csv.writer's output."""
    rows = [
        make_row(
            i,
            username=text,
            computer_name=AWKWARD[(i + 1) % len(AWKWARD)],
            backupset_name=AWKWARD[(i + 2) % len(AWKWARD)],
            condition_status=text or "COMPLETED",
            condition_types=(text, "ERRORS") if i % 2 else (),
            local_end=None if i % 3 == 0 else make_row().local_end,
            errors=-i,
        )
        for i, text in enumerate(AWKWARD)
    ]
    unknown = dict.fromkeys(FIELD_NAMES)  # every field unknown, then each one alone
    rows.append(make_row(**unknown))
    rows.extend(make_row(7, **{name: None}) for name in FIELD_NAMES)
    fast = tmp_path / "fast.csv"
    write_report_csv(fast, rows, delimiter=delimiter)
    reference = io.StringIO(newline="")
    writer = csv.writer(reference, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(FIELD_NAMES)
    writer.writerows(tuple(format_cell(v) for v in row[: len(FIELD_NAMES)]) for row in rows)
    assert fast.read_bytes() == b"\xef\xbb\xbf" + reference.getvalue().encode("utf-8")
    generic = tmp_path / "generic.csv"
    write_csv(generic, FIELD_NAMES, [row[: len(FIELD_NAMES)] for row in rows], delimiter=delimiter)
    assert generic.read_bytes() == fast.read_bytes()


def test_report_progress_and_cancel(tmp_path: Path) -> None:
    rows = [make_row(i) for i in range(CHUNK_ROWS + 1)]
    seen: list[int] = []
    assert write_report_csv(tmp_path / "r.csv", rows, progress=seen.append) == CHUNK_ROWS + 1
    assert seen == [CHUNK_ROWS, CHUNK_ROWS + 1]
    with pytest.raises(ExportCancelled):
        write_report_csv(tmp_path / "c.csv", rows, cancelled=lambda: True)
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_progress_reports_running_counts(tmp_path: Path) -> None:
    seen: list[int] = []
    n = CHUNK_ROWS * 2 + 5
    count = write_csv(tmp_path / "p.csv", ["i"], ([i] for i in range(n)), progress=seen.append)
    assert count == n
    assert seen == [CHUNK_ROWS, CHUNK_ROWS * 2, n]
    assert len(read_back(tmp_path / "p.csv")) == n + 1


def failing_rows(after: int) -> Iterator[Sequence[object]]:
    for i in range(after):
        yield [i, "x"]
    raise RuntimeError("source broke")


def test_failure_midway_keeps_existing_target_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_bytes(b"old content\r\n")
    with pytest.raises(RuntimeError, match="source broke"):
        write_csv(target, ["i", "s"], failing_rows(CHUNK_ROWS + 10))
    assert target.read_bytes() == b"old content\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def test_cancel_keeps_existing_target_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "keep.csv"
    target.write_bytes(b"old")
    progress: list[int] = []
    with pytest.raises(ExportCancelled):
        write_csv(
            target,
            ["i"],
            ([i] for i in range(CHUNK_ROWS * 5)),
            progress=progress.append,
            cancelled=lambda: bool(progress),
        )
    assert progress == [CHUNK_ROWS]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


@POSIX_MODES
def test_success_replaces_existing_target_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_csv(target, ["a"], [["new"]], bom=False)
    assert target.read_bytes() == b"a\r\nnew\r\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


@POSIX_MODES
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_new_file_follows_the_users_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Like any file the user's programs create: private under umask 077 (a report of every
    customer's backups must not become readable by others because the export said so)."""
    previous = os.umask(umask)
    try:
        target = tmp_path / f"new-{umask:o}.csv"
        write_csv(target, ["a"], [])
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == mode


# As Excel holds a workbook it shows: read access, and others may only read (no write, no
# delete or rename). Run in another process, as Excel is.
HOLD_OPEN_LIKE_EXCEL = """
import ctypes, sys
from ctypes import wintypes
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
kernel32.CreateFileW.restype = wintypes.HANDLE
kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD,
                                 wintypes.LPVOID, wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, NORMAL = 0x80000000, 0x1, 3, 0x80
handle = kernel32.CreateFileW(sys.argv[1], GENERIC_READ, FILE_SHARE_READ, None, OPEN_EXISTING,
                              NORMAL, None)
ok = handle not in (None, ctypes.c_void_p(-1).value)
print("held" if ok else f"failed {ctypes.get_last_error()}", flush=True)
sys.stdin.readline()
"""


@ON_WINDOWS
def test_windows_replaces_an_existing_target_and_leaves_it_writable(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old")
    write_csv(target, ["a"], [["new"]], bom=False)
    assert target.read_bytes() == b"a\r\nnew\r\n"
    assert target.stat().st_mode & stat.S_IWRITE
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


@ON_WINDOWS
def test_windows_read_only_target_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old")
    os.chmod(target, stat.S_IREAD)
    try:
        with pytest.raises(ExportError) as exc:
            write_csv(target, ["a"], [["new"]])
    finally:
        os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
    assert str(exc.value) == f"Could not replace {target}: the file is read-only. " + (
        "The old file is unchanged."
    )
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


@ON_WINDOWS
def test_windows_target_open_in_another_program_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN_LIKE_EXCEL, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ExportError) as exc:
            write_csv(target, ["a"], [["new"]])
        assert "another program has it open" in str(exc.value)
        assert "close it in Excel and try again" in str(exc.value)
        assert target.read_text() == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    finally:
        holder.communicate("\n", timeout=30)  # "Excel" closes the file and exits
    write_csv(target, ["a"], [["new"]], bom=False)  # closed in "Excel": now it works
    assert target.read_bytes() == b"a\r\nnew\r\n"


def test_replace_refusal_explains_only_windows_refusals_of_a_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old")
    assert replace_refusal(target, "linux") is None  # POSIX replaces open files
    assert "close it in Excel and try again" in (replace_refusal(target, "win32") or "")
    os.chmod(target, stat.S_IREAD)
    try:
        assert "read-only" in (replace_refusal(target, "win32") or "")
    finally:
        os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
    assert replace_refusal(tmp_path, "win32") is None  # a folder in the way: the usual message
    assert replace_refusal(tmp_path / "gone.csv", "win32") is None


def test_parent_is_a_regular_file_gives_export_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(ExportError) as exc:
        write_csv(blocker / "out.csv", ["a"], [["1"]])
    assert "Could not write" in str(exc.value)
    assert "not a folder" in str(exc.value)
    assert str(blocker / "out.csv") in str(exc.value)


def test_missing_folder_gives_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="folder does not exist"):
        write_report_csv(tmp_path / "nope" / "out.csv", [make_row()])
    assert list(tmp_path.iterdir()) == []


def test_target_is_a_folder_gives_export_error_and_no_temp_files(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(ExportError, match="Could not write"):
        write_csv(folder, ["a"], [["1"]])
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stream_gets_bom_unless_terminal() -> None:
    piped = io.StringIO()
    assert write_csv(piped, ["a"], [["1"]]) == 1
    assert piped.getvalue() == "\ufeffa\r\n1\r\n"
    terminal = FakeTerminal()
    write_csv(terminal, ["a"], [["1"]])
    assert terminal.getvalue() == "a\r\n1\r\n"
    plain = io.StringIO()
    write_csv(plain, ["a"], [["1"]], bom=False)
    assert plain.getvalue() == "a\r\n1\r\n"


class FullStream(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_stream_oserror_becomes_export_error() -> None:
    with pytest.raises(ExportError, match="disk is full"):
        write_csv(FullStream(), ["a"], [["1"]])
