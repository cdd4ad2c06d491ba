"""How much a change of method moves the numbers verdicts 2 and 3 decide on (the summary).

Besides the seed (:mod:`helpers.summary.seeds`), two choices of method can move the
CNN minus RP-MLP gap: training the MLP's CV folds side by side as one stacked model
or one model per fold, and the training precision (float32 or mixed bfloat16). An
*effect run* is an output folder of this profile and seed rendered with one such
thing changed (chapters 02 and 03; docs/reproducibility.md gives the commands). The
summary's ``effect_runs`` parameter names those folders; this module sets each beside
this run: what differs, how far the deciding numbers move, and each run's verdicts.
"""

from __future__ import annotations

import math
from pathlib import Path

from helpers.summary.cnn_vs_mlp import C2_DATASETS
from helpers.summary.decisions import DECISION_LEVEL
from helpers.summary.seeds import (
    SEED_RESULTS,
    SEED_VERDICTS,
    _difference_list,
    _numerics,
    _parameters,
    _sd,
    _seed_of,
    _shared,
    classifier_results,
)
from helpers.summary.verdicts import conclusion_verdicts

__all__ = [
    "load_effect_runs",
    "effect_rows",
    "effect_text",
    "slight_margin",
    "EFFECT_HINT",
    "EFFECT_CAPTION",
]

# What an effect run may differ in besides its parameters: the precision (its own
# numerics record and the chapters' stamps). Other code, data or packages are refused.
_EFFECT_NUMERICS = ("training_precision", "stamp precision")


def _what_differs(results, other, output_dir, folder):
    """Parameter and precision differences of ``other`` from ``results`` (as
    ``name: theirs vs ours`` strings), or ValueError for any other difference."""
    found = []
    for name in SEED_RESULTS:
        params = _difference_list(_parameters(results[name]), _parameters(other[name]))
        ours, theirs = _shared(
            _numerics(results[name], output_dir, name), _numerics(other[name], folder, name)
        )
        numerics = {k for k in ours if ours[k] != theirs[k]}
        foreign = sorted(numerics - set(_EFFECT_NUMERICS))
        if foreign:
            raise ValueError(
                f"effect run {folder}: {name} ran with other code, data or packages than this "
                f"run ({', '.join(foreign)}); re-render it from this commit, changing only "
                "the setting whose effect it shows"
            )
        found += params
        found += [
            f"{k}: {theirs[k]!r} vs {ours[k]!r}"
            for k in sorted(numerics)
            if not k.startswith("stamp")
        ]
    return list(dict.fromkeys(found))


def load_effect_runs(results, folders, output_dir=None):
    """This run's classifier results beside each effect run's, keyed by what differs.

    Returns
    -------
    dict
        ``{label: results}``; ``label`` names each difference as
        ``name: that run's value vs this run's``.

    Raises
    ------
    ValueError
        A folder lacks a classifier result, ran another seed, differs in nothing, or
        in code, data or packages; the message names the folder and the fix.
    """
    missing = [n for n in SEED_RESULTS if n not in results]
    if missing:
        raise ValueError(f"this run has no {', '.join(missing)} results to compare with")
    runs = {}
    for folder in map(Path, folders):
        other = classifier_results(
            folder,
            f"effect run {folder}",
            "render chapters 02 and 03 into it as docs/reproducibility.md shows",
        )
        for name in SEED_RESULTS:
            if _seed_of(other[name]) != _seed_of(results[name]):
                raise ValueError(
                    f"effect run {folder}: {name} has seed {_seed_of(other[name])}, this run "
                    f"{_seed_of(results[name])}; an effect run changes one setting, not the "
                    "seed (seed runs go to seed_runs)"
                )
        label = "; ".join(_what_differs(results, other, output_dir, folder))
        if not label:
            raise ValueError(
                f"effect run {folder}: nothing differs from this run; render it with the "
                "setting whose effect it shows changed (e.g. -p mlp_stack_folds false)"
            )
        runs[label] = other
    return runs


def _verdicts(results):
    found = conclusion_verdicts({k: results[k] for k in SEED_RESULTS})
    return {i: found[i - 1]["verdict"] for i in SEED_VERDICTS}


