#!/usr/bin/env bash
# Cluster-wide config revisions (O6) under load, against their three targets: (1) every member runs a new revision
# within 1 s of `apply` returning; (2) --applies applies while wrk runs through the 3 nodes and --websockets
# WebSockets are held open through them: 0 failed requests, 0 closed WebSockets; (3) a bad revision is refused (422
# with its problems) and the running one keeps serving.
#   scripts/bench-config.sh [--applies 100] [--duration-cap 300s] [--conns 32] [--websockets 20]
# 3 nodes run one config text (revision-a.hocon, per-node addresses from ${NODE_*}); the loop applies revision-b,
# revision-a, ... (they differ in the default route's response header X-Rev) with ?wait=0s to node (k mod 3)+1 and
# polls GET /api/config/status (every ~10 ms) until every member runs >= the new revision. One wrk per node, --conns
# connections in all, for at most --duration-cap (stopped when the applies end; the loop stops at the cap too).
# Exits 0 only when all three targets pass. BENCH_KEEP=1 keeps the work directory (configs, logs, figures).
# Ports: BENCH_PORT_BASE (default 19700): nginx backend +0, WebSocket echo backend +1; node i (1..3): listener +10+i,
#   admin +20+i, remoting +30+i.
# shellcheck source=lib/common.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"

APPLIES=100 DURATION_CAP=300s CONNS=32 WEBSOCKETS=20
while [ $# -gt 0 ]; do
  case "$1" in
    --applies) APPLIES="$2"; shift 2 ;;
    --duration-cap) DURATION_CAP="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --websockets) WEBSOCKETS="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$DURATION_CAP" in
  *[0-9]s) CAP_SECONDS=${DURATION_CAP%s} ;;
  *[0-9]m) CAP_SECONDS=$(( ${DURATION_CAP%m} * 60 )) ;;
  *[0-9]) CAP_SECONDS=$DURATION_CAP ;;
  *) die "--duration-cap must be like 300s or 5m, got $DURATION_CAP" ;;
esac
for v in APPLIES CONNS WEBSOCKETS CAP_SECONDS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "$v must be a whole number >= 1, got '${!v}'"
done
BASE="${BENCH_PORT_BASE:-19700}"
CONVERGE_TIMEOUT_MS=10000  # an apply not converged by then counts as failed (and as 10000 ms)

# ---- 1. set-up -------------------------------------------------------------------------------------------------
ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
ensure_pkg jq
command -v python3 >/dev/null || die "python3 is required"
raise_nofile
build_release
make_work_dir
trap cleanup EXIT
trap 'exit 130' INT TERM
for i in 1 2 3; do require_ports_free $((BASE + 10 + i)) $((BASE + 20 + i)) $((BASE + 30 + i)); done
require_ports_free "$BASE" $((BASE + 1))

