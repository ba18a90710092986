"""Precomputed sort keys, search text and the filtered, sorted row index behind the report table.

Why this exists: sorting 100,000 rows through a ``QSortFilterProxyModel`` whose comparisons call
a Python ``data()`` took 19 s; sorting a list of row numbers by keys computed once takes tens of
milliseconds. Keeping the logic Qt-free makes it mypy-checked and testable without Qt; the Qt
model (``ui.table_model``) only adapts it.

Everything heavy runs as C-level iteration (``sorted`` with ``list.__getitem__`` keys, ``map``,
``itertools.compress``, ``bytes`` masks), never a Python-level loop per row.

Missing sets (in an earlier report, not in this one; known from the history) are extra rows
appended after the report's rows, each the set's last known row: source numbers
``>= report_size`` are missing rows. They sort with the others (their status ranks before every
real status: missing is the most serious problem), match searches, and are shown only while a
key filter lists them (the Missing / Needs attention toggles, a customer, a notification). The
"All" view is the current report, so its count is the sum of the status counts; no status
filter ever matches a missing row, and status counts never count one.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import compress, repeat
from operator import attrgetter, contains, is_not
from typing import TYPE_CHECKING, Any

from desktop_app.report.rows import BackupStatusRow, Report, RowKey
from desktop_app.report.status import ConditionStatus, status_group, status_severity

if TYPE_CHECKING:  # derived imports this module's neighbours: only the type is needed here
    from desktop_app.report.derived import StaleRule

_SEARCH_CACHE_SIZE = 16  # recent queries kept per load, so deleting characters is instant
_FEW_PERSISTENT = 8  # below this many lookups, scanning the index beats building the inverse
# The key lookup is built this many rows per C call: one dict(zip(...)) over 100k rows holds the
# GIL for 60-75 ms, freezing the GUI thread while a worker prepares the view; 8k rows take ~4 ms.
_KEY_CHUNK = 8_192


def _no_pause() -> None:
    """The pause of work that runs at full speed."""


# Keeps a query from matching across two fields; and, being the lowest character, makes a
# haystack sort exactly like the (customer, computer, backup set) tuple of its row.
_FIELD_SEPARATOR = "\0"
_INVERT_FLAGS = bytes.maketrans(b"\x00\x01", b"\x01\x00")
# The status of a missing row in the status list: never a report value, so no status filter or
# status count matches it.
_MISSING_STATUS = "\0missing"
_MISSING_RANK = -1  # sorts before the worst real status
_STALE_RANK_AFTER = 0.5  # a stale set sorts right after failures, before warnings (see set_stale)


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


class _KeyMaker:
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
        if field in (SortField.USERNAME, SortField.COMPUTER_NAME, SortField.BACKUPSET_NAME):
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


def compute_keys(rows: Sequence[BackupStatusRow], field: SortField, now: datetime) -> list[Any]:
    """One sort key per row for ``field``; ``None`` where the value is missing or unknown.

    Text keys are case-folded so "alice" and "Bob" sort as a person expects. Times are POSIX
    seconds (rows carry different UTC offsets; comparing floats is also faster). Age is seconds
    since the run ended, relative to ``now``. Status ranks worst first, then by name.
    """
    return _KeyMaker(rows).keys(field, now)


def search_haystacks(rows: Iterable[BackupStatusRow]) -> list[str]:
    """One case-folded string per row: "customer\\0computer\\0backup set" (unknown: empty)."""
    sep = _FIELD_SEPARATOR
    return [
        f"{r[1] or ''}{sep}{r[3] or ''}{sep}{r[4] or ''}".casefold()
        for r in rows  # by index: the fields are username, computer_name, backupset_name
    ]


def statuses_of(rows: Iterable[BackupStatusRow]) -> list[str]:
    """Each row's status as views group it (``status.status_group``: never ``None``)."""
    unreadable = status_group(None)
    return [unreadable if s is None else s for s in map(attrgetter("condition_status"), rows)]


def normalise_query(text: str) -> str:
    """Stripped and case-folded; the field separator is dropped so a query stays in one field."""
    return text.replace(_FIELD_SEPARATOR, "").strip().casefold()


def _and_masks(n: int, masks: Iterable[bytes | None]) -> bytes | None:
    """Element-wise AND of 0/1 byte masks (``None`` means "all rows"), done on big ints."""
    result: int | None = None
    for mask in masks:
        if mask is None:
            continue
        value = int.from_bytes(mask, "little")
        result = value if result is None else result & value
    return None if result is None else result.to_bytes(n, "little")


