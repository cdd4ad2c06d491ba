#!/usr/bin/env bash
# Run every seed the pre-registration (preregistration.yaml) names, then the report that
# judges them; resumable: run the same command again after an interruption.
#   scripts/preregistered-run.sh [--dry-run] [--preregistration FILE] [--output-dir OUT]
#                                [-- RENDER_OPTIONS...]
# helpers/report/preregistered.py says more; docs/preregistration.md explains the format.
set -euo pipefail
export REPORT_INVOKED_FROM="$PWD"
cd "$(dirname "$0")/.."
source scripts/setup-env.sh
exec "$PY" -m helpers.report.preregistered "$@"