listen() { echo "127.0.0.1:$((BASE + 10 + $1))"; }
admin() { echo "http://127.0.0.1:$((BASE + 20 + $1))"; }
TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# The token goes to curl through a config file, not its command line (ps would show it).
(umask 077 && printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" >"$WORK_DIR/admin.curl")
api() { curl -s -K "$WORK_DIR/admin.curl" --max-time 30 "$@"; }

# ---- 2. backends -------------------------------------------------------------------------------------------------
write_nginx_backend "$WORK_DIR/backend.conf" "$BASE"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
start_bg wsecho python3 "$ROOT/scripts/lib/ws_tool.py" serve 127.0.0.1 $((BASE + 1))
wait_http "http://127.0.0.1:$BASE/" 20 || die "nginx backend did not start: $(cat "$WORK_DIR/backend.err")"
wait_http "http://127.0.0.1:$((BASE + 1))/" 20 || die "WebSocket echo backend did not start: $(cat "$WORK_DIR/wsecho.err")"

# ---- 3. one config text, three nodes -----------------------------------------------------------------------------
# ${NODE_*} are left for each node to resolve from its own environment; the rest is filled in here.
cat >"$WORK_DIR/revision-a.hocon" <<CONF
proxy {
  listeners = [ { name = public, address = \${NODE_LISTEN}, mode = reverse } ]
  admin { address = \${NODE_ADMIN}, token = \${NODE_TOKEN} }
  pools {
    bench { backends = [ "127.0.0.1:$BASE" ] }
    ws { backends = [ "127.0.0.1:$((BASE + 1))" ] }
  }
  routes = [
    { name = ws, match { path-prefix = "/ws" }, pool = ws }
    { name = default, pool = bench, transforms { response-headers { set { X-Rev = "a" } } } }
  ]
  access-log { enabled = off }
  log-level = warning
  data-dir = "$WORK_DIR/data"
}
CONF
sed 's/X-Rev = "a"/X-Rev = "b"/' "$WORK_DIR/revision-a.hocon" >"$WORK_DIR/revision-b.hocon"
# The bad one: the default route names a pool that does not exist.
sed 's/pool = bench,/pool = nowhere,/' "$WORK_DIR/revision-a.hocon" >"$WORK_DIR/revision-bad.hocon"
cmp -s "$WORK_DIR/revision-a.hocon" "$WORK_DIR/revision-b.hocon" && die "revision-b does not differ from revision-a"
cmp -s "$WORK_DIR/revision-a.hocon" "$WORK_DIR/revision-bad.hocon" && die "revision-bad does not differ from revision-a"

SEEDS="127.0.0.1:$((BASE + 31)),127.0.0.1:$((BASE + 32)),127.0.0.1:$((BASE + 33))"
for i in 1 2 3; do
  start_bg "node$i" env -u PROXY_ADMIN_TOKEN -u PROXY_ADMIN_TOKEN_FILE -u PROXY_DATA_DIR \
    NODE_LISTEN="$(listen "$i")" NODE_ADMIN="127.0.0.1:$((BASE + 20 + i))" NODE_TOKEN="$TOKEN" \
    PROXY_HOSTNAME=127.0.0.1 PROXY_PORT=$((BASE + 30 + i)) PROXY_SEEDS="$SEEDS" \
    dotnet "$(NODE_DLL)" --config "$WORK_DIR/revision-a.hocon"
done
for i in 1 2 3; do
  wait_http "$(admin "$i")/ready" 90 || die "node $i not ready: $(tail -5 "$WORK_DIR/node$i.err")"
done
log "3 nodes ready"

# Both texts must pass verify before the loop; print the problems otherwise.
for r in a b; do
  code=$(api -o "$WORK_DIR/verify-$r.json" -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary @"$WORK_DIR/revision-$r.hocon" "$(admin 1)/api/config/verify") || code=000
  [ "$code" = 200 ] || die "revision-$r does not verify ($code): $(jq -r '.problems[]? | "\(.path): \(.message)"' \
    "$WORK_DIR/verify-$r.json" 2>/dev/null || cat "$WORK_DIR/verify-$r.json")"
done

# ---- 4. WebSockets held through the nodes ------------------------------------------------------------------------
log "opening $WEBSOCKETS WebSockets to /ws over the 3 listeners"
coproc WSHOLD { exec python3 "$ROOT/scripts/lib/ws_tool.py" hold 127.0.0.1 \
  "$((BASE + 11)),$((BASE + 12)),$((BASE + 13))" "$WEBSOCKETS" /ws 2>"$WORK_DIR/ws-hold.err"; }
STARTED_PIDS+=("$WSHOLD_PID")
# Own copies of the coproc's descriptors: bash drops WSHOLD[] as soon as the process ends.
exec {WS_IN}<&"${WSHOLD[0]}" {WS_OUT}>&"${WSHOLD[1]}"
IFS= read -r -t 60 WS_OPENED <&"$WS_IN" || die "the WebSocket client did not open: $(cat "$WORK_DIR/ws-hold.err")"
log "$WS_OPENED"
WS_OK=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$WS_OPENED")
WS_CHECKS=0 WS_BAD_CHECKS=0 WS_LAST="CHECK (none)"
# ws_check: one echo on every socket; a check passes when none closed and every opened socket echoed.
ws_check() {
  echo check >&"$WS_OUT" 2>/dev/null || true
  IFS= read -r -t 60 WS_LAST <&"$WS_IN" || WS_LAST="CHECK (no answer)"
  WS_CHECKS=$((WS_CHECKS + 1))
  local closed echoed
  closed=$(sed -n 's/.*closed=\([0-9]*\).*/\1/p' <<<"$WS_LAST"); echoed=$(sed -n 's/.*echoed=\([0-9]*\).*/\1/p' <<<"$WS_LAST")
  if [ "${closed:-x}" != 0 ] || [ "${echoed:-x}" != "${WS_OK:-0}" ]; then
    WS_BAD_CHECKS=$((WS_BAD_CHECKS + 1)); log "WebSocket check failed: $WS_LAST"
  fi
}
ws_check
log "first $WS_LAST"

# ---- 5. load -------------------------------------------------------------------------------------------------------
cat >"$WORK_DIR/count.lua" <<'LUA'
-- errors.status counts responses with a status >= 400 (wrk's "Non-2xx or 3xx responses").
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout))
end
LUA
WRK_PIDS=() WRK_SPLIT=""
for i in 1 2 3; do
  c=$((CONNS / 3 + (i <= CONNS % 3 ? 1 : 0)))
  [ "$c" -ge 1 ] || continue
  start_bg "wrk$i" wrk -t1 -c"$c" -d"${CAP_SECONDS}s" -s "$WORK_DIR/count.lua" "http://$(listen "$i")/"
  WRK_PIDS+=("$(eval echo "\$PID_wrk$i")")
  WRK_SPLIT="${WRK_SPLIT:+$WRK_SPLIT + }$c (node $i)"
