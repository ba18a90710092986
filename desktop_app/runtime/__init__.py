"""Qt-free process concerns of a GUI app: pacing background work, the GC policy."""
