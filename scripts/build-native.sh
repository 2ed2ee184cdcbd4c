#!/usr/bin/env bash
# Builds build/qkv_blas.node, the OpenBLAS matrix-multiply addon that lib/backend/blas.ts registers on the
# tfjs wasm backend. Prints one line and never fails: without a C compiler, Node's headers or OpenBLAS
# (Debian: gcc libopenblas-dev) it says what is missing and the project runs on plain tfjs-wasm.
# Idempotent: rebuilds only when the C source, this script or Node's ABI changed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
src=native/blas.c
out=build/qkv_blas.node
stamp=build/.qkv_blas.sha256
say() { echo "build-native: $*"; }
# A binary built from an older source must not outlive a failed rebuild: the message says plain wasm.
skip() { rm -f "$out" "$stamp"; say "skipped, $1; matmul runs on plain tfjs-wasm"; exit 0; }

command -v node >/dev/null || skip "node is not on PATH"
# The key: what the binary depends on. N-API itself is ABI-stable, but a new Node major is cheap to rebuild for.
node_abi=$(node -p 'process.versions.modules + "/" + process.versions.napi + "/" + process.arch')
key=$( { cat "$src" "${BASH_SOURCE[0]}"; echo "$node_abi"; } | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
  say "up to date ($out)"
  exit 0
fi

cc=${CC:-gcc}
command -v "$cc" >/dev/null || skip "no C compiler ($cc; Debian: apt-get install gcc libc6-dev)"
# N-API headers ship with Node itself (NodeSource, official tarballs) or with Debian's nodejs/libnode-dev.
node_include=""
for dir in "$(dirname "$(dirname "$(command -v node)")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$dir/node_api.h" ]; then node_include=$dir; break; fi
done
[ -n "$node_include" ] || skip "Node's headers (node_api.h) were not found"

mkdir -p build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# OpenBLAS first, on its own, so that its absence is reported as such rather than as a compile error.
printf '#include <cblas.h>\nint main(void) { return openblas_get_num_threads() < 1; }\n' > "$tmp/probe.c"
"$cc" "$tmp/probe.c" -o "$tmp/probe" -lopenblas 2>/dev/null || skip "OpenBLAS was not found (Debian: apt-get install libopenblas-dev)"

start=$(date +%s)
if ! "$cc" -O2 -std=gnu11 -Wall -Wextra -shared -fPIC -I"$node_include" "$src" -o "$tmp/qkv_blas.node" -lopenblas -lpthread \
  2>"$tmp/cc.log"; then
  skip "compiling $src failed: $(grep -m1 -i error "$tmp/cc.log" || head -1 "$tmp/cc.log")"
fi
# Load it once: an unresolved symbol or a wrong ABI shows up here, not in the middle of a notebook.
if ! version=$(node -e 'console.log(require(process.argv[1]).info().config.split(" ").slice(0, 2).join(" "))' \
  "$tmp/qkv_blas.node" 2>"$tmp/load.log"); then
  skip "the built addon does not load: $(head -1 "$tmp/load.log")"
fi
mv "$tmp/qkv_blas.node" "$out"
echo "$key" > "$stamp"
say "built $out against $version in $(( $(date +%s) - start )) s"
