#!/usr/bin/env bash
# Builds the optimised daemon (linked with tcmalloc) in build/release, installing missing Debian
# packages first; scripts/run.sh runs it, scripts/test-release.sh tests it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCALLSINK_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)"
