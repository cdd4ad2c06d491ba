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
from helpers.summary.seeds import (
    SEED_RESULTS,
    SEED_VERDICTS,
    _differences,
    _numerics,
    _parameters,
    _seed_of,
    _shared,
)
from helpers.summary.verdicts import conclusion_verdicts

__all__ = ["load_effect_runs", "effect_rows", "effect_text", "slight_margin", "EFFECT_HINT"]

# What an effect run may differ in besides its parameters: the precision (its own
# numerics record and the chapters' stamps). Other code, data or packages are refused.
_EFFECT_NUMERICS = ("training_precision", "stamp precision")


def _label(differing):
    return "; ".join(differing) if differing else ""


def _what_differs(results, other, output_dir, folder):
    """Parameter and precision differences of ``other`` from ``results`` (as
    ``name: theirs vs ours`` strings), or ValueError for any other difference."""
    found = []
    for name in SEED_RESULTS:
        params = _differences(_parameters(results[name]), _parameters(other[name]))
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
        found += [p for p in params.split(", ") if p]
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
    from helpers.results import read_results

    missing = [n for n in SEED_RESULTS if n not in results]
    if missing:
        raise ValueError(f"this run has no {', '.join(missing)} results to compare with")
    runs = {}
    for folder in map(Path, folders):
        other = {}
        for name in SEED_RESULTS:
            try:
                other[name] = read_results(folder, name)
            except FileNotFoundError:
                raise ValueError(
                    f"effect run {folder}: no results/{name}.json; render chapters 02 and 03 "
                    "into it as docs/reproducibility.md shows"
                ) from None
        for name in SEED_RESULTS:
            if _seed_of(other[name]) != _seed_of(results[name]):
                raise ValueError(
                    f"effect run {folder}: {name} has seed {_seed_of(other[name])}, this run "
                    f"{_seed_of(results[name])}; an effect run changes one setting, not the "
                    "seed (seed runs go to seed_runs)"
                )
        label = _label(_what_differs(results, other, output_dir, folder))
        if not label:
            raise ValueError(
                f"effect run {folder}: nothing differs from this run; render it with the "
                "setting whose effect it shows changed (e.g. -p mlp_stack_folds false)"
            )
        runs[label] = other
    return runs


def _gaps(results):
    paired = results["projection_mlp"].get("paired_test", {})
    return {n: paired.get(n, {}).get("mean_difference", math.nan) for n in C2_DATASETS}


def _verdicts(results):
    found = conclusion_verdicts({k: results[k] for k in SEED_RESULTS})
    return {i: found[i - 1]["verdict"] for i in SEED_VERDICTS}


def effect_rows(results, effect_runs, seed_table=()):
    """One row per source of movement: each effect run's change of the CNN minus RP-MLP
    CV gap on each dataset and its verdicts (that run alone beside this run alone), and
    the seed's sd of the gap when ``seed_table`` (:func:`helpers.summary.seeds.seed_rows`)
    has at least two seeds."""
    ours, ours_verdicts = _gaps(results), _verdicts(results)
    rows = []
    seeds = sorted({r["seed"] for r in seed_table})
    if len(seeds) > 1:
        rows.append(
            {
                "source": f"seed ({len(seeds)} seeds: {', '.join(map(str, seeds))})",
                **{
                    f"{n} gap moves": _sd(
                        [r["CNN - MLP (CV)"] for r in seed_table if r["dataset"] == n]
                    )
                    for n in C2_DATASETS
                },
                "measure": "sd over the seeds",
                **{
                    f"verdict {i}": _seed_outcomes([r[f"verdict {i}"] for r in seed_table])
                    for i in SEED_VERDICTS
                },
            }
        )
    for label, other in effect_runs.items():
        theirs, their_verdicts = _gaps(other), _verdicts(other)
        rows.append(
            {
                "source": label,
                **{f"{n} gap moves": theirs[n] - ours[n] for n in C2_DATASETS},
                "measure": "that run minus this run",
                **{
                    f"verdict {i}": f"{ours_verdicts[i]} -> {their_verdicts[i]}"
                    for i in SEED_VERDICTS
                },
            }
        )
    return rows


def _sd(values):
    import statistics

    return statistics.stdev(values) if len(values) > 1 else math.nan


def _seed_outcomes(outcomes):
    kinds = list(dict.fromkeys(outcomes))
    return kinds[0] + " for every seed" if len(kinds) == 1 else " / ".join(outcomes)


EFFECT_HINT = (
    "_No effect runs: how far stacked MLP folds or the training precision move the gap is "
    "not measured in this report. docs/reproducibility.md gives the commands that render "
    "them; the summary's `effect_runs` parameter names their folders._"
)


def slight_margin(verdicts):
    """How far the upper end of verdict 2's Fashion-MNIST interval lies below its
    threshold (negative: above it), from :func:`conclusion_verdicts`' checks."""
    for check in verdicts[1].get("checks", []):
        if check["direction"] == "below" and not check.get("cited_from"):
            return check["threshold"] - check["high"]
    return math.nan


def effect_text(rows, margin):
    """One sentence per source beside the margin that decides verdict 2's Fashion-MNIST
    half (``margin``: the threshold minus the upper end of its interval)."""
    if not rows:
        return ""
    name = "fashion_mnist"
    parts = [f"{r['source']}: {abs(r[f'{name} gap moves']):.4f} ({r['measure']})" for r in rows]
    return (
        f"The Fashion-MNIST gap's interval ends {margin:.4f} below verdict 2's threshold. "
        f"How far each source moves that gap: {'; '.join(parts)}. A source that moves it "
        "by more than the margin could change the verdict unless the interval already "
        "holds it (the seed's movement is in the pooled interval when three seeds ran; "
        "stacking and precision are not)."
    )
