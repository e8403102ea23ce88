#!/usr/bin/env bash
# Response cache hit path (E5): our node's route cache against nginx's proxy_cache, side by side, A/B alternating.
#   scripts/bench-cache.sh [--size 4096] [--rounds 3] [--duration 10s] [--conns 64] [--warmup 10s]
#                          [--nodes 1|2] [--local-copies on|off]
# Starts a backend (nginx, 1 worker) answering GET /obj with a fixed body of SIZE bytes and
# Cache-Control: max-age=3600, on two ports (one per proxy, each with its own access log of /obj, so the origin
# requests of each proxy are counted apart); nginx as caching reverse proxy (1 worker, proxy_cache under a tmpfs
# dir in /dev/shm, upstream keepalive, proxy_http_version 1.1, X-Cache-Status); our node with one route and
# `cache { }`. Fills both caches with one request each and fails unless the second is a hit (X-Cache-Status: HIT,
# Cache-Status: ...; hit), warms both up with wrk (tiered JIT), then runs `wrk -t1 -cC -dD --latency` against
# nginx and ours in turn, ROUNDS times, and prints req/s, p50/p99, the proxy's user+sys CPU seconds per 10k
# requests (/proc/PID/stat), medians and ours/nginx ratios; then the origin requests each proxy made over the whole
# run and each one's hit ratio: ours as the node counts it (proxy_cache_requests_total on its admin /metrics: hits
# over all its cache requests) when the build has it, otherwise, as for nginx, 1 - origin requests / requests sent.
# --nodes 2: ours is a two-node cluster (one cache, E5); wrk goes to the node that does NOT own /obj's key, so with
# --local-copies off every hit is one hop to the owner's internal listener (the owner-hop cost), and with on (the
# default) the non-owner's copy answers; the CPU figure is both nodes'.
# PROXY_NODE_DLL=path/Proxy.Node.dll runs that build instead of Proxy.Node/bin/Release (PROXY_NO_BUILD=1: no build).
# Ports: BENCH_PORT_BASE (default 19700): backend for nginx +0, backend for ours +1, nginx +2, ours +3, our admin +4;
# with --nodes 2 also the second node +5, its admin +6, and the two nodes' remoting +7, +8.
# Everything started here is stopped on exit; the work dir and the /dev/shm cache dir are removed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"

if [ -n "${PROXY_NODE_DLL:-}" ]; then
  NODE_DLL() { echo "$PROXY_NODE_DLL"; }
  PROXY_NO_BUILD=1
fi

SIZE=4096
ROUNDS=3
DURATION=10s
CONNS=64
WARMUP=10s
NODES=1
LOCAL_COPIES=on
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --nodes) NODES="$2"; shift 2 ;;
    --local-copies) LOCAL_COPIES="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
# --size accepts bytes or k/m suffixes (KiB, MiB).
SIZE=$(awk -v s="$SIZE" 'BEGIN { n = s + 0; if (s ~ /[kK]$/) n *= 1024; else if (s ~ /[mM]$/) n *= 1048576
  if (s !~ /^[0-9]+[kKmM]?$/ || n < 1) print "bad"; else printf "%d", n }')
[ "$SIZE" != bad ] || die "--size must be a positive number of bytes (or Nk, Nm)"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
[[ "$CONNS" =~ ^[1-9][0-9]*$ ]] || die "--conns must be a positive integer"
[[ "$NODES" =~ ^[12]$ ]] || die "--nodes must be 1 or 2"
[[ "$LOCAL_COPIES" =~ ^(on|off)$ ]] || die "--local-copies must be on or off"

BASE="${BENCH_PORT_BASE:-19700}"
ORIGIN_NGINX=$BASE ORIGIN_OURS=$((BASE + 1)) NGINX_PORT=$((BASE + 2)) NODE_PORT=$((BASE + 3)) ADMIN_PORT=$((BASE + 4))
NODE2_PORT=$((BASE + 5)) ADMIN2_PORT=$((BASE + 6)) REMOTING1=$((BASE + 7)) REMOTING2=$((BASE + 8))
ADMIN_PORTS="$ADMIN_PORT"
[ "$NODES" = 1 ] || ADMIN_PORTS="$ADMIN_PORT $ADMIN2_PORT"
BENCH_TOKEN="bench-cache-$$"
CLK_TCK=$(getconf CLK_TCK)

