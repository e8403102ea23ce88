#!/usr/bin/env bash
# Memory per idle keep-alive connection, and whether N concurrent keep-alive connections are all served.
#   scripts/conn-scale.sh [N] [--transport sockets|akka-io] [--gcdump]     (N defaults to 10000)
# Starts an nginx fixed-response backend and one node (own loopback ports), warms the node up, reads its
# RSS, opens N keep-alive connections with one GET each (scripts/lib/hold_connections.py) and holds them,
# reads the RSS again and reports (RSS_with - RSS_before) / N. Then checks that a new client is served
# while the N are held, that every held connection still answers a second request, and what RSS and
# descriptors look like 5 s after they close. Exits non-zero if any check fails.
# RSS includes garbage the GC has not collected yet; --gcdump also takes a heap snapshot (dotnet-gcdump,
# installed as a .NET global tool if missing; it forces a full GC) before and while the connections are
# held, and reports live managed bytes per connection and the largest types.
# The machine's hard limit is 20,000 descriptors per process, so N must stay well below that.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"

N=10000
TRANSPORT=sockets
GCDUMP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) TRANSPORT="$2"; shift 2 ;;
    --gcdump) GCDUMP=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) N="$1"; shift ;;
  esac
done
case "$TRANSPORT" in sockets|akka-io) ;; *) die "--transport must be sockets or akka-io" ;; esac

BASE="${BENCH_PORT_BASE:-19200}"
BACKEND_PORT=$((BASE + 40)); NODE_PORT=$((BASE + 140)); ADMIN_PORT=$((BASE + 141))

ensure_pkg nginx
ensure_pkg wrk
ensure_pkg curl
command -v python3 >/dev/null || die "python3 is required"
if [ "$GCDUMP" = 1 ]; then
  export PATH="$PATH:$HOME/.dotnet/tools"
  command -v dotnet-gcdump >/dev/null || dotnet tool install -g dotnet-gcdump >&2 || die "could not install dotnet-gcdump"
fi
raise_nofile
log "descriptor limit: $(ulimit -n)"
[ "$N" -lt "$(($(ulimit -n) - 1000))" ] || die "N=$N is too close to the descriptor limit $(ulimit -n)"
build_release
require_ports_free "$BACKEND_PORT" "$NODE_PORT" "$ADMIN_PORT"

make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM

start_backend_and_node "$TRANSPORT"
url="$NODE_URL"

log "warming up the node ($TRANSPORT transport)"
wrk -t1 -c64 -d5s "$url" >/dev/null
sleep 3
# gcdump_heap NAME: forces a full GC through a heap snapshot; prints the live managed heap in bytes.
gcdump_heap() {
  dotnet-gcdump collect -p "$PID_node" -o "$WORK_DIR/$1.gcdump" >/dev/null 2>&1 || { echo 0; return; }
  dotnet-gcdump report "$WORK_DIR/$1.gcdump" >"$WORK_DIR/$1.report" 2>/dev/null || true
  awk '/GC Heap bytes/ { gsub(",", "", $1); print $1; exit }' "$WORK_DIR/$1.report"
}
[ "$GCDUMP" = 1 ] && heap_before=$(gcdump_heap before)
rss_before=$(rss_kb "$PID_node"); fds_before=$(fd_count "$PID_node")
log "before: RSS ${rss_before} kB, ${fds_before} descriptors"

log "opening $N keep-alive connections"
coproc HOLD { exec python3 "$ROOT/scripts/lib/hold_connections.py" 127.0.0.1 "$NODE_PORT" "$N" 2>"$WORK_DIR/hold.err"; }
STARTED_PIDS+=("$HOLD_PID")
hold_pid=$HOLD_PID
IFS= read -r -t 600 opened <&"${HOLD[0]}" || die "the client did not finish opening connections: $(cat "$WORK_DIR/hold.err")"
log "$opened"
sleep 3
rss_with=$(rss_kb "$PID_node"); fds_with=$(fd_count "$PID_node")
node_states=$(tcp_states_of_pid "$PID_node" | tr '\n' ' ')
new_status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url" || true)
log "with $N held: RSS ${rss_with} kB, ${fds_with} descriptors; node sockets: ${node_states}; new request -> $new_status"

if [ "$GCDUMP" = 1 ]; then
  heap_with=$(gcdump_heap with)
  rss_gc=$(rss_kb "$PID_node")
  log "heap snapshot while held: live managed heap $heap_with bytes (before: $heap_before), RSS after that full GC ${rss_gc} kB"
fi

echo again >&"${HOLD[1]}"
IFS= read -r -t 600 again <&"${HOLD[0]}" || again="AGAIN (no answer)"
log "second request on each held connection: $again"
echo close >&"${HOLD[1]}"
IFS= read -r -t 60 _closed <&"${HOLD[0]}" || true
wait "$hold_pid" 2>/dev/null || true
sleep 5
rss_after=$(rss_kb "$PID_node"); fds_after=$(fd_count "$PID_node")
after_status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url" || true)

ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$opened")
again_ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$again")
per_conn=$(( (rss_with - rss_before) * 1024 / N ))

echo
echo "== conn-scale: $N idle keep-alive connections, transport $TRANSPORT ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%-38s %s\n' "connections answered 200" "${ok:-0} / $N   ($opened)"
printf '%-38s %s\n' "new request while held" "$new_status"
printf '%-38s %s\n' "second request on held connections" "${again_ok:-0} / ${ok:-0}   ($again)"
printf '%-38s %s\n' "RSS before / with / 5 s after close" "$((rss_before / 1024)) / $((rss_with / 1024)) / $((rss_after / 1024)) MiB"
printf '%-38s %s\n' "descriptors before / with / after" "$fds_before / $fds_with / $fds_after"
printf '%-38s %s\n' "memory per idle connection" "$per_conn bytes ($(( per_conn / 1024 )) KiB)"
printf '%-38s %s\n' "request after close" "$after_status"
if [ "$GCDUMP" = 1 ]; then
  printf '%-38s %s\n' "live managed heap before / with" "$((heap_before / 1048576)) / $((heap_with / 1048576)) MiB"
  printf '%-38s %s\n' "live managed bytes per connection" "$(( (heap_with - heap_before) / N )) bytes"
  printf '%-38s %s\n' "RSS with, after a full GC" "$((rss_gc / 1024)) MiB ($(( (rss_gc - rss_before) * 1024 / N )) bytes per connection)"
  echo "types holding the most while held (dotnet-gcdump report; size x count, bytes per connection):"
  sed -n '/Object Bytes/,$p' "$WORK_DIR/with.report" | awk -v n="$N" 'NR > 1 {
      b = $1; gsub(",", "", b); c = $2; gsub(",", "", c); t = ""; for (i = 3; i <= NF; i++) t = t " " $i
      printf "%12d %8.0f %s\n", b * c, b * c / n, t }' | sort -rn >"$WORK_DIR/with.types"
  head -12 "$WORK_DIR/with.types"
fi

status=PASS
[ "${ok:-0}" = "$N" ] || status=FAIL
[ "$new_status" = 200 ] || status=FAIL
[ "$after_status" = 200 ] || status=FAIL
[ "${again_ok:-0}" = "${ok:-0}" ] || status=FAIL
node_alive "$PID_node" || status=FAIL
echo "RESULT: $status"
[ "$status" = PASS ]
