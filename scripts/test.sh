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

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# PostgreSQL for the persistence specs (Proxy.Tests/Persistence): install it if missing, start the machine's
# first cluster, (re)create the role and an empty database proxy_test, and hand the specs its connection string.
# Optional: when it cannot be had, those specs are skipped and say why. PROXY_TEST_POSTGRES=<connection string>
# points them at another server instead; PROXY_TEST_POSTGRES=off skips this step.
setup_postgres() {
  [ -z "${PROXY_TEST_POSTGRES:-}" ] || return 0
  DEBIAN_FRONTEND=noninteractive ensure_pkg pg_ctlcluster postgresql || return 1
  local version name port status
  read -r version name port status _ < <(pg_lsclusters -h | head -n 1) || return 1
  [ -n "$version" ] || return 1
  if [ "$status" != online ]; then pg_ctlcluster "$version" "$name" start >/dev/null || return 1; fi
  (cd / && as_postgres psql -p "$port" -q -v ON_ERROR_STOP=1 >/dev/null) <<'SQL' || return 1
SET client_min_messages = warning;
SELECT 'CREATE ROLE proxy_test LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'proxy_test')\gexec
ALTER ROLE proxy_test WITH LOGIN PASSWORD 'proxy_test';
DROP DATABASE IF EXISTS proxy_test WITH (FORCE);
CREATE DATABASE proxy_test OWNER proxy_test;
SQL
  export PROXY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=proxy_test;Password=proxy_test;Database=proxy_test"
}

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
# Integration tests talk to real sockets; curl helps when debugging them. tinyproxy is the real upstream
# proxy of the forward-proxy specs (Proxy.Tests/Integration/Forwarding); redis-server the Redis store of the
# rate-limit specs (each spec starts its own server on a port of its own, and stops it); openssl's s_client
# checks the TLS listeners' handshakes (chain, ALPN) as operators do; promtool (Debian's prometheus package) lints the
# admin listener's /metrics exposition (Proxy.Tests/Integration/Observability/MetricsSpec.cs).
ensure_pkg curl
ensure_pkg openssl
ensure_pkg tinyproxy
ensure_pkg redis-server
ensure_pkg promtool prometheus
if [ "${PROXY_TEST_POSTGRES:-}" != off ] && ! setup_postgres; then
  echo "test.sh: no PostgreSQL could be started here; its persistence specs will be skipped" >&2
fi

# The Compose file's syntax, where the (optional) docker-compose tool is installed; its consistency with
# examples/cluster.hocon is checked by Proxy.Tests/Configuration/ComposeFileSpec.cs either way.
if command -v docker-compose >/dev/null 2>&1; then
  PROXY_ADMIN_TOKEN=compose-config-check docker-compose -f docker-compose.cluster.yml config -q \
    || { echo "test.sh: docker-compose.cluster.yml is invalid" >&2; exit 1; }
fi

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
