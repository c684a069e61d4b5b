#!/usr/bin/env bash
# Benchmark (not a test): resident memory of `jk server` with its local agent running N real pods
# (default 100), issue 8's figure (target ≤ 400 MB; k3s's server measured 1.6 GB in its own profiling).
#
#   deploy/bench/server-rss.sh [PODS]        as root, after `mvn -DskipTests package`
#
# Everything runs inside a network namespace made here (the CNI bridge, the pods' network and the
# proxy's nftables table live and die with it), on a temporary data dir; at the end the pods are
# deleted, the server stopped, the namespace and the data dir removed. The pods run busybox `sleep`
# from the example image (built offline from busybox-static, imported, imagePullPolicy Never).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIST="$ROOT/deploy/target/jk"
PODS="${1:-100}"
[ "$(id -u)" = 0 ] || { echo "server-rss.sh runs a node: run it as root" >&2; exit 1; }
[ -x "$DIST/bin/jk" ] || { echo "build the distribution first: mvn -B -ntp -DskipTests package" >&2; exit 1; }

NS="jkrss$$"
DATA="$(mktemp -d /tmp/jk-rss.XXXXXX)"
PORT=$((20000 + $$ % 20000))
IN=(nsenter "--net=/run/netns/$NS")
SERVER_PID=""
export KUBECONFIG="$DATA/server/admin.kubeconfig"

cleanup() {
  set +e
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    "${IN[@]}" kubectl delete deployment rss --ignore-not-found --wait=true --timeout=180s >/dev/null 2>&1
    for _ in $(seq 1 180); do
      [ -z "$("${IN[@]}" kubectl get pods -o name 2>/dev/null)" ] && break
      sleep 1
    done
    kill "$SERVER_PID"
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  ip netns del "$NS" 2>/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT

ip netns add "$NS"
"${IN[@]}" ip link set lo up
# a veth with a default route stands in for the host's uplink (the node's address comes from it)
"${IN[@]}" ip link add uplink type veth peer name uplink2
"${IN[@]}" ip link set uplink up
"${IN[@]}" ip link set uplink2 up
"${IN[@]}" ip addr add 192.0.2.1/24 dev uplink
"${IN[@]}" ip route add default via 192.0.2.254 dev uplink onlink

"$ROOT/scripts/build-example-image.sh" "$DATA/busybox-oci.tar" >/dev/null
"$DIST/bin/jk" image import "$DATA/busybox-oci.tar" --root-dir "$DATA/kubelet" >/dev/null 2>&1

JK_CNI_BRIDGE=jkrss0 JK_CNI_CONF_DIR="$DATA/cni/net.d" "${IN[@]}" "$DIST/bin/jk" server \
  --data-dir "$DATA/server" --kubelet-root-dir "$DATA/kubelet" --bind-address 127.0.0.1 \
  --secure-port "$PORT" >"$DATA/server.out" 2>"$DATA/server.log" </dev/null &
SERVER_PID=$!
for _ in $(seq 1 240); do
  grep -q 'export KUBECONFIG=' "$DATA/server.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$DATA/server.log" >&2; exit 1; }
  sleep 0.5
done
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
echo "jk server pid $SERVER_PID, RSS with no pods: $(rss "$SERVER_PID") MB"

"${IN[@]}" kubectl apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: rss}
spec:
  replicas: $PODS
  selector: {matchLabels: {app: rss}}
  template:
    metadata: {labels: {app: rss}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: sleep
        image: jk.local/busybox:1.36
        imagePullPolicy: Never
        command: ["sleep", "3600"]
        resources: {requests: {cpu: 1m, memory: 4Mi}}
EOF
t0=$(date +%s)
until [ "$("${IN[@]}" kubectl get pods -l app=rss --field-selector=status.phase=Running -o name | wc -l)" -ge "$PODS" ]; do
  if [ $(( $(date +%s) - t0 )) -gt 600 ]; then
    echo "not all $PODS pods Running after 600 s:" >&2
    "${IN[@]}" kubectl get pods -l app=rss | tail -5 >&2
    exit 1
  fi
  sleep 2
done
echo "$PODS pods Running after $(( $(date +%s) - t0 )) s"
max=0
for _ in $(seq 1 15); do  # 30 s of steady state (status updates, probes, leases)
  r=$(rss "$SERVER_PID"); [ "$r" -gt "$max" ] && max=$r
  sleep 2
done
shims=0; n=0
for p in $(pgrep -x jkshim || true); do
  # only the shims of this run: their container state lives under this run's data dir
  if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "$DATA"; then
    shims=$(( shims + $(rss "$p") )); n=$((n + 1))
  fi
done
echo "jk server (API server + scheduler + controller-manager + kubelet + proxy) RSS with $PODS pods: last $(rss "$SERVER_PID") MB, max $max MB (target <= 400 MB)"
echo "for reference: $n jkshim monitors of this run, $shims MB together"
