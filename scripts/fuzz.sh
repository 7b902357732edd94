#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time on its
# seed corpus, after replaying the inputs that once crashed it (tests/fuzz/regressions/<target>/).
# Usage: scripts/fuzz.sh [seconds per target, default 20]
# A crash leaves its input in build/fuzz/artifacts/; once fixed, add it to the regressions.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}

scripts/install-deps.sh
build=build/fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCALLSINK_FUZZ=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target parse_event_fuzz request_fuzz

mkdir -p "$build/artifacts"
run_target() {
    local target=$1 seeds=$2
    local binary="$build/tests/fuzz/${target}_fuzz"
    local regressions="tests/fuzz/regressions/$target"
    if compgen -G "$regressions/*" >/dev/null; then
        echo "fuzz: replaying $regressions"
        "$binary" "$regressions"/*
    fi
    local corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    echo "fuzz: $target for ${seconds}s"
    "$binary" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$target-" "$corpus" "$seeds"
}
run_target parse_event tests/data
run_target request tests/fuzz/corpus/request
echo "fuzz: no crash in ${seconds}s per target"
