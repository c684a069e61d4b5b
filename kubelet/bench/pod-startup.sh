#!/bin/bash
# Pod start-up benchmark (PodStartupBenchmark) in a cpuacct cgroup of its own, so that it can report the CPU
# of everything a pod start costs (kubelet, API server, shims, runtimes, containers) per pod, a figure that
# depends far less on the machine's other load than the latencies do. Run as root from the repository root:
#   kubelet/bench/pod-startup.sh [pods=100] [perSecond=20] [runtime path, e.g. /usr/sbin/runc]
# Set CP (class path) to skip the build, RUNTIME_BIN for other jkrt/jkshim binaries, JAVA_OPTS for JVM
# options (-Dbench.rounds=N, -Dbench.threads=true: see PodStartupBenchmark); KUBELET_LOG=DEBUG prints each pod's "Pod startup" trace.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${CP:-}" ]; then
  mvn -B -ntp -q -pl kubelet -am test-compile
  mvn -B -ntp -q -pl kubelet dependency:build-classpath -Dmdep.outputFile="$PWD/kubelet/target/bench-cp.txt" -Dmdep.includeScope=test
  CP="kubelet/target/test-classes:kubelet/target/classes:common/target/classes:apiserver/target/classes:testing/target/classes:$(tr ':' '\n' <kubelet/target/bench-cp.txt | grep -v /io/jk/ | paste -sd:)"
fi
cg=""
if [ -d /sys/fs/cgroup/cpuacct ] && [ "$(id -u)" = 0 ]; then
  own=$(awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ {print $3}' /proc/self/cgroup)
  cg="/sys/fs/cgroup/cpuacct${own%/}/jk-bench-$$"
  mkdir "$cg"
  trap 'echo $$ > "$(dirname "$cg")/cgroup.procs"; rmdir "$cg" 2>/dev/null || true' EXIT
  echo $$ > "$cg/cgroup.procs"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# the JVM options jk itself runs with (deploy/src/dist/bin/jk-java), so the API server and kubelet are measured
# as deployed; JAVA_OPTS come after them and win
JK_JVM_OPTS="-Dvertx.disableFileCPResolving=true -XX:+UseSerialGC -Xms48m -Xmx1g -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
java $JK_JVM_OPTS ${JAVA_OPTS:-} -cp "$CP" -Dkubelet.log="${KUBELET_LOG:-INFO}" -Djk.runtime.bin="${RUNTIME_BIN:-$PWD/runtime/target/bin}" \
  io.jk.kubelet.PodStartupBenchmark "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