ensure_pkg wrk
ensure_pkg nginx
ensure_pkg curl
raise_nofile
build_release
[ -f "$(NODE_DLL)" ] || die "no node build at $(NODE_DLL)"
# A build older than the last commit to the node's code may not have the response cache (or its latest changes).
src_time=$(git -C "$ROOT" log -1 --format=%ct -- Proxy.Node Proxy.Actors Proxy.Shared 2>/dev/null || echo 0)
[ "$(stat -c %Y "$(NODE_DLL)")" -ge "${src_time:-0}" ] \
  || log "WARNING: $(NODE_DLL) is older than the last commit to Proxy.Node/Actors/Shared: it may not be the code at HEAD"
require_ports_free "$ORIGIN_NGINX" "$ORIGIN_OURS" "$NGINX_PORT" "$NODE_PORT" "$ADMIN_PORT"
[ "$NODES" = 1 ] || require_ports_free "$NODE2_PORT" "$ADMIN2_PORT" "$REMOTING1" "$REMOTING2"

make_work_dir
SHM_DIR=""
trap 'cleanup; [ -z "$SHM_DIR" ] || rm -rf "$SHM_DIR"' EXIT
trap 'exit 130' INT TERM
[ -d /dev/shm ] && [ -w /dev/shm ] || die "/dev/shm (tmpfs) is needed for nginx's cache directory"
SHM_DIR="$(mktemp -d /dev/shm/proxy-bench-cache.XXXXXX)"
chmod 755 "$SHM_DIR"

mkdir -p "$WORK_DIR/www"
head -c "$SIZE" /dev/zero | tr '\0' 'x' >"$WORK_DIR/www/obj"
ROOT_USER="$( [ "$(id -u)" = 0 ] && echo "user root;" || true )"

