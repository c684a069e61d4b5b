#!/usr/bin/env bash
# Makes jkctl's class list (DIST/lib/cds/jkctl.classlist) from a training run: starts a
# throw-away `jk server --disable-agent` on loopback, runs the commands users type most through
# one jkctl JVM (io.jk.cli.Training) with -XX:DumpLoadedClassList, stops the server, and dumps the
# archive for DIST (bin/jk-java does that on the first jkctl run wherever the distribution lives).
#
#   cds-train.sh DIST EXAMPLES_DIR WORK_DIR
#
# A failed training leaves no class list (jkctl then falls back to a dynamic archive made on its
# first run) and a warning; it never fails the build. JK_CDS_TRAINING=0 skips it.
set -uo pipefail
dist="$1"; examples="$2"; work="$3"
[ "${JK_CDS_TRAINING:-1}" = 0 ] && { echo "cds-train: skipped (JK_CDS_TRAINING=0)"; exit 0; }
rm -rf "$work"; mkdir -p "$work" "$dist/lib/cds"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
warn() { echo "cds-train: WARNING: $* (jkctl will record its archive on its first run instead)" >&2; rm -f "$dist/lib/cds/jkctl.classlist"; exit 0; }

kubeconfig="$work/data/admin.kubeconfig"
for attempt in 1 2 3; do
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
  "$dist/bin/jk" server --disable-agent --data-dir "$work/data" --secure-port "$port" --bind-address 127.0.0.1 \
    --controller-manager-port 0 >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 1 1200); do
    grep -q 'export KUBECONFIG=' "$work/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q 'export KUBECONFIG=' "$work/server.out" 2>/dev/null && break
  cleanup; server_pid=""
done
[ -n "$server_pid" ] || warn "jk server did not start: $(tail -3 "$work/server.err" 2>/dev/null)"

cat >"$work/commands" <<EOT
version
api-resources
get pods
get nodes -o wide
apply -f $examples/web.yaml
apply -f $examples/web.yaml
get all
get deploy web -o yaml
get deploy -o json
get pods -o name
get deploy -o jsonpath={.items[*].metadata.name}
get svc web -o custom-columns=NAME:.metadata.name
describe deploy web
describe svc web
scale deploy web --replicas=1
label deploy web tier=demo
annotate deploy web note=demo
patch deploy web -p {"spec":{"replicas":2}}
get pods -A --show-labels
get pod missing
delete -f $examples/web.yaml --wait=false
config view
config get-contexts
EOT
KUBECONFIG="$kubeconfig" KUBECACHEDIR="$work/cache" JK_CDS=0 JK_JAVA_OPTS="-XX:DumpLoadedClassList=$work/jkctl.classlist" \
  "$dist/bin/jk-java" jkctl io.jk.cli.Training <"$work/commands" 2>"$work/training.log" \
  || warn "training run failed: $(tail -3 "$work/training.log")"
grep -q 'exit 0: jkctl get pods' "$work/training.log" || warn "training did not reach the server: $(grep -m3 'exit [1-9]' "$work/training.log")"
mv "$work/jkctl.classlist" "$dist/lib/cds/jkctl.classlist"
cleanup; server_pid=""
# dump the archive for this copy of the distribution now (the first run would do it otherwise)
KUBECONFIG=/dev/null "$dist/bin/jkctl" version --client >/dev/null 2>&1 || true
echo "cds-train: $(wc -l <"$dist/lib/cds/jkctl.classlist") classes in $dist/lib/cds/jkctl.classlist$( [ -s "$dist/lib/cds/jkctl.jsa" ] && echo ", archive dumped")"
rm -rf "$work"
