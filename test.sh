#!/usr/bin/env bash
# Run the test suite (arguments go to pytest, e.g. ./test.sh -k data -x).
# Sets up .venv on first use. Tests that need the real datasets read them from
# $REPORT_DATA_DIR (or data/) and are skipped when absent.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-env.sh
exec "$PY" -m pytest "$@"