# The origin: the same file on two ports; only GET /obj is logged, one log per port (= per proxy).
cat >"$WORK_DIR/backend.conf" <<EOF
worker_processes 1;
daemon off;
$ROOT_USER
pid $WORK_DIR/backend.pid;
error_log $WORK_DIR/backend-error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  log_format origin '\$msec \$request_method \$request_uri \$status \$body_bytes_sent';
  client_body_temp_path $WORK_DIR/tmp-backend;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$ORIGIN_NGINX reuseport backlog=4096;
    location = /obj { root $WORK_DIR/www; default_type application/octet-stream;
                      add_header Cache-Control "max-age=3600"; access_log $WORK_DIR/origin-nginx.log origin; }
    location / { default_type text/plain; return 200 "ok\n"; }
  }
  server {
    listen 127.0.0.1:$ORIGIN_OURS reuseport backlog=4096;
    location = /obj { root $WORK_DIR/www; default_type application/octet-stream;
                      add_header Cache-Control "max-age=3600"; access_log $WORK_DIR/origin-ours.log origin; }
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF

# nginx as caching reverse proxy: freshness from the origin's max-age (no proxy_cache_valid).
cat >"$WORK_DIR/nginx-proxy.conf" <<EOF
worker_processes 1;
daemon off;
$ROOT_USER
pid $WORK_DIR/nginx-proxy.pid;
error_log $WORK_DIR/nginx-proxy-error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $WORK_DIR/tmp-proxy-body;
  proxy_temp_path $WORK_DIR/tmp-proxy;
  proxy_cache_path $SHM_DIR/nginx levels=1:2 keys_zone=bench:16m max_size=1g inactive=2h use_temp_path=off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  upstream backend {
    server 127.0.0.1:$ORIGIN_NGINX;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
}
EOF

MAX_OBJECT=""
[ "$SIZE" -le $((8 * 1024 * 1024)) ] || MAX_OBJECT="max-object = $SIZE"
# Only when asked: a build before the cluster's cache does not know the key.
CACHE_EXTRA=""
[ "$NODES" = 1 ] && [ "$LOCAL_COPIES" = on ] || CACHE_EXTRA="local-copies = $LOCAL_COPIES"
# node_config PORT ADMIN: one node's config (both nodes of --nodes 2 have the same routes).
node_config() {
  cat <<EOF
proxy {
  listeners = [ { name = public, address = "127.0.0.1:$1", mode = reverse, max-connections = 20000 } ]
  admin { address = "127.0.0.1:$2", token = "$BENCH_TOKEN" }
  pools {
    origin {
      backends = [ "127.0.0.1:$ORIGIN_OURS" ]
    }
  }
  routes = [ { name = cached, pool = origin, cache { $MAX_OBJECT $CACHE_EXTRA } } ]
  access-log { enabled = off }
  log-level = warning
}
EOF
}
node_config "$NODE_PORT" "$ADMIN_PORT" >"$WORK_DIR/node.hocon"
node_config "$NODE2_PORT" "$ADMIN2_PORT" >"$WORK_DIR/node2.hocon"

log "starting origin (nginx :$ORIGIN_NGINX, :$ORIGIN_OURS), nginx proxy_cache (:$NGINX_PORT), our node (:$NODE_PORT, $(NODE_DLL))"
start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
start_bg nginxproxy "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/nginx-proxy.conf"
if [ "$NODES" = 1 ]; then
  start_node ours "$WORK_DIR/node.hocon" sockets
else
  start_bg ours env -u PROXY_TRANSPORT PROXY_PORT="$REMOTING1" PROXY_SEEDS="127.0.0.1:$REMOTING1" \
    dotnet "$(NODE_DLL)" --config "$WORK_DIR/node.hocon"
  start_bg ours2 env -u PROXY_TRANSPORT PROXY_PORT="$REMOTING2" PROXY_SEEDS="127.0.0.1:$REMOTING1" \
    dotnet "$(NODE_DLL)" --config "$WORK_DIR/node2.hocon"
fi
OUR_PIDS="$PID_ours${PID_ours2:+ $PID_ours2}"
wait_http "http://127.0.0.1:$ORIGIN_NGINX/" 20 || die "origin did not start: $(cat "$WORK_DIR/backend.err")"
wait_http "http://127.0.0.1:$ORIGIN_OURS/" 20 || die "origin did not start: $(cat "$WORK_DIR/backend.err")"
# Not /obj: that would fill the caches and count as origin requests.
wait_http "http://127.0.0.1:$NGINX_PORT/ping" 20 || die "nginx proxy did not start: $(cat "$WORK_DIR/nginxproxy.err")"
# Each node's admin /ready, up to 60 s; a node that exits (a config it rejects) fails at once.
for admin in $ADMIN_PORTS; do
  for i in $(seq 1 60); do
    for pid in $OUR_PIDS; do node_alive "$pid" || die "node exited: $(tail -20 "$WORK_DIR"/ours*.err)"; done
    wait_http "http://127.0.0.1:$admin/ready" 1 && break
    [ "$i" -lt 60 ] || die "node did not start: $(tail -20 "$WORK_DIR"/ours*.err)"
  done
done
wait_http "http://127.0.0.1:$NODE_PORT/ping" 20 || die "node does not proxy: $(tail -20 "$WORK_DIR/ours.err")"

NGINX_URL="http://127.0.0.1:$NGINX_PORT/obj"
NODE_URL="http://127.0.0.1:$NODE_PORT/obj"
# cache_members ADMIN: the members each node spreads the cache keys over, summed over the nodes (pbm cache stats'
# owners: each node's address and its members' addresses).
cache_members() {
  curl -s --max-time 5 -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$1/api/cache/stats" 2>/dev/null \
    | sed -n 's/.*"owners":\(.*\)/\1/p' | grep -o '"members":\[[^]]*\]' | grep -o 'akka[.]tcp' | wc -l
}
# owner_answers ADMIN: requests the node's route cache sent to the key's owner (proxy_cache_requests_total, owner).
owner_answers() {
  curl -s --max-time 5 "http://127.0.0.1:$1/metrics" 2>/dev/null \
    | awk '/^proxy_cache_requests_total\{/ && /route="cached"/ && /result="owner"/ { n += $NF } END { printf "%d\n", n }'
}
declare -A SENT=([nginx]=0 [ours]=0)

# probe NAME URL: one GET; prints "status bytes cache-status-value" (the value is empty when the header is absent).
# It runs in a subshell ($(...)): the caller counts the request in SENT[NAME].
probe() {
  local name="$1" url="$2" hdrs code_size header
  hdrs="$WORK_DIR/probe-$name.headers"
  code_size=$(curl -s -o /dev/null -D "$hdrs" -w '%{http_code} %{size_download}' --max-time 5 "$url" || true)
  if [ "$name" = nginx ]; then header=X-Cache-Status; else header=Cache-Status; fi
  echo "${code_size:-000 0} $(awk -v h="$header" 'tolower($0) ~ "^" tolower(h) ":" {
      sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }' "$hdrs")"
}
# is_hit NAME VALUE: nginx's X-Cache-Status is HIT; ours is a Cache-Status entry with the hit parameter (RFC 9211).
is_hit() {
  local re='(^|;)[[:space:]]*hit[[:space:]]*(;|$)'
  if [ "$1" = nginx ]; then [ "$2" = HIT ]; else [[ "$2" =~ $re ]]; fi
}

