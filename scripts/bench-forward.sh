#!/usr/bin/env bash
# Forward-proxy throughput (X1): wrk through our node's X-Proxy-To to tinyproxy (Basic credentials) to an
# nginx backend, against wrk straight to the same tinyproxy (as a client using it as its proxy would), in
# one run, A/B alternating, with the ratio. tinyproxy is the ceiling here: the question is what the extra
# hop through our node costs. Then CONNECT tunnels (X2): one file of --tunnel-mb MiB fetched by curl through a
# CONNECT tunnel of our node and of tinyproxy, alternating, MB/s each and our node's CPU seconds per GiB.
#   scripts/bench-forward.sh [--duration 10s] [--rounds 3] [--conns 16] [--tunnel-mb 512 (0: skip)]
# Ports: BENCH_PORT_BASE (default 19400): backend +0, tinyproxy +1, our node +2 (admin +3), file server +4.
# shellcheck source=lib/common.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"

DURATION=10s
ROUNDS=3
CONNS=16
TUNNEL_MB=512
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --tunnel-mb) TUNNEL_MB="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

BASE="${BENCH_PORT_BASE:-19400}"
BACKEND_PORT=$BASE
TINY_PORT=$((BASE + 1))
NODE_PORT=$((BASE + 2))
USER_NAME=bench
PASSWORD=bench-Pa55

ensure_pkg wrk
ensure_pkg nginx
ensure_pkg tinyproxy
ensure_pkg curl
raise_nofile
build_release
make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM
FILE_PORT=$((BASE + 4))
require_ports_free "$BACKEND_PORT" "$TINY_PORT" "$NODE_PORT" "$((NODE_PORT + 1))" "$FILE_PORT"

write_nginx_backend "$WORK_DIR/backend.conf" "$BACKEND_PORT"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
cat >"$WORK_DIR/tinyproxy.conf" <<CONF
Port $TINY_PORT
Listen 127.0.0.1
Timeout 30
MaxClients 1024
Allow 127.0.0.1
BasicAuth $USER_NAME $PASSWORD
LogLevel Critical
DisableViaHeader Yes
CONF
start_bg tinyproxy tinyproxy -d -c "$WORK_DIR/tinyproxy.conf"
cat >"$WORK_DIR/node.hocon" <<CONF
proxy {
  listeners = [ { name = forward, address = "127.0.0.1:$NODE_PORT", mode = forward,
                  allow-targets = [ "127.0.0.0/8" ], allow-upstreams = [ "127.0.0.0/8" ] } ]
  admin { address = "127.0.0.1:$((NODE_PORT + 1))" }
  access-log { enabled = off }
  log-level = warning
}
CONF
start_node node "$WORK_DIR/node.hocon" sockets
wait_http "http://127.0.0.1:$BACKEND_PORT/" 20 || die "backend did not start"
TARGET="http://127.0.0.1:$BACKEND_PORT/"
CREDS="$(printf '%s:%s' "$USER_NAME" "$PASSWORD" | base64)"
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -H "X-Proxy-To: http://$USER_NAME:$PASSWORD@127.0.0.1:$TINY_PORT" \
    --proxy "http://127.0.0.1:$NODE_PORT" "$TARGET" 2>/dev/null && break
  sleep 0.3
done
curl -fsS -o /dev/null -H "X-Proxy-To: http://$USER_NAME:$PASSWORD@127.0.0.1:$TINY_PORT" --proxy "http://127.0.0.1:$NODE_PORT" "$TARGET" \
  || die "the forward chain does not answer: $(tail -5 "$WORK_DIR/node.err")"

# wrk sends an absolute-form request line (as a proxy client does) with the given headers.
cat >"$WORK_DIR/direct.lua" <<LUA
wrk.path = "$TARGET"
wrk.headers["Proxy-Authorization"] = "Basic $CREDS"
LUA
cat >"$WORK_DIR/chained.lua" <<LUA
wrk.path = "$TARGET"
wrk.headers["X-Proxy-To"] = "http://$USER_NAME:$PASSWORD@127.0.0.1:$TINY_PORT"
LUA

log "warm-up"
wrk -t1 -c"$CONNS" -d5s -s "$WORK_DIR/chained.lua" "http://127.0.0.1:$NODE_PORT" >/dev/null 2>&1 || true
wrk -t1 -c"$CONNS" -d5s -s "$WORK_DIR/direct.lua" "http://127.0.0.1:$TINY_PORT" >/dev/null 2>&1 || true

