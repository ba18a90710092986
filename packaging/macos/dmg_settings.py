"""dmgbuild settings: a drag-to-Applications disk image of the .app bundle.

    dmgbuild -s packaging/macos/dmg_settings.py \
        -D app="dist/Backup Status Monitor.app" "Backup Status Monitor" dist/BackupStatusMonitor.dmg

dmgbuild runs this file with ``defines`` (the ``-D`` values) in its namespace; every other
name below is a dmgbuild setting.
"""

# ruff: noqa: F821  (``defines`` is injected by dmgbuild)
import os.path

application = defines.get("app", "dist/Backup Status Monitor.app")
appname = os.path.basename(application)

format = "UDZO"  # zlib-compressed, read-only: opens on every supported macOS
filesystem = "HFS+"
size = None  # computed from the contents

files = [application]
symlinks = {"Applications": "/Applications"}
badge_icon = None
icon_locations = {appname: (140, 120), "Applications": (500, 120)}

background = "builtin-arrow"
window_rect = ((200, 200), (640, 280))
default_view = "icon-view"
show_icon_preview = False
include_icon_view_settings = True
include_list_view_settings = False
arrange_by = None
icon_size = 128
text_size = 13
show_status_bar = False
show_tab_view = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
