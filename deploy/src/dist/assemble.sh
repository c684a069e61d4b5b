#!/usr/bin/env bash
# Lays out the jk distribution in TARGET/jk and packs TARGET/jk-VERSION-linux-amd64.tar.gz.
# Run by Maven in the package phase (after the dependencies were copied to TARGET/jk/lib):
#   assemble.sh TARGET FINAL_JAR VERSION RUNTIME_BIN
set -euo pipefail
target="$1"; jar="$2"; version="$3"; runtime_bin="$4"
src="$(cd "$(dirname "$0")" && pwd)"
dist="$target/jk"
mkdir -p "$dist/bin" "$dist/lib" "$dist/libexec" "$dist/etc"
cp "$target/$jar" "$dist/lib/"
rm -f "$dist/lib"/jk-runtime-*.jar
install -m 0755 "$src"/bin/* "$dist/bin/"
cp -r "$src"/etc/. "$dist/etc/"
rm -rf "$dist/lib/cds"
for b in jkrt jkshim pause; do
  if [ -x "$runtime_bin/$b" ]; then
    install -m 0755 "$runtime_bin/$b" "$dist/libexec/$b"
  else
    echo "assemble: $runtime_bin/$b missing (build the runtime module first)" >&2
    exit 1
  fi
done
echo "$version" >"$dist/VERSION"
tar -C "$target" -czf "$target/jk-$version-linux-amd64.tar.gz" --owner=0 --group=0 jk
echo "assemble: $dist and $target/jk-$version-linux-amd64.tar.gz"
