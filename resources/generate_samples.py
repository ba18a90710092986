"""Regenerate the small sample reports the ``--self-test`` parses (JSON and XML, same rows).

Run from the repository root: ``python resources/generate_samples.py``. The rows come from the
demo generator with a fixed seed and clock, so the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.demo.data import generate_rows
from desktop_app.report.rows import Link
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes

SAMPLE_ROWS = 20
SAMPLE_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SELF_LINK = Link(
    "self", "https://api.intronis.com/v1/partners/sample-partner/reports/backup_status"
)


def sample_bytes() -> dict[str, bytes]:
    """File name -> contents of every sample file."""
    rows = generate_rows(SAMPLE_ROWS, seed=7, now=SAMPLE_NOW)
    return {
        "sample_report.json": rows_to_json_bytes(rows, links=[SELF_LINK]),
        "sample_report.xml": rows_to_xml_bytes(rows, links=[SELF_LINK]),
    }


def main(out_dir: Path = SAMPLES_DIR) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in sample_bytes().items():
        (out_dir / name).write_bytes(data)
        print(f"wrote {out_dir / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
