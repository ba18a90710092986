"""runtime.memory: large blocks freed go back to the system (glibc), measured in a fresh process."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from desktop_app.runtime.memory import return_large_blocks

# Freeing a 20 MiB block raises glibc's mmap threshold to 20 MiB; two 6 MiB blocks then come
# from the heap, below a block allocated after them, and their space stays when they are freed.
SCRIPT = """
import re, sys
from pathlib import Path
def rss():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\\s+(\\d+)", status).group(1)) // 1024
if sys.argv[1] == "fixed":
    from desktop_app.runtime.memory import return_large_blocks
    assert return_large_blocks()
big = b"x" * (20 << 20)
del big
before = rss()
blocks = [b"%d" % i * (6 << 20) for i in range(1, 3)]
pin = b"p" * (100 << 10)
del blocks
print(rss() - before)
"""

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc",
)


def retained_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@glibc
def test_freed_large_blocks_go_back_to_the_system_once_the_threshold_is_fixed() -> None:
    assert retained_mib("moving") >= 11  # the C library's default: kept in the heap
    assert retained_mib("fixed") <= 1


def test_elsewhere_it_does_nothing_and_says_so() -> None:
    applied = return_large_blocks()
    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert applied is expected
