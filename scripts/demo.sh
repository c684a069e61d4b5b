#!/usr/bin/env bash
# Runs a jk API server on this machine, on the embedded SQLite store, for kubectl to talk to.
#
#   scripts/demo.sh            build, start in the background, print how to use and stop it
#   scripts/demo.sh stop       stop the server started before
#
# Environment: JK_DATA_DIR (default /tmp/jk-demo), JK_PORT (default 6443), JK_SKIP_BUILD=1.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${JK_DATA_DIR:-/tmp/jk-demo}"
PORT="${JK_PORT:-6443}"
PIDFILE="$DATA/apiserver.pid"
LOG="$DATA/apiserver.log"

stop() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    kill "$(cat "$PIDFILE")"
    for _ in $(seq 1 50); do
      kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
      sleep 0.2
    done
    echo "jk API server stopped (pid $(cat "$PIDFILE"))"
  else
    echo "no jk API server running for $DATA"
  fi
  rm -f "$PIDFILE"
}

if [ "${1:-}" = "stop" ]; then
  stop
  exit 0
fi

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "a jk API server is already running (pid $(cat "$PIDFILE")); stop it with: $0 stop" >&2
  exit 1
fi

"$ROOT/scripts/install-deps.sh"

if [ "${JK_SKIP_BUILD:-0}" != "1" ]; then
  echo "building jk (mvn package, tests skipped)..."
  (cd "$ROOT" && mvn -B -ntp -q -DskipTests package)
fi

JAR="$(ls "$ROOT"/apiserver/target/jk-apiserver-*.jar | grep -v -e sources -e tests | head -1)"
mkdir -p "$DATA"
nohup java -cp "$JAR:$ROOT/apiserver/target/lib/*" io.jk.apiserver.server.ApiServerMain \
  --data-dir "$DATA" --bind-address 127.0.0.1 --secure-port "$PORT" >"$LOG" 2>&1 &
echo $! >"$PIDFILE"

echo -n "waiting for the API server on https://127.0.0.1:$PORT "
for _ in $(seq 1 120); do
  if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo; echo "the API server exited; its log ($LOG):" >&2
    tail -20 "$LOG" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  if [ -f "$DATA/admin.kubeconfig" ] && curl -fsk "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
    echo " ready"
    cat <<EOT

jk API server running (pid $(cat "$PIDFILE")), log: $LOG

  export KUBECONFIG=$DATA/admin.kubeconfig
  kubectl get namespaces
  kubectl apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
YAML
  kubectl get deploy,svc -A

Stop it with: $0 stop
EOT
    exit 0
  fi
  echo -n "."
  sleep 0.5
done
echo; echo "the API server did not become ready in 60 s; log: $LOG" >&2
exit 1
