#!/usr/bin/env bash
# Start a local cluster: N proxy nodes (default 3) on loopback, joined into one Akka cluster, in front of two
# demo backends. Everything it starts is recorded so scripts/cluster-down.sh stops exactly that.
#   scripts/cluster-up.sh [N]
# Ports (node i = 1..N): public listener 8080+i-1, admin 9110+i-1, remoting 4053+i-1, cluster management
# (bootstrap) 8558+i-1; backends 9001, 9002. Move them with PROXY_CLUSTER_HTTP_BASE, PROXY_CLUSTER_ADMIN_BASE,
# PROXY_CLUSTER_REMOTING_BASE, PROXY_CLUSTER_MANAGEMENT_BASE, PROXY_CLUSTER_BACKEND_BASE. Run directory (token, shared data dir, logs, pids): .cluster/ or PROXY_CLUSTER_DIR.
# Config of every node: examples/cluster.hocon (the same file the Compose cluster uses).
# PROXY_NODE_BIN runs an already built Proxy.Node instead of building Release (the tests do).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-3}"
case "$count" in [1-9]) ;; *) echo "cluster-up.sh: N must be a number from 1 to 9, got '$count'" >&2; exit 2 ;; esac

run_dir="${PROXY_CLUSTER_DIR:-$root/.cluster}"
http_base="${PROXY_CLUSTER_HTTP_BASE:-8080}"
admin_base="${PROXY_CLUSTER_ADMIN_BASE:-9110}"
remoting_base="${PROXY_CLUSTER_REMOTING_BASE:-4053}"
management_base="${PROXY_CLUSTER_MANAGEMENT_BASE:-8558}"
backend_base="${PROXY_CLUSTER_BACKEND_BASE:-9001}"
bin="${PROXY_NODE_BIN:-$root/Proxy.Node/bin/Release/net10.0/Proxy.Node}"
pids_file="$run_dir/pids"

say() { echo "cluster-up: $*" >&2; }

if [ -f "$pids_file" ]; then
  while read -r _ pid; do
    if kill -0 "$pid" 2>/dev/null; then
      say "a cluster started from $run_dir is still running (pid $pid); run scripts/cluster-down.sh first"
      exit 1
    fi
  done <"$pids_file"
fi

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports=()
for i in $(seq 1 "$count"); do
  ports+=("$((http_base + i - 1))" "$((admin_base + i - 1))" "$((remoting_base + i - 1))" "$((management_base + i - 1))")
done
ports+=("$backend_base" "$((backend_base + 1))")
for p in "${ports[@]}"; do
  if port_taken "$p"; then say "port $p on 127.0.0.1 is already in use (see the PROXY_CLUSTER_*_BASE variables)"; exit 1; fi
done

command -v dotnet >/dev/null 2>&1 || { say "the .NET 10 SDK (dotnet) is required"; exit 1; }
if [ -z "${PROXY_NODE_BIN:-}" ] && { [ "${PROXY_NO_BUILD:-0}" != 1 ] || [ ! -x "$bin" ]; }; then
  say "building Release"
  (cd "$root" && dotnet build -c Release Proxy.Node -nologo -v q >&2)
fi

