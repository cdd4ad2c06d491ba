"""How much the classifier results and verdicts move with the seed (the summary chapter).

A seed fixes the training subset, the folds, the projections and the initial
weights. The fold spread of one run says how much accuracy moves across folds
of one subset; runs of the same profile with other seeds say how much the
whole result moves. ``scripts/seed-spread.sh`` renders chapters 02 and 03 for
other seeds into their own output folders; the summary's ``seed_runs``
parameter names those folders, and this module reads them beside this run.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

from helpers.stats.intervals import corrected_sizes, fold_interval, paired_sizes
from helpers.summary.cnn_vs_mlp import C2_MAX_SLIGHT_GAP, C2_MIN_CLEAR_GAP
from helpers.summary.decisions import DECISION_LEVEL
from helpers.summary.verdicts import conclusion_verdicts

__all__ = [
    "SEED_RESULTS",
    "IGNORED_PARAMETERS",
    "load_seed_runs",
    "check_seed_spacing",
    "seed_rows",
    "seed_spread",
    "verdict_stability",
    "seed_caveat",
    "seed_tables",
]

# The results a seed run must have: the classifier chapters, whose numbers the seed moves.
SEED_RESULTS = ("cnn", "projection_mlp")
# Parameters that may differ between the runs compared: the seed itself and where files
# are (the datasets' own fingerprints are compared instead). Not ``mlp_n_jobs``: it
# decides a stack's or fold's thread count, which may change the order of float sums.
# The sweep's parameters too: chapter 03's sweep trains its own models, which the seed
# tables and verdicts do not read, so seed runs skip it (scripts/seed-spread.sh).
IGNORED_PARAMETERS = (
    "seed",
    "output_dir",
    "data_dir",
    "profile",
    "mlp_sweep_m",
    "mlp_sweep_methods",
    "mlp_sweep_folds",
)
# Verdicts on training results: the ones a seed can move.
SEED_VERDICTS = (2, 3)


def _parameters(payload):
    run = payload.get("_run") or {}
    return {k: v for k, v in (run.get("parameters") or {}).items() if k not in IGNORED_PARAMETERS}


def _seed_of(payload):
    return ((payload.get("_run") or {}).get("parameters") or {}).get("seed", payload.get("seed"))


# The chapter that records each result set, whose stamp lists what went into it.
_CHAPTERS = {"cnn": "02_cnn", "projection_mlp": "03_projection_mlp"}
# Inputs of a chapter's stamp that must match between runs: everything but its parameters
# (compared above) and upstream results (seed-dependent by design).
_STAMP_INPUTS = ("notebook", "code", "data", "keras_backend", "precision", "packages")


def _numerics(payload, folder, name):
    """What a result was computed with besides its parameters: from the chapter's stamp
    (code, notebook, dataset file hashes, backend, precision, package versions) when the
    pipeline ran it, else from its ``_run`` block (backend, precision, dataset files)."""
    run = payload.get("_run") or {}
    found = {
        "keras_backend": run.get("keras_backend"),
        "training_precision": (payload.get("machine") or {}).get("training_precision"),
        **{
            f"dataset file {dataset}": Path((d or {}).get("source") or "").name
            for dataset, d in sorted((run.get("datasets") or {}).items())
        },
    }
    stamp = Path(folder) / "executed" / f"{_CHAPTERS[name]}.stamp.json" if folder else None
    if stamp is not None and stamp.is_file():
        inputs = json.loads(stamp.read_text()).get("inputs", {})
        found.update({f"stamp {key}": inputs.get(key) for key in _STAMP_INPUTS})
    return found


def _fold_seeds(seed, folds):
    """Keras seeds a run's fits use: ``seed + fold`` per fold and ``seed`` for the final model."""
    return set(range(seed, seed + folds))


def check_seed_spacing(seed, others, folds):
    """Raise ValueError if ``seed`` shares a fit's seed with any of ``others``.

    A run with ``folds`` folds trains fold i from ``seed + i``: two runs whose
    seeds are fewer than ``folds`` apart share initial weights, so they are not
    independent draws. ``scripts/seed-spread.sh`` checks this before it trains,
    the summary again when it reads the runs.
    """
    for known in others:
        if _fold_seeds(seed, folds) & _fold_seeds(known, folds):
            raise ValueError(
                f"seed {seed}: with {folds} folds its fits start from the same initial "
                f"weights as some of seed {known}'s (fold i seeds with seed + i): use seeds "
                f"at least {folds} apart, e.g. {known + 2 * folds} and {known + 4 * folds}"
            )


def _difference_list(ours, theirs):
    """What differs between two runs' records, one ``name: theirs vs ours`` each; stamp
    entries (long hashes) by name only."""
    keys = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    return [
        k if k.startswith("stamp ") else f"{k}: {theirs.get(k)!r} vs {ours.get(k)!r}" for k in keys
    ]


