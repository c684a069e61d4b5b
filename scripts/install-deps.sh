#!/usr/bin/env bash
# Installs the Debian packages that building and testing jk need, when they are missing.
# Run as root on Debian 12. Exits non-zero with a clear message when it cannot.
set -euo pipefail

# package -> a file it installs (checked to decide whether to install)
declare -A WANT=(
  [etcd-server]=/usr/bin/etcd
  [busybox-static]=/bin/busybox
  [runc]=/usr/sbin/runc
  [containernetworking-plugins]=/usr/lib/cni/bridge
  [nftables]=/usr/sbin/nft
  [iproute2]=/usr/sbin/ip
  [docker-registry]=/usr/bin/docker-registry
  [skopeo]=/usr/bin/skopeo
  [libjansson-dev]=/usr/include/jansson.h
  [libseccomp-dev]=/usr/include/seccomp.h
  [make]=/usr/bin/make
  [gcc]=/usr/bin/gcc
  [maven]=/usr/bin/mvn
  [openjdk-17-jdk-headless]=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
)

missing=()
for pkg in "${!WANT[@]}"; do
  [ -e "${WANT[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian would start etcd and the registry as services on install; jk's tests start their own
# on free loopback ports, so keep the packages from starting daemons while they install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
fi
trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "install-deps: apt-get could not install: ${missing[*]}" >&2
  exit 1
fi
