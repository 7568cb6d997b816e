#!/bin/sh
# Install Harvest for the current user: menu entry, icons and `harvest` / `harvest-desktop` on PATH.
# Run from the unpacked folder: ./install.sh   (the folder stays where it is; move it first if you like)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
BIN=$HOME/.local/bin
mkdir -p "$DATA/applications" "$BIN"
cp -R "$HERE/share/icons" "$DATA/"
sed "s|^Exec=harvest-desktop|Exec=\"$HERE/harvest-desktop\"|; s|^TryExec=harvest-desktop|TryExec=$HERE/harvest-desktop|" \
    "$HERE/share/applications/harvest-desktop.desktop" > "$DATA/applications/harvest-desktop.desktop"
ln -sf "$HERE/harvest-desktop" "$BIN/harvest-desktop"
ln -sf "$HERE/harvest" "$BIN/harvest"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$DATA/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
echo "Harvest installed: menu entry, icons, and $BIN/harvest-desktop, $BIN/harvest"
