#!/usr/bin/env bash
# The one test command (what .ci/run calls): installs what the tests need when it is missing, restores,
# builds Release and runs the whole suite. Failures are printed with their messages; exits non-zero on failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# ensure_pkg COMMAND [APT_PACKAGE]: apt-get install the package when COMMAND is not on PATH.
ensure_pkg() {
  local cmd="$1" pkg="${2:-$1}"
  command -v "$cmd" >/dev/null 2>&1 && return 0
  echo "test.sh: installing $pkg" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y "$pkg" >/dev/null 2>&1 \
    || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$pkg" >/dev/null; }
}

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
# Integration tests talk to real sockets; curl helps when debugging them.
ensure_pkg curl

dotnet restore Proxy.sln -nologo
dotnet build Proxy.sln -c Release --no-restore -nologo
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
dotnet test Proxy.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$out" \
  || rc=$?
# One plain closing line over all test assemblies ("Failed: 0, Passed: 294, Skipped: 0, Total: ...").
sed -n 's/.*Failed: *\([0-9]*\), Passed: *\([0-9]*\), Skipped: *\([0-9]*\).*/\1 \2 \3/p' "$out" \
  | awk '{ f += $1; p += $2; s += $3 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }'
exit "$rc"
