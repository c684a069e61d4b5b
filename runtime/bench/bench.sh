#!/usr/bin/env bash
# Times N sequential create+start+wait+delete ("run") of /bin/true in one bundle with jkrt,
# runc and crun (when installed and working), with and without a new network namespace,
# and prints the median per container and jkrt's speed-up. Root only. Not a test.
#
#   runtime/bench/bench.sh [N]        (default N=200; build first: mvn -pl runtime compile)
#   env: JKRT, RUNC, CRUN (paths of the binaries to compare; default: the built jkrt, runc and crun on PATH)
set -euo pipefail
N=${1:-200}
HERE=$(cd "$(dirname "$0")/.." && pwd)
JKRT=${JKRT:-$HERE/target/bin/jkrt}
[ "$(id -u)" = 0 ] || { echo "bench.sh needs root" >&2; exit 1; }
[ -x "$JKRT" ] || { echo "build jkrt first: mvn -pl runtime compile" >&2; exit 1; }

WORK=$(mktemp -d /tmp/jkrt-bench-XXXXXX)
trap 'rm -rf --one-file-system "$WORK"' EXIT
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/proc" "$WORK/rootfs/dev" "$WORK/rootfs/sys" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
ln -s busybox "$WORK/rootfs/bin/true"

write_bundle() { # $1 dir, $2 "net" or ""
  mkdir -p "$1"
  local netns=''
  [ "$2" = net ] && netns=',{"type":"network"}'
  cat > "$1/config.json" <<JSON
{"ociVersion":"1.0.2",
 "process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["/bin/true"],"env":["PATH=/bin"],"cwd":"/",
   "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
   "noNewPrivileges":true},
 "root":{"path":"$WORK/rootfs","readonly":true},
 "hostname":"bench",
 "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}],
 "linux":{"namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}$netns],
   "maskedPaths":["/proc/kcore","/proc/keys","/proc/timer_list"],
   "readonlyPaths":["/proc/sys","/proc/sysrq-trigger"],"resources":{}}}
JSON
}
write_bundle "$WORK/plain" ""
write_bundle "$WORK/net" net

# children's CPU time (user+sys) so far, in ms, from the `times` builtin
# (`times` runs in this shell, not a subshell, so that it sees this shell's children)
child_cpu_ms() {
  times > "$WORK/times"
  tail -n 1 "$WORK/times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%d", t * 1000 }'
}

# prints "median-wall-ms cpu-ms-per-container" of N runs of: $runtime --root R run --bundle B id
bench() { # $1 runtime binary, $2 bundle
  local times=() i t0 t1 c0 c1 state
  # computed once: a $(...) inside the timed command line would fork a subshell and time it too
  state="$WORK/state-$(basename "$1")"
  child_cpu_ms > "$WORK/c0"
  for ((i = 0; i < N; i++)); do
    t0=$EPOCHREALTIME
    "$1" --root "$state" run --bundle "$2" "bench-$i" > /dev/null
    t1=$EPOCHREALTIME
    times+=("$(( (${t1/./} - ${t0/./}) ))")
  done
  child_cpu_ms > "$WORK/c1"
  c0=$(cat "$WORK/c0") c1=$(cat "$WORK/c1")
  printf '%s\n' "${times[@]}" | sort -n | awk -v cpu="$(( c1 - c0 ))" -v n="$N" \
    '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f\n", m/1000, cpu/n}'
}

RUNTIMES=("$JKRT")
RUNC=${RUNC-$(command -v runc || true)}  # RUNC= (empty) leaves runc out
[ -n "$RUNC" ] && RUNTIMES+=("$RUNC")
# crun (CRUN=path for one not on PATH) is measured when it runs here; otherwise its own error
# line says why it is absent (on a v1/hybrid host: "cgroups in hybrid mode not supported")
CRUN=${CRUN-$(command -v crun || true)}
CRUN_NOTE="crun: not installed (Debian package crun)"
if [ -n "$CRUN" ]; then
  if crun_err=$("$CRUN" --root "$WORK/state-probe" run --bundle "$WORK/plain" probe 2>&1 > /dev/null); then
    RUNTIMES+=("$CRUN")
    CRUN_NOTE=""
  else
    CRUN_NOTE="crun: not measured, it fails here: $(printf '%s' "$crun_err" | head -n 1)"
    "$CRUN" --root "$WORK/state-probe" delete --force probe > /dev/null 2>&1 || true
  fi
fi

echo "N=$N sequential create+start+wait+delete of /bin/true; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median wall ms per container, and CPU ms (user+sys of the runtime and its children) per container"
[ -n "$CRUN_NOTE" ] && echo "$CRUN_NOTE"
printf '%-8s %14s %14s %14s %14s\n' runtime "wall no-netns" "cpu no-netns" "wall netns" "cpu netns"
declare -A RES
for rt in "${RUNTIMES[@]}"; do
  name=$(basename "$rt")
  read -r RES[$name,plain] RES[$name,plaincpu] < <(bench "$rt" "$WORK/plain")
  read -r RES[$name,net] RES[$name,netcpu] < <(bench "$rt" "$WORK/net")
  printf '%-8s %14s %14s %14s %14s\n' "$name" "${RES[$name,plain]}" "${RES[$name,plaincpu]}" "${RES[$name,net]}" "${RES[$name,netcpu]}"
done
for rt in "${RUNTIMES[@]:1}"; do
  name=$(basename "$rt")
  awk -v a="${RES[$name,plain]}" -v b="${RES[jkrt,plain]}" -v c="${RES[$name,net]}" -v d="${RES[jkrt,net]}" -v n="$name" \
    'BEGIN {printf "median wall: jkrt is %.1fx faster than %s without a network namespace, %.1fx with one\n", a/b, n, c/d}'
  awk -v a="${RES[$name,plaincpu]}" -v b="${RES[jkrt,plaincpu]}" -v n="$name" \
    'BEGIN {printf "CPU per container: jkrt uses %.1fx less than %s (no network namespace)\n", a/(b>0?b:0.01), n}'
done
