"""Getting reports: the fetcher, the refresh controller, auto-refresh, the restored last report."""
