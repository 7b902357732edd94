#!/usr/bin/env bash
# Writes the configuration the package installs as /etc/callsink/callsink.toml, derived from the
# repository's example config/callsink.toml (so there is one hand-kept file): its relative
# "../var/" paths become /var/lib/callsink/ (the package's data directory), the file sink leaves
# rotation to the package's logrotate file (max_bytes = 0), and the usage lines name /etc. Every
# substitution must match exactly as often as expected: a reworded example fails the build here
# rather than shipping a configuration that writes somewhere else.
# Usage: debian/packaged-config.sh config/callsink.toml OUTPUT
set -euo pipefail

src=$1
out=$2

count() { grep -c -e "$1" "$2" || true; }
expect() {  # expect PATTERN FILE N WHAT
    n=$(count "$1" "$2")
    if [ "$n" != "$3" ]; then
        echo "packaged-config.sh: expected $3 line(s) of $4 in $2, found $n" >&2
        exit 1
    fi
}

expect '^path = "\.\./var/[a-z]*\.jsonl"$' "$src" 2 'path = "../var/….jsonl"'
expect '^max_bytes = 104857600$' "$src" 1 'max_bytes = 104857600'
expect '^#   callsink --config config/callsink\.toml ' "$src" 2 'usage lines'

mkdir -p "$(dirname "$out")"
sed -e '1i\
# /etc/callsink/callsink.toml, installed by the callsink Debian package. It is the repository'"'"'s\
# config/callsink.toml with the paths under /var/lib/callsink and the rotation left to\
# /etc/logrotate.d/callsink. An edit here survives upgrades (dpkg asks before replacing it).\
#' \
    -e 's|^path = "\.\./var/\([a-z]*\.jsonl\)"$|path = "/var/lib/callsink/\1"|' \
    -e 's|^max_bytes = 104857600$|max_bytes = 0|' \
    -e 's|^#   callsink --config config/callsink\.toml |#   callsink --config /etc/callsink/callsink.toml |' \
    "$src" >"$out"

expect '^path = "/var/lib/callsink/events\.jsonl"$' "$out" 1 'the events path'
expect '^path = "/var/lib/callsink/rejects\.jsonl"$' "$out" 1 'the rejects path'
expect '^[^#]*\.\./' "$out" 0 'relative paths'
