#!/usr/bin/env bash
# Installs the jk distribution and its systemd unit on a Debian 12 VM (run as root).
#
#   install.sh server [--tarball jk-*.tar.gz] [OPTIONS] [-- EXTRA jk server FLAGS]
#   install.sh agent  --server https://HOST:6443 --token TOKEN [--ca-cert-hash sha256:...]
#                     [--tarball jk-*.tar.gz] [OPTIONS] [-- EXTRA jk agent FLAGS]
#   install.sh uninstall [OPTIONS]
#
# OPTIONS
#   --root DIR   install below DIR instead of / (like DESTDIR: DIR/opt/jk, DIR/etc/systemd/system, ...;
#                links and units still name the final paths). Implies --no-start and installs no
#                Debian packages (for packaging and for tests).
#   --no-start   write everything but change nothing running: no apt-get, modprobe, sysctl or
#                systemctl (enable/start the unit yourself).
#
# It installs the Debian packages a node needs (Java 17, runc, CNI plugins, nftables, iproute2),
# unpacks the distribution into /opt/jk (bin/jk and bin/jkctl linked into /usr/local/bin), writes
# /etc/default/jk-server or /etc/default/jk-agent, the unit, and starts it. Running it again
# upgrades in place and restarts the service. Uninstall: install.sh uninstall.
set -euo pipefail

role="${1:-}"; shift || true
tarball=""; server=""; token=""; hash=""; extra=(); root=""; start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="$(realpath -m "$2")"; start=0; shift 2 ;;
    --no-start) start=0; shift ;;
    --tarball) tarball="$2"; shift 2 ;;
    --server) server="$2"; shift 2 ;;
    --token) token="$2"; shift 2 ;;
    --ca-cert-hash) hash="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

die() { echo "install.sh: $*" >&2; exit 1; }
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || die "run as root"
# where things go (below --root when given); links and units name the final paths
opt="$root/opt/jk"
bindir="$root/usr/local/bin"
unitdir="$root/etc/systemd/system"
defaults="$root/etc/default"
case "$role" in
  server|agent|uninstall) ;;
  *) die "usage: install.sh server|agent|uninstall [...] (see the comment at the top)" ;;
esac

if [ "$role" = uninstall ]; then
  for unit in jk-server jk-agent; do
    [ "$start" = 1 ] && { systemctl disable --now "$unit" 2>/dev/null || true; }
    rm -f "$unitdir/$unit.service"
  done
  [ "$start" = 1 ] && systemctl daemon-reload
  rm -f "$bindir/jk" "$bindir/jkctl"
  rm -rf "$opt"
  echo "jk removed; its state stays in /var/lib/jk (remove it by hand to forget the cluster)"
  exit 0
fi

if [ -z "$tarball" ]; then
  here="$(cd "$(dirname "$0")" && pwd)"
  tarball="$(ls "$here"/jk-*-linux-amd64.tar.gz "$here"/target/jk-*-linux-amd64.tar.gz 2>/dev/null | head -1 || true)"
  [ -n "$tarball" ] || die "no jk-*-linux-amd64.tar.gz next to install.sh: give --tarball FILE"
fi
[ -f "$tarball" ] || die "no such tarball: $tarball"

if [ "$role" = agent ]; then
  [ -n "$server" ] || die "agent needs --server https://HOST:6443"
  [ -n "$token" ] || [ -f "$root/var/lib/jk/agent/kubelet.kubeconfig" ] || die "agent needs --token (printed by jk server, or in /var/lib/jk/server/node-token on the server)"
fi

if [ "$start" = 1 ]; then
  echo "==> Debian packages"
  need=()
  for pkg in openjdk-17-jre-headless runc containernetworking-plugins nftables iproute2 busybox-static; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
fi

echo "==> $opt from $tarball"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$tarball"
[ -x "$tmp/jk/bin/jk" ] || die "$tarball does not hold jk/bin/jk"
mkdir -p "$(dirname "$opt")" "$bindir"
rm -rf "$opt.new"
mv "$tmp/jk" "$opt.new"
rm -rf "$opt.old"
[ -d "$opt" ] && mv "$opt" "$opt.old"
mv "$opt.new" "$opt"
rm -rf "$opt.old"
ln -sfn /opt/jk/bin/jk "$bindir/jk"
ln -sfn /opt/jk/bin/jkctl "$bindir/jkctl"
mkdir -p "$root/var/lib/jk" "$root/etc/cni/net.d" "$root/etc/sysctl.d"
echo net.ipv4.ip_forward=1 >"$root/etc/sysctl.d/90-jk.conf"
if [ "$start" = 1 ]; then
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1
  # jkctl's class-data-sharing archive for this location, now rather than on its first run
  JKCTL_DAEMON=0 /opt/jk/bin/jkctl version --client >/dev/null 2>&1 || true
fi

echo "==> jk-$role.service"
mkdir -p "$unitdir" "$defaults"
install -m 0644 "$opt/etc/systemd/jk-$role.service" "$unitdir/jk-$role.service"
(
  umask 077
  if [ "$role" = server ]; then
    printf 'JK_SERVER_ARGS="%s"\n' "${extra[*]:-}" >"$defaults/jk-server"
  else
    {
      printf 'JK_SERVER=%s\n' "$server"
      printf 'JK_TOKEN=%s\n' "$token"
      printf 'JK_AGENT_ARGS="%s"\n' "${hash:+--ca-cert-hash $hash }${extra[*]:-}"
    } >"$defaults/jk-agent"
  fi
)
if [ "$start" = 0 ]; then
  echo "jk $role installed below ${root:-/} (not started: systemctl daemon-reload && systemctl enable --now jk-$role)"
  exit 0
fi
systemctl daemon-reload
systemctl enable "jk-$role" >/dev/null
systemctl restart "jk-$role"

if [ "$role" = server ]; then
  echo -n "==> waiting for the API server "
  for _ in $(seq 1 120); do
    [ -f /var/lib/jk/server/admin.kubeconfig ] && [ -f /var/lib/jk/server/node-token ] && break
    echo -n .; sleep 1
  done
  echo
  [ -f /var/lib/jk/server/node-token ] || die "jk-server did not start: journalctl -u jk-server"
  cat <<EOT
jk server installed and running.
  export KUBECONFIG=/var/lib/jk/server/admin.kubeconfig && jkctl get nodes
Join other VMs with:
  ./install.sh agent --server https://$(hostname -I | awk '{print $1}'):6443 --token $(cat /var/lib/jk/server/node-token) \\
      --ca-cert-hash $(journalctl -u jk-server -o cat | grep -o 'sha256:[0-9a-f]*' | tail -1)
EOT
else
  echo "jk agent installed and running: journalctl -u jk-agent -f"
fi
