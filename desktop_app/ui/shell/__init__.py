"""The window's frame and the process around it: main window, banner, quitting, single
instance, about, macOS glue."""
