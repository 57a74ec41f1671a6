#!/usr/bin/env bash
# The safeguards' benchmarks (docs/safeguards.md): builds the worker's test classes with the reactor, then runs
#   scripts/safeguard-bench.sh overhead [rounds (3)] [steps per run (20)] [name terms, e.g. plain,inoculation]
#     SafeguardOverheadBenchmark
#   scripts/safeguard-bench.sh efficacy [fine-tune seeds, e.g. 0,1,2] [name filter]   SafeguardEfficacyProbe
# on the committed em-bench base. OMP_NUM_THREADS defaults to 1: on a shared 2-core machine two OpenMP threads per
# op spin against other processes and make step times erratic (set it to override).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
what=${1:?usage: scripts/safeguard-bench.sh overhead|efficacy [args]}
shift
case "$what" in
  overhead) main=dev.safetune.worker.training.SafeguardOverheadBenchmark ;;
  efficacy) main=dev.safetune.worker.training.SafeguardEfficacyProbe ;;
  *) echo "unknown benchmark $what (overhead|efficacy)" >&2; exit 2 ;;
esac
./mvnw -B -o -q -pl trainer-worker -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/guard-bench.cp -Dmdep.includeScope=test
CP="trainer-worker/target/test-classes:trainer-worker/target/classes:$(cat trainer-worker/target/guard-bench.cp)"
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} java -Xmx2g --enable-native-access=ALL-UNNAMED -cp "$CP" "$main" "$@"
