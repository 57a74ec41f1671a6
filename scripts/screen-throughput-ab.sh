#!/usr/bin/env bash
# Rule-screen throughput, before and after, measured in one script run (docs/screening.md, "Throughput"):
# checks REF out into a temporary worktree and runs ScreenThroughputBenchmark on FILE alternately there (before)
# and in this checkout (after), PAIRS times each, so both see the same machine load; prints every run and the ratio
# of the best "rules per example" MB/s per CPU-second, after / before.
#   scripts/screen-throughput-ab.sh FILE.jsonl [REF (default HEAD~1)] [PAIRS (default 3)]
set -euo pipefail
FILE=$(realpath "$1")
REF=${2:-HEAD~1}
PAIRS=${3:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BEFORE=$(mktemp -d /tmp/screen-ab-XXXXXX)
cleanup() { git -C "$HERE" worktree remove --force "$BEFORE" >/dev/null 2>&1 || rm -rf "$BEFORE"; }
trap cleanup EXIT
git -C "$HERE" worktree add --detach "$BEFORE" "$REF" >/dev/null
. "$HERE/scripts/java-home.sh"
export MAVEN_OPTS=${MAVEN_OPTS:--Xmx1g}
bench() { # DIR -> prints the benchmark's "rules per example" MB/s (CPU)
    (cd "$1" && SAFETUNE_SCREEN_BENCH_FILE="$FILE" ./mvnw -B -o -q -pl safeguards -am test \
        -Dtest=ScreenThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false 2>&1 || true) \
        | sed -n 's/^screen rules per example: \([0-9.]*\) MB\/s.*/\1/p' | head -1
}
best_before=0; best_after=0
for i in $(seq 1 "$PAIRS"); do
    b=$(bench "$BEFORE"); a=$(bench "$HERE")
    echo "pair $i: before ($REF) $b MB/s, after (working tree) $a MB/s"
    best_before=$(python3 -c "print(max($best_before, ${b:-0}))")
    best_after=$(python3 -c "print(max($best_after, ${a:-0}))")
done
python3 -c "print('best before %.1f MB/s, best after %.1f MB/s, ratio after/before %.2f' % ($best_before, $best_after, $best_after / $best_before))"
