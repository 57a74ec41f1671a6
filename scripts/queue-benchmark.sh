#!/usr/bin/env bash
# The leased-work queue benchmark (docs/benchmarks.md, "Leased-work queue"): builds the worker's test classes with the
# reactor, then runs dev.safetune.worker.work.LeasedWorkBenchmark against a fresh database on PostgreSQL.
#   scripts/queue-benchmark.sh [--peer DIR] [--n 20000] [--threads 2,8,16] [--modes loop,claimer,chained,separate,batch]
#                              [--per-thread 4]
# --peer DIR: also runs the db-scheduler peer benchmark found in DIR (a standalone Maven project with its own run.sh),
# from a temporary copy, once before and once after ours, so that both sides are measured in the same run.
# Env: PGHOST PGPORT PGUSER (default 127.0.0.1 5432 postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
ORIG_PATH=$PATH
ORIG_JAVA_HOME=${JAVA_HOME:-}
. scripts/java-home.sh
PEER=""
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --peer) PEER=$(cd "$2" && pwd); shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
./mvnw -B -o -q -pl trainer-worker -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
CP="trainer-worker/target/test-classes:trainer-worker/target/classes:$(cat trainer-worker/target/bench.cp)"

peer() {
  local dir
  dir=$(mktemp -d)
  cp -r "$PEER" "$dir/peer"
  echo "== db-scheduler peer ($(date -u +%H:%M:%SZ))"
  # The peer runs on its own JDK choice (its README: the java on PATH, or JAVA_HOME), not ours.
  (cd "$dir/peer" && PATH=$ORIG_PATH JAVA_HOME=$ORIG_JAVA_HOME ./run.sh) || true
  rm -rf "$dir"
}

[[ -n "$PEER" ]] && peer
echo "== leased-work queue ($(date -u +%H:%M:%SZ))"
java -Xmx1g -cp "$CP" dev.safetune.worker.work.LeasedWorkBenchmark \
  --url "jdbc:postgresql://${PGHOST:-127.0.0.1}:${PGPORT:-5432}/" --user "${PGUSER:-postgres}" ${ARGS[@]+"${ARGS[@]}"}
[[ -n "$PEER" ]] && peer
exit 0
