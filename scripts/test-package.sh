#!/usr/bin/env bash
# Tests the Debian package on this machine: installs it with apt-get, checks the binary, the
# configuration, the callsink user, the files and their modes, the conffiles, that no unit is
# enabled, the units with systemd-analyze verify, a short run of the daemon as the callsink user
# on the installed configuration, and lintian (no error allowed); then upgrades to a
# version-bumped copy of the package whose configuration changed, with --force-confold, and
# checks that the operator's edit survived; then removes (configuration and data kept) and purges
# (configuration gone, data kept by design). Leaves the machine as it found it.
# Usage: scripts/test-package.sh [callsink_VERSION_ARCH.deb]
#   Without an argument, builds the package first with scripts/package.sh.
# Needs root (re-runs itself with sudo), and refuses to run where callsink is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

if ((EUID != 0)); then
    exec sudo "$0" "$@"
fi

if (($# > 1)); then
    echo "usage: scripts/test-package.sh [callsink_VERSION_ARCH.deb]" >&2
    exit 2
fi
if (($# == 0)); then
    scripts/package.sh
    set -- build/package/callsink_*_"$(dpkg --print-architecture)".deb
    (($# == 1)) && [[ -f $1 ]] || { echo "test-package: no single .deb in build/package/" >&2; exit 1; }
fi
deb=$(realpath "$1")
version=$(dpkg-deb --field "$deb" Version)
repo=$PWD

failures=0
ok() { echo "test-package: ok    $*"; }
bad() { echo "test-package: FAIL  $*" >&2; failures=$((failures + 1)); }
skip() { echo "test-package: SKIP  $*"; }
die() { echo "test-package: FAIL  $*" >&2; exit 1; }
check() {  # check DESCRIPTION COMMAND...: ok if the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
quietly() { "$@" >/dev/null 2>&1; }
lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo "no file"; fi; }
status() { dpkg-query -W -f='${db:Status-Status}' callsink 2>/dev/null || echo not-installed; }
mode_owner() { stat -c '%a %U:%G' "$1" 2>/dev/null || echo missing; }
expect_file() {  # expect_file PATH MODE OWNER:GROUP
    local got
    got=$(mode_owner "$1")
    if [[ $got == "$2 $3" ]]; then ok "$1 is $2 $3"; else bad "$1 is $got, expected $2 $3"; fi
}
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"
}

[[ $(status) == not-installed ]] ||
    die "callsink is installed here ($(status)); this test installs and purges it: apt-get purge callsink first"
# What the test creates and the package keeps on purge (the user and the data) goes at the end,
# unless it was here before.
user_before=0; getent passwd callsink >/dev/null && user_before=1
group_before=0; getent group callsink >/dev/null && group_before=1
data_before=0; [[ -e /var/lib/callsink ]] && data_before=1

tmp=$(mktemp -d)
daemon_pid=
cleanup() {
    [[ -z $daemon_pid ]] || kill -KILL "$daemon_pid" 2>/dev/null || true
    if [[ $(status) != not-installed ]]; then
        apt_get purge callsink >/dev/null 2>&1 || true
    fi
    ((data_before)) || rm -rf /var/lib/callsink
    ((user_before)) || ! getent passwd callsink >/dev/null || quietly deluser --system callsink
    ((group_before)) || ! getent group callsink >/dev/null || quietly delgroup --system callsink
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "test-package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends

# ---- install ----
if ! apt_get install "$deb" >"$tmp/install.log" 2>&1; then
    # The package's dependencies may be newer than this machine's package lists.
    apt_get update >/dev/null
    apt_get install "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; die "apt-get install"; }
fi
check "apt-get install $(basename "$deb"): installed $version" \
    test "$(status) $(dpkg-query -W -f='${Version}' callsink)" = "installed $version"

# ---- the binary and the configuration ----
check "callsink is /usr/bin/callsink" test "$(command -v callsink)" = /usr/bin/callsink
check "callsink --version says callsink $version" test "$(callsink --version)" = "callsink $version"
if out=$(callsink --check --config /etc/callsink/callsink.toml 2>&1); then
    ok "callsink --check --config /etc/callsink/callsink.toml: $out"
else
    bad "callsink --check --config /etc/callsink/callsink.toml: $out"
fi
check "the configuration writes to /var/lib/callsink" \
    grep -q '^path = "/var/lib/callsink/events.jsonl"$' /etc/callsink/callsink.toml
check "the configuration leaves rotation to logrotate (max_bytes = 0)" \
    grep -q '^max_bytes = 0$' /etc/callsink/callsink.toml

# ---- the user ----
if id callsink >/dev/null 2>&1; then
    ok "id callsink: $(id callsink)"
    IFS=: read -r _ _ uid gid _ home shell < <(getent passwd callsink)
    check "callsink is a system user (uid $uid < 1000)" test "$uid" -lt 1000
    check "callsink's primary group is callsink" test "$(getent group "$gid" | cut -d: -f1)" = callsink
    check "callsink's home is /var/lib/callsink" test "$home" = /var/lib/callsink
    check "callsink cannot log in ($shell)" test "$shell" = /usr/sbin/nologin
else
    bad "id callsink: no such user"
fi

# ---- files, modes, conffiles ----
expect_file /usr/bin/callsink 755 root:root
expect_file /etc/callsink 755 root:root
expect_file /etc/callsink/callsink.toml 644 root:root
expect_file /etc/logrotate.d/callsink 644 root:root
expect_file /lib/systemd/system/callsink.service 644 root:root
expect_file /lib/systemd/system/callsink@.service 644 root:root
expect_file /var/lib/callsink 750 callsink:callsink
for f in nginx-callsink.conf nginx-callsink-replicas.conf callsink-replica.toml; do
    expect_file "/usr/share/doc/callsink/examples/$f" 644 root:root
done
for f in README.md operations.md configuration.md scaling.md; do
    if compgen -G "/usr/share/doc/callsink/$f" >/dev/null ||
        compgen -G "/usr/share/doc/callsink/$f.gz" >/dev/null; then
        ok "/usr/share/doc/callsink/$f is installed"
    else
        bad "/usr/share/doc/callsink/$f is missing"
    fi
done
expect_file /usr/share/doc/callsink/copyright 644 root:root
expect_file /usr/share/man/man1/callsink.1.gz 644 root:root
conffiles=$(dpkg-query -W -f='${Conffiles}\n' callsink)
for f in /etc/callsink/callsink.toml /etc/logrotate.d/callsink; do
    check "$f is a conffile" grep -q "^ $f [0-9a-f]\{32\}$" <<<"$conffiles"
done
check "the units run /usr/bin/callsink as the user callsink" \
    grep -q '^User=callsink$' /lib/systemd/system/callsink.service /lib/systemd/system/callsink@.service

# ---- nothing enabled ----
for unit in callsink.service callsink@.service; do
    if compgen -G "/etc/systemd/system/*.wants/${unit/@./@*.}" >/dev/null; then
        bad "$unit is enabled: $(echo /etc/systemd/system/*.wants/"${unit/@./@*.}")"
    else
        ok "$unit is not enabled"
    fi
done

# ---- systemd-analyze verify ----
# It loads the units offline, so it works without systemd running as PID 1. The template is
# verified as an instance, callsink@8081.service, through a link of that name to the installed
# file.
verify() {  # verify NAME PATH
    local out
    if out=$(systemd-analyze verify "$2" 2>&1) && [[ -z $out ]]; then
        ok "systemd-analyze verify $1"
    else
        bad "systemd-analyze verify $1: ${out:-exit status not 0}"
    fi
}
if command -v systemd-analyze >/dev/null; then
    verify callsink.service /lib/systemd/system/callsink.service
    mkdir "$tmp/units"
    ln -s /lib/systemd/system/callsink@.service "$tmp/units/callsink@8081.service"
    verify callsink@8081.service "$tmp/units/callsink@8081.service"
else
    skip "systemd-analyze verify: systemd-analyze is not installed"
fi

# ---- the daemon, as the unit runs it: user callsink, the installed configuration ----
# systemd may not be PID 1 here, so the unit itself is not started; setpriv runs the binary as
# the unit's User= and UMask= would, on a free port, and one delivery must land in
# /var/lib/callsink.
events=/var/lib/callsink/events.jsonl
(umask 0027 && exec setpriv --reuid=callsink --regid=callsink --init-groups \
    /usr/bin/callsink --config /etc/callsink/callsink.toml --listen 127.0.0.1:0) \
    2>"$tmp/daemon.log" &
daemon_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/daemon.log")
    [[ -n $port ]] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -n $port ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$repo/tests/data/call_status_2026.json" \
        "http://127.0.0.1:$port/status")
    check "a delivery to the installed daemon, run as callsink, is answered 200 (got $code)" test "$code" = 200
    kill -TERM "$daemon_pid"
    if wait "$daemon_pid"; then ok "SIGTERM: the daemon exits 0"; else bad "SIGTERM: the daemon exits $?"; fi
    daemon_pid=
    check "the delivery is in $events" test "$(lines "$events")" = 1
    expect_file "$events" 640 callsink:callsink
else
    kill -KILL "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=
    bad "the daemon did not start as callsink: $(cat "$tmp/daemon.log")"
fi

# ---- lintian ----
# As nobody when it can read the .deb: lintian warns against running as root.
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent)
"${as_nobody[@]}" test -r "$deb" || as_nobody=()
if command -v lintian >/dev/null; then
    if "${as_nobody[@]}" lintian --fail-on error --display-info "$deb" >"$tmp/lintian.log" 2>&1; then
        ok "lintian: no error$(grep -q . "$tmp/lintian.log" && printf '; it says:\n%s' "$(cat "$tmp/lintian.log")")"
    else
        bad "lintian: $(cat "$tmp/lintian.log")"
    fi
else
    skip "lintian is not installed (scripts/package.sh installs it)"
fi

# ---- upgrade: an edited conffile survives ----
# The operator edits the configuration; the next version ships a changed one. A copy of this
# package with the version bumped and a line added to its configuration stands in for it, and
# --force-confold keeps the operator's file (dpkg leaves the new one as .dpkg-dist).
sed -i 's/^threads = 1$/threads = 2  # edited by test-package.sh/' /etc/callsink/callsink.toml
check "edited /etc/callsink/callsink.toml" grep -q '^threads = 2  # edited by test-package.sh$' \
    /etc/callsink/callsink.toml
next=$version+test1
dpkg-deb -R "$deb" "$tmp/next"
sed -i "s/^Version: .*/Version: $next/" "$tmp/next/DEBIAN/control"
echo "# added in $next" >>"$tmp/next/etc/callsink/callsink.toml"
(cd "$tmp/next" && sed -i "s|^[0-9a-f]*  etc/callsink/callsink.toml$|$(md5sum etc/callsink/callsink.toml)|" \
    DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$tmp/next" "$tmp/callsink_${next}.deb" >/dev/null
if apt_get -o Dpkg::Options::=--force-confold install "$tmp/callsink_${next}.deb" >"$tmp/upgrade.log" 2>&1; then
    check "upgraded to $next" test "$(dpkg-query -W -f='${Version}' callsink)" = "$next"
else
    bad "apt-get install (upgrade to $next): $(cat "$tmp/upgrade.log")"
fi
check "the edit of /etc/callsink/callsink.toml survived the upgrade" \
    grep -q '^threads = 2  # edited by test-package.sh$' /etc/callsink/callsink.toml
check "the new version's configuration is beside it, as callsink.toml.dpkg-dist" \
    grep -q "^# added in $next\$" /etc/callsink/callsink.toml.dpkg-dist
check "callsink --check accepts the edited configuration" \
    quietly callsink --check --config /etc/callsink/callsink.toml
check "the data survived the upgrade" test "$(lines "$events")" = 1

# ---- remove: configuration and data kept ----
apt_get remove callsink >"$tmp/remove.log" 2>&1 || bad "apt-get remove: $(cat "$tmp/remove.log")"
check "apt-get remove: callsink's state is config-files" test "$(status)" = config-files
check "apt-get remove: /usr/bin/callsink is gone" test ! -e /usr/bin/callsink
check "apt-get remove: the units are gone" test ! -e /lib/systemd/system/callsink.service
check "apt-get remove: the edited configuration is kept" \
    grep -q '^threads = 2  # edited by test-package.sh$' /etc/callsink/callsink.toml
check "apt-get remove: /etc/logrotate.d/callsink is kept" test -f /etc/logrotate.d/callsink
check "apt-get remove: the data is kept" test "$(lines "$events")" = 1
check "apt-get remove: the user is kept" quietly getent passwd callsink

# ---- purge: configuration gone, data and user kept (docs/operations.md) ----
apt_get purge callsink >"$tmp/purge.log" 2>&1 || bad "apt-get purge: $(cat "$tmp/purge.log")"
check "apt-get purge: callsink is not installed" test "$(status)" = not-installed
check "apt-get purge: /etc/callsink/callsink.toml is gone" test ! -e /etc/callsink/callsink.toml
check "apt-get purge: callsink.toml.dpkg-dist is gone" test ! -e /etc/callsink/callsink.toml.dpkg-dist
check "apt-get purge: /etc/callsink is gone" test ! -e /etc/callsink
check "apt-get purge: /etc/logrotate.d/callsink is gone" test ! -e /etc/logrotate.d/callsink
check "apt-get purge: the data is kept, by design" test "$(lines "$events")" = 1
check "apt-get purge: the user callsink is kept, as it owns the data" quietly getent passwd callsink
check "apt-get purge: says so" grep -q 'kept /var/lib/callsink' "$tmp/purge.log"

if ((failures)); then
    echo "test-package: $failures check(s) failed" >&2
    exit 1
fi
echo "test-package: every check passed for $(basename "$deb")"
