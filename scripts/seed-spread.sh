#!/usr/bin/env bash
# How much the seed moves the classifier results and the verdicts: renders chapters
# 02 and 03 of PROFILE once per extra SEED into <OUT>-seed<SEED>/, then the whole
# report of PROFILE into <OUT>/ (default reports/<PROFILE>, seed from the profile) with
# those folders as its `seed_runs`, so the summary tabulates every seed beside the
# fold spread and judges verdicts 2 and 3 for each.
#
#   scripts/seed-spread.sh PROFILE SEED [SEED...] [-- RENDER_OPTIONS...]
#   scripts/seed-spread.sh study 10 20                      # three seeds of `study`
#   scripts/seed-spread.sh study 10 20 -- --output-dir /tmp/study --data-dir /data
#
# Seeds at least the number of folds apart from each other and from the profile's seed
# (fold i trains from seed + i: closer seeds would share initial weights; the summary
# refuses them). RENDER_OPTIONS go to every render.sh call; the parameters must be the
# same in every run but for the seed (the summary checks). Run on an otherwise idle
# machine: verdict 3's cost half is timed again in each run. Finished folds are cached
# in each folder: an interrupted call resumes when run again. The seed runs skip chapter
# 03's sweep (mlp_sweep_m empty): the summary reads only Table 3's models from them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,20p "$0" >&2; exit 2; }
profile="$1"; shift
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  [[ "$1" =~ ^[0-9]+$ ]] || { echo "error: seeds are integers >= 0, got '$1'" >&2; exit 2; }
  for known in "${seeds[@]}"; do
    [ "$known" != "$1" ] || { echo "error: seed $1 is given twice" >&2; exit 2; }
  done
  seeds+=("$1"); shift
done
[ "${1:-}" = "--" ] && shift
out="reports/$profile" options=()
while [ $# -gt 0 ]; do  # --output-dir names the main report; the seed folders sit beside it
  case "$1" in
    --output-dir) out="$2"; shift 2 ;;
    --output-dir=*) out="${1#*=}"; shift ;;
    -p) [ "${2:-}" != seed ] || { echo "error: give seeds as arguments, not -p seed" >&2; exit 2; }
        options+=("$1" "$2" "$3"); shift 3 ;;
    *) options+=("$1"); shift ;;
  esac
done
# Everything the renders below would refuse (seed spacing, profile, parameters, data,
# folders), refused now: not after hours of training.
source scripts/setup-env.sh
"$PY" -m helpers.report.seed_check "$profile" "$out" "${seeds[@]}" -- ${options[@]+"${options[@]}"}
# The whole run's time, from what each chapter took the last time it ran into these
# folders (an upper bound where a chapter is up to date and will not run again).
"$PY" -m helpers.progress seed-spread "$out" notebooks "${seeds[@]}"
folders=()
for seed in "${seeds[@]}"; do
  folder="$out-seed$seed"
  ./render.sh --profile "$profile" -p seed "$seed" -p mlp_sweep_m '[]' \
    --only 02_cnn --only 03_projection_mlp \
    --output-dir "$folder" --no-report ${options[@]+"${options[@]}"}
  folders+=("$folder")
done
list="[$(IFS=,; echo "${folders[*]}")]"
./render.sh --profile "$profile" -p seed_runs "$list" --output-dir "$out" ${options[@]+"${options[@]}"}
