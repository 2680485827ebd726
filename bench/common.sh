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

# use_tls_upstream TMP TLS_PORT UPSTREAM_PORT: the upstream nginx also serves HTTPS on TLS_PORT
# (a certificate for localhost and 127.0.0.1 from a CA made here, in TMP/tls), and every proxy's
# rendered config sends to it instead, verifying it, as a real provider is reached: warden by its
# https:// base_url (the caller must export SSL_CERT_FILE=TMP/tls/ca.pem), nginx with
# proxy_ssl_verify and session reuse, haproxy with `ssl verify required`; TLS 1.3 where both ends
# can (nginx 1.22 offers it neither as a server nor to its upstreams by default). Needs openssl(1).
use_tls_upstream() {
  local tmp=$1 tls_port=$2 up_port=$3 dir=$1/tls
  mkdir -p "$dir"
  local log=$dir/openssl.log
  if ! { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
           -subj "/CN=warden bench CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" &&
         openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
           -keyout "$dir/server.key" -out "$dir/server.csr" &&
         printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.cnf" &&
         openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
           -CAcreateserial -days 2 -extfile "$dir/san.cnf" -out "$dir/server.pem"; } >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
  python3 - "$tmp" "$dir" "$tls_port" "$up_port" <<'PY'
import sys
tmp, tls_dir, tls, up = sys.argv[1:]
def patch(path, pairs):
    text = open(path).read()
    for old, new in pairs:
        if old not in text:
            sys.exit(f"use_tls_upstream: '{old}' not found in {path}")
        text = text.replace(old, new)
    open(path, "w").write(text)
# The upstream: its server block again, listening with TLS.
path = f"{tmp}/upstream/nginx.conf"
text = open(path).read()
start, end = text.index("    server {"), text.rindex("}")
plain = f"listen 127.0.0.1:{up} reuseport backlog=4096;"
if plain not in text[start:end]:
    sys.exit(f"use_tls_upstream: '{plain}' not found in {path}")
block = text[start:end].replace(
    plain, f"listen 127.0.0.1:{tls} ssl reuseport backlog=4096;\n"
    f"        ssl_certificate {tls_dir}/server.pem;\n        ssl_certificate_key {tls_dir}/server.key;\n"
    # TLS 1.3, as the providers speak it (nginx 1.22 offers only up to TLS 1.2 by default).
    "        ssl_protocols TLSv1.2 TLSv1.3;")
open(path, "w").write(text[:end] + block + text[end:])
patch(f"{tmp}/proxy/nginx.conf", [
    (f"upstream bench_upstream {{\n        server 127.0.0.1:{up};",
     f"upstream bench_upstream {{\n        server 127.0.0.1:{tls};"),
    ("proxy_pass http://bench_upstream;",
     "proxy_pass https://bench_upstream;\n            proxy_ssl_verify on;\n"
     f"            proxy_ssl_trusted_certificate {tls_dir}/ca.pem;\n"
     "            proxy_ssl_name localhost;\n            proxy_ssl_server_name on;\n"
     "            proxy_ssl_session_reuse on;\n"
     "            proxy_ssl_protocols TLSv1.2 TLSv1.3;")])
patch(f"{tmp}/haproxy.cfg", [
    (f"server up1 127.0.0.1:{up}",
     f"server up1 127.0.0.1:{tls} ssl verify required ca-file {tls_dir}/ca.pem verifyhost localhost sni str(localhost)")])
for name in ("warden.toml", "warden-base.toml"):
    patch(f"{tmp}/{name}", [(f'base_url = "http://127.0.0.1:{up}/v1"\n\n[providers.rot]',
                             f'base_url = "https://127.0.0.1:{tls}/v1"\n\n[providers.rot]')])
PY
}
