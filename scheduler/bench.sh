#!/bin/sh
# Runs the SchedulingBasic benchmark (real API server on SQLite + scheduler + hollow nodes).
# Usage: scheduler/bench.sh --nodes 1000 --pods 10000 [--init-pods 1000] [--run-pods true|false] [--store sqlite|memory]
set -e
cd "$(dirname "$0")/.."
mvn -B -ntp -q -o -pl scheduler -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
CP="$(cat scheduler/target/bench.classpath):scheduler/target/classes:scheduler/target/test-classes"
exec java ${BENCH_JAVA_OPTS:--Xms4g -Xmx4g -Xmn2g -XX:+UseParallelGC} -Dlogback.configurationFile=scheduler/src/test/resources/logback-bench.xml \
  -cp "$CP" io.jk.scheduler.bench.SchedulingBasic "$@"