mkdir -p "$run_dir/logs" "$run_dir/data"
: >"$pids_file"
token_file="$run_dir/admin.token"
if [ ! -s "$token_file" ]; then
  (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$token_file")
fi
chmod 600 "$token_file"

# start NAME COMMAND...: detached from this shell (survives it), output under logs/, pid recorded.
start() {
  local name="$1"; shift
  # setsid, not nohup: the process leaves the terminal's session (closing the terminal does not end it) and keeps
  # SIGHUP, which a node takes as "apply the config file" (nohup would make it ignored).
  setsid "$@" >"$run_dir/logs/$name.out" 2>"$run_dir/logs/$name.err" </dev/null &
  echo "$name $!" >>"$pids_file"
}

fail() {
  say "$1"
  local log="$run_dir/logs/$2.err"
  [ -f "$log" ] && { say "last lines of $log:"; tail -n 20 "$log" >&2; }
  say "stopping what was started"
  "$root/scripts/cluster-down.sh" >&2 || true
  exit 1
}

start backend-a "$bin" demo-backend --listen "127.0.0.1:$backend_base" --name backend-a
start backend-b "$bin" demo-backend --listen "127.0.0.1:$((backend_base + 1))" --name backend-b

# Cluster Bootstrap with config discovery: every node knows every node's management endpoint and needs all N
# of them found before the cluster can form. Any node that finds a running cluster at a contact point joins
# it, so a restarted node (the first one included) rejoins instead of forming a second cluster; a new cluster
# forms only when all N answer that they are in none, and then only the lowest-addressed node forms it.
contact_points=""
for i in $(seq 1 "$count"); do contact_points="${contact_points:+$contact_points,}127.0.0.1:$((management_base + i - 1))"; done
for i in $(seq 1 "$count"); do
  PROXY_LISTEN="127.0.0.1:$((http_base + i - 1))" \
  PROXY_ADMIN_ADDRESS="127.0.0.1:$((admin_base + i - 1))" \
  PROXY_BACKEND_A="127.0.0.1:$backend_base" \
  PROXY_BACKEND_B="127.0.0.1:$((backend_base + 1))" \
  PROXY_HOSTNAME=127.0.0.1 \
  PROXY_PORT="$((remoting_base + i - 1))" \
  PROXY_MANAGEMENT_PORT="$((management_base + i - 1))" \
  PROXY_CONTACT_POINTS="$contact_points" \
  PROXY_DATA_DIR="$run_dir/data" \
  PROXY_ADMIN_TOKEN_FILE="" \
  PROXY_ADMIN_TOKEN="$(cat "$token_file")" \
    start "node-$i" "$bin" --config "$root/examples/cluster.hocon"
done

say "waiting for $count nodes to be ready (listeners bound, cluster member Up)"
deadline=$((SECONDS + 90))
# Every node is watched while any is awaited: one that exits (a port taken, a config mistake) stops the start at
# once, with its own log, rather than after the wait for another node runs out.
all_started() {
  local j pid
  for j in $(seq 1 "$count"); do
    pid="$(awk -v n="node-$j" '$1 == n { print $2 }' "$pids_file")"
    kill -0 "$pid" 2>/dev/null || fail "node-$j exited during start" "node-$j"
  done
}
for i in $(seq 1 "$count"); do
  until curl -fsS -o /dev/null "http://127.0.0.1:$((admin_base + i - 1))/ready" 2>/dev/null; do
    all_started
    [ "$SECONDS" -lt "$deadline" ] || fail "node-$i was not ready within 90 s" "node-$i"
    sleep 0.3
  done
done

echo
printf '%-10s %-8s %-22s %-22s %-22s %s\n' NAME PID LISTENER ADMIN REMOTING LOGS
for i in $(seq 1 "$count"); do
  pid="$(awk -v n="node-$i" '$1 == n { print $2 }' "$pids_file")"
  printf '%-10s %-8s %-22s %-22s %-22s %s\n' "node-$i" "$pid" "127.0.0.1:$((http_base + i - 1))" \
    "127.0.0.1:$((admin_base + i - 1))" "127.0.0.1:$((remoting_base + i - 1))" "$run_dir/logs/node-$i.{out,err}"
done
for b in a b; do
  pid="$(awk -v n="backend-$b" '$1 == n { print $2 }' "$pids_file")"
  port=$backend_base; [ "$b" = b ] && port=$((backend_base + 1))
  printf '%-10s %-8s %-22s %-22s %-22s %s\n' "backend-$b" "$pid" "127.0.0.1:$port" - - "$run_dir/logs/backend-$b.err"
done
echo
echo "Admin token: $token_file (scripts/pbm reads it). Data (journal): $run_dir/data"
echo
PROXY_NO_BUILD=1 PROXY_ADMIN_TOKEN_FILE="$token_file" PROXY_ADMIN_TOKEN="" \
  "$root/scripts/pbm" --host "127.0.0.1:$admin_base" cluster show
echo
echo "Try: curl http://127.0.0.1:$http_base/   scripts/pbm pool demo   scripts/cluster-down.sh"
