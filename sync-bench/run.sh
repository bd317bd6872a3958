#!/bin/sh
# Runs the whole benchmark suite with the short profile (about 7 minutes on 2 cores) and writes
# sync-bench/results/<date>.json (raw JMH), <date>-sse.json and <date>.md (the tables).
# Arguments go to BenchmarkSuite: [--profile short|full] [--out DIR] [--include REGEX] [--no-sse]
set -eu
cd "$(dirname "$0")/.."
mvn -B -q -pl sync-bench -am package -DskipTests
exec java -cp sync-bench/target/benchmarks.jar dev.closedloop.sync.bench.BenchmarkSuite "$@"
