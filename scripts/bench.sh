#!/usr/bin/env bash
# nginx vs this proxy, in front of the same nginx fixed-response backend, on loopback.
#   scripts/bench.sh [--transport sockets|akka-io|both] [--duration 10s] [--rounds 3] [--conns "64 256"]
#                    [--churn "64" | --no-churn] [--warmup 30s] [--conn-scale N | --no-conn-scale] [--tls] [--latency]
# Starts: a backend (nginx, 1 worker, keep-alive, fixed 13-byte body), nginx as reverse proxy (1 worker,
# upstream keepalive 128, proxy_http_version 1.1) and our node (one per transport measured), each on its
# own port. Warms every proxy up, then for each connection count runs `wrk -t1 -cC -dD --latency`
# against nginx and ours in turn, ROUNDS times (A/B alternation), and prints requests/s, p50/p99, the
# proxy's user+sys CPU seconds per 10k requests (from /proc/PID/stat), medians and ours/nginx ratios.
# --churn C adds loads "close:C": C connections sending Connection: close, so req/s is new connections/s.
# At the end it runs scripts/conn-scale.sh (memory per idle keep-alive connection, default 10,000) and, with
# --tls, scripts/bench-tls.sh twice (keep-alive, then a full handshake per request); with --latency,
# scripts/bench-latency.sh (latency added at half our peak rate, against nginx).
# Ports: BENCH_PORT_BASE (default 19200): backend +0, nginx proxy +1, ours +100 (sockets) / +102 (akka-io).
# Everything started here is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"

TRANSPORT=sockets
DURATION=10s
ROUNDS=3
CONNS="64 256"
CHURN="64"
WARMUP=30s
CONN_SCALE=10000
TLS=0
LATENCY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) TRANSPORT="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --churn) CHURN="$2"; shift 2 ;;
    --no-churn) CHURN=""; shift ;;
    --tls) TLS=1; shift ;;
    --latency) LATENCY=1; shift ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --conn-scale) CONN_SCALE="$2"; shift 2 ;;
    --no-conn-scale) CONN_SCALE=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$TRANSPORT" in
  sockets) OURS="sockets" ;;
  akka-io) OURS="akka-io" ;;
  both) OURS="sockets akka-io" ;;
  *) die "--transport must be sockets, akka-io or both" ;;
esac

BASE="${BENCH_PORT_BASE:-19200}"
BACKEND_PORT=$BASE
NGINX_PORT=$((BASE + 1))
CLK_TCK=$(getconf CLK_TCK)

ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is required"
raise_nofile
build_release

make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM

node_port() { if [ "$1" = sockets ]; then echo $((BASE + 100)); else echo $((BASE + 102)); fi; }
require_ports_free "$BACKEND_PORT" "$NGINX_PORT"
for t in $OURS; do require_ports_free "$(node_port "$t")" "$(($(node_port "$t") + 10))"; done

log "starting backend (nginx :$BACKEND_PORT) and nginx proxy (:$NGINX_PORT)"
write_nginx_backend "$WORK_DIR/backend.conf" "$BACKEND_PORT"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
write_nginx_proxy "$WORK_DIR/nginx-proxy.conf" "$NGINX_PORT" "$BACKEND_PORT"
start_bg nginxproxy "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/nginx-proxy.conf"
wait_http "http://127.0.0.1:$BACKEND_PORT/" 20 || die "backend did not start: $(cat "$WORK_DIR/backend.err")"
wait_http "http://127.0.0.1:$NGINX_PORT/" 20 || die "nginx proxy did not start: $(cat "$WORK_DIR/nginxproxy.err")"

# Targets: "name url pid".
TARGETS=("nginx http://127.0.0.1:$NGINX_PORT/ $PID_nginxproxy")
for t in $OURS; do
  port=$(node_port "$t")
  name="ours_${t//-/_}"
  write_node_config "$WORK_DIR/$name.hocon" "$port" "$((port + 10))" "$BACKEND_PORT"
  log "starting our node ($t transport) on :$port"
  start_node "$name" "$WORK_DIR/$name.hocon" "$t"
  pid_var="PID_$name"
  wait_http "http://127.0.0.1:$port/" 60 || die "node ($t) did not start: $(tail -20 "$WORK_DIR/$name.err")"
  TARGETS+=("ours-$t http://127.0.0.1:$port/ ${!pid_var}")
done

# duration_s: $DURATION (10s, 1m) in seconds.
duration_s() { awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }'; }

# to_ms VALUE_WITH_UNIT: wrk latency (e.g. 812.00us, 1.53ms, 2.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

