"""Qt-free export package."""
