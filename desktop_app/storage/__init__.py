"""Qt-free storage package."""