RESULTS="$WORK_DIR/results.txt"
: >"$RESULTS"
# run_wrk NAME URL PID LOAD ROUND: LOAD is a connection count (keep-alive) or close:COUNT (a new connection
# per request).
run_wrk() {
  local name="$1" url="$2" pid="$3" c="$4" round="$5" out before after
  local conns="${c#close:}" headers=()
  [ "$conns" = "$c" ] || headers=(-H "Connection: close")
  node_alive "$pid" || die "$name (pid $pid) is not running any more"
  out="$WORK_DIR/wrk-$name-${c/:/-}-$round.txt"
  local m0 m1 b0 b1 w0 w1
  before=$(cpu_ticks "$pid"); b0=$(cpu_ticks "$PID_backend"); m0=$(machine_busy_ticks)
  shell_children_ticks "$WORK_DIR/ticks"; w0=$(cat "$WORK_DIR/ticks")
  wrk -t1 -c"$conns" -d"$DURATION" --latency "${headers[@]}" "$url" >"$out" 2>&1 || true
  shell_children_ticks "$WORK_DIR/ticks"; w1=$(cat "$WORK_DIR/ticks")
  after=$(cpu_ticks "$pid"); b1=$(cpu_ticks "$PID_backend"); m1=$(machine_busy_ticks)
  local rps p50 p99 reqs errs cpu
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  errs=$(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' ' | tr '\n' ';' || true)
  [ -n "$rps" ] && [ "${reqs:-0}" -gt 0 ] || { log "wrk failed against $name: $(cat "$out")"; rps=0; reqs=0; }
  # CPU that processes other than this proxy, the backend and wrk used during the run,
  # as % of all cores: a few % is normal, more means something else ran during the measurement.
  local other
  other=$(awk -v m=$((m1 - m0)) -v o=$(( (after - before) + (b1 - b0) + (w1 - w0) )) -v n="$(nproc)" \
    -v hz="$CLK_TCK" -v d="$(duration_s)" 'BEGIN { v = (m - o) * 100 / (n * hz * d); printf "%.0f", v < 0 ? 0 : v }')
  cpu=$(awk -v d=$((after - before)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.3f", d / hz * 10000 / n; else print "n/a" }')
  printf '%-14s %5s %5s %11s %9s %9s %10s %12s %7s  %s\n' "$name" "$c" "$round" "$rps" "$p50" "$p99" "$reqs" "$cpu" "$other" "${errs:-}"
  echo "$name $c $round $rps $p50 $p99 $reqs $cpu $other" >>"$RESULTS"
}

busy=$(cpu_busy_pct 3)
log "machine CPU busy before the warm-up (our processes idle): ${busy}%"
[ "$busy" -lt 15 ] || log "WARNING: something else is using the CPU; figures will be noisy"
log "warm-up: $WARMUP per proxy at -c256 (tiered JIT: with 5–10 s it was still compiling in the measured window)"
for target in "${TARGETS[@]}"; do
  read -r name url pid <<<"$target"
  wrk -t1 -c256 -d"$WARMUP" "$url" >/dev/null 2>&1 || true
done

LOADS="$CONNS"
for c in $CHURN; do LOADS="$LOADS close:$c"; done
echo "== runs: wrk -t1 -cC -d$DURATION --latency, $ROUNDS rounds alternating, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), machine ${busy}% busy before"
echo "   (conns close:C = C connections, each request on a new one: req/s are new connections/s)"
printf '%-14s %5s %5s %11s %9s %9s %10s %12s %7s  %s\n' target conns round "req/s" "p50 ms" "p99 ms" requests "cpu s/10k" "other%" errors
for c in $LOADS; do
  for round in $(seq 1 "$ROUNDS"); do
    for target in "${TARGETS[@]}"; do
      read -r name url pid <<<"$target"
      run_wrk "$name" "$url" "$pid" "$c" "$round"
    done
  done
done

echo
echo "== medians over $ROUNDS rounds"
printf '%-14s %5s %11s %9s %9s %12s %14s %14s\n' target conns "req/s" "p50 ms" "p99 ms" "cpu s/10k" "req/s ratio" "cpu ratio"
col_median() { awk -v n="$1" -v c="$2" -v k="$3" '$1 == n && $2 == c { print $k }' "$RESULTS" | median; }
for c in $LOADS; do
  nginx_rps=$(col_median nginx "$c" 4); nginx_cpu=$(col_median nginx "$c" 8)
  for target in "${TARGETS[@]}"; do
    read -r name _ _ <<<"$target"
    rps=$(col_median "$name" "$c" 4); cpu=$(col_median "$name" "$c" 8)
    ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    cratio=$(awk -v a="$cpu" -v b="$nginx_cpu" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    printf '%-14s %5s %11s %9s %9s %12s %14s %14s\n' "$name" "$c" "$rps" "$(col_median "$name" "$c" 5)" \
      "$(col_median "$name" "$c" 6)" "$cpu" "$ratio" "$cratio"
  done
done
echo "(ratios are ours/nginx; cpu = user+sys seconds of the proxy process(es) per 10,000 requests;"
echo " other% = CPU used by processes other than the proxy, the backend and wrk during a run, % of all cores)"

# Our processes must be gone before the scripts below start their own on their own ports.
if [ "$CONN_SCALE" -gt 0 ] || [ "$TLS$LATENCY" != 00 ]; then
  cleanup
  trap - EXIT
fi

if [ "$CONN_SCALE" -gt 0 ]; then
  echo
  for t in $OURS; do
    PROXY_NO_BUILD=1 "$ROOT/scripts/conn-scale.sh" "$CONN_SCALE" --transport "$t" || log "conn-scale ($t) reported FAIL"
  done
fi

if [ "$TLS" = 1 ]; then
  echo
  echo "== TLS, keep-alive (scripts/bench-tls.sh)"
  PROXY_NO_BUILD=1 "$ROOT/scripts/bench-tls.sh" --duration "$DURATION" --rounds "$ROUNDS"
  echo
  echo "== TLS, a full handshake per request (scripts/bench-tls.sh --handshakes)"
  PROXY_NO_BUILD=1 "$ROOT/scripts/bench-tls.sh" --duration "$DURATION" --rounds "$ROUNDS" --handshakes
fi

if [ "$LATENCY" = 1 ]; then
  echo
  echo "== latency added at half our peak rate (scripts/bench-latency.sh)"
  PROXY_NO_BUILD=1 "$ROOT/scripts/bench-latency.sh" --rounds "$ROUNDS"
fi
