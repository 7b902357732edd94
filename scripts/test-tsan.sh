#!/usr/bin/env bash
# Builds callsink and the unit tests of the areas whose components own threads or are called from
# several (base, http, sinks, pipeline, and app's shutdown watchdog, armed on the signal thread and
# disarmed on main) with ThreadSanitizer in build/tsan, runs them, then runs one integration test
# file against the daemon so built: io threads that write their own batches beside the pipeline's
# writer thread, and shutdown on SIGTERM. Any report fails the run; no suppression covers
# callsink's code. Installs missing Debian packages first.
#
# Left out, with the reason: KafkaSinkTest. librdkafka starts its threads with C11 thrd_create(),
# which Debian 12's ThreadSanitizer (GCC 12) does not intercept, so the first allocation on one of
# them crashes inside ThreadSanitizer: a limit of the tool, not a race. The Kafka sink's own thread
# is the base/worker.hpp primitive that WorkerTest covers here. (No unit test starts libpq.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=build/tsan
# -O1: ThreadSanitizer's documentation asks for it at least, for reasonable speed.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DCALLSINK_BUILD_TESTS=ON -DCALLSINK_TSAN=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target callsink callsink_unit_tests

# Every report goes to a file of its own, so one from the daemon, whose stderr the integration
# tests read and discard, fails the run as one from a unit test does.
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 ${TSAN_OPTIONS:-}"

status=0
"$build/tests/callsink_unit_tests" --gtest_brief=1 \
    --gtest_filter='-KafkaSinkTest.*' || status=$?
root=$PWD
(cd tests/integration &&
    CALLSINK_BIN="$root/$build/callsink" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
        test_io_threads.py) || status=$?

if compgen -G "$reports/tsan.*" >/dev/null; then
    cat "$reports"/tsan.*
    echo "test-tsan: ThreadSanitizer reported the above" >&2
    exit 1
fi
exit "$status"
