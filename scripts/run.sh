#!/usr/bin/env bash
# Builds callsink (optimised) and runs it on the example configuration, which listens on
# 127.0.0.1:8080 and writes its files under ./var/. Extra arguments go to callsink.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-release.sh
exec build/release/callsink --config config/callsink.toml "$@"
