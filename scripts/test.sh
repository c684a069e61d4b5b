#!/usr/bin/env bash
# Runs jk's whole test suite: installs what the tests need, then builds and tests every module.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec mvn -B -ntp verify "$@"
