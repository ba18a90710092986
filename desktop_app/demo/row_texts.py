"""The demo server's serialised reports: one partner's bodies cached per query for one tick
of its data, and each row's serialised form kept until the row changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from desktop_app.demo.wire import CONTENT_TYPES
from desktop_app.report.rows import BackupStatusRow, Link
from desktop_app.report.serialize import rows_to_json_bytes, rows_to_xml_bytes

__all__ = ["SERIALIZE_CHUNK", "Feed", "RowTexts"]

SERIALIZE_CHUNK = 64  # rows per serializer call (about 0.5 ms), with a pause between


class Feed:
    """One partner's serialised reports: cached per query for one tick of its data."""

    def __init__(self) -> None:
        self.cache: dict[tuple[object, ...], bytes] = {}
        self.tick: tuple[int, ...] = ()
        self.row_texts = {fmt: RowTexts(fmt) for fmt in CONTENT_TYPES}


class RowTexts:
    """Each row's serialized form (JSON object or ``<backup_status>`` element), by row object.

    ``body`` gives the same bytes as one ``rows_to_json_bytes``/``rows_to_xml_bytes`` call over
    the rows: rows seen before are reused, new ones are serialized in ``SERIALIZE_CHUNK``
    batches, each batch as a document of its own that is cut into its rows. The cuts follow the
    serializer exactly: the envelope's length comes from an empty document, and rows are split
    where one ends and the next begins (``},{"report_date":``, ``</backup_status>``), a
    sequence escaped text cannot contain. Entries are keyed by ``id(row)`` and hold the row, so
    an id is never reused while its entry exists. Not thread-safe (the data lock serialises).
    """

    def __init__(self, fmt: str) -> None:
        self._json = fmt == "json"
        self._write = rows_to_json_bytes if self._json else rows_to_xml_bytes
        self._tail = b"]}" if self._json else b"</list>\n"
        empty = self._write((), page=1, page_size=0, count=0, links=())
        self._batch_head = len(empty) - len(self._tail)
        self._texts: dict[int, tuple[BackupStatusRow, bytes]] = {}

    def body(
        self,
        rows: Sequence[BackupStatusRow],
        links: list[Link],
        pause: Callable[[], None],
    ) -> bytes:
        count = len(rows)
        head = self._write((), page=1, page_size=count, count=count, links=links)
        head = head[: len(head) - len(self._tail)]
        known = self._texts
        pieces: list[bytes] = []
        new: list[tuple[int, BackupStatusRow]] = []
        for i, row in enumerate(rows):
            hit = known.get(id(row))
            if hit is not None and hit[0] is row:
                pieces.append(hit[1])
            else:
                pieces.append(b"")
                new.append((i, row))
            if not i % SERIALIZE_CHUNK:
                pause()
        for start in range(0, len(new), SERIALIZE_CHUNK):
            batch = new[start : start + SERIALIZE_CHUNK]
            texts = self._split([row for _, row in batch])
            for (i, row), text in zip(batch, texts, strict=True):
                pieces[i] = text
                known[id(row)] = (row, text)
            pause()
        if len(known) > 2 * count + SERIALIZE_CHUNK:  # forget rows that changed since
            self._texts = {id(row): (row, text) for row, text in zip(rows, pieces, strict=True)}
        return b"".join((head, (b"," if self._json else b"").join(pieces), self._tail))

    def _split(self, rows: list[BackupStatusRow]) -> list[bytes]:
        whole = self._write(rows, page=1, page_size=0, count=0, links=())
        inner = whole[self._batch_head : len(whole) - len(self._tail)]
        if self._json:
            cut = b'},{"report_date":'
            parts = inner.split(cut)
            texts = [b'{"report_date":' + part + b"}" for part in parts]
            texts[0] = texts[0][len(b'{"report_date":') :]
            texts[-1] = texts[-1][:-1]
        else:
            cut = b"</backup_status>"
            texts = [part + cut for part in inner.split(cut)[:-1]]
        if len(texts) != len(rows):  # the serializer changed its layout: fail loudly
            raise RuntimeError("could not split serialized rows")
        return texts