def _mask_from_indices(n: int, indices: Iterable[int]) -> bytes:
    mask = bytearray(n)
    deque(map(mask.__setitem__, indices, repeat(1)), maxlen=0)
    return bytes(mask)


class RowIndex:
    """The rows of one load, and which of them the view shows, in which order.

    State that survives :meth:`load`: the sort field and direction, the status filter, the search
    query and the key filter. State rebuilt per load: the rows, their statuses and search
    haystacks; sort keys per field (lazily, on first use); the key -> row dictionary (lazily).

    Sorting: a base order by (customer, computer, backup set) is computed once per load; a field
    sort is a stable sort of that base order, so ties stay in that secondary order in both
    directions. Rows with no value (no end time, no duration) go last in both directions.

    ``index[view_row]`` is the source row number; ``len(index)`` is the number of rows shown.
    """

    def __init__(self, spec: ViewSpec | None = None) -> None:
        spec = spec if spec is not None else ViewSpec()
        self._sort_field: SortField | None = spec.sort_field
        self._descending = spec.descending
        self._status_filter: frozenset[str] | None = spec.status_filter or None
        self._query = normalise_query(spec.query)
        self._key_filter: frozenset[RowKey] | None = spec.key_filter
        self._stale_keys: frozenset[RowKey] = frozenset()
        self._acknowledged: Mapping[RowKey, float] = {}
        # Aware UTC: Windows' localtime() fails for instants near 0 (OSError 22).
        self.load((), datetime.fromtimestamp(0, UTC))

    @property
    def spec(self) -> ViewSpec:
        """The sort and filters in effect, to build another view the same way."""
        return ViewSpec(
            self._sort_field, self._descending, self._status_filter, self._query, self._key_filter
        )

    def apply(self, spec: ViewSpec) -> bool:
        """Take over another view's sort and filters; returns whether anything changed."""
        changed = self.set_status_filter(spec.status_filter)
        changed = self.set_search_text(spec.query) or changed
        changed = self.set_key_filter(spec.key_filter) or changed
        if (spec.sort_field, spec.descending) != (self._sort_field, self._descending):
            self.sort(spec.sort_field, spec.descending)
            changed = True
        return changed

    def warm(self, pause: Callable[[], None] = _no_pause) -> None:
        """Compute now what the GUI would otherwise compute lazily on first use: the key
        lookup, the status counts and the source -> view inverse (selection restore uses them).
        Meant for a worker thread, before the GUI adopts this index; ``pause`` (a paced
        worker's rest) is called between chunks of the key lookup."""
        self._key_index(pause)
        self._stale_source_set()
        self.latest_report_date()
        self.status_counts()
        if self._index:
            self.view_row_of_source(self._index[0])

    # --- loading -------------------------------------------------------------------------
    def load(
        self,
        rows: Iterable[BackupStatusRow],
        now: datetime,
        missing: Iterable[BackupStatusRow] = (),
    ) -> None:
        """Replace the rows; keeps sort and filters, recomputes the view.

        ``missing``: the last known rows of the missing sets (see module docstring); any whose
        key is in ``rows`` is dropped (the set is back).
        """
        self._rows: tuple[BackupStatusRow, ...] = tuple(rows)
        self._report_size = len(self._rows)
        self._missing_rows: tuple[BackupStatusRow, ...] = ()
        self._now = now
        self._statuses: list[str] = statuses_of(self._rows)
        self._all_counts: Counter[str] = Counter(self._statuses)
        self._haystacks: list[str] = search_haystacks(self._rows)
        self._key_maker = _KeyMaker(self._rows)
        self._keys: dict[SortField, list[Any]] = {}
        self._has_none: dict[SortField, bool] = {}
        self._base: list[int] | None = None
        self._key_to_source: dict[RowKey, int] | None = None
        self._stale_sources: frozenset[int] | None = None
        self._latest_date: tuple[datetime | None] | None = None
        missing = tuple(missing)
        if missing:
            self._replace_missing(self.absent_from_report(missing))
        self._refilter()

    def _refilter(self) -> None:
        """Recompute every mask, the order and the view (after the rows changed)."""
        self._search_cache: dict[str, tuple[list[int], bytes]] = {}
        self._counts: dict[str, int] | None = None
        self._search_mask = self._search(self._query)
        self._key_mask = self._keys_mask(self._key_filter)
        self._status_mask = self._statuses_mask(self._status_filter)
        self._order = self._sorted_order()
        self._apply_filters()

    # --- missing rows ----------------------------------------------------------------------
    @property
    def report_size(self) -> int:
        """How many rows the report has; sources from here on are missing rows."""
        return self._report_size

    @property
    def missing_rows(self) -> tuple[BackupStatusRow, ...]:
        """The missing rows held (sources ``report_size`` onwards, in this order)."""
        return self._missing_rows

    def is_missing(self, source: int) -> bool:
        return source >= self._report_size

    def set_missing(self, missing: Iterable[BackupStatusRow]) -> bool:
        """Replace the missing rows (see :meth:`load`); returns whether anything changed.

        Cost: the report's cached keys, base order and key lookup are kept; the sort runs
        again over keys already computed (as fast as clicking a column header).
        """
        wanted = self.absent_from_report(tuple(missing))
        if wanted == self._missing_rows:
            return False
        self._replace_missing(wanted)
        self._refilter()
        return True

    def absent_from_report(
        self, missing: tuple[BackupStatusRow, ...]
    ) -> tuple[BackupStatusRow, ...]:
        """``missing`` without the sets the report holds (and without repeated keys)."""
        lookup = self._key_index()
        n = self._report_size
        kept: dict[RowKey, BackupStatusRow] = {}
        for row in missing:
            key = row.key
            source = lookup.get(key)
            if (source is None or source >= n) and key not in kept:
                kept[key] = row
        return tuple(kept.values())

    def _replace_missing(self, missing: tuple[BackupStatusRow, ...]) -> None:
        """Swap the rows after the report's for ``missing``, patching every cache."""
        n = self._report_size
        old = self._missing_rows
        self._missing_rows = missing
        self._rows = self._rows[:n] + missing
        del self._statuses[n:]
        self._statuses.extend(repeat(_MISSING_STATUS, len(missing)))
        del self._haystacks[n:]
        self._haystacks.extend(search_haystacks(missing))
        self._key_maker.replace_tail(n, self._rows)
        tail_keys = _KeyMaker(missing)
        for field, keys in list(self._keys.items()):
            if field in (SortField.STATUS, SortField.ACKNOWLEDGED):
                del self._keys[field]  # recomputed over the new rows (ranks, acknowledgements)
                continue
            del keys[n:]
            keys.extend(tail_keys.keys(field, self._now))
        self._has_none.clear()
        if self._base is not None:
            haystack = self._haystacks.__getitem__
            base = list(compress(self._base, map(n.__gt__, self._base)))
            # Two sorted runs: the stable sort merges them in linear time.
            base.extend(sorted(range(n, n + len(missing)), key=haystack))
            base.sort(key=haystack)
            self._base = base
        lookup = self._key_to_source
        if lookup is not None:
            for row in old:
                lookup.pop(row.key, None)
            sources = range(n, len(self._rows))
            lookup.update(zip(map(attrgetter("key"), missing), sources, strict=True))

    # --- stale sets ---------------------------------------------------------------------------
    def set_stale(self, keys: Iterable[RowKey]) -> bool:
        """The sets judged stale (see ``report.derived``); returns whether anything changed.

        They are shown as "Stale" wherever a status is, so sorting by status must put them
        where that word belongs: after failures, before warnings (a failing set stays a failure:
        failing outranks stale). Kept across loads; the next report's derived states replace it.
        """
        wanted = frozenset(keys)
        if wanted == self._stale_keys:
            return False
        self._stale_keys = wanted
        self._stale_sources = None
        self._forget_keys(SortField.STATUS)
        return True

    def set_acknowledged(self, when: Mapping[RowKey, float]) -> bool:
        """The acknowledged sets and when (POSIX seconds), for sorting by Acknowledged; kept
        across loads like the stale sets. Returns whether anything changed."""
        if when == self._acknowledged:
            return False
        self._acknowledged = dict(when)
        self._forget_keys(SortField.ACKNOWLEDGED)
        return True

    def _forget_keys(self, field: SortField) -> None:
        """``field``'s keys changed from outside the rows: recompute them (and re-sort when the
        view is sorted by that field)."""
        self._has_none.pop(field, None)
        if self._keys.pop(field, None) is not None and self._sort_field is field:
            self._order = self._sorted_order()
            self._apply_filters()

    def latest_report_date(self) -> datetime | None:
        """The newest ``report_date`` of the report's rows (each row carries its own): the
        report's date as the status bar shows it. Computed once per load."""
        if self._latest_date is None:
            dates = map(attrgetter("report_date"), self._rows[: self._report_size])
            self._latest_date = (max((d for d in dates if d is not None), default=None),)
        return self._latest_date[0]

    @property
    def stale_keys(self) -> frozenset[RowKey]:
        return self._stale_keys

    def is_stale(self, source: int) -> bool:
        """Whether the row at ``source`` reads "Stale" (stale, reported, and not failing)."""
        return source in self._stale_source_set()

    def _stale_source_set(self) -> frozenset[int]:
        if self._stale_sources is None:
            lookup, n, failure = self._key_index(), self._report_size, ConditionStatus.FAILURE
            found = (lookup.get(k) for k in self._stale_keys)
            self._stale_sources = frozenset(
                s for s in found if s is not None and s < n and self._statuses[s] != failure
            )
        return self._stale_sources

    def refresh_now(self, now: datetime) -> None:
        """Move the clock that ages are measured from; the order by age does not change."""
        self._now = now
        self._keys.pop(SortField.AGE, None)

    @property
    def rows(self) -> tuple[BackupStatusRow, ...]:
        return self._rows

    @property
    def now(self) -> datetime:
        return self._now

    @property
    def index(self) -> Sequence[int]:
        """Source row numbers in view order (do not mutate)."""
        return self._index

    # --- sorting -------------------------------------------------------------------------
    @property
    def sort_field(self) -> SortField | None:
        return self._sort_field

    @property
    def descending(self) -> bool:
        return self._descending

    def sort(self, field: SortField | None, descending: bool = False) -> None:
        """Sort by ``field`` (``None``: the report's own order)."""
        self._sort_field = field
        self._descending = descending
        self._order = self._sorted_order()
        self._apply_filters()

    def keys(self, field: SortField) -> list[Any]:
        """The cached sort keys of ``field``, one per source row."""
        keys = self._keys.get(field)
        if keys is None:
            if field is SortField.STATUS:
                rank: dict[str, float] = dict(status_rank(self._all_counts))
                rank[_MISSING_STATUS] = _MISSING_RANK
                keys = list(map(rank.__getitem__, self._statuses))
                stale_rank = rank.get(ConditionStatus.FAILURE, -1) + _STALE_RANK_AFTER
                for source in self._stale_source_set():
                    keys[source] = stale_rank
            elif field is SortField.ACKNOWLEDGED:
                keys = [None] * len(self._rows)
                lookup = self._key_index()
                for key, when in self._acknowledged.items():
                    found = lookup.get(key)
                    if found is not None:
                        keys[found] = when
            else:
                keys = self._key_maker.keys(field, self._now)
            self._keys[field] = keys
        return keys

    def _base_order(self) -> list[int]:
        if self._base is None:
            # The haystacks sort like (customer, computer, backup set) tuples, 3x faster.
            self._base = sorted(range(len(self._rows)), key=self._haystacks.__getitem__)
        return self._base

    def _sorted_order(self) -> Sequence[int]:
        field = self._sort_field
        if field is None:
            return range(len(self._rows))
        keys = self.keys(field)
        base = self._base_order()
        if field not in self._has_none:
            self._has_none[field] = None in keys
        if not self._has_none[field]:
            return sorted(base, key=keys.__getitem__, reverse=self._descending)
        present_flags = bytes(map(is_not, map(keys.__getitem__, base), repeat(None)))
        present = list(compress(base, present_flags))
        missing = list(compress(base, present_flags.translate(_INVERT_FLAGS)))
        present.sort(key=keys.__getitem__, reverse=self._descending)
        return present + missing

    # --- filtering -----------------------------------------------------------------------
    @property
    def status_filter(self) -> frozenset[str] | None:
        return self._status_filter

    @property
    def search_text(self) -> str:
        """The normalised (stripped, case-folded) query in effect."""
        return self._query

    @property
    def key_filter(self) -> frozenset[RowKey] | None:
        return self._key_filter

    def set_status_filter(self, statuses: Iterable[str] | None) -> bool:
        """Show only these statuses (``None`` or empty: all). Returns whether anything changed."""
        wanted = frozenset(statuses) if statuses else None
        if wanted == self._status_filter:
            return False
        self._status_filter = wanted
        self._status_mask = self._statuses_mask(wanted)
        self._apply_filters()
        return True

    def set_search_text(self, text: str) -> bool:
        """Case-insensitive substring search of customer, computer and backup set names."""
        query = normalise_query(text)
        if query == self._query:
            return False
        self._query = query
        self._counts = None
        self._search_mask = self._search(query)
        self._apply_filters()
        return True

    def set_key_filter(self, keys: Iterable[RowKey] | None) -> bool:
        """Show only rows with these keys (``None``: no key filter; an empty set shows none)."""
        wanted = None if keys is None else frozenset(keys)
        if wanted == self._key_filter:
            return False
        self._key_filter = wanted
        self._counts = None
        self._key_mask = self._keys_mask(wanted)
        self._apply_filters()
        return True

    def _statuses_mask(self, wanted: frozenset[str] | None) -> bytes | None:
        if wanted is None:
            return None
        if wanted.issuperset(self._all_counts) and not self._missing_rows:
            return None
        return bytes(map(wanted.__contains__, self._statuses))

    def _missing_hidden_mask(self) -> bytes | None:
        """Hides the missing rows unless a key filter decides (see module docstring)."""
        m = len(self._missing_rows)
        if not m or self._key_filter is not None:
            return None
        return b"\x01" * self._report_size + b"\x00" * m

    def _keys_mask(self, wanted: frozenset[RowKey] | None) -> bytes | None:
        if wanted is None:
            return None
        lookup = self._key_index()
        found = (lookup.get(k) for k in wanted)
        return _mask_from_indices(len(self._rows), (i for i in found if i is not None))

    def _search(self, query: str) -> bytes | None:
        """Mask of rows whose haystack contains ``query``.

        A query that contains an earlier one (typing on) only rescans that one's matches;
        recent queries are cached, so deleting characters costs a dictionary lookup.
        """
        if not query:
            return None
        cached = self._search_cache.get(query)
        if cached is not None:
            return cached[1]
        n = len(self._rows)
        haystacks = self._haystacks
        narrower = [hit for q, hit in self._search_cache.items() if q in query]
        if narrower:
            candidates = min((hit[0] for hit in narrower), key=len)
            matched = list(
                compress(
                    candidates,
                    map(contains, map(haystacks.__getitem__, candidates), repeat(query)),
                )
            )
            mask = _mask_from_indices(n, matched)
        else:
            mask = bytes(map(contains, haystacks, repeat(query)))
            matched = list(compress(range(n), mask))
        if len(self._search_cache) >= _SEARCH_CACHE_SIZE:
            del self._search_cache[next(iter(self._search_cache))]
        self._search_cache[query] = (matched, mask)
        return mask

    def _apply_filters(self) -> None:
        n = len(self._rows)
        masks = (self._status_mask, self._search_mask, self._key_mask, self._missing_hidden_mask())
        mask = _and_masks(n, masks)
        self._mask = mask
        order = self._order
        if mask is None:
            self._index: Sequence[int] = order
        elif isinstance(order, range):
            self._index = list(compress(order, mask))
        else:
            self._index = list(compress(order, map(mask.__getitem__, order)))
        self._inverse: array[int] | None = None

    # --- counts and lookups ----------------------------------------------------------------
    def status_counts(self) -> dict[str, int]:
        """Rows per status among those matching the search and key filter (not the status
        filter), so status toggles can show what they would show. Documented statuses are
        always present (possibly 0); unknown ones appear verbatim when the load holds them.
        Ordered worst first."""
        if self._counts is None:
            mask = _and_masks(len(self._rows), (self._search_mask, self._key_mask))
            if mask is None:
                counts = self._all_counts
            else:
                counts = Counter(compress(self._statuses, mask))
                counts.pop(_MISSING_STATUS, None)
            names = sorted(
                set(ConditionStatus) | set(self._all_counts), key=lambda s: (status_severity(s), s)
            )
            self._counts = {s: counts.get(s, 0) for s in names}
        return dict(self._counts)

    def _key_index(self, pause: Callable[[], None] = _no_pause) -> dict[RowKey, int]:
        if self._key_to_source is None:
            rows = self._rows
            key_of = attrgetter("username", "computer_id", "backupset_name")
            lookup: dict[RowKey, int] = {}
            for start in range(0, len(rows), _KEY_CHUNK):
                chunk = rows[start : start + _KEY_CHUNK]
                sources = range(start, start + len(chunk))
                lookup.update(zip(map(key_of, chunk), sources, strict=True))
                pause()
            self._key_to_source = lookup
        return self._key_to_source

    def source_of_key(self, key: RowKey) -> int | None:
        return self._key_index().get(key)

    def is_shown(self, source: int) -> bool:
        return self._mask is None or bool(self._mask[source])

    def view_row_of_source(self, source: int) -> int | None:
        """Where a source row is in the view, or ``None`` when filtered out. O(1) amortised."""
        if not self.is_shown(source):
            return None
        if isinstance(self._index, range):
            return source
        if self._inverse is None:
            inverse = array("l", [-1]) * len(self._rows)
            deque(map(inverse.__setitem__, self._index, range(len(self._index))), maxlen=0)
            self._inverse = inverse
        return self._inverse[source]

    def view_rows_of_sources(self, sources: Sequence[int]) -> list[int | None]:
        """Batch form of :meth:`view_row_of_source`; avoids building the inverse for a few."""
        if self._inverse is None and len(sources) <= _FEW_PERSISTENT:
            index = self._index
            return [index.index(s) if self.is_shown(s) else None for s in sources]
        return [self.view_row_of_source(s) for s in sources]

    def view_row_of_key(self, key: RowKey) -> int | None:
        source = self.source_of_key(key)
        return None if source is None else self.view_row_of_source(source)

    def missing_shown(self) -> int:
        """How many of the shown rows are missing rows."""
        m = len(self._missing_rows)
        if not m:
            return 0
        mask = self._mask
        return m if mask is None else mask.count(1, self._report_size)


