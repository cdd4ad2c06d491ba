# Sourced by render.sh and test.sh: choose the Python environment, set it up
# if needed, and register the Jupyter kernel the notebooks name. Sets $PY.
#
# - $REPORT_PYTHON, if set, is used as is (a prepared environment).
# - An active virtualenv/conda env that already has the project is used as is.
# - Otherwise .venv/ is created with Python 3.11 and the pins are installed;
#   a stamp skips the install while requirements are unchanged.

_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KERNEL_NAME="research-report"

_has_project() {
  # find_spec, not import: importing keras would start TensorFlow (seconds).
  "$1" -c 'import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in
  ("helpers", "papermill", "nbconvert", "keras", "sklearn", "yaml", "ipykernel")))' >/dev/null 2>&1
}

if [ -n "${REPORT_PYTHON:-}" ]; then
  PY="$REPORT_PYTHON"
elif { [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; } && _has_project python; then
  PY="$(command -v python)"
else
  _venv="$_root/.venv"
  if [ ! -x "$_venv/bin/python" ]; then
    _base=""
    for cand in python3.11 python3 python; do
      if command -v "$cand" >/dev/null 2>&1 &&
         "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        _base="$cand"; break
      fi
    done
    if [ -z "$_base" ]; then
      echo "error: Python 3.11 is needed (the pins are for 3.11). Install it, or create the" >&2
      echo "conda environment: conda env create -f environment.yml" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "[setup] creating $_venv with $_base" >&2
    "$_base" -m venv "$_venv" || { return 1 2>/dev/null || exit 1; }
  fi
  PY="$_venv/bin/python"
  _stamp="$_venv/.requirements.sha256"
  _want="$(cat "$_root/requirements.txt" "$_root/requirements-lock.txt" "$_root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$_stamp" 2>/dev/null)" != "$_want" ] || ! _has_project "$PY"; then
    echo "[setup] installing pinned requirements into $_venv (a few minutes, once)" >&2
    "$PY" -m pip install --quiet --upgrade pip >&2 &&
    "$PY" -m pip install --quiet -r "$_root/requirements.txt" -c "$_root/requirements-lock.txt" >&2 &&
    "$PY" -m pip install --quiet --no-deps -e "$_root" >&2 ||
      { echo "error: installing the requirements failed (see above)" >&2; return 1 2>/dev/null || exit 1; }
    echo "$_want" > "$_stamp"
  fi
fi

# Register (or refresh) the kernel the notebooks' kernelspec names, pointing at $PY.
"$PY" -m ipykernel install --user --name "$KERNEL_NAME" \
  --display-name "Python 3 (research-report)" >/dev/null 2>&1 ||
  { echo "error: could not register the Jupyter kernel '$KERNEL_NAME' with $PY" >&2; return 1 2>/dev/null || exit 1; }
export KERAS_BACKEND="${KERAS_BACKEND:-tensorflow}"
