"""Files the app writes: the CSV export, the customer summary, diagnostics."""
