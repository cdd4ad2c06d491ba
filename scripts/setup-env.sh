# Sourced by render.sh and test.sh: choose the Python environment, set it up
# if needed, and register a Jupyter kernel for JupyterLab. Sets $PY.
#
# - $REPORT_PYTHON, if set, is used as is (a prepared environment).
# - An active virtualenv/conda env that already has the project is used as is.
# - Otherwise a venv is created and the project installed, pinned by the lock: the route
#   picks the venv and the requirements file, exported from uv.lock by scripts/lock.sh
#   (pyproject.toml's dependencies, the route's extra, and the cluster and dev extras):
#     (default)                          .venv       requirements.txt      .[tf,cluster,dev]
#     KERAS_BACKEND=jax                  .venv-jax   requirements-jax.txt  .[jax,cluster,dev]
#     REPORT_ACCELERATOR=cuda            .venv-cuda  requirements-gpu.txt  .[cuda,cluster,dev]
#   uv installs it (from PATH, or installed into the venv with pip); pip if uv cannot be
#   had. A stamp skips the install while the file and pyproject.toml are unchanged. The
#   base Python is the newest supported one found (3.13, 3.12, 3.11), or $REPORT_BASE_PYTHON.
#
# The notebooks' kernel always runs in $PY (helpers/report/execution.py), whatever
# kernel is registered: the registration below is for opening the notebooks in JupyterLab.
#
# On GPU (REPORT_ACCELERATOR=cuda) XLA's deterministic GPU ops are switched on
# (XLA_FLAGS=--xla_gpu_deterministic_ops=true, added to any XLA_FLAGS already set), and
# JAX_PLATFORMS=cuda,cpu makes a CUDA start-up failure an error, not a silent CPU run.

_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KERNEL_NAME="research-report"
# Python versions the lock supports: pyproject.toml's requires-python (tests check they
# agree). TensorFlow 2.21 has wheels for 3.10-3.13; Keras 3.15, NumPy 2.4, pandas 3 and
# JAX 0.10 need >= 3.11 (soupsieve, through nbconvert, >= 3.11.5).
_PY_MIN=11
_PY_MIN_MICRO=5
_PY_MAX=13

_fail() { echo "error: $*" >&2; return 1; }

_has_project() {
  # find_spec, not import: importing keras would start TensorFlow (seconds).
  "$1" -c 'import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in
  ("helpers", "papermill", "nbconvert", "keras", "sklearn", "yaml", "ipykernel")))' >/dev/null 2>&1
}

_supported_python() {
  "$1" -c "import sys; sys.exit(not ((3, $_PY_MIN, $_PY_MIN_MICRO) <= sys.version_info[:3] and sys.version_info[:2] <= (3, $_PY_MAX)))" 2>/dev/null
}

