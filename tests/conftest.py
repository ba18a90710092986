"""Test-wide settings: Qt runs offscreen, and nothing reaches beyond loopback."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
