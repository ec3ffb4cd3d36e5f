#!/usr/bin/env bash
# build.sh: rebuilds every sample binary under samples/bin from samples/src, and records
# the toolchains in samples/TOOLCHAINS.md. Each source's header names its build command
# and the expected verdict. Targets whose compiler is missing are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")"
src=$PWD/src
out=$PWD/bin
rm -rf "$out"
mkdir -p "$out/lib" "$out/node_modules/@demo/addon-linux-x64-gnu" "$out/python" "$out/arch" "$out/broken" "$out/go" "$out/rust"
common=(-ffile-prefix-map="$PWD"=. -Wl,--build-id=sha1)

have() { command -v "$1" >/dev/null 2>&1; }
cc() { gcc "${common[@]}" "$@"; }

cc -O1 -U_FORTIFY_SOURCE -o "$out/hello-glibc" "$src/hello.c"
cc -O2 -static -o "$out/hello-static" "$src/hello.c"
cc -O2 -static-pie -fPIE -o "$out/hello-static-pie" "$src/hello.c"
# ld warns that getpwnam and dlopen in a static program need glibc's shared libraries at
# run time: that is what the sample shows.
cc -O2 -static -o "$out/static-nss" "$src/static-nss.c"
cc -O1 -shared -fPIC -Wl,--version-script="$src/libvers.map" -Wl,-soname,libvers.so.1 -o "$out/lib/libvers.so.1" "$src/libvers.c"
cc -O1 -U_FORTIFY_SOURCE -o "$out/app-vers" "$src/app-vers.c" "$out/lib/libvers.so.1" -Wl,-rpath,'$ORIGIN/lib'
if have musl-gcc; then
  musl-gcc "${common[@]}" -O2 -o "$out/hello-musl" "$src/hello.c"
  musl-gcc "${common[@]}" -O2 -fPIE -pie -Wl,-z,pack-relative-relocs -o "$out/relr-musl" "$src/relr.c"
  # Link against a throw-away stub that defines __fdelt_chk, then drop the stub from
  # DT_NEEDED: what remains is a musl program importing a glibc-only name.
  stubdir=$(mktemp -d)
  echo 'long __fdelt_chk(long d) { return d / 64; }' > "$stubdir/stub.c"
  musl-gcc -shared -fPIC -Wl,-soname,libfdeltstub.so -o "$stubdir/libfdeltstub.so" "$stubdir/stub.c"
  musl-gcc "${common[@]}" -O1 -fno-builtin -o "$out/mixed" "$src/mixed.c" "$stubdir/libfdeltstub.so"
  patchelf --remove-needed libfdeltstub.so "$out/mixed"
  rm -rf "$stubdir"
else
  echo "build.sh: musl-gcc missing (apt-get install musl-tools): hello-musl, mixed skipped" >&2
fi
cc -O2 -D_FORTIFY_SOURCE=2 -o "$out/fortify" "$src/fortify.c"
cc -O1 -U_FORTIFY_SOURCE -o "$out/ucontext" "$src/ucontext.c"
cc -O1 -U_FORTIFY_SOURCE -o "$out/fts" "$src/fts.c"
cc -O1 -U_FORTIFY_SOURCE -D_FILE_OFFSET_BITS=64 -o "$out/fcntl64" "$src/fcntl64.c"
cc -O1 -U_FORTIFY_SOURCE -o "$out/closerange" "$src/closerange.c"
cc -O1 -U_FORTIFY_SOURCE -pthread -o "$out/hazards" "$src/hazards.c" -ldl
cc -O1 -U_FORTIFY_SOURCE -pthread -Wl,-z,stack-size=8388608 -o "$out/hazards-stack8m" "$src/hazards.c" -ldl
cc -O1 -U_FORTIFY_SOURCE -o "$out/weak" "$src/weak.c"
cc -O1 -U_FORTIFY_SOURCE -fPIE -pie -o "$out/ifunc" "$src/ifunc.c"
g++ "${common[@]}" -O2 -o "$out/cxx" "$src/cxx.cc"
cc -O1 -U_FORTIFY_SOURCE -shared -fPIC -Wl,-soname,libbundle.so.1 -o "$out/lib/libbundle.so.1" "$src/bundle.c"
cc -O1 -U_FORTIFY_SOURCE -o "$out/app-bundled" "$src/app-bundled.c" "$out/lib/libbundle.so.1" -Wl,-rpath,'$ORIGIN/lib' -Wl,--enable-new-dtags
cc -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC -o "$out/node_modules/@demo/addon-linux-x64-gnu/addon.node" "$src/addon.c"
cat > "$out/node_modules/@demo/addon-linux-x64-gnu/package.json" <<'JSON'
{
  "name": "@demo/addon-linux-x64-gnu",
  "version": "1.0.0",
  "os": ["linux"],
  "cpu": ["x64"],
  "libc": ["glibc"],
  "main": "addon.node"
}
JSON
cc -O2 -D_FORTIFY_SOURCE=2 -shared -fPIC -o "$out/python/demo.cpython-311-x86_64-linux-gnu.so" "$src/pyext.c"

