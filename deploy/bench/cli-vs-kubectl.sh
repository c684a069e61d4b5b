#!/usr/bin/env bash
# Benchmark (not a test): wall time of `jkctl get pods` and `jkctl apply -f examples/web.yaml`
# against `kubectl` doing the same in the same run, against the cluster in $KUBECONFIG.
#
#   KUBECONFIG=... deploy/bench/cli-vs-kubectl.sh [RUNS]     (default 10 runs each, medians printed)
#
# Runs alternate between the tools (kubectl, jkctl, jkctl without CDS, kubectl, ...) so that a
# change of load on a shared machine hits them alike. Each row shows the median wall time and
# the median CPU time (user+sys, which load changes less), and the wall-time ratio jkctl/kubectl.
# JKCTL picks the jkctl to measure (default: the built distribution's); JKCTL_BEFORE adds a
# column for another one (e.g. main's build) measured in the same rounds.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JKCTL="${JKCTL:-$ROOT/deploy/target/jk/bin/jkctl}"
RUNS="${1:-10}"
: "${KUBECONFIG:?set KUBECONFIG to a running cluster}"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }
tf="$(mktemp)"; trap 'rm -f "$tf"' EXIT

# one timed run: prints "wall_ms cpu_ms"
once() {
  /usr/bin/time -o "$tf" -f "%e %U %S" "$@" >/dev/null 2>&1 || true
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$tf"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() { # label, then the command's words (jkctl stands for $JKCTL)
  local label="$1"; shift
  local -A wall cpu
  local tools=(kubectl jkctl nocds)
  [ -n "${JKCTL_BEFORE:-}" ] && tools+=(before)
  for t in "${tools[@]}"; do run_tool "$t" "$@" >/dev/null; done # warm-up (and archives made)
  for _ in $(seq 1 "$RUNS"); do
    for t in "${tools[@]}"; do
      read -r w c < <(run_tool "$t" "$@")
      wall[$t]+="$w "; cpu[$t]+="$c "
    done
  done
  printf '%-34s' "$label"
  for t in "${tools[@]}"; do
    printf ' %7s/%-5s' "$(echo ${wall[$t]} | tr ' ' '\n' | median)" "$(echo ${cpu[$t]} | tr ' ' '\n' | median)"
  done
  local k j
  k="$(echo ${wall[kubectl]} | tr ' ' '\n' | median)"; j="$(echo ${wall[jkctl]} | tr ' ' '\n' | median)"
  awk -v a="$j" -v b="$k" 'BEGIN {printf "   %.1fx\n", a / b}'
}
run_tool() {
  local t="$1"; shift
  case "$t" in
    kubectl) once kubectl "$@" ;;
    jkctl) once "$JKCTL" "$@" ;;
    nocds) JK_CDS=0 once "$JKCTL" "$@" ;;
    before) once "$JKCTL_BEFORE" "$@" ;;
  esac
}

echo "runs=$RUNS  $(nproc) cpus  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %13s %13s %13s%s   %s\n' "median wall/cpu ms" "kubectl" "jkctl" "jkctl(no CDS)" \
  "${JKCTL_BEFORE:+ $(printf '%13s' before)}" "jkctl/kubectl"
bench "get pods" get pods
bench "apply -f examples/web.yaml" apply -f "$ROOT/examples/web.yaml"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