def _differences(ours, theirs):
    """:func:`_difference_list` as one string."""
    return ", ".join(_difference_list(ours, theirs))


def _shared(ours, theirs):
    """Both records cut to the entries both have (a run by hand has no stamp)."""
    both = set(ours) & set(theirs)
    return ({k: ours[k] for k in both}, {k: theirs[k] for k in both})


def classifier_results(folder, what, fix):
    """The :data:`SEED_RESULTS` of another output folder (a seed or effect run), or
    ValueError naming ``what`` lacks which file and ``fix``."""
    from helpers.results import read_results

    found = {}
    for name in SEED_RESULTS:
        try:
            found[name] = read_results(folder, name)
        except FileNotFoundError:
            raise ValueError(f"{what}: no results/{name}.json; {fix}") from None
    return found


def load_seed_runs(results, seed_runs, output_dir=None):
    """This run's classifier results and those of ``seed_runs``, keyed by seed.

    Parameters
    ----------
    results : dict
        This run's recorded results (:func:`helpers.summary.verdicts.load_all`).
    seed_runs : list of path
        Output folders of the same profile rendered with other seeds.
    output_dir : path, optional
        This run's output folder (its stamps are compared with the seed runs').

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
    missing = [n for n in SEED_RESULTS if n not in results]
    if missing:
        raise ValueError(f"this run has no {', '.join(missing)} results to compare seeds with")
    runs = {_seed_of(results["cnn"]): results}
    for folder in seed_runs:
        folder = Path(folder)
        other = classifier_results(
            folder,
            f"seed run {folder}",
            "render it with `scripts/seed-spread.sh` or `./render.sh --profile PROFILE -p seed "
            f"N --only 02_cnn --only 03_projection_mlp --output-dir {folder}`",
        )
        for name in SEED_RESULTS:
            for what, differing in (
                ("parameters", _differences(_parameters(results[name]), _parameters(other[name]))),
                (
                    "code, numerics or data",
                    _differences(
                        *_shared(
                            _numerics(results[name], output_dir, name),
                            _numerics(other[name], folder, name),
                        )
                    ),
                ),
            ):
                if differing:
                    raise ValueError(
                        f"seed run {folder}: {name} ran with other {what} than this run "
                        f"({differing}); re-render it with this run's profile, overrides and "
                        f"environment, changing only the seed"
                    )
        seed = _seed_of(other["cnn"])
        if _seed_of(other["projection_mlp"]) != seed:
            raise ValueError(
                f"seed run {folder}: cnn has seed {seed}, projection_mlp seed "
                f"{_seed_of(other['projection_mlp'])}; the paired test needs one seed: "
                "re-render both chapters"
            )
        folds = _parameters(other["cnn"]).get("cnn_folds") or 1
        try:
            check_seed_spacing(seed, runs, folds)
        except ValueError as exc:
            raise ValueError(f"seed run {folder}: {exc}") from None
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
            low, high = _gap_interval(paired, mlp)
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
                    f"gap {DECISION_LEVEL:.0%} low": low,
                    f"gap {DECISION_LEVEL:.0%} high": high,
                    "corrected p": paired.get("corrected_p_value", math.nan),
                    "CNN corrected SE": _corrected_se(cnn),
                    "RP-MLP corrected SE": _corrected_se(mlp),
                    **{f"verdict {i}": verdicts[i - 1]["verdict"] for i in SEED_VERDICTS},
                }
            )
    return rows


def _gap_interval(paired, entry):
    """The DECISION_LEVEL interval of the paired CNN - RP-MLP CV gap (what verdicts 2-3 judge)."""
    sizes = paired_sizes(paired, entry) if paired.get("differences") else None
    if not sizes:
        return math.nan, math.nan
    _, low, high = fold_interval(
        paired["differences"], *sizes, level=DECISION_LEVEL, low=-1.0, high=1.0
    )
    return low, high


def _corrected_se(entry):
    """Nadeau-Bengio corrected standard error of a CV mean: the uncertainty this run's
    intervals assume for it, sqrt((1/k + n_val/n_train) s^2)."""
    sizes = corrected_sizes(entry)
    folds = entry.get("folds")
    if not sizes or not folds:
        return math.nan
    n_train, n_val = sizes
    return math.sqrt((1 / folds + n_val / n_train) * entry["std"] ** 2)


def _sd(values):
    return statistics.stdev(values) if len(values) > 1 else math.nan


def seed_spread(rows):
    """Per dataset and model: the sd across seeds of the CV mean and of the test score,
    beside what one run's interval assumes for the CV mean (its corrected SE).

    A ratio above 1 says the within-run intervals understate how much the result moves
    from run to run. The fold sd (pooled: root of the mean variance) is shown too; it
    is the spread of single folds, not of a CV mean.
    """
    out = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        for model in ("CNN", "RP-MLP", "CNN - MLP"):
            if model == "CNN - MLP":
                cv = [r["CNN - MLP (CV)"] for r in mine]
                se, fold_sd, test = (
                    math.nan,
                    math.nan,
                    [r["CNN test"] - r["RP-MLP test"] for r in mine],
                )
            else:
                cv = [r[f"{model} CV"] for r in mine]
                se = math.sqrt(statistics.fmean(r[f"{model} corrected SE"] ** 2 for r in mine))
                fold_sd = math.sqrt(statistics.fmean(r[f"{model} fold sd"] ** 2 for r in mine))
                test = [r[f"{model} test"] for r in mine]
            out.append(
                {
                    "dataset": dataset,
                    "model": model,
                    "seeds": len(mine),
                    "CV mean over seeds": statistics.fmean(cv),
                    "seed sd of CV mean": _sd(cv),
                    "corrected SE (one run)": se,
                    "seed sd / SE": _sd(cv) / se if se and se == se else math.nan,
                    "pooled fold sd": fold_sd,
                    "seed sd of test": _sd(test),
                }
            )
    return out


def seed_caveat(n_seeds, level=0.95):
    """What ``n_seeds`` seeds can and cannot show, with the chi-square range of an sd."""
    from scipy import stats

    if n_seeds < 2:
        return "One seed: no seed spread."
    df = n_seeds - 1
    lo = math.sqrt(df / stats.chi2.ppf(0.5 + level / 2, df))
    hi = math.sqrt(df / stats.chi2.ppf(0.5 - level / 2, df))
    return (
        f"{n_seeds} seeds give each sd {df} degree{'s' if df > 1 else ''} of freedom: the "
        f"true sd may be {lo:.2g}x to {hi:.2g}x the estimate ({level:.0%} chi-square "
        f"interval). So {n_seeds} seeds can reveal a large seed effect; they cannot show "
        "that it is small. For the RP-MLP the seed also draws the projection, which all "
        "folds of one run share: its fold sd leaves that draw out, its seed sd does not."
    )


def verdict_stability(rows):
    """A sentence per seed-dependent verdict: the same for every seed, or how it changes."""
    by_seed = {}
    for r in rows:
        by_seed.setdefault(r["seed"], r)
    seeds = list(by_seed)
    fashion = [r for r in rows if r["dataset"] == "fashion_mnist"]
    cifar = [r for r in rows if r["dataset"] == "cifar10"]
    high = f"gap {DECISION_LEVEL:.0%} high"
    sentences = []
    if fashion:
        sentences.append(
            f'Verdict 2\'s Fashion-MNIST margin, which verdict 3 cites for "close", rests on '
            f"the upper end of the gap's {DECISION_LEVEL:.0%} interval against "
            f"{C2_MAX_SLIGHT_GAP:g}; across seeds it runs from "
            f"{min(r[high] for r in fashion):+.4f} to {max(r[high] for r in fashion):+.4f}"
            + (
                f", and the CIFAR-10 interval's lower end from "
                f"{min(r[f'gap {DECISION_LEVEL:.0%} low'] for r in cifar):+.4f} to "
                f"{max(r[f'gap {DECISION_LEVEL:.0%} low'] for r in cifar):+.4f} (against "
                f'{C2_MIN_CLEAR_GAP:g}, "clearly")'
                if cifar
                else ""
            )
            + ". Verdict 3's cost half is timed again in each run, so timing noise, not "
            "only the seed, can move it."
        )
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


def seed_tables(rows, level):
    """The seed section's three tables from :func:`seed_rows`' ``rows``: per-seed scores,
    per-seed gap and verdicts (the gap's interval at ``level``), and the seed spread."""
    import pandas as pd

    from helpers.tables import Table

    per_seed = pd.DataFrame(rows)
    scores = [f"{m} {k}" for m in ("CNN", "RP-MLP") for k in ("CV", "fold sd", "test")]
    gaps = [c for c in per_seed.columns if c.startswith("gap ")]
    verdicts = [c for c in per_seed.columns if c.startswith("verdict ")]
    return [
        Table(
            per_seed[["seed", "dataset", *scores]],
            "CNN and RP-MLP per seed: CV mean, fold sd and test accuracy",
            ".4f",
        ),
        Table(
            per_seed[["seed", "dataset", "CNN - MLP (CV)", *gaps, "corrected p", *verdicts]],
            f"Per seed: the paired CNN minus RP-MLP CV gap with its {level:.0%} interval and "
            "corrected p, and the verdicts of that seed's results",
            ".4g",
        ),
        Table(
            pd.DataFrame(seed_spread(rows)),
            "Seed spread: sd across seeds of the CV mean (and of the test score, one final "
            "model per seed) beside the Nadeau-Bengio corrected SE that one run's intervals "
            "assume for its CV mean; seed sd / SE above 1: one run's intervals understate how "
            "much the result moves from run to run. Pooled fold sd: the spread of single folds",
            ".4f",
        ),
    ]
