#!/usr/bin/env bash
# Builds the Debian package build/package/callsink_<version>_<arch>.deb with debhelper (debian/),
# from a fresh copy of the source tree in build/package/src: nothing else in build/ is used. The
# version is CMake's project(callsink VERSION ...) and nothing else: this script reads it from
# CMakeLists.txt and writes debian/changelog in the copy (the repository keeps none), and the
# build checks that the binary's --version says the same. Installs the packaging tools and the
# Build-Depends of debian/control that are missing, with apt-get, as install-deps.sh does.
#
# Usage: scripts/package.sh [--worktree]
#   By default the copy is git HEAD (git archive): what is committed, nothing else. --worktree
#   copies the working tree's files as git sees them instead (tracked and untracked, less what
#   .gitignore ignores, with any uncommitted edits), to try changes before committing them.
# scripts/test-package.sh installs, checks and removes the result.
set -euo pipefail
cd "$(dirname "$0")/.."

from=head
case "${1:-}" in
    "") ;;
    --worktree) from=worktree ;;
    *) echo "usage: scripts/package.sh [--worktree]" >&2; exit 2 ;;
esac

sudo=()
((EUID == 0)) || sudo=(sudo)
apt_get() {
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}
updated=0
apt_update_once() {
    ((updated)) || apt_get update -qq
    updated=1
}

# The packaging tools (lintian for scripts/test-package.sh), installed only when missing. No
# fakeroot: debian/control says Rules-Requires-Root: no.
tools=(dpkg-dev debhelper lintian)
missing=()
for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "package: installing ${missing[*]}" >&2
    apt_update_once
    apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

out=build/package
src=$out/src
rm -rf "$out"
mkdir -p "$src"

# The copy. Without git (an unpacked release tarball), everything but build/ and var/.
describe=
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    commit=$(git rev-parse --short HEAD)
    if [[ $from == head ]]; then
        git archive --format=tar HEAD | tar -x -C "$src"
        describe="git commit $commit"
    else
        # Tracked files deleted in the working tree are left out, as a build of it would.
        git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
            done |
            tar --null -T - -cf - | tar -x -C "$src"
        describe="git commit $commit"
        [[ -z $(git status --porcelain --untracked-files=normal) ]] ||
            describe+=" with uncommitted changes"
    fi
    stamp=$(git log -1 --format=%ct)
else
    tar --exclude=./build --exclude=./var -cf - . | tar -x -C "$src"
    describe="a tree without git"
    stamp=$(date +%s)
fi

# The one place the version is written down: CMake's project version, in the copy.
version=$(perl -0777 -ne 'print $1 if /^\s*project\s*\(\s*callsink\s+VERSION\s+(\d+(?:\.\d+){1,3})\b/m' \
    "$src/CMakeLists.txt")
if [[ -z $version ]]; then
    echo "package: no project(callsink VERSION x.y.z) in CMakeLists.txt" >&2
    exit 1
fi

# debian/changelog, from that version. Its date (git's commit date) is the build's
# SOURCE_DATE_EPOCH, so the same commit gives the same files.
maintainer=$(sed -n 's/^Maintainer: *//p' "$src/debian/control")
{
    echo "callsink ($version) bookworm; urgency=medium"
    echo
    echo "  * callsink $version, built by scripts/package.sh from $describe."
    echo "    The version is CMake's project(callsink VERSION $version)."
    echo
    echo " -- $maintainer  $(LC_ALL=C TZ=UTC date -R -d "@$stamp")"
} >"$src/debian/changelog"

# The Build-Depends of debian/control that are missing.
if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
    echo "package: installing the missing Build-Depends of debian/control" >&2
    apt_update_once
    apt_get build-dep -y -qq --no-install-recommends "./$src" >/dev/null
fi

echo "package: building callsink $version from $describe in $src (log: $out/build.log)" >&2
if ! (cd "$src" && dpkg-buildpackage --build=binary --no-sign -j"$(nproc)") >"$out/build.log" 2>&1
then
    tail -n 60 "$out/build.log" >&2
    echo "package: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
fi

deb=$out/callsink_${version}_$(dpkg --print-architecture).deb
if [[ ! -f $deb ]] || [[ $(dpkg-deb --field "$deb" Version) != "$version" ]]; then
    echo "package: $deb is missing or has another version" >&2
    exit 1
fi
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Installed-Size
