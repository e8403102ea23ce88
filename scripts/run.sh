#!/usr/bin/env bash
# Start one proxy node in the foreground.
#   scripts/run.sh [--config FILE] [other node arguments...]
# Builds Release if needed (incremental), then execs the node from the repository root with the config
# (default: cluster.hocon, which also starts the demo backend so `curl http://127.0.0.1:8080/` answers 200).
# Build output goes to stderr so stdout carries only the node's JSON access log.
# Set PROXY_NO_BUILD=1 to skip the build step.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
caller_dir="$(pwd)"

# Collect arguments; resolve --config relative to the caller's directory before we cd to the root.
args=()
have_config=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config)
      [ $# -ge 2 ] || { echo "run.sh: --config needs a FILE" >&2; exit 2; }
      cfg="$2"
      case "$cfg" in /*) ;; *) cfg="$caller_dir/$cfg" ;; esac
      args+=(--config "$cfg"); have_config=1; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ "$have_config" = 1 ] || args=(--config "$root/cluster.hocon" ${args[@]+"${args[@]}"})

cd "$root"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2
  exit 1
fi
if [ "${PROXY_NO_BUILD:-0}" != 1 ]; then
  dotnet build -c Release Proxy.Node -nologo -v q >&2
fi

exec "$root/Proxy.Node/bin/Release/net10.0/Proxy.Node" "${args[@]}"
