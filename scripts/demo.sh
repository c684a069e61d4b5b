#!/usr/bin/env bash
# The README's first command: a one-node jk cluster on this machine, running the example web app.
#
#   scripts/demo.sh         install missing Debian packages, build, build and import the example
#                           image, start `jk server` in the background, apply examples/web.yaml,
#                           wait for the rollout, show the pods and the page fetched through the Service
#   scripts/demo.sh stop    stop the server started before (pods' data stays in $JK_DATA_DIR)
#
# Environment: JK_DATA_DIR (default /tmp/jk-demo), JK_PORT (default 6443), JK_SKIP_BUILD=1.
# Exits 0 only when every step worked.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${JK_DATA_DIR:-/tmp/jk-demo}"
PORT="${JK_PORT:-6443}"
DIST="$ROOT/deploy/target/jk"
# the local kubelet's CNI configuration lives with the demo's state unless given
export JK_CNI_CONF_DIR="${JK_CNI_CONF_DIR:-$DATA/cni/net.d}"
PIDFILE="$DATA/server.pid"
LOG="$DATA/server.log"
OUT="$DATA/server.out"

stop() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    # the kubelet leaves pods running when it stops (a new kubelet adopts them): remove the
    # demo's workloads first so that no container outlives the demo
    if [ -f "$DATA/server/admin.kubeconfig" ]; then
      KUBECONFIG="$DATA/server/admin.kubeconfig" kubectl delete -f "$ROOT/examples/web.yaml" \
        --ignore-not-found --wait=true --timeout=90s >/dev/null 2>&1 || true
      for _ in $(seq 1 90); do
        [ -z "$(KUBECONFIG="$DATA/server/admin.kubeconfig" kubectl get pods -A -o name 2>/dev/null)" ] && break
        sleep 1
      done
    fi
    kill "$(cat "$PIDFILE")"
    for _ in $(seq 1 150); do
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
      sleep 0.2
    done
    echo "jk server stopped (pid $(cat "$PIDFILE"))"
    # what the server's proxy and pod network set up on this host: its nftables table and the pods' bridge
    "$DIST/bin/jk" proxy --cleanup >/dev/null 2>&1 || true
    ip link del "${JK_CNI_BRIDGE:-jk0}" 2>/dev/null || true
  else
    echo "no jk server running for $DATA"
  fi
  rm -f "$PIDFILE"
}

if [ "${1:-}" = "stop" ]; then
  stop
  exit 0
fi

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "a jk server is already running (pid $(cat "$PIDFILE")); stop it with: $0 stop" >&2
  exit 1
fi

step() { echo; echo "==> $*"; }

step "checking the Debian packages a node needs"
"$ROOT/scripts/install-deps.sh"

if [ "${JK_SKIP_BUILD:-0}" != "1" ] || [ ! -x "$DIST/bin/jk" ]; then
  step "building jk (mvn package, tests skipped; a few minutes the first time)"
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package)
fi
JK="$DIST/bin/jk"
CTL="$DIST/bin/jkctl"

mkdir -p "$DATA"
step "building the example image offline from busybox-static and importing it"
"$ROOT/scripts/build-example-image.sh" "$DATA/busybox-oci.tar"
"$JK" image import "$DATA/busybox-oci.tar" --root-dir "$DATA/kubelet" 2>>"$LOG"

step "starting jk server (log: $LOG)"
nohup "$JK" server --data-dir "$DATA/server" --kubelet-root-dir "$DATA/kubelet" \
  --bind-address 127.0.0.1 --secure-port "$PORT" \
  >"$OUT" 2>>"$LOG" </dev/null &
echo $! >"$PIDFILE"
for i in $(seq 1 240); do
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "jk server exited; the end of its log ($LOG):" >&2
    tail -20 "$LOG" >&2
    cat "$OUT" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  grep -q 'export KUBECONFIG=' "$OUT" && break
  if [ "$i" = 240 ]; then
    echo "jk server was not ready after 120 s; log: $LOG" >&2
    exit 1
  fi
  sleep 0.5
done
cat "$OUT"
export KUBECONFIG="$DATA/server/admin.kubeconfig"
step "$CTL apply -f examples/web.yaml"
"$CTL" apply -f "$ROOT/examples/web.yaml"

step "waiting for the rollout"
"$CTL" rollout status deployment/web --timeout=180s

step "$CTL get pods -o wide"
"$CTL" get pods -o wide

ip="$("$CTL" get service web -o jsonpath='{.spec.clusterIP}')"
step "the page, fetched through the Service (http://$ip/)"
page=""
for _ in $(seq 1 30); do
  page="$(curl -fsS --max-time 2 "http://$ip/" 2>/dev/null)" && break
  sleep 1
done
if [ -z "$page" ]; then
  echo "could not fetch http://$ip/ through the Service" >&2
  exit 1
fi
echo "$page"

cat <<EOT

jk server is running (pid $(cat "$PIDFILE")), log: $LOG
  export KUBECONFIG=$KUBECONFIG
  $CTL get all
Stop it with: ${JK_DATA_DIR:+JK_DATA_DIR=$JK_DATA_DIR }$0 stop
EOT
