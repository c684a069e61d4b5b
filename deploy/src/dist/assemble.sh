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
# bin/jkctl is the C client of the jkctl daemon (cli/src/main/c/jkctl.c), in the place of the JVM
# script src/dist/bin/jkctl; the JVM it falls back to (and runs as the daemon) is
# bin/jk-java jkctl io.jk.cli.JkctlCommand
client="$src/../../../cli/target/bin/jkctl"
if [ -x "$client" ]; then
  install -m 0755 "$client" "$dist/bin/jkctl"
else
  echo "assemble: $client missing (build the cli module first)" >&2
  exit 1
fi
cp -r "$src"/etc/. "$dist/etc/"
rm -rf "$dist/lib/cds"
for b in jkrt jkshim pause jkportfwd; do
  if [ -x "$runtime_bin/$b" ]; then
    install -m 0755 "$runtime_bin/$b" "$dist/libexec/$b"
  else
    echo "assemble: $runtime_bin/$b missing (build the runtime module first)" >&2
    exit 1
  fi
done
echo "$version" >"$dist/VERSION"
# jkctl's own short class path: jk-cli and what its code imports (picocli, Jackson, SnakeYAML, and
# jk-common/jk-apiserver for Json, Durations and the patch package), not the server's hundred jars
: >"$dist/lib/jkctl.classpath"
for name in jk-cli jk-common jk-apiserver picocli jackson-core jackson-databind jackson-annotations \
    jackson-dataformat-yaml snakeyaml; do
  jar="$(cd "$dist/lib" && ls "$name"-[0-9]*.jar 2>/dev/null | head -1)"
  [ -n "$jar" ] || { echo "assemble: no $name jar in $dist/lib" >&2; exit 1; }
  echo "$jar" >>"$dist/lib/jkctl.classpath"
done
# no jkctl daemon for the build's own jkctl runs: it would outlive the build
JKCTL_DAEMON=0 bash "$src/cds-train.sh" "$dist" "$src/../../../examples" "$target/cds-train"
# the archive holds absolute jar paths: each copy of the distribution dumps its own from the class list
tar -C "$target" -czf "$target/jk-$version-linux-amd64.tar.gz" --owner=0 --group=0 --exclude=jk/lib/cds/jkctl.jsa jk
echo "assemble: $dist and $target/jk-$version-linux-amd64.tar.gz"
