#!/usr/bin/env bash
# Benchmark (not a test): wall time of `jkctl get pods` and `jkctl apply -f examples/web.yaml`
# against `kubectl` doing the same in the same run, against the cluster in $KUBECONFIG.
#
#   KUBECONFIG=... deploy/bench/cli-vs-kubectl.sh [RUNS]     (default 10 runs each, medians printed)
#
# jkctl is measured three ways:
#   warm      the jkctl daemon is up (what every command but a user's first one meets)
#   first     no daemon runs: the command runs in a JVM of its own and starts a daemon in the
#             background (the daemon is then waited for and stopped, outside the timing, so that
#             its start does not load the next runs)
#   JVM only  JKCTL_DAEMON=0: a JVM of its own, no daemon (how jkctl ran before the daemon)
# Each jkctl way has its own daemon directory (XDG_RUNTIME_DIR) below a temporary directory,
# removed at the end with the daemons in it. Runs alternate between the tools (kubectl, warm,
# first, JVM only, kubectl, ...) so that a change of load on a shared machine hits them alike.
# Each cell shows the median wall time and the median CPU time (user+sys, which load changes
# less), in ms; for `warm` the CPU is the client's median plus the daemon's own CPU time over the
# run divided by the number of commands it served. The rows end with the wall-time ratios
# warm/kubectl and JVM-only/kubectl.
# JKCTL picks the jkctl to measure (default: the built distribution's); JKCTL_BEFORE adds a
# column for another one (e.g. main's build) measured in the same rounds.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
JKCTL="${JKCTL:-$ROOT/deploy/target/jk/bin/jkctl}"
RUNS="${1:-10}"
: "${KUBECONFIG:?set KUBECONFIG to a running cluster}"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time)" >&2; exit 1; }
tmp="$(mktemp -d)"
tf="$tmp/time"
mkdir -m 0700 "$tmp/warm" "$tmp/first"
cleanup() {
  for d in "$tmp"/warm "$tmp"/first/*; do
    [ -d "$d" ] && XDG_RUNTIME_DIR="$d" "$JKCTL" daemon stop >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# one timed run: prints "wall_ms cpu_ms" (wall to the millisecond: time(1)'s %e has 10 ms steps,
# too coarse for a warm jkctl; the CPU time is time(1)'s)
once() {
  local t0 t1
  t0="$(date +%s%N)"
  /usr/bin/time -o "$tf" -f "%U %S" "$@" >/dev/null 2>&1 || true
  t1="$(date +%s%N)"
  awk -v w=$(((t1 - t0) / 1000000)) '{printf "%d %d\n", w, ($1 + $2) * 1000}' "$tf"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# waits (30 s at most) until the daemon of XDG dir $1 answers
await_daemon() {
  for _ in $(seq 1 300); do
    XDG_RUNTIME_DIR="$1" "$JKCTL" daemon status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "no jkctl daemon came up in $1 (see $1/jkctl/daemon.log)" >&2
  return 1
}

run_tool() {
  local t="$1"; shift
  case "$t" in
    kubectl) once kubectl "$@" ;;
    warm) XDG_RUNTIME_DIR="$tmp/warm" once "$JKCTL" "$@" ;;
    first)
      local d
      d="$(mktemp -d "$tmp/first/XXXXXX")" # mode 0700; a subshell runs this, so no counter
      XDG_RUNTIME_DIR="$d" once "$JKCTL" "$@"
      await_daemon "$d" && XDG_RUNTIME_DIR="$d" "$JKCTL" daemon stop >/dev/null
      ;;
    jvm) JKCTL_DAEMON=0 once "$JKCTL" "$@" ;;
    before) once "$JKCTL_BEFORE" "$@" ;;
  esac
}

# user+sys CPU ms of the warm daemon so far (from /proc/PID/stat, in clock ticks)
daemon_cpu_ms() {
  local pid
  pid="$(XDG_RUNTIME_DIR="$tmp/warm" "$JKCTL" daemon status | sed -n 's/.*running: pid \([0-9]*\),.*/\1/p')"
  awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz)}' "/proc/$pid/stat"
}

bench() { # label, then the command's words (jkctl stands for $JKCTL)
  local label="$1"; shift
  local -A wall cpu
  local tools=(kubectl warm first jvm)
  [ -n "${JKCTL_BEFORE:-}" ] && tools+=(before)
  for t in "${tools[@]}"; do run_tool "$t" "$@" >/dev/null; done # warm-up (archives made, daemon started)
  await_daemon "$tmp/warm"
  local d0 d1
  d0="$(daemon_cpu_ms)"
  for _ in $(seq 1 "$RUNS"); do
    for t in "${tools[@]}"; do
      read -r w c < <(run_tool "$t" "$@")
      wall[$t]+="$w "; cpu[$t]+="$c "
    done
  done
  d1="$(daemon_cpu_ms)"
  printf '%-30s' "$label"
  for t in "${tools[@]}"; do
    local c
    c="$(echo ${cpu[$t]} | tr ' ' '\n' | median)"
    [ "$t" = warm ] && c=$((c + (d1 - d0) / RUNS))
    printf ' %7s/%-5s' "$(echo ${wall[$t]} | tr ' ' '\n' | median)" "$c"
  done
  local k w j
  k="$(echo ${wall[kubectl]} | tr ' ' '\n' | median)"
  w="$(echo ${wall[warm]} | tr ' ' '\n' | median)"
  j="$(echo ${wall[jvm]} | tr ' ' '\n' | median)"
  awk -v w="$w" -v j="$j" -v k="$k" 'BEGIN {printf "   %.1fx  %.1fx\n", w / k, j / k}'
}

echo "runs=$RUNS  $(nproc) cpus  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %13s %13s %13s %13s%s   %s\n' "median wall/cpu ms" "kubectl" "jkctl warm" "jkctl first" \
  "JVM only" "${JKCTL_BEFORE:+ $(printf '%13s' before)}" "warm/kubectl JVM/kubectl"
bench "get pods" get pods
bench "apply -f examples/web.yaml" apply -f "$ROOT/examples/web.yaml"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
