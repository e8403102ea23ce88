#!/usr/bin/env bash
# Stop exactly what scripts/cluster-up.sh started (the pids it recorded), nodes first (graceful: SIGTERM lets
# each drain, leave the cluster and hand off its shards), then the demo backends. Logs and data stay.
#   scripts/cluster-down.sh [--purge]     --purge also removes the run directory (logs, journal, token)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="${PROXY_CLUSTER_DIR:-$root/.cluster}"
pids_file="$run_dir/pids"
purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) echo "usage: scripts/cluster-down.sh [--purge]" >&2; exit 2 ;;
esac

ours() { # pid is alive and still one of our processes (not a reused pid)
  # (the redirection's own error, for a pid that ended between the two checks, is silenced too)
  kill -0 "$1" 2>/dev/null && { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -q "Proxy.Node"
}

stop_all() { # NAME-PREFIX: SIGTERM every recorded process whose name starts with it, wait up to 30 s, then SIGKILL
  local prefix="$1" name pid pids=()
  while read -r name pid; do
    case "$name" in "$prefix"*) ours "$pid" && { kill -TERM "$pid"; pids+=("$pid"); } ;; esac
  done <"$pids_file"
  local deadline=$((SECONDS + 30))
  for pid in ${pids[@]+"${pids[@]}"}; do
    while ours "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if ours "$pid"; then echo "cluster-down: pid $pid did not stop within 30 s; killing it" >&2; kill -KILL "$pid" || true; fi
  done
  echo "stopped ${#pids[@]} ${prefix%-} process(es)"
}

if [ ! -f "$pids_file" ]; then
  echo "cluster-down: nothing to stop (no $pids_file)" >&2
else
  stop_all node-
  stop_all backend-
  rm -f "$pids_file"
fi
if [ "$purge" = 1 ]; then
  rm -rf "$run_dir"
  echo "removed $run_dir"
else
  echo "logs and data kept in $run_dir (--purge removes them)"
fi
