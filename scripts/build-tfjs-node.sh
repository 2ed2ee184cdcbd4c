#!/usr/bin/env bash
# Builds the tfjs-node backend (QKV_BACKEND=tfjs-node) without tfjs-node's own install step, which downloads a
# prebuilt libtensorflow from outside the package registries and so fails on the project's machines:
#   1. PyPI's tensorflow-cpu wheel (native/tfjs-node/requirements.txt, pinned by sha256, pip --require-hashes) into
#      .qkv/cache/wheels; its libtensorflow_cc.so.2 carries the TensorFlow C and eager C APIs the binding calls
#      (checked with nm -D), libtensorflow_framework.so.2 the runtime, tensorflow/include the C API headers;
#   2. @tensorflow/tfjs-node 4.22.0 and its dependencies from npm, exactly as native/tfjs-node/package-lock.json locks
#      them (npm ci checks every integrity hash), with --ignore-scripts; its nested copy of @tensorflow/tfjs is removed,
#      so that it registers its "tensorflow" backend on the project's own tfjs-core;
#   3. its addon (binding/tfjs_backend.cc, tfjs_binding.cc, as the package ships them) compiled with g++ against the
#      wheel's headers and linked to the wheel's two libraries (rpath relative to the addon);
#   4. loaded once (a matMul and its gradient against the values computed by hand) before it replaces .qkv/tfjs-node.
# About 1 GB on disk (the C library is 788 MB), a minute or two the first time. Prints one line and never fails:
# what is missing (g++, Node's headers, pip, the network) is said, and the backend stays unavailable.
# Idempotent: rebuilt only when this script, the lock files or Node's ABI changed. QKV_SKIP_TFJS_NODE=1 skips it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "build-tfjs-node: $*"; }
skip() { say "skipped, $1; QKV_BACKEND=tfjs-node is not available (wasm is used)"; exit 0; }
fail() { rm -rf "$new"; say "failed: $1; QKV_BACKEND=tfjs-node is not available (wasm is used)"; exit 0; }

[ "${QKV_SKIP_TFJS_NODE:-0}" = 1 ] && skip "QKV_SKIP_TFJS_NODE=1"
dir=.qkv/tfjs-node
new=.qkv/tfjs-node.new
spec=native/tfjs-node
command -v node >/dev/null || skip "node is not on PATH"
napi=$(node -p 'Math.min(8, Number(process.versions.napi))')
[ "$napi" -ge 3 ] || skip "Node's N-API $napi is older than tfjs-node's oldest (3)"
node_abi=$(node -p 'process.versions.modules + "/" + process.versions.napi + "/" + process.arch')
key=$( { cat "${BASH_SOURCE[0]}" "$spec/package.json" "$spec/package-lock.json" "$spec/requirements.txt"; echo "$node_abi"; } | sha256sum | cut -d' ' -f1)
binding="node_modules/@tensorflow/tfjs-node/lib/napi-v$napi/tfjs_binding.node"
if [ -f "$dir/$binding" ] && [ -f "$dir/.key" ] && [ "$(cat "$dir/.key")" = "$key" ]; then
  say "up to date ($dir, TensorFlow $(cat "$dir/.tensorflow-version" 2>/dev/null))"
  exit 0
