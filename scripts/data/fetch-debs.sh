#!/usr/bin/env bash
# fetch-debs.sh [CACHE]: downloads the Debian packages the databases are generated from
# (musl, libc6, libstdc++6, libgcc-s1 for bookworm and trixie, every architecture we cover;
# libstdc++6 and libgcc-s1 from forky, GCC 16)
# into CACHE (default /work/cache/debs), never into the repository. It uses a private apt
# state per suite (own sources list, lists, cache, architectures) so the host's apt
# configuration is untouched. Run by hand before `npm run gen-data`; CI never runs it.
#
# Layout: CACHE/<suite>/<package>_<version>_<debarch>.deb, plus CACHE/<suite>/SHA256SUMS.
set -euo pipefail
cache=${1:-/work/cache/debs}
arches=(amd64 arm64 armhf i386 ppc64el s390x riscv64)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

fetch_suite() {
  local suite=$1 state="$cache/.apt-$1" out="$cache/$1"
  shift
  local -a packages=("$@")
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$out"
  echo "deb [arch=$(IFS=,; echo "${arches[*]}")] http://deb.debian.org/debian $suite main" > "$state/sources.list"
  local opts=(
    -o "Dir::Etc::SourceList=$state/sources.list"
    -o "Dir::Etc::SourceParts=-"
    -o "Dir::Etc::Trusted=$keyring"
    -o "Dir::Etc::TrustedParts=-"
    -o "Dir::State::Lists=$state/lists"
    -o "Dir::State::Status=/dev/null"
    -o "Dir::Cache=$state/cache"
    -o "APT::Architecture=amd64"
    -o "APT::Architectures=$(IFS=,; echo "${arches[*]}")"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
  )
  apt-get "${opts[@]}" update -qq
  for arch in "${arches[@]}"; do
    for pkg in "${packages[@]}"; do
      if compgen -G "$out/${pkg}_*_${arch}.deb" >/dev/null; then
        echo "cached $suite $pkg:$arch"
      elif ( cd "$out" && apt-get "${opts[@]}" download "$pkg:$arch" -qq ) 2>/dev/null; then
        echo "fetched $suite $pkg:$arch"
      else
        echo "not built: $suite $pkg:$arch"
      fi
    done
  done
  ( cd "$out" && sha256sum -- *.deb | sort -k2 > SHA256SUMS )
}

fetch_suite bookworm musl libc6 libstdc++6 libgcc-s1
fetch_suite trixie musl libc6 libstdc++6 libgcc-s1
# forky (Debian testing) builds libstdc++6/libgcc-s1 from GCC 16: a measured superset from which
# GCC 15 is derived with the libstdc++ manual's ABI table (GCC 15 itself is not a Debian libstdc++6).
arches=(amd64)
fetch_suite forky libstdc++6 libgcc-s1
