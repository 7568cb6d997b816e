#!/bin/sh
# Remove what install.sh added (your library and settings stay in place).
set -eu
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
rm -f "$DATA/applications/harvest-desktop.desktop" "$HOME/.local/bin/harvest-desktop" "$HOME/.local/bin/harvest"
find "$DATA/icons/hicolor" -name 'harvest-desktop.*' -delete 2>/dev/null || true
echo "Harvest's menu entry, icons and links removed; delete this folder to remove the app."
