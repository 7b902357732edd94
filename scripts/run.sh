#!/usr/bin/env bash
# Builds callsink (optimised) and runs it on the example configuration, which listens on
# 127.0.0.1:8080 and writes its files under ./var/. Extra arguments go to callsink.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCALLSINK_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
exec "$build/callsink" --config config/callsink.toml "$@"