echo "== wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds alternating, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-30s %5s %11s %9s %9s  %s\n' target round "req/s" "p50" "p99" errors
direct=() chained=()
for round in $(seq 1 "$ROUNDS"); do
  for target in direct chained; do
    port=$TINY_PORT; [ "$target" = chained ] && port=$NODE_PORT
    out="$WORK_DIR/wrk-$target-$round.txt"
    wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$WORK_DIR/$target.lua" "http://127.0.0.1:$port" >"$out" 2>&1 || true
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out"); p99=$(awk '$1 == "99%" { print $2 }' "$out")
    errs=$(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' ' | tr '\n' ';' || true)
    name="wrk -> tinyproxy"; [ "$target" = chained ] && name="wrk -> ours (X-Proxy-To) -> tinyproxy"
    printf '%-30s %5s %11s %9s %9s  %s\n' "$name" "$round" "${rps:-0}" "$p50" "$p99" "${errs:-}"
    if [ "$target" = direct ]; then direct+=("${rps:-0}"); else chained+=("${rps:-0}"); fi
  done
done
md=$(echo "${direct[*]}" | median); mc=$(echo "${chained[*]}" | median)
echo "(tinyproxy closes every connection after its response: wrk counts those as read errors, and our node"
echo " has to open a new upstream connection per request too, so this measures the chain, not keep-alive)"
echo
echo "median req/s: straight to tinyproxy $md, through our node $mc, ratio ours/direct $(awk -v a="$mc" -v b="$md" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"

[ "$TUNNEL_MB" -gt 0 ] || exit 0
# CONNECT tunnels: a static file from a second nginx, through each proxy's tunnel (curl --proxytunnel).
mkdir -p "$WORK_DIR/files"
head -c "$((TUNNEL_MB * 1024 * 1024))" /dev/zero >"$WORK_DIR/files/big.bin"
cat >"$WORK_DIR/files.conf" <<CONF
worker_processes 1;
daemon off;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $WORK_DIR/files.pid;
error_log $WORK_DIR/files-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:$FILE_PORT; root $WORK_DIR/files; }
}
CONF
start_bg files "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/files.conf"
wait_http "http://127.0.0.1:$FILE_PORT/big.bin" 20 || die "file server did not start"
FILE="http://127.0.0.1:$FILE_PORT/big.bin"
echo
echo "== CONNECT tunnel, one ${TUNNEL_MB} MiB download per round, $ROUNDS rounds alternating"
printf '%-34s %5s %9s %14s\n' path round "MB/s" "node CPU s/GiB"
tiny=() ours=() cpu=()
for round in $(seq 1 "$ROUNDS"); do
  speed=$(curl -fsS -o /dev/null -w '%{speed_download}' --proxytunnel --proxy "http://127.0.0.1:$TINY_PORT" \
    --proxy-user "$USER_NAME:$PASSWORD" "$FILE") || die "the tunnel through tinyproxy failed"
  mbs=$(awk -v b="$speed" 'BEGIN { printf "%.0f", b / 1048576 }')
  printf '%-34s %5s %9s %14s\n' "curl -> tinyproxy CONNECT" "$round" "$mbs" ""
  tiny+=("$mbs")
  before=$(cpu_ticks "$PID_node")
  speed=$(curl -fsS -o /dev/null -w '%{speed_download}' --proxytunnel --proxy "http://127.0.0.1:$NODE_PORT" "$FILE") \
    || die "the tunnel through our node failed: $(tail -5 "$WORK_DIR/node.err")"
  ticks=$(( $(cpu_ticks "$PID_node") - before ))
  mbs=$(awk -v b="$speed" 'BEGIN { printf "%.0f", b / 1048576 }')
  per_gib=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v mb="$TUNNEL_MB" 'BEGIN { printf "%.2f", t / hz / (mb / 1024) }')
  printf '%-34s %5s %9s %14s\n' "curl -> ours CONNECT" "$round" "$mbs" "$per_gib"
  ours+=("$mbs"); cpu+=("$per_gib")
done
mt=$(echo "${tiny[*]}" | median); mo=$(echo "${ours[*]}" | median)
echo
echo "median MB/s: through tinyproxy $mt, through our node $mo, ratio ours/tinyproxy $(awk -v a="$mo" -v b="$mt" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'); our node's CPU per GiB (median) $(echo "${cpu[*]}" | median) s"
