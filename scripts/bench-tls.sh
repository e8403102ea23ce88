#!/usr/bin/env bash
# TLS termination cost (E1): wrk against our node's TLS listener and its plain listener, and nginx's TLS and
# plain servers for reference, all in front of the same nginx fixed-response backend, A/B alternating.
#   scripts/bench-tls.sh [--duration 10s] [--rounds 3] [--conns 64] [--handshakes]
# A self-signed P-256 certificate is made with openssl for the run. Keep-alive connections, so the figures
# are mostly record encryption, not handshakes; --handshakes sends Connection: close instead, so every request
# is a new connection with a full handshake (wrk does not resume sessions). Ports: BENCH_PORT_BASE (default 19500) +0 backend,
# +1 nginx plain, +2 nginx TLS, +3 ours plain, +4 ours TLS, +5 our admin.
# shellcheck source=lib/common.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"

DURATION=10s
ROUNDS=3
CONNS=64
WRK_HEADERS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --handshakes) WRK_HEADERS=(-H "Connection: close"); shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

BASE="${BENCH_PORT_BASE:-19500}"
BACKEND=$BASE NGINX_PLAIN=$((BASE + 1)) NGINX_TLS=$((BASE + 2)) OURS_PLAIN=$((BASE + 3)) OURS_TLS=$((BASE + 4))
ensure_pkg wrk
ensure_pkg nginx
ensure_pkg openssl
ensure_pkg curl
raise_nofile
build_release
make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM
require_ports_free "$BACKEND" "$NGINX_PLAIN" "$NGINX_TLS" "$OURS_PLAIN" "$OURS_TLS" "$((BASE + 5))"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bench.test" \
  -addext "subjectAltName=DNS:bench.test" -keyout "$WORK_DIR/key.pem" -out "$WORK_DIR/cert.pem" >/dev/null 2>&1 \
  || die "openssl could not make a certificate"

write_nginx_backend "$WORK_DIR/backend.conf" "$BACKEND"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
write_nginx_proxy "$WORK_DIR/nginx-proxy.conf" "$NGINX_PLAIN" "$BACKEND"
# The same proxy server block once more, listening with TLS.
sed -i "s|^  server {|  server {\n    listen 127.0.0.1:$NGINX_TLS ssl reuseport backlog=4096;\n    ssl_certificate $WORK_DIR/cert.pem;\n    ssl_certificate_key $WORK_DIR/key.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;|" \
  "$WORK_DIR/nginx-proxy.conf"
start_bg nginxproxy "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/nginx-proxy.conf"
cat >"$WORK_DIR/node.hocon" <<CONF
proxy {
  listeners = [
    { name = plain, address = "127.0.0.1:$OURS_PLAIN", mode = reverse }
    { name = secure, address = "127.0.0.1:$OURS_TLS", mode = reverse,
      tls { certificates = [ { cert = "$WORK_DIR/cert.pem", key = "$WORK_DIR/key.pem" } ] } }
  ]
  admin { address = "127.0.0.1:$((BASE + 5))" }
  pools { bench { backends = [ "127.0.0.1:$BACKEND" ] } }
  routes = [ { name = default, pool = bench } ]
  access-log { enabled = off }
  log-level = warning
}
CONF
start_node ours "$WORK_DIR/node.hocon" sockets
wait_http "http://127.0.0.1:$NGINX_PLAIN/" 20 || die "nginx did not start: $(cat "$WORK_DIR/nginxproxy.err")"
wait_http "http://127.0.0.1:$OURS_PLAIN/" 60 || die "node did not start: $(tail -5 "$WORK_DIR/ours.err")"
curl -fsSk -o /dev/null "https://127.0.0.1:$OURS_TLS/" || die "our TLS listener does not answer"
curl -fsSk -o /dev/null "https://127.0.0.1:$NGINX_TLS/" || die "nginx's TLS listener does not answer"

TARGETS=("nginx-plain http://127.0.0.1:$NGINX_PLAIN/" "nginx-tls https://127.0.0.1:$NGINX_TLS/"
         "ours-plain http://127.0.0.1:$OURS_PLAIN/" "ours-tls https://127.0.0.1:$OURS_TLS/")
log "warm-up"
for t in "${TARGETS[@]}"; do read -r _ url <<<"$t"; wrk -t1 -c"$CONNS" -d5s "${WRK_HEADERS[@]}" "$url" >/dev/null 2>&1 || true; done

echo "== wrk -t1 -c$CONNS -d$DURATION ${WRK_HEADERS[*]}, $ROUNDS rounds alternating, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-12s %5s %11s %9s %9s\n' target round "req/s" p50 p99
declare -A RPS
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    read -r name url <<<"$t"
    out="$WORK_DIR/wrk-$name-$round.txt"
    wrk -t1 -c"$CONNS" -d"$DURATION" --latency "${WRK_HEADERS[@]}" "$url" >"$out" 2>&1 || true
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    printf '%-12s %5s %11s %9s %9s\n' "$name" "$round" "${rps:-0}" "$(awk '$1 == "50%" { print $2 }' "$out")" "$(awk '$1 == "99%" { print $2 }' "$out")"
    RPS[$name]="${RPS[$name]:-} ${rps:-0}"
  done
done
echo
for name in nginx-plain nginx-tls ours-plain ours-tls; do
  printf 'median %-12s %s\n' "$name" "$(echo "${RPS[$name]}" | median)"
done
np=$(echo "${RPS[nginx-plain]}" | median); nt=$(echo "${RPS[nginx-tls]}" | median)
op=$(echo "${RPS[ours-plain]}" | median); ot=$(echo "${RPS[ours-tls]}" | median)
awk -v np="$np" -v nt="$nt" -v op="$op" -v ot="$ot" 'BEGIN {
  printf "TLS/plain: ours %.2f, nginx %.2f; ours/nginx with TLS %.2f\n", (op > 0 ? ot / op : 0), (np > 0 ? nt / np : 0), (nt > 0 ? ot / nt : 0) }'
