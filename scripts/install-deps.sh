#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever callsink needs to build and test that is missing.
# Both README commands and .ci/run start here, so a fresh machine needs nothing else.
set -euo pipefail

packages=(
    cmake ninja-build g++ pkg-config
    libboost1.81-dev nlohmann-json3-dev libspdlog-dev libtomlplusplus-dev libcli11-dev
    libssl-dev libgtest-dev libgmock-dev librdkafka-dev libpq-dev postgresql-15
    libgoogle-perftools-dev
    python3 python3-pytest curl nginx openssl kcat
    clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
((EUID == 0)) || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
