#!/usr/bin/env bash
# Builds the examples' image offline, from Debian's busybox-static, as an OCI image layout
# archive that `jk image import` (and skopeo, podman, ctr) can load:
#
#   scripts/build-example-image.sh [OUT.tar] [NAME]
#
# OUT defaults to build/busybox-oci.tar, NAME to jk.local/busybox:1.36. No network is used:
# the image holds /bin/busybox with a symlink per applet, /etc/passwd and /etc/group, /tmp.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/build/busybox-oci.tar}"
NAME="${2:-jk.local/busybox:1.36}"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

if ! "$BUSYBOX" --list >/dev/null 2>&1 || ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
  if ! ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable'; then
    echo "build-example-image: $BUSYBOX is not a static busybox; install busybox-static (apt-get install busybox-static)" >&2
    exit 1
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,root,www} "$work/layout/blobs/sha256"
chmod 1777 "$rootfs/tmp"
cp "$BUSYBOX" "$rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

# the layer: a reproducible tar (fixed order, owner, mtime), then gzip -n
tar -C "$rootfs" --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00Z' -cf "$work/layer.tar" .
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -9 "$work/layer.tar"
layer_hex="$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)"
layer_size="$(stat -c %s "$work/layer.tar.gz")"
mv "$work/layer.tar.gz" "$work/layout/blobs/sha256/$layer_hex"

blob() { # writes stdin as a blob, prints "hex size"
  cat >"$work/blob"
  local hex size
  hex="$(sha256sum "$work/blob" | cut -d' ' -f1)"
  size="$(stat -c %s "$work/blob")"
  mv "$work/blob" "$work/layout/blobs/sha256/$hex"
  echo "$hex $size"
}

read -r config_hex config_size < <(printf '%s' "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$diff_id\"]},\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"scripts/build-example-image.sh from Debian busybox-static\"}]}" | blob)

read -r manifest_hex manifest_size < <(printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_hex\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer_hex\",\"size\":$layer_size}]}" | blob)

tag="${NAME##*:}"
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_hex\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"$NAME\",\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" >"$work/layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"

mkdir -p "$(dirname "$OUT")"
tar -C "$work/layout" --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00Z' -cf "$OUT" oci-layout index.json blobs
echo "built $NAME -> $OUT ($(du -h "$OUT" | cut -f1), manifest sha256:$manifest_hex)"
