#!/usr/bin/env bash
# fetch-musl-trixie.sh DEST: unpacks Debian trixie's `musl` package (musl 1.2.5, the real
# loader) into DEST without installing it, using a private apt state so the host's apt
# configuration is untouched. Used by .ci/run for the musl 1.2.5 oracle tests.
# Prints the directory holding libc.so (DEST/usr/lib/x86_64-linux-musl).
set -euo pipefail
dest=${1:?usage: fetch-musl-trixie.sh DEST}
arch=${ARCH:-amd64}
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$dest"
echo "deb [arch=$arch] http://deb.debian.org/debian trixie main" > "$state/sources.list"
opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::Cache=$state/cache"
  -o "APT::Architecture=$arch"
  -o "APT::Architectures=$arch"
  -o "Acquire::Languages=none"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${opts[@]}" update -qq >&2
( cd "$state" && apt-get "${opts[@]}" download "musl:$arch" >&2 )
deb=$(ls "$state"/musl_*.deb)
dpkg-deb -x "$deb" "$dest"
case $arch in
  amd64) triplet=x86_64-linux-musl ;;
  *) triplet=$(ls "$dest/usr/lib" | grep -- '-linux-musl' | head -1) ;;
esac
echo "$dest/usr/lib/$triplet"