_setup_env() {
  local accelerator="${REPORT_ACCELERATOR:-cpu}" backend="${KERAS_BACKEND:-tensorflow}"
  local reqs venv kernel
  case "$accelerator" in
    cpu) ;;
    cuda)
      [ "$backend" = jax ] || [ -z "${KERAS_BACKEND:-}" ] ||
        { _fail "REPORT_ACCELERATOR=cuda runs Keras on JAX; unset KERAS_BACKEND=$backend"; return 1; }
      backend=jax ;;
    *) _fail "REPORT_ACCELERATOR must be cpu or cuda, not '$accelerator'"; return 1 ;;
  esac
  case "$backend/$accelerator" in
    tensorflow/cpu) reqs=requirements.txt; venv=.venv; kernel="$KERNEL_NAME" ;;
    jax/cpu) reqs=requirements-jax.txt; venv=.venv-jax; kernel="$KERNEL_NAME-jax" ;;
    jax/cuda) reqs=requirements-gpu.txt; venv=.venv-cuda; kernel="$KERNEL_NAME-cuda" ;;
    *) reqs="" ;;  # e.g. torch: only in a prepared environment (below)
  esac
  export KERAS_BACKEND="$backend"
  if [ "$backend" = jax ]; then
    # XLA compiles a model's step afresh for every fit and in every notebook process; JAX's
    # persistent cache serves a program it compiled before from disk (the same executable,
    # so the same numbers): a CNN fit after the first of its shape took 2.4-2.8 s instead
    # of 6.7-8.2 s on 2 cores. Set JAX_COMPILATION_CACHE_DIR yourself to move it.
    export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$_root/.cache/jax}"
    export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="${JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS:-0}"
  fi
  if [ "$accelerator" = cuda ]; then
    case " ${XLA_FLAGS:-} " in
      *" --xla_gpu_deterministic_ops="*) ;;
      *) export XLA_FLAGS="${XLA_FLAGS:+$XLA_FLAGS }--xla_gpu_deterministic_ops=true" ;;
    esac
    # Naming the platforms makes JAX raise when a visible NVIDIA GPU fails to start (driver,
    # plugin or library load) instead of logging it and quietly computing on the CPU.
    export JAX_PLATFORMS="${JAX_PLATFORMS:-cuda,cpu}"
  fi

  if [ -n "${REPORT_PYTHON:-}" ]; then
    PY="$REPORT_PYTHON"  # used as is: no install, no kernel registration
    return 0
  elif { [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; } && _has_project python; then
    PY="$(command -v python)"
    _register_kernel "$kernel"
    return
  fi

  if [ -z "$reqs" ]; then
    _fail "the set-up builds environments for KERAS_BACKEND=tensorflow or jax; for '$backend', activate an environment that has it and the project, or set REPORT_PYTHON"
    return 1
  fi
  local _venv="$_root/$venv" _base="" cand
  if [ -x "$_venv/bin/python" ] && ! _supported_python "$_venv/bin/python"; then
    _fail "$_venv has Python $("$_venv/bin/python" -V 2>&1 | cut -d' ' -f2), which the lock does not support (3.$_PY_MIN.$_PY_MIN_MICRO to 3.$_PY_MAX); remove it to recreate it"
    return 1
  fi
  if [ ! -x "$_venv/bin/python" ]; then
    for cand in ${REPORT_BASE_PYTHON:-python3.13 python3.12 python3.11 python3 python}; do
      if command -v "$cand" >/dev/null 2>&1 && _supported_python "$cand"; then
        _base="$cand"; break
      fi
    done
    if [ -z "$_base" ]; then
      _fail "Python 3.$_PY_MIN.$_PY_MIN_MICRO to 3.$_PY_MAX is needed${REPORT_BASE_PYTHON:+ (REPORT_BASE_PYTHON=$REPORT_BASE_PYTHON is not one)}. Install one, or create the conda environment: conda env create -f environment.yml"
      return 1
    fi
    echo "[setup] creating $_venv with $_base ($("$_base" -V 2>&1))" >&2
    "$_base" -m venv "$_venv" || return 1
  fi
  PY="$_venv/bin/python"
  local _stamp="$_venv/.requirements.sha256" _want
  _want="$(cat "$_root/$reqs" "$_root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$_stamp" 2>/dev/null)" != "$_want" ] || ! _has_project "$PY"; then
    echo "[setup] installing $reqs into $_venv (a minute or two, once)" >&2
    _install "$_root/$reqs" ||
      { _fail "installing $reqs failed (see above)"; return 1; }
    echo "$_want" > "$_stamp"
  fi
  _register_kernel "$kernel"
}

_install() {  # REQUIREMENTS_FILE: install it and the project into $PY's venv
  # uv (parallel downloads and installs): the venv's own (the dev extra), else one on
  # PATH, else the locked one installed by pip; pip itself if uv cannot be had or fails.
  # Bytecode is compiled at install, as pip does: under PYTHONDONTWRITEBYTECODE nothing
  # would write it later, and a kernel's imports took 21 s instead of 12 s without it.
  local uv
  uv="$(dirname "$PY")/uv"
  [ -x "$uv" ] || uv="$(command -v uv || true)"
  if [ -z "$uv" ]; then
    "$PY" -m pip install --quiet "$(grep -m1 -o '^uv==[^ ;]*' "$1")" >&2 &&
      uv="$(dirname "$PY")/uv"
  fi
  if [ -n "$uv" ] &&
    "$uv" pip install --quiet --python "$PY" --compile-bytecode -r "$1" >&2 &&
    "$uv" pip install --quiet --python "$PY" --no-deps -e "$_root" >&2; then
    return 0
  fi
  echo "[setup] ${uv:+uv failed; }pip installs $1" >&2
  "$PY" -m pip install --quiet -r "$1" >&2 &&
    "$PY" -m pip install --quiet --no-deps -e "$_root" >&2
}

_register_kernel() {
  # One kernel per route for JupyterLab (research-report, which the notebooks name, for
  # the default one; research-report-jax, research-report-cuda); the pipeline itself does
  # not use the registration. Registered inside the environment (--sys-prefix), where
  # the JupyterLab of that environment looks first: a user-wide registration would be
  # one per user, taken over by whichever clone was set up last.
  "$PY" -m ipykernel install --sys-prefix --name "$1" --display-name "Python 3 ($1)" >/dev/null 2>&1 ||
    { _fail "could not register the Jupyter kernel '$1' with $PY"; return 1; }
  # A user-wide copy that this checkout's older set-up made would shadow it for a
  # JupyterLab started outside the environment: remove it (another clone's stays).
  local user_spec="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/$1/kernel.json"
  if [ -f "$user_spec" ] && grep -qF "\"$_root/.venv" "$user_spec"; then
    rm -rf "$(dirname "$user_spec")"
  fi
}

_setup_env || { return 1 2>/dev/null || exit 1; }