fi
[ "$(uname -sm)" = "Linux x86_64" ] || skip "the pinned tensorflow-cpu wheel is for Linux x86_64, this is $(uname -sm)"
cxx=${CXX:-g++}
# g++ and unzip: Debian's, installed here when missing (as setup.sh installs its own packages; QKV_SKIP_APT=1 leaves
# them to you). A failed install is a skip, not a failure.
need=()
[ -z "${CXX:-}" ] && ! command -v g++ >/dev/null && need+=(g++)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ] && [ "${QKV_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null; then
  sudo=()
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo=(sudo)
  if [ "$(id -u)" -eq 0 ] || [ ${#sudo[@]} -gt 0 ]; then
    say "installing Debian packages: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } || true
  fi
fi
command -v "$cxx" >/dev/null || skip "no C++ compiler ($cxx; Debian: apt-get install g++)"
command -v unzip >/dev/null || skip "no unzip (Debian: apt-get install unzip)"
command -v npm >/dev/null || skip "npm is not on PATH"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
[ -n "$py" ] && "$py" -m pip --version >/dev/null 2>&1 || skip "no pip to download the tensorflow-cpu wheel (Debian: apt-get install python3-pip)"
node_include=""
for d in "$(dirname "$(dirname "$(command -v node)")")/include/node" /usr/include/node /usr/local/include/node; do
  if [ -f "$d/node_api.h" ]; then node_include=$d; break; fi
done
[ -n "$node_include" ] || skip "Node's headers (node_api.h) were not found"

start=$(date +%s)
rm -rf "$new"
mkdir -p "$new/lib" "$new/include" .qkv/cache/wheels
log=$new/build.log

# 1. The wheel, hash-checked by pip; only the libraries and the C API headers come out of it.
"$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
  --python-version 3.11 --implementation cp --abi cp311 --platform manylinux_2_27_x86_64 \
  -d .qkv/cache/wheels -r "$spec/requirements.txt" >"$log" 2>&1 || fail "pip download of $spec/requirements.txt: $(tail -1 "$log")"
wheel=$(ls .qkv/cache/wheels/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl 2>/dev/null) || fail "the wheel is not in .qkv/cache/wheels"
unzip -q -o "$wheel" -d "$new/wheel" 'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' \
  'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/*' 'tensorflow/include/tsl/platform/*' \
  'tensorflow/include/xla/tsl/c/*' >>"$log" 2>&1 || fail "unzip $wheel: $(tail -1 "$log")"
mv "$new"/wheel/tensorflow/libtensorflow_cc.so.2 "$new"/wheel/tensorflow/libtensorflow_framework.so.2 "$new/lib/"
mv "$new"/wheel/tensorflow/include/* "$new/include/"
rm -rf "$new/wheel"
echo "2.21.0" > "$new/.tensorflow-version"

# 2. tfjs-node from npm, locked, without its install script; the project's tfjs is the one it registers on.
cp "$spec/package.json" "$spec/package-lock.json" "$new/"
(cd "$new" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >>"$log" 2>&1 || fail "npm ci in $new: $(tail -1 "$log")"
find "$new/node_modules/@tensorflow" -mindepth 1 -maxdepth 1 ! -name tfjs-node -exec rm -rf {} +

# 3. The addon, as node-gyp would build it from binding.gyp, against the wheel's headers and libraries.
pkg=$new/node_modules/@tensorflow/tfjs-node
mkdir -p "$(dirname "$new/$binding")"
"$cxx" -O2 -std=c++17 -shared -fPIC -DNAPI_VERSION="$napi" -I"$node_include" -I"$new/include" \
  "$pkg/binding/tfjs_backend.cc" "$pkg/binding/tfjs_binding.cc" -o "$new/$binding" \
  -L"$new/lib" -l:libtensorflow_cc.so.2 -l:libtensorflow_framework.so.2 -Wl,-rpath,'$ORIGIN/../../../../../lib' \
  >"$new/compile.log" 2>&1 || fail "compiling the addon with $cxx: $(grep -m1 -i error "$new/compile.log" || tail -1 "$new/compile.log" | grep . || echo "it exited non-zero with no output")"

# 4. Load it where it will live, on the project's tfjs, and check one product and its gradient.
check='
const tf = require(require.resolve("@tensorflow/tfjs", { paths: [process.cwd()] }));
require(process.argv[1]);
(async () => {
  if (!(await tf.setBackend("tensorflow"))) throw new Error("tf.setBackend(\"tensorflow\") failed");
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const g = tf.grad((x) => tf.matMul(x, x).sum())(a);
  const want = [7, 11, 9, 13];
  const got = Array.from(await g.data());
  if (got.some((v, i) => Math.abs(v - want[i]) > 1e-5)) throw new Error("wrong gradient " + got);
})().catch((e) => { console.error(e.message); process.exit(1); });'
rm -rf "$dir.old"
[ -d "$dir" ] && mv "$dir" "$dir.old"
mv "$new" "$dir"
if ! TF_CPP_MIN_LOG_LEVEL=2 node -e "$check" "$root/$dir/node_modules/@tensorflow/tfjs-node" >"$dir/load.log" 2>&1; then
  msg=$(grep -v '^\s*at ' "$dir/load.log" | head -1)
  # As in build-native.sh, an older build does not outlive a failed rebuild.
  rm -rf "$dir" "$dir.old"
  say "failed: the addon does not load: $msg; QKV_BACKEND=tfjs-node is not available (wasm is used)"
  exit 0
fi
rm -rf "$dir.old"
echo "$key" > "$dir/.key"
say "built $dir (tfjs-node 4.22.0 against tensorflow-cpu 2.21.0's C library, N-API $napi; $(( $(date +%s) - start )) s)"
