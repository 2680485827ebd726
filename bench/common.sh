# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run).

# set_access_log CONFIG on|off: warden's access log in a rendered warden.toml. "off" adds
# `access_log = false` under [gateway], as nginx and haproxy run here (`access_log off`, no log
# section); "on" leaves warden's default (a line per request), which any build accepts.
set_access_log() {
  case "$2" in
    on) ;;
    off) sed -i 's/^\[gateway\]$/[gateway]\naccess_log = false/' "$1" ;;
    *) echo "access log setting must be on or off, not '$2'" >&2; exit 2 ;;
  esac
}
