#!/usr/bin/env bash
# Rate-limit cost (L2): (1) throughput of a rate-limited route vs an unlimited one on one node (wrk, A/B;
# the limit is high enough never to reject, so every request takes a token from the node's lease); (2) the
# decision latency in a 3-node cluster: the first request of a new key (one round trip to its RateLimiter
# entity, wherever it lives) vs later requests of the same key (the node's lease, no network), against the
# unlimited route, measured with curl from a fresh connection each time.
#   scripts/bench-limits.sh [--duration 10s] [--rounds 3] [--conns 64] [--keys 100]
# Ports: BENCH_PORT_BASE (default 19600): backend +0; node i (1..3): listener +10+i, admin +20+i, remoting +30+i.
# shellcheck source=lib/common.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"

DURATION=10s ROUNDS=3 CONNS=64 KEYS=100
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --keys) KEYS="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
BASE="${BENCH_PORT_BASE:-19600}"
ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
raise_nofile
build_release
make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM
for i in 1 2 3; do require_ports_free $((BASE + 10 + i)) $((BASE + 20 + i)) $((BASE + 30 + i)); done
require_ports_free "$BASE"

write_nginx_backend "$WORK_DIR/backend.conf" "$BASE"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
for i in 1 2 3; do
  cat >"$WORK_DIR/node$i.hocon" <<CONF
proxy {
  listeners = [ { name = public, address = "127.0.0.1:$((BASE + 10 + i))", mode = reverse } ]
  admin { address = "127.0.0.1:$((BASE + 20 + i))" }
  pools { bench { backends = [ "127.0.0.1:$BASE" ] } }
  routes = [
    { name = limited, match { path-prefix = "/limited" }, pool = bench }
    { name = free, pool = bench }
  ]
  rate-limits = [ { name = per-key, key = "header:X-Key", rate = "1000000/s", routes = [ limited ] } ]
  access-log { enabled = off }
  log-level = warning
  data-dir = "$WORK_DIR/data"
}
CONF
  start_bg "node$i" env PROXY_HOSTNAME=127.0.0.1 PROXY_PORT=$((BASE + 30 + i)) PROXY_SEEDS="127.0.0.1:$((BASE + 31)),127.0.0.1:$((BASE + 32)),127.0.0.1:$((BASE + 33))" \
    dotnet "$(NODE_DLL)" --config "$WORK_DIR/node$i.hocon"
done
for i in 1 2 3; do
  wait_http "http://127.0.0.1:$((BASE + 20 + i))/ready" 90 || die "node $i not ready: $(tail -5 "$WORK_DIR/node$i.err")"
done
N1="http://127.0.0.1:$((BASE + 11))"

echo "== 1. one node, wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds alternating, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
cat >"$WORK_DIR/key.lua" <<'LUA'
wrk.headers["X-Key"] = "bench-client"
LUA
wrk -t1 -c"$CONNS" -d5s -s "$WORK_DIR/key.lua" "$N1/limited" >/dev/null 2>&1 || true
wrk -t1 -c"$CONNS" -d5s -s "$WORK_DIR/key.lua" "$N1/free" >/dev/null 2>&1 || true
declare -A RPS
for round in $(seq 1 "$ROUNDS"); do
  for path in free limited; do
    out="$WORK_DIR/wrk-$path-$round.txt"
    wrk -t1 -c"$CONNS" -d"$DURATION" --latency -s "$WORK_DIR/key.lua" "$N1/$path" >"$out" 2>&1 || true
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$out")
    printf '%-8s round %s  %11s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$path" "$round" "${rps:-0}" \
      "$(awk '$1 == "50%" { print $2 }' "$out")" "$(awk '$1 == "99%" { print $2 }' "$out")" "${non2xx:-0}"
    RPS[$path]="${RPS[$path]:-} ${rps:-0}"
  done
done
free=$(echo "${RPS[free]}" | median); limited=$(echo "${RPS[limited]}" | median)
echo "median req/s: unlimited $free, rate-limited $limited, ratio $(awk -v a="$limited" -v b="$free" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"

echo
echo "== 2. decision latency, 3 nodes, curl time to first byte (ms), $KEYS keys spread over the nodes"
: >"$WORK_DIR/cold.txt"; : >"$WORK_DIR/warm.txt"; : >"$WORK_DIR/free.txt"
for k in $(seq 1 "$KEYS"); do
  node="http://127.0.0.1:$((BASE + 11 + k % 3))"
  # Same connection set-up for all three: a new curl (new TCP connection) per request.
  curl -s -o /dev/null -w '%{time_starttransfer}\n' -H "X-Key: cold-$k-$RANDOM" "$node/limited" >>"$WORK_DIR/cold.txt"
  curl -s -o /dev/null -w '%{time_starttransfer}\n' -H "X-Key: warm" "$node/limited" >>"$WORK_DIR/warm.txt"
  curl -s -o /dev/null -w '%{time_starttransfer}\n' "$node/free" >>"$WORK_DIR/free.txt"
done
stats() { sort -g "$1" | awk '{ a[NR] = $1 * 1000 } END { printf "p50 %.2f  p90 %.2f  max %.2f", a[int(NR * 0.5) + 1], a[int(NR * 0.9)], a[NR] }'; }
echo "unlimited route:                   $(stats "$WORK_DIR/free.txt")"
echo "limited, warm key (node's lease):  $(stats "$WORK_DIR/warm.txt")"
echo "limited, cold key (entity trip):   $(stats "$WORK_DIR/cold.txt")"
