"""How much the classifier results and verdicts move with the seed (the summary chapter).

A seed fixes the training subset, the folds, the projections and the initial
weights. The fold spread of one run says how much accuracy moves across folds
of one subset; runs of the same profile with other seeds say how much the
whole result moves. ``scripts/seed-spread.sh`` renders chapters 02 and 03 for
other seeds into their own output folders; the summary's ``seed_runs``
parameter names those folders, and this module reads them beside this run.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

from helpers.summary.verdicts import conclusion_verdicts

__all__ = [
    "SEED_RESULTS",
    "IGNORED_PARAMETERS",
    "load_seed_runs",
    "seed_rows",
    "seed_spread",
    "verdict_stability",
]

# The results a seed run must have: the classifier chapters, whose numbers the seed moves.
SEED_RESULTS = ("cnn", "projection_mlp")
# Parameters that may differ between the runs compared: the seed itself, where files
# are, and how the folds were spread over processes (not what they compute).
IGNORED_PARAMETERS = ("seed", "output_dir", "data_dir", "mlp_n_jobs", "profile")
# Verdicts on training results: the ones a seed can move.
SEED_VERDICTS = (2, 3)


def _parameters(payload):
    run = payload.get("_run") or {}
    return {k: v for k, v in (run.get("parameters") or {}).items() if k not in IGNORED_PARAMETERS}


def _seed_of(payload):
    return ((payload.get("_run") or {}).get("parameters") or {}).get("seed", payload.get("seed"))


def load_seed_runs(results, seed_runs):
    """This run's classifier results and those of ``seed_runs``, keyed by seed.

    Parameters
    ----------
    results : dict
        This run's recorded results (:func:`helpers.summary.verdicts.load_all`).
    seed_runs : list of path
        Output folders of the same profile rendered with other seeds.

    Returns
    -------
    dict
        ``{seed: results}``, this run first; each ``results`` has at least
        ``cnn`` and ``projection_mlp``, and this run's other result sets.

    Raises
    ------
    ValueError
        A folder lacks a classifier result, ran other parameters than this run
        (besides the seed), or repeats a seed; the message names the folder and
        the command that makes it right.
    """
    from helpers.results import read_results

    missing = [n for n in SEED_RESULTS if n not in results]
    if missing:
        raise ValueError(f"this run has no {', '.join(missing)} results to compare seeds with")
    runs = {_seed_of(results["cnn"]): results}
    for folder in seed_runs:
        folder = Path(folder)
        other = {}
        for name in SEED_RESULTS:
            try:
                other[name] = read_results(folder, name)
            except FileNotFoundError:
                raise ValueError(
                    f"seed run {folder}: no results/{name}.json; render it with "
                    f"`scripts/seed-spread.sh` or `./render.sh --profile PROFILE -p seed N "
                    f"--only 02_cnn --only 03_projection_mlp --output-dir {folder}`"
                ) from None
            ours, theirs = _parameters(results[name]), _parameters(other[name])
            differing = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
            if differing:
                raise ValueError(
                    f"seed run {folder}: {name} ran with other parameters than this run "
                    f"({', '.join(f'{k}: {theirs.get(k)!r} vs {ours.get(k)!r}' for k in differing)}); "
                    f"re-render it with this run's profile and overrides, changing only the seed"
                )
        seed = _seed_of(other["cnn"])
        if seed in runs:
            raise ValueError(
                f"seed run {folder} has seed {seed}, which another run compared has too; "
                f"every run must have its own seed"
            )
        # Results a seed does not change (reconstruction, SVD) come from this run.
        runs[seed] = {**{k: v for k, v in results.items() if k not in SEED_RESULTS}, **other}
    return runs


def _entry(payload, dataset):
    return payload.get("datasets", {}).get(dataset)


def seed_rows(runs):
    """One row per seed and dataset: CV mean (fold sd) and test accuracy of the CNN and
    the RP-MLP, their paired CV gap with its corrected p, and the seed's verdicts."""
    rows = []
    for seed, results in runs.items():
        verdicts = conclusion_verdicts(results)
        for dataset, cnn in results["cnn"].get("datasets", {}).items():
            mlp = _entry(results["projection_mlp"], dataset)
            if mlp is None:
                continue
            paired = results["projection_mlp"].get("paired_test", {}).get(dataset, {})
            rows.append(
                {
                    "seed": seed,
                    "dataset": dataset,
                    "CNN CV": cnn["mean"],
                    "CNN fold sd": cnn["std"],
                    "CNN test": cnn["test_accuracy"],
                    "RP-MLP CV": mlp["mean"],
                    "RP-MLP fold sd": mlp["std"],
                    "RP-MLP test": mlp["test_accuracy"],
                    "CNN - MLP (CV)": paired.get("mean_difference", math.nan),
                    "corrected p": paired.get("corrected_p_value", math.nan),
                    **{f"verdict {i}": verdicts[i - 1]["verdict"] for i in SEED_VERDICTS},
                }
            )
    return rows


def _sd(values):
    return statistics.stdev(values) if len(values) > 1 else math.nan


def seed_spread(rows):
    """Per dataset and model: the seed spread (sd across seeds) of the CV mean and of the
    test score, beside the mean fold sd of one run."""
    out = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        for model in ("CNN", "RP-MLP"):
            cv = [r[f"{model} CV"] for r in mine]
            out.append(
                {
                    "dataset": dataset,
                    "model": model,
                    "seeds": len(mine),
                    "CV mean over seeds": statistics.fmean(cv),
                    "seed sd of CV mean": _sd(cv),
                    "mean fold sd": statistics.fmean(r[f"{model} fold sd"] for r in mine),
                    "seed sd of test": _sd([r[f"{model} test"] for r in mine]),
                }
            )
    return out


def verdict_stability(rows):
    """A sentence per seed-dependent verdict: the same for every seed, or how it changes."""
    by_seed = {}
    for r in rows:
        by_seed.setdefault(r["seed"], r)
    seeds = list(by_seed)
    sentences = []
    for i in SEED_VERDICTS:
        outcomes = {}
        for seed, r in by_seed.items():
            outcomes.setdefault(r[f"verdict {i}"], []).append(seed)
        if len(outcomes) == 1:
            (verdict,) = outcomes
            sentences.append(
                f"Verdict {i} is **{verdict}** for every seed ({', '.join(map(str, seeds))})."
            )
        else:
            sentences.append(
                f"Verdict {i} **changes with the seed**: "
                + "; ".join(
                    f"{verdict} for seed{'s' if len(s) > 1 else ''} {', '.join(map(str, s))}"
                    for verdict, s in outcomes.items()
                )
                + "."
            )
    return sentences
