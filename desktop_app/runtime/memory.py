"""Giving freed memory back to the system: large blocks in their own mappings (glibc).

Each report of 100,000 rows brings large blocks (the body's chunks, dict and list tables of
100k entries, the view's arrays) that are freed when the next report replaces it. glibc's
malloc serves blocks of 128 KiB or more from their own mappings, returned to the system on
free, but it raises that threshold to the size of every such block freed (up to 32 MiB): after
the first report, its large blocks come from the heap, where a small object allocated after
them keeps the freed space from going back. Measured with 100k rows (``bench_memory``): the
resident memory after a refresh settled 325 MiB with the moving threshold, 280 MiB with it
fixed at 128 KiB, for the same live objects. Windows and macOS heaps give large blocks back
anyway; there this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

__all__ = ["MMAP_THRESHOLD", "return_large_blocks"]

log = logging.getLogger(__name__)

MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept from then on
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
