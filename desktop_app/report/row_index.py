"""The filtered, sorted row index behind the report table.

Why this exists: sorting 100,000 rows through a ``QSortFilterProxyModel`` whose comparisons call
a Python ``data()`` took 19 s; sorting a list of row numbers by keys computed once takes tens of
milliseconds (``report.sort_keys``). Keeping the logic Qt-free makes it mypy-checked and testable
without Qt; the Qt model (``ui.table.model``) only adapts it.

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
from datetime import UTC, datetime
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import Any

from desktop_app.report.rows import BackupStatusRow, RowKey, row_key
from desktop_app.report.sort_keys import (
    KeyMaker,
    SearchIndex,
    SortField,
    ViewSpec,
    and_masks,
    key_lookup,
    mask_from_indices,
    normalise_query,
    status_rank,
    statuses_of,
    worst_first,
)
from desktop_app.report.status import ConditionStatus
from desktop_app.runtime.pacing import unpaced

__all__ = ["RowIndex"]

_FEW_PERSISTENT = 8  # below this many lookups, scanning the index beats building the inverse
_INVERT_FLAGS = bytes.maketrans(b"\x00\x01", b"\x01\x00")
# The status of a missing row in the status list: never a report value, so no status filter or
# status count matches it.
_MISSING_STATUS = "\0missing"
_MISSING_RANK = -1  # sorts before the worst real status
_STALE_RANK_AFTER = 0.5  # a stale set sorts right after failures, before warnings (see set_stale)


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

    def warm(self, pause: Callable[[], None] = unpaced) -> None:
        """Compute now what the GUI would otherwise compute lazily on first use: the key
        lookup, the status counts and the source -> view inverse (selection restore uses them).
        Meant for a worker thread, before the GUI adopts this index; ``pause`` (a paced
        worker's rest) is called between chunks of the key lookup."""
        self._key_index(pause)
        self._stale_source_set()
        self.latest_report_date()
        self.status_counts()
        pause()
        if self._index:
            self.view_row_of_source(self._index[0])

    # --- loading -------------------------------------------------------------------------
    def load(
        self,
        rows: Iterable[BackupStatusRow],
        now: datetime,
        missing: Iterable[BackupStatusRow] = (),
        pause: Callable[[], None] = unpaced,
    ) -> None:
        """Replace the rows; keeps sort and filters, recomputes the view.

        ``missing``: the last known rows of the missing sets (see module docstring); any whose
        key is in ``rows`` is dropped (the set is back). ``pause`` (a paced worker's rest) is
        called between the steps, each a few to a few tens of milliseconds at 100k rows.
        """
        self._rows: tuple[BackupStatusRow, ...] = tuple(rows)
        self._report_size = len(self._rows)
        self._missing_rows: tuple[BackupStatusRow, ...] = ()
        self._now = now
        self._statuses: list[str] = statuses_of(self._rows)
        self._all_counts: Counter[str] = Counter(self._statuses)
        self._search_index = SearchIndex(self._rows, pause)
        pause()
        self._key_maker = KeyMaker(self._rows)
        self._keys: dict[SortField, list[Any]] = {}
        self._has_none: dict[SortField, bool] = {}
        self._base: list[int] | None = None
        self._key_to_source: dict[RowKey, int] | None = None
        self._stale_sources: frozenset[int] | None = None
        self._latest_date: tuple[datetime | None] | None = None
        missing = tuple(missing)
        if missing:
            self._key_index(pause)
            self._replace_missing(self.absent_from_report(missing))
        pause()
        self._refilter()

    def _refilter(self) -> None:
        """Recompute every mask, the order and the view (after the rows changed)."""
        self._counts: dict[str, int] | None = None
        self._search_mask = self._search_index.mask(self._query)
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
            key = row_key(row)
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
        self._search_index.replace_tail(n, missing)
        self._key_maker.replace_tail(n, self._rows)
        tail_keys = KeyMaker(missing)
        for field, keys in list(self._keys.items()):
            if field in (SortField.STATUS, SortField.ACKNOWLEDGED):
                del self._keys[field]  # recomputed over the new rows (ranks, acknowledgements)
                continue
            del keys[n:]
            keys.extend(tail_keys.keys(field, self._now))
        self._has_none.clear()
        if self._base is not None:
            haystack = self._search_index.haystacks.__getitem__
            base = list(compress(self._base, map(n.__gt__, self._base)))
            # Two sorted runs: the stable sort merges them in linear time.
            base.extend(sorted(range(n, n + len(missing)), key=haystack))
            base.sort(key=haystack)
            self._base = base
        lookup = self._key_to_source
        if lookup is not None:
            for row in old:
                lookup.pop(row_key(row), None)
            sources = range(n, len(self._rows))
            lookup.update(zip(map(row_key, missing), sources, strict=True))

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
            haystacks = self._search_index.haystacks
            self._base = sorted(range(len(self._rows)), key=haystacks.__getitem__)
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
        self._search_mask = self._search_index.mask(query)
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
        return mask_from_indices(len(self._rows), (i for i in found if i is not None))

    def _apply_filters(self) -> None:
        n = len(self._rows)
        masks = (self._status_mask, self._search_mask, self._key_mask, self._missing_hidden_mask())
        mask = and_masks(n, masks)
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
            mask = and_masks(len(self._rows), (self._search_mask, self._key_mask))
            if mask is None:
                counts = self._all_counts
            else:
                counts = Counter(compress(self._statuses, mask))
                counts.pop(_MISSING_STATUS, None)
            self._counts = worst_first(counts, self._all_counts)
        return dict(self._counts)

    def _key_index(self, pause: Callable[[], None] = unpaced) -> dict[RowKey, int]:
        if self._key_to_source is None:
            self._key_to_source = key_lookup(self._rows, pause)
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
