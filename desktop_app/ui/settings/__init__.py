"""The settings dialog, its controller, and the QSettings adapter."""
