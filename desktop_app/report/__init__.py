"""Qt-free report domain: rows, statuses, parsing, queries, diffs."""
