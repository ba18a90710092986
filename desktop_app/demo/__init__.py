"""Qt-free demo package."""