def _change(ours, theirs, name):
    """The paired per-fold change of one dataset's CNN minus RP-MLP gap (that run minus
    this run, on the same folds) as (mean, low, high): a DECISION_LEVEL t-interval with
    the Nadeau-Bengio corrected variance, so it holds the training noise of one such
    difference, not only the effect."""
    from helpers.stats.intervals import fold_interval, paired_sizes

    a = ours["projection_mlp"].get("paired_test", {}).get(name, {})
    b = theirs["projection_mlp"].get("paired_test", {}).get(name, {})
    sizes = paired_sizes(a, ours["projection_mlp"].get("datasets", {}).get(name, {}))
    if not sizes or len(a.get("differences", [])) != len(b.get("differences", [])):
        return math.nan, math.nan, math.nan
    change = [y - x for x, y in zip(a["differences"], b["differences"])]
    return fold_interval(change, *sizes, level=DECISION_LEVEL, low=-1.0, high=1.0)


def effect_rows(results, effect_runs, seed_table=()):
    """One row per source of movement: each effect run's change of the CNN minus RP-MLP
    CV gap on each dataset (that run minus this run, paired over the shared folds, with
    its interval) and the single-run verdicts of both runs; and, when ``seed_table``
    (:func:`helpers.summary.seeds.seed_rows`) has two seeds or more, the seeds' sd of the
    gap: a spread, not a shift."""
    level = f"{DECISION_LEVEL:.0%}"
    ours_verdicts = _verdicts(results)
    rows = []
    seeds = sorted({r["seed"] for r in seed_table})
    if len(seeds) > 1:
        rows.append(
            {
                "source": f"seed ({len(seeds)} seeds: {', '.join(map(str, seeds))})",
                "measure": "sd over the seeds (a spread, not a shift)",
                **{
                    f"{n} gap": _sd([r["CNN - MLP (CV)"] for r in seed_table if r["dataset"] == n])
                    for n in C2_DATASETS
                },
                **{
                    f"single-run verdict {i}": _seed_outcomes(
                        [r[f"verdict {i}"] for r in seed_table]
                    )
                    for i in SEED_VERDICTS
                },
            }
        )
    for label, other in effect_runs.items():
        their_verdicts = _verdicts(other)
        row = {"source": label, "measure": "that run minus this run, same folds"}
        for name in C2_DATASETS:
            mean, low, high = _change(results, other, name)
            row[f"{name} gap"] = mean
            row[f"{name} {level} interval"] = f"[{low:+.4f}, {high:+.4f}]"
        rows.append(
            {
                **row,
                **{
                    f"single-run verdict {i}": f"{ours_verdicts[i]} -> {their_verdicts[i]}"
                    for i in SEED_VERDICTS
                },
            }
        )
    return rows


def _seed_outcomes(outcomes):
    kinds = list(dict.fromkeys(outcomes))
    return kinds[0] + " for every seed" if len(kinds) == 1 else " / ".join(outcomes)


EFFECT_HINT = (
    "_No effect runs: how far stacked MLP folds or the training precision move the gap is "
    "not measured in this report. docs/reproducibility.md gives the commands that render "
    "them; the summary's `effect_runs` parameter names their folders._"
)
EFFECT_CAPTION = (
    "How far each source moves the CNN minus RP-MLP CV gap: the seeds' spread, and each "
    "effect run's change on the same folds with its {level} interval; the verdicts are "
    "each run's own, judged alone (an effect run can also move verdict 3 through its "
    "timings)"
)


def slight_margin(verdicts):
    """How far the upper end of verdict 2's Fashion-MNIST interval lies below its
    threshold (negative: above it), from :func:`conclusion_verdicts`' checks."""
    for check in verdicts[1].get("checks", []):
        if check["direction"] == "below" and not check.get("cited_from"):
            return check["threshold"] - check["high"]
    return math.nan


def effect_text(rows, margin):
    """A sentence on the effect runs' Fashion-MNIST changes beside the margin by which
    verdict 2's Fashion-MNIST interval clears its threshold (``margin``; said only
    when it does: otherwise there is no margin to move)."""
    name = "fashion_mnist"
    level = f"{DECISION_LEVEL:.0%}"
    changes = [r for r in rows if r["measure"].startswith("that run")]
    if not changes:
        return ""
    parts = "; ".join(
        f"{r['source']}: {r[f'{name} gap']:+.4f} ({level} interval {r[f'{name} {level} interval']})"
        for r in changes
    )
    text = f"Fashion-MNIST gap, each effect run minus this run on the same folds: {parts}."
    if margin > 0:
        text += (
            f" Verdict 2's Fashion-MNIST interval ends {margin:.4f} below its threshold: a "
            "change upward by more than that could move it, and the pooled interval holds "
            "the seeds' movement but not these choices'."
        )
    return text
