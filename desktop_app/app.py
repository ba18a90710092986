"""Composition root: builds the objects and wires their signals; nothing else lives here."""
