#!/usr/bin/env bash
# Benchmark (not a test): wall time of `jkctl get pods` and `jkctl apply -f examples/web.yaml`
# against `kubectl` doing the same in the same run, against the cluster in $KUBECONFIG.
#
#   KUBECONFIG=... deploy/bench/cli-vs-kubectl.sh [RUNS]     (default 10 runs each, median printed)
#
# jkctl is measured with its class-data-sharing archive (as shipped) and without (JK_CDS=0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JKCTL="${JKCTL:-$ROOT/deploy/target/jk/bin/jkctl}"
RUNS="${1:-10}"
: "${KUBECONFIG:?set KUBECONFIG to a running cluster}"

median_ms() { # command... -> median wall time in ms over RUNS runs (one warm-up run first)
  "$@" >/dev/null 2>&1 || true
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

row() { # label kubectl_ms jkctl_ms jkctl_nocds_ms
  printf '%-40s %10s %10s %14s %8s\n' "$1" "$2" "$3" "$4" "$(awk -v a="$3" -v b="$2" 'BEGIN {printf "%.2f", a/b}')"
}

echo "runs=$RUNS  $(nproc) cpus  load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %10s %10s %14s %8s\n' "command" "kubectl" "jkctl" "jkctl(no CDS)" "ratio"
k=$(median_ms kubectl get pods)
j=$(median_ms "$JKCTL" get pods)
n=$(JK_CDS=0 median_ms "$JKCTL" get pods)
row "get pods (ms, median)" "$k" "$j" "$n"
k=$(median_ms kubectl apply -f "$ROOT/examples/web.yaml")
j=$(median_ms "$JKCTL" apply -f "$ROOT/examples/web.yaml")
n=$(JK_CDS=0 median_ms "$JKCTL" apply -f "$ROOT/examples/web.yaml")
row "apply -f examples/web.yaml (ms, median)" "$k" "$j" "$n"
