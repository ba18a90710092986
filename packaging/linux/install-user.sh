#!/bin/sh
# Per-user install of this one-folder bundle (no root): run it from inside the unpacked bundle.
# Copies the bundle to ~/.local/lib/backup-status-monitor, links ~/.local/bin/backup-status,
# and installs the desktop entry and icon. Uninstall: ./install-user.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
target="$HOME/.local/lib/backup-status-monitor"
bin="$HOME/.local/bin"
apps="$data/applications"
icons="$data/icons/hicolor"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$target"
    rm -f "$bin/backup-status" "$apps/backup-status-monitor.desktop" \
        "$icons/256x256/apps/backup-status-monitor.png" \
        "$icons/scalable/apps/backup-status-monitor.svg"
    echo "Backup Status Monitor removed (settings and keyring entries are kept)."
    exit 0
fi

if [ "$here" != "$target" ]; then
    rm -rf "$target"
    mkdir -p "$(dirname "$target")"
    cp -a "$here" "$target"
fi
mkdir -p "$bin" "$apps" "$icons/256x256/apps" "$icons/scalable/apps"
ln -sf "$target/backup-status" "$bin/backup-status"
sed "s|^Exec=.*|Exec=\"$target/backup-status\"|; s|^TryExec=.*|TryExec=$target/backup-status|" \
    "$target/backup-status-monitor.desktop" >"$apps/backup-status-monitor.desktop"
cp "$target/backup-status-monitor.png" "$icons/256x256/apps/"
cp "$target/backup-status-monitor.svg" "$icons/scalable/apps/"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "Installed to $target; start it from your menu or run: backup-status"
