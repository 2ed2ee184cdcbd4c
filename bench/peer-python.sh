#!/usr/bin/env bash
# Installs the peer that bench/peer.ts measures qkv-lab against: PyTorch 2.15.0 + transformers 5.25.0 + peft 0.21.2
# from PyPI into the project-local virtual environment .qkv/bench-python (git-ignored), every wheel pinned by sha256
# (bench/peer-requirements.txt, pip --require-hashes). Idempotent: a second run checks a stamp and the imports and
# returns in about a second. Prints the interpreter's path on its last line.
#
# PyPI's Linux torch wheel is the CUDA build (the CPU-only index is not a registry this project can reach): its
# libtorch_cpu.so itself links libcudart.so.13 and libcupti.so.13, so `--no-deps` gives an `import torch` that fails
# (ValueError: libcublasLt.so.*[0-9] not found in the system path) and the nvidia-* wheels come too: about 4.5 GB
# installed, used on CPU only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "peer-python: $*" >&2; }
venv=.qkv/bench-python
req=bench/peer-requirements.txt
py=${QKV_PEER_PYTHON_BASE:-/usr/bin/python3}
req_hash=$( { sha256sum "$req" | cut -d' ' -f1; "$py" --version; } | sha256sum | cut -d' ' -f1)
check="import torch, transformers, peft; v = (torch.__version__.split('+')[0], transformers.__version__, peft.__version__); assert v == ('2.15.0', '5.25.0', '0.21.2'), v"
# The quick check (a second run): the stamp and the installed distributions' versions, without importing torch.
quick="from importlib.metadata import version as v; assert (v('torch'), v('transformers'), v('peft')) == ('2.15.0', '5.25.0', '0.21.2')"
if [ -f "$venv/.qkv-requirements-sha256" ] && [ "$(cat "$venv/.qkv-requirements-sha256")" = "$req_hash" ] \
  && "$venv/bin/python" -c "$quick" 2>/dev/null; then
  echo "$root/$venv/bin/python"
  exit 0
fi
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || { say "error: $req is resolved for CPython 3.11; $py is $("$py" --version 2>&1)"; exit 1; }
say "installing torch 2.15.0, transformers 5.25.0, peft 0.21.2 (pinned by sha256) into $venv"
rm -rf "$venv"
"$py" -m venv "$venv" || { say "error: $py -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --only-binary=:all: --require-hashes -r "$req" \
  || { say "error: pip could not install $req into $venv"; exit 1; }
"$venv/bin/python" -c "$check" || { say "error: $venv does not import the pinned versions"; exit 1; }
echo "$req_hash" > "$venv/.qkv-requirements-sha256"
echo "$root/$venv/bin/python"
