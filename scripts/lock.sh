#!/usr/bin/env bash
# The lock: pyproject.toml declares the dependencies, uv resolves them once for every
# supported Python and platform into uv.lock (with hashes), and each route's
# requirements file is exported from it; scripts/setup-env.sh installs that file.
#
#   scripts/lock.sh              re-lock after editing pyproject.toml (keeps the locked
#                                versions that still fit; add --upgrade for the newest)
#   scripts/lock.sh --check      fail when uv.lock or an export is out of date
#                                (offline; tests/test_environment.py runs it)
#
# uv is taken from $UV, else from PATH (pip install uv; the dev extra has it).
set -euo pipefail
cd "$(dirname "$0")/.."
uv="${UV:-uv}"
command -v "$uv" >/dev/null || { echo "error: uv not found: pip install uv, or set UV=/path/to/uv" >&2; exit 1; }

# One file per route of scripts/setup-env.sh, and the extra that picks Keras' backend;
# every route also has the cluster and dev extras (./test.sh runs in it).
routes=("requirements.txt tf" "requirements-jax.txt jax" "requirements-gpu.txt cuda")

export_route() {  # FILE EXTRA: the export, on stdout
  printf '%s\n' \
    "# Generated from uv.lock by scripts/lock.sh: do not edit (edit pyproject.toml, run it)." \
    "# pyproject.toml's dependencies with the extras $2, cluster and dev, pinned with hashes." \
    "# scripts/setup-env.sh installs it; by hand: pip install -r $1 && pip install --no-deps -e ."
  "$uv" export --quiet --frozen --no-header --no-emit-project \
    --extra "$2" --extra cluster --extra dev
}

if [ "${1:-}" = --check ]; then
  "$uv" lock --quiet --check --offline ||
    { echo "uv.lock is out of date with pyproject.toml: run scripts/lock.sh" >&2; exit 1; }
  for route in "${routes[@]}"; do
    set -- $route
    cmp -s <(export_route "$1" "$2") "$1" ||
      { echo "$1 is out of date with uv.lock: run scripts/lock.sh" >&2; exit 1; }
  done
  exit 0
fi
"$uv" lock "$@"
for route in "${routes[@]}"; do
  set -- $route
  export_route "$1" "$2" >"$1"
done
