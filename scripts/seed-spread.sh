#!/usr/bin/env bash
# How much the seed moves the classifier results and the verdicts: renders chapters
# 02 and 03 of PROFILE once per extra SEED into reports/<PROFILE>-seed<SEED>/, then the
# report of PROFILE (reports/<PROFILE>/, seed from the profile) with those folders as
# its `seed_runs`, so the summary tabulates every seed beside the fold spread.
#
#   scripts/seed-spread.sh PROFILE SEED [SEED...] [-- RENDER_OPTIONS...]
#   scripts/seed-spread.sh study 1 2                       # three seeds of `study`
#   scripts/seed-spread.sh study 1 2 -- --scheduler local:2
#
# RENDER_OPTIONS go to every render.sh call (e.g. --data-dir, --scheduler); the
# parameters must be the same in every run but for the seed (the summary checks).
# Finished folds are cached in each folder: an interrupted call resumes when re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,13p "$0" >&2; exit 2; }
profile="$1"; shift
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  [[ "$1" =~ ^[0-9]+$ ]] || { echo "error: seeds are integers >= 0, got '$1'" >&2; exit 2; }
  seeds+=("$1"); shift
done
[ "${1:-}" = "--" ] && shift
folders=()
for seed in "${seeds[@]}"; do
  folder="reports/$profile-seed$seed"
  ./render.sh --profile "$profile" -p seed "$seed" --only 02_cnn --only 03_projection_mlp \
    --output-dir "$folder" --no-report "$@"
  folders+=("$folder")
done
list="[$(IFS=,; echo "${folders[*]}")]"
./render.sh --profile "$profile" -p seed_runs "$list" "$@"
