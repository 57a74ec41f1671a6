#!/usr/bin/env bash
# Rule-screen throughput, before and after, measured in one JVM (docs/screening.md, "Throughput"): compiles REF in a
# temporary worktree, then ScreenThroughputComparison loads those classes beside this checkout's and screens FILE
# with both in alternating rounds (same load, JIT and heap), printing best and median MB/s per CPU-second of each and
# the ratio after/before.
#   scripts/screen-throughput-ab.sh FILE.jsonl [REF (default HEAD~1)]   (SAFETUNE_SCREEN_AB_ROUNDS: paired rounds, default 15)
set -euo pipefail
FILE=$(realpath "$1")
REF=${2:-HEAD~1}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BEFORE=$(mktemp -d /tmp/screen-ab-XXXXXX)
cleanup() { git -C "$HERE" worktree remove --force "$BEFORE" >/dev/null 2>&1 || rm -rf "$BEFORE"; }
trap cleanup EXIT
git -C "$HERE" worktree add --detach "$BEFORE" "$REF" >/dev/null
. "$HERE/scripts/java-home.sh"
export MAVEN_OPTS=${MAVEN_OPTS:--Xmx1g}
(cd "$BEFORE" && ./mvnw -B -o -q -pl safeguards -am compile)
CLASSES="$BEFORE/platform-core/target/classes:$BEFORE/model-runtime/target/classes:$BEFORE/safeguards/target/classes"
echo "before: $REF ($(git -C "$HERE" rev-parse --short "$REF")); after: the working tree of $HERE"
# The comparison's lines and any error are shown; the script's status is Maven's (a failed build or test fails it).
LOG=$(mktemp /tmp/screen-ab-log-XXXXXX)
status=0
(cd "$HERE" && SAFETUNE_SCREEN_BENCH_FILE="$FILE" SAFETUNE_SCREEN_BEFORE_CLASSPATH="$CLASSES" ./mvnw -B -o -q \
    -pl safeguards -am test -Dtest=ScreenThroughputComparison -Dsurefire.failIfNoSpecifiedTests=false) >"$LOG" 2>&1 \
    || status=$?
grep -E '^before:|ERROR|FAIL' "$LOG" || true
rm -f "$LOG"
exit "$status"
