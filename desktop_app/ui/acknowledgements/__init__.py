"""Acknowledging problems (the Ctrl+K dialog) and managing acknowledgements (list, remove)."""
