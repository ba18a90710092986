"""What needs attention: problem toggles, customer sidebar, stale thresholds, read problems, and
the row actions."""
