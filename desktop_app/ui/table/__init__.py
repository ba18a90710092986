"""The report table: model, columns, the view, the status toggles."""
