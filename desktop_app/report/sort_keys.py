"""Sort keys, search text and byte masks: the per-row values behind the report table's index.

Everything heavy runs as C-level iteration (``sorted`` with ``list.__getitem__`` keys, ``map``,
``itertools.compress``, ``bytes`` masks), never a Python-level loop per row. ``RowIndex``
(``report.row_index``) computes these once per load and sorts and filters over them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import compress, repeat
from operator import attrgetter, contains
from typing import Any

from desktop_app.report.rows import BackupStatusRow, RowKey, row_key
from desktop_app.report.status import ConditionStatus, status_group, status_severity
from desktop_app.runtime.pacing import paced, unpaced

__all__ = [
    "KeyMaker",
    "SearchIndex",
    "SortField",
    "ViewSpec",
    "and_masks",
    "key_lookup",
    "mask_from_indices",
    "normalise_query",
    "search_haystacks",
    "status_rank",
    "statuses_of",
    "worst_first",
]

_SEARCH_CACHE_SIZE = 16  # recent queries kept per load, so deleting characters is instant
# Keeps a query from matching across two fields; and, being the lowest character, makes a
# haystack sort exactly like the (customer, computer, backup set) tuple of its row.
_FIELD_SEPARATOR = "\0"
_SEARCHED = attrgetter("username", "computer_name", "backupset_name", "partner")
# The key lookup is built this many rows per C call: one dict(zip(...)) over 100k rows holds the
# GIL for 60-75 ms, freezing the GUI thread while a worker prepares the view; 8k rows take ~4 ms.
KEY_CHUNK = 8_192


class SortField(StrEnum):
    """What a column sorts by (the UI maps its columns onto these)."""

    STATUS = "status"
    USERNAME = "username"
    COMPUTER_NAME = "computer_name"
    BACKUPSET_NAME = "backupset_name"
    LOCAL_START = "local_start"
    LOCAL_END = "local_end"
    DURATION = "duration"
    AGE = "age"
    ERRORS = "errors"
    WARNINGS = "warnings"
    CONDITION_TYPES = "condition_types"
    ACKNOWLEDGED = "acknowledged"  # when, from ``RowIndex.set_acknowledged`` (not in the rows)
    PARTNER = "partner"  # whose report lists the set (several partners watched)


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """The user's sort and filters as one immutable value.

    Immutable so a worker thread can read the GUI's current choice (one reference) and build the
    next view with it, while the GUI thread may replace it at any moment.
    """

    sort_field: SortField | None = None
    descending: bool = False
    status_filter: frozenset[str] | None = None
    query: str = ""  # as given; normalised when applied
    key_filter: frozenset[RowKey] | None = None


def _timestamps(values: Iterable[datetime | None]) -> list[float | None]:
    return [None if v is None else v.timestamp() for v in values]


def status_rank(statuses: Iterable[str]) -> dict[str, int]:
    """Rank of each status: worst severity first, then by name (unknown values included)."""
    ordered = sorted(set(statuses), key=lambda s: (status_severity(s), s))
    return {s: i for i, s in enumerate(ordered)}


class KeyMaker:
    """Computes sort keys for one load, sharing the costly POSIX timestamps between fields."""

    def __init__(self, rows: Sequence[BackupStatusRow]) -> None:
        self._rows = rows
        self._times: dict[str, list[float | None]] = {}

    def replace_tail(self, keep: int, rows: Sequence[BackupStatusRow]) -> None:
        """Rows from ``keep`` on are now ``rows[keep:]``: cached times keep their head."""
        tail = rows[keep:]
        for attr, times in self._times.items():
            del times[keep:]
            times.extend(_timestamps(map(attrgetter(attr), tail)))
        self._rows = rows

    def times(self, attr: str) -> list[float | None]:
        times = self._times.get(attr)
        if times is None:
            times = _timestamps(map(attrgetter(attr), self._rows))
            self._times[attr] = times
        return times

    def keys(self, field: SortField, now: datetime) -> list[Any]:
        rows = self._rows
        if field is SortField.STATUS:
            statuses = statuses_of(rows)
            return list(map(status_rank(statuses).__getitem__, statuses))
        if field in (
            SortField.USERNAME,
            SortField.COMPUTER_NAME,
            SortField.BACKUPSET_NAME,
            SortField.PARTNER,
        ):
            return [None if s is None else s.casefold() for s in map(attrgetter(field.value), rows)]
        if field in (SortField.LOCAL_START, SortField.LOCAL_END):
            return self.times(field.value)
        if field is SortField.DURATION:
            return [
                None if s is None or e is None else e - s
                for s, e in zip(self.times("local_start"), self.times("local_end"), strict=True)
            ]
        if field is SortField.AGE:
            now_ts = now.timestamp()
            return [None if e is None else now_ts - e for e in self.times("local_end")]
        if field in (SortField.ERRORS, SortField.WARNINGS):
            return list(map(attrgetter(field.value), rows))
        if field is SortField.CONDITION_TYPES:
            return [
                None if t is None else ", ".join(t).casefold()
                for t in map(attrgetter("condition_types"), rows)
            ]
        if field is SortField.ACKNOWLEDGED:
            return [None] * len(rows)  # filled in by RowIndex from its acknowledgements
        raise ValueError(f"unknown sort field: {field!r}")


def search_haystacks(
    rows: Iterable[BackupStatusRow], pause: Callable[[], None] = unpaced
) -> list[str]:
    """One case-folded string per row: "customer\\0computer\\0backup set", then "\\0partner"
    when the row has one (several partners watched; unknown values: empty). ``pause``: a paced
    worker's rest between slices of rows."""
    sep = _FIELD_SEPARATOR
    return [
        f"{user or ''}{sep}{computer or ''}{sep}{backup_set or ''}".casefold()
        if partner is None
        else f"{user or ''}{sep}{computer or ''}{sep}{backup_set or ''}{sep}{partner}".casefold()
        for user, computer, backup_set, partner in paced(map(_SEARCHED, rows), pause)
    ]


