#!/usr/bin/env bash
# Builds the project's two N-API addons for the tfjs wasm backend:
#   build/qkv_blas.node   OpenBLAS matrix multiply (native/blas.c), registered by lib/backend/blas.ts
#   build/qkv_fused.node  fused GELU, LayerNorm, softmax-gradient and gather kernels (native/fused.c),
#                         registered by lib/backend/fused.ts; needs no OpenBLAS, so it is built on its own
# Prints one line and never fails: without a C compiler, Node's headers or OpenBLAS (Debian: gcc
# libopenblas-dev) it says what is missing, and the kernels it could not build run on plain tfjs-wasm.
# Idempotent: an addon is rebuilt only when its C sources, this script or Node's ABI changed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "build-native: $*"; }
# A binary built from an older source must not outlive a failed rebuild: the message says plain wasm.
skip_all() { rm -f build/qkv_blas.node build/.qkv_blas.sha256 build/qkv_fused.node build/.qkv_fused.sha256; say "skipped, $1; matmul and the fused kernels run on plain tfjs-wasm"; exit 0; }

command -v node >/dev/null || skip_all "node is not on PATH"
# The key: what a binary depends on. N-API itself is ABI-stable, but a new Node major is cheap to rebuild for.
node_abi=$(node -p 'process.versions.modules + "/" + process.versions.napi + "/" + process.arch')
key_of() { { cat "$@" "${BASH_SOURCE[0]}"; echo "$node_abi"; } | sha256sum | cut -d' ' -f1; }
blas_key=$(key_of native/blas.c native/napi_args.h native/vec_math.h)
fused_key=$(key_of native/fused.c native/napi_args.h native/vec_math.h)
fresh() { [ -f "build/$1.node" ] && [ -f "build/.$1.sha256" ] && [ "$(cat "build/.$1.sha256")" = "$2" ]; }
if fresh qkv_blas "$blas_key" && fresh qkv_fused "$fused_key"; then
  say "up to date (build/qkv_blas.node, build/qkv_fused.node)"
  exit 0
fi

cc=${CC:-gcc}
command -v "$cc" >/dev/null || skip_all "no C compiler ($cc; Debian: apt-get install gcc libc6-dev)"
# N-API headers ship with Node itself (NodeSource, official tarballs) or with Debian's nodejs/libnode-dev.
node_include=""
for dir in "$(dirname "$(dirname "$(command -v node)")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$dir/node_api.h" ]; then node_include=$dir; break; fi
done
[ -n "$node_include" ] || skip_all "Node's headers (node_api.h) were not found"

mkdir -p build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

# build NAME KEY LOAD_CHECK SOURCE LIBS...: compiles, loads once (an unresolved symbol or a wrong ABI shows
# up here, not in the middle of a notebook), installs; prints what it did, or why not after "failed:".
build() {
  local name=$1 key=$2 check=$3 src=$4
  shift 4
  if fresh "$name" "$key"; then echo "build/$name.node up to date"; return; fi
  rm -f "build/$name.node" "build/.$name.sha256"
  # -fno-trapping-math lets gcc turn the kernels' conditionals into vector blends on AVX2 (it would keep
  # them as branches for the sake of FP exception flags, which nothing reads): 5× on GELU there.
  if ! "$cc" -O3 -fno-trapping-math -fno-math-errno -std=gnu11 -Wall -Wextra -shared -fPIC -I"$node_include" "$src" -o "$tmp/$name.node" "$@" 2>"$tmp/$name.log"; then
    echo "failed: compiling $src: $(grep -m1 -i error "$tmp/$name.log" || head -1 "$tmp/$name.log")"
    return
  fi
  local loaded
  if ! loaded=$(node -e "$check" "$tmp/$name.node" 2>"$tmp/$name.load.log"); then
    echo "failed: build/$name.node does not load: $(head -1 "$tmp/$name.load.log")"
    return
  fi
  mv "$tmp/$name.node" "build/$name.node"
  echo "$key" > "build/.$name.sha256"
  echo "built build/$name.node$loaded"
}

fused=$(build qkv_fused "$fused_key" 'require(process.argv[1]).info(); console.log("")' native/fused.c -lpthread -lm)
# OpenBLAS is probed on its own first, so that its absence is reported as such rather than as a compile error.
printf '#include <cblas.h>\nint main(void) { return openblas_get_num_threads() < 1; }\n' > "$tmp/probe.c"
if "$cc" "$tmp/probe.c" -o "$tmp/probe" -lopenblas 2>/dev/null; then
  blas=$(build qkv_blas "$blas_key" 'console.log(" against " + require(process.argv[1]).info().config.split(" ").slice(0, 2).join(" "))' \
    native/blas.c -lopenblas -lpthread -lm)
else
  rm -f build/qkv_blas.node build/.qkv_blas.sha256
  blas="failed: OpenBLAS was not found (Debian: apt-get install libopenblas-dev)"
fi
case $blas in failed:*) blas="${blas#failed: }; matmul runs on plain tfjs-wasm" ;; esac
case $fused in failed:*) fused="${fused#failed: }; GELU/LayerNorm run as tfjs composites" ;; esac
say "$blas; $fused ($(( $(date +%s) - start )) s)"
