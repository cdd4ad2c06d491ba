#!/usr/bin/env bash
# The `full` profile (the study's scale: all images) on one NVIDIA GPU, Keras on JAX
# with CUDA 12, timing each notebook.
#
#   scripts/gpu-full.sh [--data-dir DIR] [--output-dir DIR] [render.sh options...]
#
# 1. Data. A GPU machine that takes the files from yours (e.g. 64 MiB per transfer) gets
#    the compact copy: CIFAR-10 as uint8 luma, LZMA (helpers/data_compact.py), about
#    46 MiB + 25 MiB for Fashion-MNIST. Make it where the datasets are:
#      python -m helpers.data_compact data-compact --data-dir /path/to/datasets
#    (*.npz is git-ignored). Over 64 MiB together: send cifar10.npz and fashion_mnist.npz
#    in two transfers into the same folder. --data-dir defaults to data-compact/ when it
#    holds both files, else to $REPORT_DATA_DIR / data/ (the original archives work too).
# 2. Environment. REPORT_ACCELERATOR=cuda: scripts/setup-env.sh builds .venv-cuda from
#    requirements-gpu.txt (jax[cuda12]; CUDA comes as wheels, the NVIDIA driver must be
#    there) and sets XLA_FLAGS=--xla_gpu_deterministic_ops=true and JAX_PLATFORMS=cuda,cpu
#    (a GPU that fails to start is an error, not a silent CPU run). Offline machines: set
#    REPORT_PYTHON to a Python that already has requirements-gpu.txt installed.
# 3. Check that JAX computes on the GPU, then ./render.sh --profile full into
#    reports/full-gpu/ (or --output-dir). Finished folds and models are cached there: a
#    run that is stopped (e.g. by a time limit) resumes where it was when run again.
# 4. Timings: the render's summary (wall time per notebook) is in render.log, and
#    timings.json holds each notebook's seconds and the GPU; both also go to $OUT when set
#    (with the results JSON and report.html), for machines that send back only $OUT.
# GPU_FULL_ALLOW_CPU=1 skips the GPU check (to try the script itself on a CPU, e.g. with
# --only 00_datasets --no-report).
set -euo pipefail
cd "$(dirname "$0")/.."

data_dir="" out_dir="reports/full-gpu" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data_dir="$2"; shift 2 ;;
    --output-dir) out_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$data_dir" ] && [ -f data-compact/cifar10.npz ] && [ -f data-compact/fashion_mnist.npz ]; then
  data_dir=data-compact
fi

export REPORT_ACCELERATOR=cuda
source scripts/setup-env.sh

echo "[gpu-full] $("$PY" -V 2>&1), KERAS_BACKEND=$KERAS_BACKEND, XLA_FLAGS=$XLA_FLAGS, JAX_PLATFORMS=$JAX_PLATFORMS" >&2
"$PY" - <<'EOF'
import os
import sys

import jax

print(f"[gpu-full] jax {jax.__version__}, devices: {jax.devices()}", file=sys.stderr)
if not any(d.platform == "gpu" for d in jax.devices()) and os.environ.get("GPU_FULL_ALLOW_CPU") != "1":
    sys.exit(
        "error: JAX sees no GPU (is the NVIDIA driver there, nvidia-smi working, and "
        "requirements-gpu.txt installed?); not rendering the full profile on the CPU"
    )
EOF

mkdir -p "$out_dir"
log="$out_dir/render.log"
start=$(date +%s)
set +e
"$PY" -m helpers.report --profile full --output-dir "$out_dir" \
  ${data_dir:+--data-dir "$data_dir"} ${args[@]+"${args[@]}"} 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo "[gpu-full] render exit status $rc after $(( $(date +%s) - start )) s" | tee -a "$log" >&2

# Wall time per notebook from the stamps the pipeline writes beside each executed notebook
# (a notebook skipped as up to date keeps the time of the run that executed it).
"$PY" - "$out_dir" "$rc" <<'EOF'
import json
import sys
from pathlib import Path

from helpers.runtime import machine_info

out, rc = Path(sys.argv[1]), int(sys.argv[2])
seconds = {}
for stamp in sorted((out / "executed").glob("*.stamp.json")):
    seconds[stamp.name.removesuffix(".stamp.json")] = json.loads(stamp.read_text()).get("seconds")
timings = {
    "profile": "full",
    "exit_status": rc,
    "seconds_per_notebook": seconds,
    "seconds_total": round(sum(s for s in seconds.values() if s), 1),
    "machine": machine_info(),
}
(out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
print(json.dumps(seconds, indent=2), file=sys.stderr)
EOF

if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT/results"
  cp "$log" "$out_dir/timings.json" "$OUT/"
  cp "$out_dir"/results/*.json "$OUT/results/" 2>/dev/null || true
  cp "$out_dir/report.html" "$OUT/" 2>/dev/null || true
fi
exit "$rc"