def prepare_view(
    rows: Iterable[BackupStatusRow],
    now: datetime,
    spec: ViewSpec,
    missing: Iterable[BackupStatusRow] = (),
    stale: Iterable[RowKey] = (),
    acknowledged: Mapping[RowKey, float] | None = None,
) -> RowIndex:
    """A loaded, sorted, filtered and warmed index: all the per-row work of showing a report.

    ``stale`` and ``acknowledged`` (see ``RowIndex.set_stale``/``set_acknowledged``) are taken
    in before the rows, so sorting by Status or Acknowledged happens here, off the GUI thread.
    """
    index = RowIndex(spec)
    index.set_stale(stale)
    index.set_acknowledged(acknowledged or {})
    index.load(rows, now, missing)
    index.warm()
    return index


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """A report with its view already built, so the GUI thread only swaps it in."""

    report: Report
    view: RowIndex


class ViewPreparer:
    """Turns a fetched ``Report`` into a ``PreparedReport`` on the fetch worker thread.

    ``spec`` is set by the GUI thread whenever the user sorts or filters; the worker reads it
    once per report. If the user changes the view while a fetch runs, the GUI re-applies its
    newer spec when it adopts the result (rare, and no worse than preparing on the GUI thread).
    ``missing`` (the last known rows of the missing sets, also set by the GUI thread) is
    appended the same way, so a refresh that changes no missing set costs the GUI nothing; the
    ``stale`` and ``acknowledged`` sets are taken in the same way, for the sort.
    """

    def __init__(self, clock: Callable[[], datetime], spec: ViewSpec | None = None) -> None:
        self._clock = clock
        self.spec = spec if spec is not None else ViewSpec()
        self.missing: tuple[BackupStatusRow, ...] = ()
        self.stale: frozenset[RowKey] = frozenset()
        self.acknowledged: Mapping[RowKey, float] = {}
        self.rule: StaleRule | None = None

    def __call__(self, result: object) -> object:
        """Anything but a ``Report`` passes through unchanged.

        With a ``rule`` the new rows' stale sets are judged here, at the view's own clock
        reading: the same judgement the derived states make from that reading (``derive``),
        so the report arrives already sorted as it will be shown.
        """
        if not isinstance(result, Report):
            return result
        now = self._clock()
        stale = self.rule.stale_keys(result.rows, now) if self.rule is not None else self.stale
        view = prepare_view(result.rows, now, self.spec, self.missing, stale, self.acknowledged)
        return PreparedReport(result, view)
