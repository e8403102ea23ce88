#!/usr/bin/env bash
# Latency a proxy adds at a fixed request rate, against nginx at the same rate (issue 14: "at half of our peak
# rate, under 1 ms added to the backend's own latency").
#   scripts/bench-latency.sh [--fraction 0.5 | --rate R] [--conns 64] [--duration 10] [--rounds 3] [--warmup 30s]
# Starts the nginx fixed-response backend, nginx as reverse proxy (1 worker) and our node, each on its own port.
# Warms both proxies up, measures our peak (wrk -t1 -cC -d10s, keep-alive) unless --rate is given, then for each
# round sends R requests/s in total (R = fraction x peak; h2load --h1 -cC --rps R/C, keep-alive, each request's
# latency logged) to the backend directly, to nginx and to ours in turn, and prints p50/p90/p99/p99.9 of each,
# what each proxy adds to the backend's own latency at p50 and p99, and medians over the rounds.
# Ports: BENCH_PORT_BASE (default 19600): backend +0, nginx proxy +1, ours +2, our admin +3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"

FRACTION=0.5
RATE=""
CONNS=64
DURATION=10
ROUNDS=3
WARMUP=30s
while [ $# -gt 0 ]; do
  case "$1" in
    --fraction) FRACTION="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

BASE="${BENCH_PORT_BASE:-19600}"
BACKEND_PORT=$BASE; NGINX_PORT=$((BASE + 1)); NODE_PORT=$((BASE + 2)); ADMIN_PORT=$((BASE + 3))

ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
ensure_pkg h2load nghttp2-client
raise_nofile
build_release
require_ports_free "$BACKEND_PORT" "$NGINX_PORT" "$NODE_PORT" "$ADMIN_PORT"

make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting backend (:$BACKEND_PORT), nginx proxy (:$NGINX_PORT) and our node (:$NODE_PORT)"
start_backend_and_node sockets
write_nginx_proxy "$WORK_DIR/nginx-proxy.conf" "$NGINX_PORT" "$BACKEND_PORT"
start_bg nginxproxy "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/nginx-proxy.conf"
wait_http "http://127.0.0.1:$NGINX_PORT/" 20 || die "nginx proxy did not start: $(cat "$WORK_DIR/nginxproxy.err")"

BACKEND_URL="http://127.0.0.1:$BACKEND_PORT/"
NGINX_URL="http://127.0.0.1:$NGINX_PORT/"
log "warming up both proxies ($WARMUP each)"
wrk -t1 -c"$CONNS" -d"$WARMUP" "$NGINX_URL" >/dev/null
wrk -t1 -c"$CONNS" -d"$WARMUP" "$NODE_URL" >/dev/null

if [ -z "$RATE" ]; then
  peak=$(wrk -t1 -c"$CONNS" -d10s "$NODE_URL" | awk '/Requests\/sec/ { printf "%d", $2 }')
  RATE=$(awk -v p="$peak" -v f="$FRACTION" 'BEGIN { printf "%d", p * f }')
  log "our peak with $CONNS connections: $peak req/s; measuring at $RATE req/s ($FRACTION of it)"
fi
PER_CLIENT=$(awk -v r="$RATE" -v c="$CONNS" 'BEGIN { v = r / c; if (v < 1) v = 1; printf "%.2f", v }')

# percentiles LOG: p50 p90 p99 p99.9 in ms of h2load's per-request log (start µs, status, duration µs).
percentiles() {
  awk -F'\t' '{ print $3 }' "$1" | sort -n | awk '{ a[NR] = $1 } END {
      if (NR == 0) { print "n/a n/a n/a n/a"; exit }
      split("0.50 0.90 0.99 0.999", q, " ")
      for (i = 1; i <= 4; i++) { k = int(q[i] * NR); if (k < 1) k = 1; printf "%.3f ", a[k] / 1000 }
      print "" }'
}

RESULTS="$WORK_DIR/latency.txt"
: >"$RESULTS"
printf '%-8s %5s %9s %9s %9s %9s %9s %8s\n' target round "req/s" "p50 ms" "p90 ms" "p99 ms" "p99.9 ms" "non-2xx"
for round in $(seq "$ROUNDS"); do
  for target in backend nginx ours; do
    case "$target" in backend) url=$BACKEND_URL ;; nginx) url=$NGINX_URL ;; ours) url=$NODE_URL ;; esac
    logf="$WORK_DIR/$target-$round.log"
    out=$(h2load --h1 -t1 -c"$CONNS" --rps="$PER_CLIENT" -D "$DURATION" --log-file="$logf" "$url" 2>&1)
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' <<<"$out")
    bad=$(awk -F'\t' '$2 < 200 || $2 > 299 { n++ } END { print n + 0 }' "$logf")
    read -r p50 p90 p99 p999 <<<"$(percentiles "$logf")"
    printf '%-8s %5s %9s %9s %9s %9s %9s %8s\n' "$target" "$round" "$rps" "$p50" "$p90" "$p99" "$p999" "$bad"
    echo "$target $round $p50 $p99" >>"$RESULTS"
  done
done

med() { awk -v t="$1" -v col="$2" '$1 == t { print $col }' "$RESULTS" | median; }
b50=$(med backend 3); b99=$(med backend 4)
echo
echo "== medians over $ROUNDS rounds at $RATE req/s, $CONNS keep-alive connections ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%-8s %9s %9s %14s %14s\n' target "p50 ms" "p99 ms" "p50 added ms" "p99 added ms"
for target in backend nginx ours; do
  m50=$(med "$target" 3); m99=$(med "$target" 4)
  printf '%-8s %9s %9s %14s %14s\n' "$target" "$m50" "$m99" \
    "$(awk -v a="$m50" -v b="$b50" 'BEGIN { printf "%.3f", a - b }')" \
    "$(awk -v a="$m99" -v b="$b99" 'BEGIN { printf "%.3f", a - b }')"
done
node_alive "$PID_node" || die "our node died during the run"