def statuses_of(rows: Iterable[BackupStatusRow]) -> list[str]:
    """Each row's status as views group it (``status.status_group``: never ``None``)."""
    unreadable = status_group(None)
    return [unreadable if s is None else s for s in map(attrgetter("condition_status"), rows)]


def normalise_query(text: str) -> str:
    """Stripped and case-folded; the field separator is dropped so a query stays in one field."""
    return text.replace(_FIELD_SEPARATOR, "").strip().casefold()


def and_masks(n: int, masks: Iterable[bytes | None]) -> bytes | None:
    """Element-wise AND of 0/1 byte masks (``None`` means "all rows"), done on big ints."""
    result: int | None = None
    for mask in masks:
        if mask is None:
            continue
        value = int.from_bytes(mask, "little")
        result = value if result is None else result & value
    return None if result is None else result.to_bytes(n, "little")


def mask_from_indices(n: int, indices: Iterable[int]) -> bytes:
    mask = bytearray(n)
    deque(map(mask.__setitem__, indices, repeat(1)), maxlen=0)
    return bytes(mask)


class SearchIndex:
    """The rows' haystacks and the masks of recent queries.

    A query that contains an earlier one (typing on) only rescans that one's matches; recent
    queries are cached, so deleting characters costs a dictionary lookup.
    """

    def __init__(
        self, rows: Iterable[BackupStatusRow], pause: Callable[[], None] = unpaced
    ) -> None:
        self.haystacks: list[str] = search_haystacks(rows, pause)
        self._cache: dict[str, tuple[list[int], bytes]] = {}

    def replace_tail(self, keep: int, rows: Iterable[BackupStatusRow]) -> None:
        """Rows from ``keep`` on are now ``rows``; cached queries are forgotten."""
        del self.haystacks[keep:]
        self.haystacks.extend(search_haystacks(rows))
        self._cache = {}

    def mask(self, query: str) -> bytes | None:
        """Mask of rows whose haystack contains ``query`` (normalised); ``None`` for no query."""
        if not query:
            return None
        cached = self._cache.get(query)
        if cached is not None:
            return cached[1]
        haystacks = self.haystacks
        n = len(haystacks)
        narrower = [hit for q, hit in self._cache.items() if q in query]
        if narrower:
            candidates = min((hit[0] for hit in narrower), key=len)
            matched = list(
                compress(
                    candidates,
                    map(contains, map(haystacks.__getitem__, candidates), repeat(query)),
                )
            )
            mask = mask_from_indices(n, matched)
        else:
            mask = bytes(map(contains, haystacks, repeat(query)))
            matched = list(compress(range(n), mask))
        if len(self._cache) >= _SEARCH_CACHE_SIZE:
            del self._cache[next(iter(self._cache))]
        self._cache[query] = (matched, mask)
        return mask


def key_lookup(
    rows: Sequence[BackupStatusRow], pause: Callable[[], None] = unpaced
) -> dict[RowKey, int]:
    """key -> row number, built ``KEY_CHUNK`` rows per C call with ``pause`` between."""
    lookup: dict[RowKey, int] = {}
    for start in range(0, len(rows), KEY_CHUNK):
        chunk = rows[start : start + KEY_CHUNK]
        lookup.update(zip(map(row_key, chunk), range(start, start + len(chunk)), strict=True))
        pause()
    return lookup


def worst_first(counts: Mapping[str, int], seen: Iterable[str]) -> dict[str, int]:
    """Counts per status, worst first: every documented status (possibly 0) and every status
    in ``seen`` (unknown ones verbatim)."""
    names = sorted(set(ConditionStatus) | set(seen), key=lambda s: (status_severity(s), s))
    return {s: counts.get(s, 0) for s in names}
