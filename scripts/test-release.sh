#!/usr/bin/env bash
# Builds callsink as scripts/run.sh does (optimised, linked with tcmalloc) and runs the
# integration tests that exercise the whole daemon against that binary: the sanitizer build of
# scripts/test.sh uses its own allocator, so only this run shows the binary users start.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-release.sh
build=build/release
# Read the NEEDED entries into a variable first: under pipefail, `ldd | grep -q` fails whenever
# grep exits before ldd has finished writing (SIGPIPE), which is how CI once failed here.
needed=$(readelf -d "$build/callsink")
[[ $needed == *libtcmalloc_minimal* ]] || { echo "test-release: callsink is not linked with tcmalloc" >&2; exit 1; }
root=$PWD
cd tests/integration
# Debian's interpreter, as ctest runs them: its pytest is the one install-deps.sh provides.
CALLSINK_BIN="$root/$build/callsink" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    test_deliveries.py test_http.py test_shutdown.py test_signals.py test_memory_budget.py \
    test_io_threads.py test_hostile_clients.py "$@"
