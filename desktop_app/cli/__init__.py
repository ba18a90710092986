"""Headless command-line commands (no Qt)."""
