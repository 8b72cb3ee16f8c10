# Source me: sets up a throwaway QGIS profile with this repo's plugin enabled, and defines qgis_process_wbe.
# The repository root is the plugin folder; QGIS finds it as `wbe_surveillance` in a plugins folder that holds
# one link to the root (scripts/plugin_link.py). The Debian wrapper /usr/bin/qgis_process passes
# --noversioncheck, which 3.22 rejects: call the .bin.
_wbe_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QT_QPA_PLATFORM=offscreen
QGIS_PLUGINPATH="$(/usr/bin/python3 "$_wbe_repo/scripts/plugin_link.py")"
export QGIS_PLUGINPATH
export QGIS_CUSTOM_CONFIG_PATH="${QGIS_CUSTOM_CONFIG_PATH:-$(mktemp -d /tmp/wbe-qgis-profile.XXXXXX)}"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="$(mktemp -d /tmp/wbe-xdg.XXXXXX)"
  chmod 700 "$XDG_RUNTIME_DIR"
fi
/usr/bin/qgis_process.bin plugins enable wbe_surveillance >/dev/null 2>&1 || true
qgis_process_wbe() { /usr/bin/qgis_process.bin "$@"; }
