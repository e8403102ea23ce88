#!/usr/bin/env bash
# Connection-churn check: does the node release every connection it closes?
#   scripts/churn-check.sh [--transport sockets|akka-io] [--duration 10s] [--compare-nginx]
# Starts an nginx fixed-response backend and one node (own loopback ports), warms the node up (keep-alive,
# then Connection: close), waits, and records its RSS and open descriptors (/proc/PID/fd) as the
# baseline. Then runs `wrk -t1 -c64 -d10s -H "Connection: close"`, waits 5 s and checks:
#   - no TCP socket of the node in CLOSE-WAIT (node's socket inodes matched against /proc/net/tcp{,6}),
#   - descriptors back near the baseline (at most baseline + FD_SLACK, default 16),
#   - RSS at most 20% above the baseline,
#   - the node still answers 200.
# Prints PASS/FAIL with the numbers; exits non-zero on FAIL. --compare-nginx afterwards runs the same
# churn load against nginx as a reverse proxy (1 worker, upstream keepalive) and against the node again,
# and prints connections/s, p99 and CPU seconds per 10k connections for both (not part of PASS/FAIL).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"

TRANSPORT=sockets
DURATION=10s
FD_SLACK="${FD_SLACK:-16}"
COMPARE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) TRANSPORT="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --compare-nginx) COMPARE=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$TRANSPORT" in sockets|akka-io) ;; *) die "--transport must be sockets or akka-io" ;; esac

BASE="${BENCH_PORT_BASE:-19200}"
BACKEND_PORT=$((BASE + 60)); NODE_PORT=$((BASE + 160)); ADMIN_PORT=$((BASE + 161)); NGINX_PORT=$((BASE + 61))

ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
raise_nofile
build_release
require_ports_free "$BACKEND_PORT" "$NODE_PORT" "$ADMIN_PORT"
[ "$COMPARE" = 0 ] || require_ports_free "$NGINX_PORT"

make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM

start_backend_and_node "$TRANSPORT"
url="$NODE_URL"

log "warm-up ($TRANSPORT transport): 5 s keep-alive, 3 s Connection: close, then 5 s idle"
wrk -t1 -c64 -d5s "$url" >/dev/null 2>&1 || true
wrk -t1 -c64 -d3s -H "Connection: close" "$url" >/dev/null 2>&1 || true
sleep 5
rss_base=$(rss_kb "$PID_node"); fds_base=$(fd_count "$PID_node")
states_base=$(tcp_states_of_pid "$PID_node" | tr '\n' ' ')
log "baseline: RSS ${rss_base} kB, ${fds_base} descriptors, sockets: ${states_base}"

log "churn: wrk -t1 -c64 -d$DURATION -H \"Connection: close\""
wrk -t1 -c64 -d"$DURATION" -H "Connection: close" --latency "$url" >"$WORK_DIR/wrk.txt" 2>&1 || true
rss_peak=$(rss_kb "$PID_node" || echo 0); fds_peak=$(fd_count "$PID_node")
sleep 5

node_alive "$PID_node" || die "the node died during the churn run: $(tail -20 "$WORK_DIR/node.err")"
rss_end=$(rss_kb "$PID_node"); fds_end=$(fd_count "$PID_node")
states_end=$(tcp_states_of_pid "$PID_node" | tr '\n' ' ')
close_wait=$(tcp_states_of_pid "$PID_node" | awk '$1 == "CLOSE_WAIT" { print $2 }')
close_wait=${close_wait:-0}
final_status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url" || true)
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK_DIR/wrk.txt")
reqs=$(awk '/requests in/ { print $1 }' "$WORK_DIR/wrk.txt")
errs=$(grep -E 'Socket errors|Non-2xx' "$WORK_DIR/wrk.txt" | tr -s ' ' | tr '\n' ';' || true)
rss_pct=$(awk -v a="$rss_end" -v b="$rss_base" 'BEGIN { printf "%+.1f", (a - b) * 100 / b }')

status=PASS
reasons=()
[ "$close_wait" -eq 0 ] || { status=FAIL; reasons+=("$close_wait sockets in CLOSE-WAIT"); }
[ "$fds_end" -le $((fds_base + FD_SLACK)) ] || { status=FAIL; reasons+=("descriptors $fds_end > baseline $fds_base + $FD_SLACK"); }
[ "$rss_end" -le $((rss_base * 120 / 100)) ] || { status=FAIL; reasons+=("RSS grew ${rss_pct}% (> 20%)"); }
[ "$final_status" = 200 ] || { status=FAIL; reasons+=("node answered '$final_status' afterwards"); }

echo
echo "== churn-check: transport $TRANSPORT, wrk -t1 -c64 -d$DURATION -H \"Connection: close\" ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%-42s %s\n' "churn load" "${reqs:-0} requests, ${rps:-0} req/s ${errs:+($errs)}"
printf '%-42s %s\n' "RSS baseline / end of load / +5 s" "$((rss_base / 1024)) / $((rss_peak / 1024)) / $((rss_end / 1024)) MiB (${rss_pct}%)"
printf '%-42s %s\n' "descriptors baseline / end of load / +5 s" "$fds_base / $fds_peak / $fds_end"
printf '%-42s %s\n' "node TCP sockets, baseline" "$states_base"
printf '%-42s %s\n' "node TCP sockets, +5 s" "$states_end"
printf '%-42s %s\n' "CLOSE-WAIT sockets" "$close_wait"
printf '%-42s %s\n' "request afterwards" "$final_status"
if [ "$COMPARE" = 1 ]; then
  write_nginx_proxy "$WORK_DIR/nginx-proxy.conf" "$NGINX_PORT" "$BACKEND_PORT"
  start_bg nginxproxy "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/nginx-proxy.conf"
  wait_http "http://127.0.0.1:$NGINX_PORT/" 20 || die "nginx proxy did not start"
  wrk -t1 -c64 -d3s -H "Connection: close" "http://127.0.0.1:$NGINX_PORT/" >/dev/null 2>&1 || true
  echo "== same churn load, nginx vs this node ($TRANSPORT), alternating twice"
  for round in 1 2; do
    for target in "nginx $NGINX_PORT $PID_nginxproxy" "node $NODE_PORT $PID_node"; do
      read -r name port pid <<<"$target"
      c0=$(cpu_ticks "$pid")
      wrk -t1 -c64 -d"$DURATION" -H "Connection: close" --latency "http://127.0.0.1:$port/" >"$WORK_DIR/cmp.txt" 2>&1 || true
      c1=$(cpu_ticks "$pid")
      n=$(awk '/requests in/ { print $1 }' "$WORK_DIR/cmp.txt")
      printf '%-6s round %s: %10s connections/s, p99 %9s, %s CPU s per 10k connections\n' "$name" "$round" \
        "$(awk '/^Requests\/sec:/ { print $2 }' "$WORK_DIR/cmp.txt")" "$(awk '$1 == "99%" { print $2 }' "$WORK_DIR/cmp.txt")" \
        "$(awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.2f", d / hz * 10000 / n; else print "n/a" }')"
    done
  done
fi

reason_text=""
[ ${#reasons[@]} -eq 0 ] || reason_text=" ($(IFS=';'; echo "${reasons[*]}" | sed 's/;/; /g'))"
echo "RESULT: $status$reason_text"
[ "$status" = PASS ]
