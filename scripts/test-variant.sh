#!/usr/bin/env bash
# Builds callsink without the sinks that need a library of their own (-DCALLSINK_KAFKA=OFF
# -DCALLSINK_POSTGRES=OFF) and checks that build: it links neither librdkafka nor libpq, a
# configuration naming either sink is refused at start-up with exit status 2 and a message that
# says why, and the daemon's own integration tests pass against it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=build/variant
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCALLSINK_BUILD_TESTS=OFF \
    -DCALLSINK_KAFKA=OFF -DCALLSINK_POSTGRES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
bin=$PWD/$build/callsink

fail() { echo "test-variant: $*" >&2; exit 1; }
needed=$(readelf -d "$bin")
[[ $needed != *librdkafka* && $needed != *libpq* ]] || fail "$bin still links librdkafka or libpq"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sink in 'type = "kafka"
brokers = "127.0.0.1:9092"
topic = "callsink"' 'type = "postgres"
conninfo = "dbname=callsink"'; do
    name=$(sed -n 's/^type = "\(.*\)"/\1/p' <<<"$sink")
    printf '[rejects]\npath = "rejects.jsonl"\n\n[[sinks]]\n%s\n' "$sink" >"$tmp/$name.toml"
    status=0
    "$bin" --config "$tmp/$name.toml" --check 2>"$tmp/err" || status=$?
    ((status == 2)) || fail "--check of a $name sink exited $status, not 2"
    grep -q "sinks\[0\].type: this callsink was built without the \"$name\" sink" "$tmp/err" ||
        fail "--check of a $name sink said: $(cat "$tmp/err")"
done

cd tests/integration
# Debian's interpreter, as ctest runs them: its pytest is the one install-deps.sh provides.
CALLSINK_BIN="$bin" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    test_cli.py test_deliveries.py test_files.py "$@"
echo "test-variant: the build without kafka and postgres passed"
