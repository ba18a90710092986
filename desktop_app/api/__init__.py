"""Qt-free api package."""
