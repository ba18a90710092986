"""Giving freed memory back to the system: large blocks in their own mappings (glibc).

Each report of 100,000 rows brings large blocks (the body, its decoded text, dict tables of
100k entries) that are freed when the next report replaces it. glibc's malloc serves blocks
from 128 KiB up from their own mappings, returned to the system on free, but it raises that
threshold to the size of every such block freed (up to 32 MiB): after the first report, the
large blocks come from the heap, where a small object allocated after them keeps the freed
space from going back. Fixing the threshold at 4 MiB keeps the few really large blocks in
their own mappings. Measured with 100k rows (``bench_memory``): resident memory settled after
a refresh 325-386 MiB with the moving threshold, 285 MiB at 4 MiB. At 128 KiB it was 280 MiB,
but mapping and unmapping every medium block cost the GUI thread stalls of 180-220 ms
(``bench_gui_fetch``; 53-68 ms without, 40-78 ms at 4 MiB). Windows and macOS heaps give large
blocks back anyway; there this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

__all__ = ["MMAP_THRESHOLD", "return_large_blocks"]

log = logging.getLogger(__name__)

MMAP_THRESHOLD = 4 * 1024 * 1024  # blocks this large or larger: their own mappings
_M_MMAP_THRESHOLD = -3  # <malloc.h>


def return_large_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes (setting it also stops it from
    moving); True when applied, False elsewhere (other C libraries, other systems)."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(_M_MMAP_THRESHOLD, threshold))
    if not applied:
        log.info("Could not set the C library's mmap threshold")
    return applied
