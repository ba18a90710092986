"""The one error type for documents that cannot be read as a Backup Status Report."""

from __future__ import annotations


class ParseError(ValueError):
    """A malformed report document. The message says what is wrong and where.

    ``row`` is the 1-based row number and ``field`` the field name when the problem is inside a row.
    """

    def __init__(self, message: str, *, row: int | None = None, field: str | None = None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        full = f"{message} ({', '.join(where)})" if where else message
        super().__init__(full)
        self.row = row
        self.field = field