done
LOAD_START=$SECONDS
sleep 1

# ---- 6. the applies -------------------------------------------------------------------------------------------------
echo "== bench-config: $APPLIES applies over 3 nodes, wrk -t1 per node, $CONNS connections ($WRK_SPLIT), $WEBSOCKETS WebSockets, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
: >"$WORK_DIR/applies.txt"  # k node revision apply_ms converge_ms
APPLIED=0 APPLY_FAILED=0 LAST_TEXT=a LAST_REVISION=0
# apply_one K: applies revision-b (K odd) or revision-a (K even) through node (K mod 3)+1 and waits for every member;
# appends "K node revision answer_ms converge_ms" to applies.txt, or counts the apply as failed.
apply_one() {
  local k="$1" text=b node code rev t0 t1 t2 st verdict conv=""
  [ $((k % 2)) = 0 ] && text=a
  node=$((k % 3 + 1))
  t0=${EPOCHREALTIME//[.,]/}
  code=$(api -o "$WORK_DIR/apply.json" -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary @"$WORK_DIR/revision-$text.hocon" "$(admin "$node")/api/config/apply?wait=0s&source=bench") || code=000
  t1=${EPOCHREALTIME//[.,]/}
  rev=$(jq -r '.revision // 0' "$WORK_DIR/apply.json" 2>/dev/null || echo 0)
  if [ "$code" != 200 ] || ! [ "${rev:-0}" -gt "$LAST_REVISION" ] 2>/dev/null; then
    APPLY_FAILED=$((APPLY_FAILED + 1))
    log "apply $k (revision-$text to node $node) answered $code, revision ${rev:-?}: $(head -c 400 "$WORK_DIR/apply.json")"
    return
  fi
  # Poll until every member (3) runs the new revision, or one rejected it, or the time-out.
  while :; do
    st=$(api --max-time 2 "$(admin "$node")/api/config/status" || true)
    t2=${EPOCHREALTIME//[.,]/}
    verdict=$(jq -r --argjson n "$rev" 'if any(.members[]; .state == "rejected" and .revision >= $n) then "rejected"
      elif (.members | length) == 3 and all(.members[]; .running >= $n) then "current" else "pending" end' <<<"$st" 2>/dev/null || echo pending)
    if [ "$verdict" = current ]; then conv=$(( (t2 - t1) / 1000 )); break; fi
    if [ "$verdict" = rejected ]; then log "apply $k: revision $rev rejected: $(jq -c '.members' <<<"$st")"; break; fi
    if [ $(( (t2 - t1) / 1000 )) -ge "$CONVERGE_TIMEOUT_MS" ]; then log "apply $k: revision $rev not on every member after ${CONVERGE_TIMEOUT_MS} ms: $st"; break; fi
    sleep 0.01
  done
  APPLIED=$((APPLIED + 1)) LAST_TEXT=$text LAST_REVISION=$rev
  [ -n "$conv" ] || { APPLY_FAILED=$((APPLY_FAILED + 1)); conv=$CONVERGE_TIMEOUT_MS; }
  echo "$k $node $rev $(( (t1 - t0) / 1000 )) $conv" >>"$WORK_DIR/applies.txt"
  LAST_APPLY="revision $rev via node $node, answer $(( (t1 - t0) / 1000 )) ms, every member after $conv ms"
}
LAST_APPLY="(none)"
for k in $(seq 1 "$APPLIES"); do
  if [ $((SECONDS - LOAD_START)) -ge "$CAP_SECONDS" ]; then log "duration cap $DURATION_CAP reached after $APPLIED applies"; break; fi
  apply_one "$k"
  if [ $((k % 10)) = 0 ]; then ws_check; log "apply $k: $LAST_APPLY; $WS_LAST"; fi
done

# ---- 7. a bad revision ----------------------------------------------------------------------------------------------
code=$(api -o "$WORK_DIR/bad.json" -w '%{http_code}' -H 'Content-Type: text/plain' \
  --data-binary @"$WORK_DIR/revision-bad.hocon" "$(admin 1)/api/config/apply?wait=0s&source=bench-bad") || code=000
BAD_PROBLEMS=$(jq -r '.problems[]? | "\(.path): \(.message)"' "$WORK_DIR/bad.json" 2>/dev/null || true)
latest_after=$(api "$(admin 2)/api/config/status" | jq -r '.latest' 2>/dev/null || echo "?")
BAD_OK=yes
[ "$code" = 422 ] || { BAD_OK=no; log "bad revision answered $code: $(head -c 400 "$WORK_DIR/bad.json")"; }
grep -q '^proxy\.routes\[' <<<"$BAD_PROBLEMS" || { BAD_OK=no; log "no problem names proxy.routes[...]: $BAD_PROBLEMS"; }
[ "$latest_after" = "$LAST_REVISION" ] || { BAD_OK=no; log "latest revision is $latest_after after the bad apply, expected $LAST_REVISION"; }
SERVING=""
for i in 1 2 3; do
  out=$(curl -s -o /dev/null -D - --max-time 5 "http://$(listen "$i")/" | tr -d '\r' || true)
  status=$(awk 'NR == 1 { print $2 }' <<<"$out"); xrev=$(awk -F': ' 'tolower($1) == "x-rev" { print $2 }' <<<"$out")
  SERVING="$SERVING node$i=${status:-none}/X-Rev:${xrev:-none}"
  [ "$status" = 200 ] && [ "$xrev" = "$LAST_TEXT" ] || BAD_OK=no
done

# ---- 8. stop the load, last check, summary ---------------------------------------------------------------------------
for pid in "${WRK_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
for pid in "${WRK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
LOAD_SECONDS=$((SECONDS - LOAD_START))
ws_check
WS_FINAL=$WS_LAST
echo close >&"$WS_OUT" 2>/dev/null || true
IFS= read -r -t 30 _closed <&"$WS_IN" || true
wait "$WSHOLD_PID" 2>/dev/null || true

REQ_TOTAL=0 REQ_FAILED=0 WRK_LINES=""
for i in 1 2 3; do
  [ -f "$WORK_DIR/wrk$i.out" ] || continue
  line=$(grep '^WRK ' "$WORK_DIR/wrk$i.out" || echo "WRK (no summary)")
  WRK_LINES="$WRK_LINES node$i: ${line#WRK };"
  if [[ "$line" == "WRK requests="* ]]; then
    # requests, then failed = non2xx + connect + read + write + timeout
    read -r r f < <(awk '{ t = 0; for (i = 3; i <= 7; i++) { split($i, kv, "="); t += kv[2] }
      split($2, kv, "="); print kv[2], t }' <<<"$line")
    REQ_TOTAL=$((REQ_TOTAL + r)); REQ_FAILED=$((REQ_FAILED + f))
  else
    REQ_FAILED=$((REQ_FAILED + 1))  # a wrk without its summary: its figures are unknown, count it as failed
  fi
done

convs=$(awk '{ print $5 }' "$WORK_DIR/applies.txt" | tr '\n' ' ')
answers=$(awk '{ print $4 }' "$WORK_DIR/applies.txt" | tr '\n' ' ')
within=$(awk -v lim=1000 '$5 <= lim { n++ } END { print n + 0 }' "$WORK_DIR/applies.txt")
stats() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) { print "n/a"; exit }
  p = int(NR * 0.9); if (p < NR * 0.9) p++
  printf "min %d  median %s  p90 %d  max %d", a[1], (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[p], a[NR] }'; }
ws_open=$(sed -n 's/.*open=\([0-9]*\).*/\1/p' <<<"$WS_FINAL"); ws_echoed=$(sed -n 's/.*echoed=\([0-9]*\).*/\1/p' <<<"$WS_FINAL")
ws_closed=$(sed -n 's/.*closed=\([0-9]*\).*/\1/p' <<<"$WS_FINAL")

echo
printf '%-40s %s\n' "applies done" "$APPLIED / $APPLIES (failed or not converged: $APPLY_FAILED; last revision $LAST_REVISION)"
printf '%-40s %s\n' "apply answer, ms (wait=0s)" "$(stats <<<"$answers")"
printf '%-40s %s\n' "every member on it, ms after the answer" "$(stats <<<"$convs")   (status polled every ~10 ms)"
printf '%-40s %s\n' "within 1000 ms" "$within / $APPLIED"
printf '%-40s %s\n' "requests total / failed" "$REQ_TOTAL / $REQ_FAILED over ${LOAD_SECONDS} s (failed = status >= 400 + socket errors)"
printf '%-40s %s\n' "  per wrk" "${WRK_LINES# }"
printf '%-40s %s\n' "WebSockets opened" "$WS_OPENED"
printf '%-40s %s\n' "WebSockets at the end open/echoed/closed" "${ws_open:-?} / ${ws_echoed:-?} / ${ws_closed:-?}   ($WS_CHECKS checks, $WS_BAD_CHECKS failed)"
printf '%-40s %s\n' "bad revision rejected" "$BAD_OK (HTTP $code, latest $latest_after;$SERVING)"
[ -n "$BAD_PROBLEMS" ] && sed 's/^/    problem: /' <<<"$BAD_PROBLEMS"

RESULT=PASS
T1=PASS; { [ "$APPLIED" = "$APPLIES" ] && [ "$APPLY_FAILED" = 0 ] && [ "$within" = "$APPLIED" ]; } || T1=FAIL
T2=PASS; { [ "$APPLIED" = "$APPLIES" ] && [ "$APPLY_FAILED" = 0 ] && [ "$REQ_FAILED" = 0 ] && [ "$REQ_TOTAL" -gt 0 ] \
  && [ "${WS_OK:-0}" = "$WEBSOCKETS" ] && [ "$WS_BAD_CHECKS" = 0 ]; } || T2=FAIL
T3=PASS; [ "$BAD_OK" = yes ] || T3=FAIL
for i in 1 2 3; do node_alive "$(eval echo "\$PID_node$i")" || { T2=FAIL; log "node $i is not running any more"; }; done
echo "target 1, every member on the new revision within 1 s:   $T1"
echo "target 2, $APPLIES applies under load, 0 failed, 0 closed:   $T2"
echo "target 3, bad revision refused, old one still serving:   $T3"
[ "$T1$T2$T3" = PASSPASSPASS ] || RESULT=FAIL
echo "RESULT: $RESULT"
[ "$RESULT" = PASS ]
