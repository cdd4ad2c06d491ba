#!/usr/bin/env bash
# Execute every notebook with papermill and render reports/<profile>/report.{html,pdf}.
#   ./render.sh [--profile quick|study|full] [-p NAME VALUE]... [--only NOTEBOOK]
#               [--jobs N] [--force] [--data-dir DIR] [--output-dir DIR]
# Sets up .venv on first use. ./render.sh --help lists every option.
set -euo pipefail
export REPORT_INVOKED_FROM="$PWD"  # relative paths mean: from where you ran it
cd "$(dirname "$0")"
source scripts/setup-env.sh
exec "$PY" -m helpers.report "$@"