# node_cache_counts: "HITS ALL" from the node's proxy_cache_requests_total{route="cached"} (hits, and requests of
# every result) on its admin /metrics; empty when the node has no such series (a build before the cache metrics).
# The node counts each request it saw, including those wrk still had in flight when it stopped (wrk does not count
# those), so the node's ratio is its own hits over its own total, not over what wrk reports.
# With two nodes, both nodes' series: a request the non-owner sent to the owner (result="owner") is counted again as
# the owner's hit or miss, so it is left out of the total. A request that shared another's fetch (coalesced: on the
# non-owner without local copies, the requests that waited for one ask of the owner) is a hit, as pbm cache stats
# counts it.
node_cache_counts() {
  for admin in $ADMIN_PORTS; do curl -s --max-time 5 "http://127.0.0.1:$admin/metrics" 2>/dev/null; done | awk '
    /^proxy_cache_requests_total\{/ && /route="cached"/ && !/result="owner"/ { all += $NF; n++; if (/result="(hit|coalesced)"/) hits += $NF }
    END { if (n) printf "%d %d\n", hits, all }'
}
if [ "$NODES" = 2 ]; then
  for i in $(seq 1 30); do
    [ "$(cache_members "$ADMIN_PORT")" = 4 ] && break
    [ "$i" -lt 30 ] || die "the two nodes did not share their cache within 30 s: $(tail -5 "$WORK_DIR"/ours*.err)"
    sleep 1
  done
fi
COUNTS0=$(node_cache_counts || true)
if [ "$NODES" = 2 ]; then
  # wrk goes to the node that does not own /obj: one GET through the first node tells (it asks the owner or not).
  read -r code _ <<<"$(probe ours "$NODE_URL")"; SENT[ours]=$((SENT[ours] + 1))
  [ "$code" = 200 ] || die "ours: GET /obj through the first node answered $code"
  if [ "$(owner_answers "$ADMIN_PORT")" = 0 ]; then NODE_URL="http://127.0.0.1:$NODE2_PORT/obj"; fi
  log "two nodes, local-copies $LOCAL_COPIES: wrk goes to $NODE_URL (the node that does not own /obj)"
fi

# Fill each cache with one request; the second must be a hit.
for name in nginx ours; do
  if [ "$name" = nginx ]; then url=$NGINX_URL; else url=$NODE_URL; fi
  read -r code size status <<<"$(probe "$name" "$url")"; SENT[$name]=$((SENT[$name] + 1))
  [ "$code" = 200 ] && [ "$size" = "$SIZE" ] || die "$name: first GET /obj answered $code with $size bytes (expected 200, $SIZE)"
  log "$name, first request: ${status:-(no cache status header)}"
  read -r code size status <<<"$(probe "$name" "$url")"; SENT[$name]=$((SENT[$name] + 1))
  [ "$code" = 200 ] && [ "$size" = "$SIZE" ] || die "$name: second GET /obj answered $code with $size bytes (expected 200, $SIZE)"
  is_hit "$name" "$status" \
    || die "$name: the second request was not a cache hit (status header: '${status:-none}'); headers: $(tr -d '\r' <"$WORK_DIR/probe-$name.headers" | tr '\n' '|')"
  log "$name, second request: $status"
done


# duration_s: $DURATION (10, 10s, 1m) in seconds.
duration_s() { awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }'; }
# to_ms VALUE_WITH_UNIT: wrk latency (812.00us, 1.53ms, 2.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { if (v == "") { print "n/a"; exit } n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}
wrk_requests() { awk '/requests in/ { print $1 }' "$1"; }

busy=$(cpu_busy_pct 3)
log "machine CPU busy before the warm-up (our processes idle): ${busy}%"
[ "$busy" -lt 15 ] || log "WARNING: something else is using the CPU; figures will be noisy"
log "warm-up: $WARMUP per proxy at -c$CONNS (all hits; lets the node's tiered JIT settle)"
for name in nginx ours; do
  if [ "$name" = nginx ]; then url=$NGINX_URL; else url=$NODE_URL; fi
  wrk -t1 -c"$CONNS" -d"$WARMUP" "$url" >"$WORK_DIR/warmup-$name.txt" 2>&1 || true
  n=$(wrk_requests "$WORK_DIR/warmup-$name.txt" || true)
  SENT[$name]=$((SENT[$name] + ${n:-0}))
done
origin_lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
ORIGIN0_nginx=$(origin_lines "$WORK_DIR/origin-nginx.log"); ORIGIN0_ours=$(origin_lines "$WORK_DIR/origin-ours.log")

RESULTS="$WORK_DIR/results.txt"
: >"$RESULTS"
# pids_ticks PID...: cpu_ticks summed over the processes (ours is two nodes with --nodes 2).
pids_ticks() { local sum=0 p; for p in "$@"; do sum=$((sum + $(cpu_ticks "$p"))); done; echo "$sum"; }
# run_wrk NAME URL "PID..." ROUND
run_wrk() {
  local name="$1" url="$2" pid="$3" round="$4" out before after m0 m1 b0 b1 w0 w1 p
  for p in $pid; do node_alive "$p" || die "$name (pid $p) is not running any more"; done
  out="$WORK_DIR/wrk-$name-$round.txt"
  before=$(pids_ticks $pid); b0=$(cpu_ticks "$PID_backend"); m0=$(machine_busy_ticks)
  shell_children_ticks "$WORK_DIR/ticks"; w0=$(cat "$WORK_DIR/ticks")
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$url" >"$out" 2>&1 || true
  shell_children_ticks "$WORK_DIR/ticks"; w1=$(cat "$WORK_DIR/ticks")
  after=$(pids_ticks $pid); b1=$(cpu_ticks "$PID_backend"); m1=$(machine_busy_ticks)
  local rps p50 p99 reqs errs cpu other
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  reqs=$(wrk_requests "$out")
  errs=$(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' ' | tr '\n' ';' || true)
  [ -n "$rps" ] && [ "${reqs:-0}" -gt 0 ] || { log "wrk failed against $name: $(cat "$out")"; rps=0; reqs=0; }
  SENT[$name]=$((SENT[$name] + reqs))
  other=$(awk -v m=$((m1 - m0)) -v o=$(( (after - before) + (b1 - b0) + (w1 - w0) )) -v n="$(nproc)" \
    -v hz="$CLK_TCK" -v d="$(duration_s)" 'BEGIN { v = (m - o) * 100 / (n * hz * d); printf "%.0f", v < 0 ? 0 : v }')
  cpu=$(awk -v d=$((after - before)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { if (n > 0) printf "%.3f", d / hz * 10000 / n; else print "n/a" }')
  printf '%-8s %5s %11s %9s %9s %10s %10s %7s  %s\n' "$name" "$round" "$rps" "$p50" "$p99" "$reqs" "$cpu" "$other" "${errs:-}"
  echo "$name $round $rps $p50 $p99 $reqs $cpu $other" >>"$RESULTS"
}

echo "== cache hits, GET /obj ($SIZE-byte body): wrk -t1 -c$CONNS -d$DURATION --latency, $ROUNDS rounds alternating, ours $NODES node(s) (local-copies $LOCAL_COPIES), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), machine ${busy}% busy before"
printf '%-8s %5s %11s %9s %9s %10s %10s %7s  %s\n' target round "req/s" "p50 ms" "p99 ms" requests "cpu s/10k" "other%" errors
for round in $(seq 1 "$ROUNDS"); do
  run_wrk nginx "$NGINX_URL" "$PID_nginxproxy" "$round"
  run_wrk ours "$NODE_URL" "$OUR_PIDS" "$round"
done
for p in $OUR_PIDS; do node_alive "$p" || die "our node died during the run"; done

col_median() { awk -v n="$1" -v k="$2" '$1 == n { print $k }' "$RESULTS" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "n/a") printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== medians over $ROUNDS rounds"
printf '%-10s %11s %9s %9s %10s\n' target "req/s" "p50 ms" "p99 ms" "cpu s/10k"
for name in nginx ours; do
  printf '%-10s %11s %9s %9s %10s\n' "$name" "$(col_median "$name" 3)" "$(col_median "$name" 4)" \
    "$(col_median "$name" 5)" "$(col_median "$name" 7)"
done
printf '%-10s %11s %9s %9s %10s\n' ours/nginx \
  "$(ratio "$(col_median ours 3)" "$(col_median nginx 3)")" "$(ratio "$(col_median ours 4)" "$(col_median nginx 4)")" \
  "$(ratio "$(col_median ours 5)" "$(col_median nginx 5)")" "$(ratio "$(col_median ours 7)" "$(col_median nginx 7)")"
echo "(cpu = user+sys seconds of the proxy process(es) per 10,000 requests; other% = CPU of processes other than"
echo " the proxy, the origin and wrk during a run, % of all cores)"

echo
ON=$(origin_lines "$WORK_DIR/origin-nginx.log"); OO=$(origin_lines "$WORK_DIR/origin-ours.log")
echo "origin requests (GET /obj at the backend) over the whole run: nginx $ON ($((ON - ORIGIN0_nginx)) during the rounds), ours $OO ($((OO - ORIGIN0_ours)) during the rounds)"
hit_pct() { awk -v h="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.4f%%", h * 100 / n; else print "n/a" }'; }
COUNTS1=$(node_cache_counts || true)
if [ -n "$COUNTS1" ]; then
  read -r h1 a1 <<<"$COUNTS1"; read -r h0 a0 <<<"${COUNTS0:-0 0}"
  ours_hits=$((h1 - h0)); ours_all=$((a1 - a0)); ours_how="the nodes' own hits and shared fetches over their own count, proxy_cache_requests_total"
else
  ours_hits=$((SENT[ours] - OO)); ours_all=${SENT[ours]}; ours_how="1 - origin/sent: this node build has no proxy_cache_requests_total"
fi
echo "hit ratio over the run: nginx $(hit_pct $((SENT[nginx] - ON)) "${SENT[nginx]}") of ${SENT[nginx]} requests (1 - origin/sent)," \
  "ours $(hit_pct "$ours_hits" "$ours_all") of $ours_all requests ($ours_how)"
