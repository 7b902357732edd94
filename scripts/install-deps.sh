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
    prometheus
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

# prometheus is here for its programs (tests run /usr/bin/prometheus and promtool, on ports of
# their own), not as a service. Its package starts one, on *:9090, and where systemd is not PID 1
# it does so through an init script whose failure fails the install. Unless the machine has a
# policy of its own (containers usually do), a policy-rc.d that denies every start stands while
# apt-get runs, and the unit the package enables is disabled again.
policy=/usr/sbin/policy-rc.d
if [[ " ${missing[*]} " == *" prometheus "* && ! -e $policy ]]; then
    printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts while it installs\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 0755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi

"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now --quiet prometheus.service || true
fi
