#!/usr/bin/env bash
# Fuzz one parser with afl++ through SharpFuzz (issue 21, point 3), then print what the campaign found.
#   scripts/fuzz.sh TARGET [SECONDS]      TARGET: request | response | chunked | config (default 600 s)
# Seeds: Proxy.Tests/Fuzzing/corpus/TARGET (the suite runs every file there through the target as a test; add each
# crash found, once fixed, to that folder). Work files and findings: .fuzz/TARGET/ (not committed).
# Campaigns on several targets may run at once (AFL_NO_AFFINITY: they share the cores instead of pinning one each).
# shellcheck source=lib/common.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"

TARGET="${1:-}"
SECONDS_TO_RUN="${2:-600}"
case "$TARGET" in request|response|chunked|config) ;; *) die "usage: scripts/fuzz.sh request|response|chunked|config [SECONDS]" ;; esac
case "$SECONDS_TO_RUN" in ''|*[!0-9]*) die "SECONDS must be a whole number, got '$SECONDS_TO_RUN'" ;; esac

ensure_pkg afl-fuzz afl++
WORK="$ROOT/.fuzz/$TARGET"
rm -rf "$WORK/bin"
mkdir -p "$WORK"
log "publishing Proxy.Node (Release) to $WORK/bin"
(cd "$ROOT" && dotnet publish Proxy.Node -c Release -o "$WORK/bin" -nologo -v q >&2)
log "instrumenting Proxy.Shared.dll (the parsers and the config loader)"
(cd "$ROOT" && dotnet tool restore >/dev/null && dotnet sharpfuzz "$WORK/bin/Proxy.Shared.dll" >&2)

FINDINGS="$WORK/findings"
RESUME="$ROOT/Proxy.Tests/Fuzzing/corpus/$TARGET"
# A second campaign on the same target continues from its queue.
compgen -G "$FINDINGS/default/queue/id:*" >/dev/null && RESUME="-"
log "fuzzing $TARGET for $SECONDS_TO_RUN s"
AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 \
  afl-fuzz -i "$RESUME" -o "$FINDINGS" -t 10000 -m none -V "$SECONDS_TO_RUN" \
  -- dotnet "$WORK/bin/Proxy.Node.dll" fuzz "$TARGET" >"$WORK/afl.log" 2>&1 || log "afl-fuzz exited with $? (see $WORK/afl.log)"

STATS="$FINDINGS/default/fuzzer_stats"
[ -f "$STATS" ] || die "no fuzzer_stats: the campaign did not start (see $WORK/afl.log)"
stat() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" { print $2 }' "$STATS"; }
crashes=$(find "$FINDINGS/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$FINDINGS/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "== $TARGET: $(stat run_time) s, $(stat execs_done) executions ($(stat execs_per_sec)/s), $(stat corpus_count) paths, $crashes crashes, $hangs hangs"
if [ "$crashes" -gt 0 ]; then
  echo "crashing inputs (reproduce: dotnet $WORK/bin/Proxy.Node.dll fuzz $TARGET < FILE):"
  find "$FINDINGS/default/crashes" -type f -name 'id:*' | head -20
  exit 1
fi
