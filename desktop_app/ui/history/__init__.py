"""The history service: recording each report, the one acknowledgement store, the derived
states and the history health."""
