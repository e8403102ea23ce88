# Shared helpers for the benchmark scripts (bench.sh, conn-scale.sh, churn-check.sh). Source it; it
# expects `set -euo pipefail` and a ROOT variable pointing at the repository root.
# Every process started through start_bg is recorded and stopped by cleanup (install it with trap).

STARTED_PIDS=()
WORK_DIR=""

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ensure_pkg COMMAND [APT_PACKAGE]: apt-get install the package when COMMAND is missing.
ensure_pkg() {
  local cmd="$1" pkg="${2:-$1}"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  log "installing $pkg"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y "$pkg" >/dev/null 2>&1 \
    || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$pkg" >/dev/null; }
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || die "could not install $pkg"
}

nginx_bin() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# Allow as many descriptors as the hard limit permits (20,000 here); children inherit it.
raise_nofile() { ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; }

make_work_dir() {
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/proxy-bench.XXXXXX")"
  chmod 755 "$WORK_DIR"
}

build_release() {
  if [ "${PROXY_NO_BUILD:-0}" = 1 ] && [ -f "$(NODE_DLL)" ]; then return 0; fi
  log "building Release"
  (cd "$ROOT" && dotnet build -c Release Proxy.Node -nologo -v q >&2)
}

# start_bg NAME COMMAND...: start a background process, log to $WORK_DIR/NAME.{out,err}, record its pid
# in the variable PID_<NAME>.
start_bg() {
  local name="$1"; shift
  "$@" >"$WORK_DIR/$name.out" 2>"$WORK_DIR/$name.err" &
  local pid=$!
  STARTED_PIDS+=("$pid")
  printf -v "PID_$name" '%s' "$pid"
}

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Stops everything start_bg started. The work directory (configs, logs) is removed unless the script
# failed or BENCH_KEEP=1, so a failure leaves its node and nginx logs to read.
cleanup() {
  local rc=$? pid
  for pid in ${STARTED_PIDS[@]+"${STARTED_PIDS[@]}"}; do stop_pid "$pid"; done
  STARTED_PIDS=()
  [ -n "$WORK_DIR" ] && [ -d "$WORK_DIR" ] || return 0
  if [ "$rc" != 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
    log "logs and configs kept in $WORK_DIR"
  else
    rm -rf "$WORK_DIR"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
require_ports_free() {
  local p
  for p in "$@"; do port_free "$p" || die "port $p on 127.0.0.1 is already in use (set BENCH_PORT_BASE)"; done
}

# wait_http URL [SECONDS]: wait until URL answers 200.
wait_http() {
  local url="$1" secs="${2:-60}" i
  for i in $(seq 1 $((secs * 5))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" = 200 ] && return 0
    sleep 0.2
  done
  return 1
}

# write_nginx_backend FILE PORT: nginx answering every request with a fixed 13-byte body.
write_nginx_backend() {
  local file="$1" port="$2" dir; dir="$(dirname "$file")"
  cat >"$file" <<EOF
worker_processes 1;
daemon off;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $dir/backend.pid;
error_log $dir/backend-error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/tmp-backend;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location / { default_type text/plain; return 200 "hello, world\n"; }
  }
}
EOF
}

# write_nginx_proxy FILE PORT BACKEND_PORT: nginx as a reverse proxy, 1 worker, upstream keep-alive 128.
write_nginx_proxy() {
  local file="$1" port="$2" backend="$3" dir; dir="$(dirname "$file")"
  cat >"$file" <<EOF
worker_processes 1;
daemon off;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
pid $dir/nginx-proxy.pid;
error_log $dir/nginx-proxy-error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/tmp-proxy-body;
  proxy_temp_path $dir/tmp-proxy;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  upstream backend {
    server 127.0.0.1:$backend;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$port reuseport backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
}

# write_node_config FILE LISTEN_PORT ADMIN_PORT BACKEND_PORT
write_node_config() {
  cat >"$1" <<EOF
proxy {
  listeners = [ { name = public, address = "127.0.0.1:$2", mode = reverse, max-connections = 20000 } ]
  admin { address = "127.0.0.1:$3" }
  pools {
    bench {
      backends = [ "127.0.0.1:$4" ]
    }
  }
  routes = [ { name = default, pool = bench } ]
  access-log { enabled = off }
  log-level = warning
}
EOF
}

NODE_DLL() { echo "$ROOT/Proxy.Node/bin/Release/net10.0/Proxy.Node.dll"; }

# start_node NAME CONFIG TRANSPORT: start our node (TRANSPORT: sockets | akka-io) with an OS-chosen
# remoting port; its pid lands in PID_<NAME>. Started as `dotnet Proxy.Node.dll` (same runtime, same
# code as the apphost): on a shared machine a `pkill -f "Proxy.Node --config"` meant for someone else's
# node would otherwise stop the measurement.
start_node() {
  local name="$1" config="$2" transport="$3"
  if [ "$transport" = akka-io ]; then
    start_bg "$name" env PROXY_PORT=0 PROXY_TRANSPORT=akka-io dotnet "$(NODE_DLL)" --config "$config"
  else
    start_bg "$name" env -u PROXY_TRANSPORT PROXY_PORT=0 dotnet "$(NODE_DLL)" --config "$config"
  fi
}

# env(1) execs the node, so the recorded pid is the node itself; make sure of it.
node_alive() { kill -0 "$1" 2>/dev/null; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# cpu_ticks PID: utime+stime (clock ticks) of PID and its direct children (nginx master + worker).
cpu_ticks() {
  local total=0 p t
  for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    # Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
    t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# tcp_states_of_pid PID: "STATE count" lines for the TCP sockets PID holds (from /proc/net/tcp{,6}).
tcp_states_of_pid() {
  local pid="$1"
  find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null \
    | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' >"$WORK_DIR/inodes.$pid"
  awk '
    BEGIN { split("ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN CLOSING", n, " ")
            for (i = 1; i <= 11; i++) name[sprintf("%02X", i)] = n[i] }
    FNR == NR { mine[$1] = 1; next }
    FNR > 1 && ($10 in mine) { count[name[$4]]++ }
    END { for (s in count) print s, count[s] }
  ' "$WORK_DIR/inodes.$pid" /proc/net/tcp /proc/net/tcp6 | sort
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# cpu_busy_pct [SECONDS]: how busy the whole machine was (all cores, %) over a short sample, to flag runs
# measured while something else was using the CPU.
cpu_busy_pct() {
  local secs="${1:-2}" a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
  sleep "$secs"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
    busy = y[1] - x[1]; idle = y[2] - x[2]; t = busy + idle; printf "%.0f", (t > 0 ? busy * 100 / t : 0) }'
}

# machine_busy_ticks: clock ticks the whole machine spent in processes so far (user+nice+system; irq and
# softirq are left out: loopback packet processing lands there and is not charged to any process).
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 }' /proc/stat; }

# shell_children_ticks FILE: CPU ticks of this shell's finished children (bash `times`, second line).
# Call it without a subshell: `shell_children_ticks "$tmp"; v=$(cat "$tmp")`.
shell_children_ticks() {
  times >"$1.times"
  awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
      t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
      printf "%d\n", t * hz }' "$1.times" >"$1"
}

# start_backend_and_node TRANSPORT: an nginx fixed-response backend on $BACKEND_PORT and one node on
# $NODE_PORT (admin $ADMIN_PORT) in $WORK_DIR, both answering before it returns; sets NODE_URL.
start_backend_and_node() {
  write_nginx_backend "$WORK_DIR/backend.conf" "$BACKEND_PORT"
  start_bg backend "$(nginx_bin)" -p "$WORK_DIR" -c "$WORK_DIR/backend.conf"
  write_node_config "$WORK_DIR/node.hocon" "$NODE_PORT" "$ADMIN_PORT" "$BACKEND_PORT"
  start_node node "$WORK_DIR/node.hocon" "$1"
  NODE_URL="http://127.0.0.1:$NODE_PORT/"
  wait_http "http://127.0.0.1:$BACKEND_PORT/" 20 || die "backend did not start: $(cat "$WORK_DIR/backend.err")"
  wait_http "$NODE_URL" 60 || die "node did not start: $(tail -20 "$WORK_DIR/node.err")"
}
