#!/usr/bin/env bash
# Opens the notebooks in JupyterLab on the project's tslab kernel: `npm run lab` (which first runs
# scripts/setup.sh --lab, installing JupyterLab and the plotly renderer into .qkv/lab). Options after `--` go to
# jupyter lab (e.g. `npm run lab -- --no-browser --port 8890`).
#   --trust   first sign the notebooks in notebooks/ as trusted (only do this for outputs your own runs wrote)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
lab=.qkv/lab
[ -x "$lab/bin/jupyter-lab" ] || { echo "lab: JupyterLab is not installed in $lab: run \`npm run lab\` (or bash scripts/setup.sh --lab)" >&2; exit 1; }
# The project's kernelspec (.jupyter/, written by setup) beside whatever else the user has registered.
export JUPYTER_PATH="$root/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
args=()
for arg in "$@"; do
  if [ "$arg" = "--trust" ]; then
    # Jupyter keeps the signatures in its own data folder, not in the notebooks: trusting is per user and machine.
    "$lab/bin/jupyter-trust" notebooks/*.ipynb
  else
    args+=("$arg")
  fi
done
# Jupyter refuses to run as root without being told; the project's machines run everything as root.
[ "$(id -u)" -eq 0 ] && args+=(--allow-root)
# Rooted at the checkout (notebooks/, figures/, docs/ all reachable), opened on notebooks/.
exec "$lab/bin/jupyter-lab" --ServerApp.root_dir="$root" --LabApp.default_url=/lab/tree/notebooks "${args[@]}"
