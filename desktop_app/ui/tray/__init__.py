"""The system tray icon: state, menu, change notifications, and its icon drawing."""