# Foreign architectures and byte orders (Debian cross compilers).
# mips: musl has a port, muslcheck has no symbol data for it (finding arch-not-covered).
for pair in i686-linux-gnu-gcc:i386 aarch64-linux-gnu-gcc:aarch64 arm-linux-gnueabihf-gcc:armhf s390x-linux-gnu-gcc:s390x powerpc64le-linux-gnu-gcc:ppc64le mips-linux-gnu-gcc:mips; do
  c=${pair%%:*}; a=${pair##*:}
  if have "$c"; then
    "$c" "${common[@]}" -O2 -D_FORTIFY_SOURCE=2 -o "$out/arch/fortify-$a" "$src/fortify.c"
  else
    echo "build.sh: $c missing: arch/fortify-$a skipped" >&2
  fi
done

# strip_section_headers copies an ELF64 file with e_shoff, e_shnum and e_shstrndx zeroed:
# the loader never needs section headers, and muslcheck must not either.
strip_section_headers() {
  cp "$1" "$2"
  python3 - "$2" <<'PY'
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(40); f.write(b'\0' * 8)   # e_shoff
    f.seek(60); f.write(b'\0' * 4)   # e_shnum, e_shstrndx
PY
}
strip_section_headers "$out/fortify" "$out/broken/fortify-nohdrs"

# Go (Debian's golang-go): static and cgo builds of samples/src/gohello, kept small and
# reproducible (-trimpath, -s -w, no VCS stamp), and the static one without section headers
# (its build info is then found in the data segment).
if have go; then
  (
    cd "$src/gohello"
    export GOFLAGS=-buildvcs=false
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$out/go/hello-static" .
    CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o "$out/go/hello-cgo" .
  )
  strip_section_headers "$out/go/hello-static" "$out/go/hello-static-nohdrs"
else
  echo "build.sh: go missing (apt-get install golang-go): go/* skipped" >&2
fi

# Rust (rustup's stable toolchain), for the glibc target, small: size-optimised, no symbols,
# abort on panic.
rustc=$(command -v rustc || echo "$HOME/.cargo/bin/rustc")
if [ -x "$rustc" ]; then
  (cd "$src/rusthello" && "$rustc" --edition 2021 --target x86_64-unknown-linux-gnu -C opt-level=z -C strip=symbols -C panic=abort -C codegen-units=1 --remap-path-prefix="$PWD"=. -o "$out/rust/hello" main.rs)
else
  echo "build.sh: rustc missing: rust/hello skipped" >&2
fi

# A truncated copy (malformed) and a script (not ELF).
head -c 200 "$out/fortify" > "$out/broken/fortify-truncated"
printf '#!/bin/sh\necho "not an ELF file"\n' > "$out/run.sh"
chmod +x "$out/run.sh"

{
  echo "# Toolchains used for samples/bin"
  echo
  echo "Generated by samples/build.sh."
  echo
  for c in gcc g++ musl-gcc i686-linux-gnu-gcc aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc s390x-linux-gnu-gcc powerpc64le-linux-gnu-gcc mips-linux-gnu-gcc ld; do
    if have "$c"; then echo "- \`$c\`: $("$c" --version 2>/dev/null | head -1)"; fi
  done
  if have go; then echo "- \`go\`: $(go version) (Debian golang-go $(dpkg-query -W -f='${Version}' golang-go 2>/dev/null || echo unknown))"; fi
  if [ -x "$rustc" ]; then echo "- \`rustc\`: $("$rustc" --version) (target x86_64-unknown-linux-gnu)"; fi
  echo "- musl (musl-gcc's libc): $(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo unknown)"
} > TOOLCHAINS.md
echo "build.sh: samples rebuilt in $out"
