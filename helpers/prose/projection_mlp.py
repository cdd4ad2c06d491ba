"""Chapter 03's prose (notebooks/03_projection_mlp.ipynb)."""

from __future__ import annotations

import numpy as np

__all__ = [
    "table_3_caption",
    "cv_vs_test_text",
    "epochs_caption",
    "latency_caption",
    "jl_text",
    "CNN_MISSING",
    "PAIRED_SKIPPED",
    "CNN_NOT_SAVED",
]

CNN_MISSING = (
    "_The CNN notebook's results are missing (run `02_cnn` first): CNN comparisons are left out._"
)
PAIRED_SKIPPED = "_{dataset}: no CNN result on the same subset and folds; paired test skipped._"
NO_SWEEP = (
    "_No sweep: `mlp_sweep_m` is empty (as in the seed runs of `scripts/seed-spread.sh`, "
    "whose results the summary reads for Table 3's models only)._"
)
CNN_NOT_SAVED = "_{dataset}: chapter 02's final CNN is not in the models folder._"

TABLE_3_CAPTION = (
    "Table 3. MLP accuracy: CV mean with its {level:.0%} interval (Nadeau-Bengio corrected) "
    "over {folds} folds (the CNN's folds); every fit: {protocol}; test: trained on the whole "
    "subset. One projection draw (seed {seed}) serves every fold, so the interval is "
    "conditional on it; the summary's seed spread includes the draw"
)
CV_VS_TEST = (
    "CV mean vs test: each test score comes from one final model, trained on the whole "
    "subset with its own early stopping on one validation split; its own validation "
    "accuracy shows how well that single fit went. {fits}. Where the test score sits below "
    "the CV mean and near the final model's own validation score, the gap may be that one "
    "fit's (one early stop on one validation split), not leakage: projections and PCA are "
    "fitted on each fit's training images only (helpers/nets/projection.py), and the CV "
    "folds never see the test split. A test score's binomial SE (RP-MLP): {test_se}. The "
    "seed spread measures how much one final model's test score moves: "
    "`scripts/seed-spread.sh {profile} {seed_a} {seed_b}`."
)
FIT = (
    "{dataset} {label}: CV {mean:.4f}, final model validation {validation_accuracy:.4f} "
    "(best epoch {final_best_epoch} of {final_epochs_run}), test {test_accuracy:.4f}"
)
EPOCHS_CAPTION = (
    "Epochs used by each fit: best epoch / epochs run (at most {max_epochs}, patience "
    "{patience}; the CNN's are in chapter 02)"
)
LATENCY_CAPTION = (
    "Table 3d. Latency per batch, CNN and RP-MLP (M = {m}) timed in turn over {rounds} "
    "rounds of {repeats} calls each (median of the rounds; speed-up: geometric mean of the "
    "per-round CNN / RP-MLP ratios, with its {level:.0%} t-interval). Per-call floor: a "
    "one-layer model on the RP-MLP's {m} inputs, timed first in the same rounds: what a "
    "call costs before any model's work (verdict 3 does not count a latency check that "
    "fails or is inconclusive where it takes most of the RP-MLP's time)"
)
JL = (
    "Johnson-Lindenstrauss bound (scikit-learn) for {n_points} points: {bounds}. The "
    "headline M = {m} is {position}. Observed on 1,000 training images, projected distance "
    "/ original distance, 5% to 95% of the pairs: {observed}. The bound guarantees its eps "
    "for every pair of any point set; these quantiles describe most pairs of these images "
    "and say nothing of the worst pair."
)


def table_3_caption(*, level, folds, protocol, seed):
    return TABLE_3_CAPTION.format(level=level, folds=folds, protocol=protocol.describe(), seed=seed)


def cv_vs_test_text(data, headline, baselines, *, m, profile, seed):
    """CV mean beside each final model's validation and test scores, and why they differ."""
    fits = [
        FIT.format(dataset=name, label=label, **s)
        for name in data
        for label, s in [(f"RP-MLP M={m}", headline[name])]
        + [(f"{method}-MLP", b) for method, b in baselines[name].items()]
    ]
    test_se = ", ".join(
        f"{name} {np.sqrt(a * (1 - a) / len(data[name].y_test)):.4f}"
        for name in data
        for a in [headline[name]["test_accuracy"]]
    )
    return CV_VS_TEST.format(
        fits="; ".join(fits),
        test_se=test_se,
        profile=profile,
        seed_a=seed + 10,
        seed_b=seed + 20,
    )


def epochs_caption(max_epochs, patience):
    return EPOCHS_CAPTION.format(max_epochs=max_epochs, patience=patience)


def latency_caption(*, m, rounds, repeats, level):
    return LATENCY_CAPTION.format(m=m, rounds=rounds, repeats=repeats, level=level)


def jl_text(bounds, ratios, *, n_points, m):
    """The JL bound for ``n_points`` beside the observed distance ratios' 5-95% range."""
    smallest = min(bounds.values())
    position = (
        f"below the smallest of these ({smallest})"
        if m < smallest
        else f"not below all of them (smallest {smallest})"
    )
    return JL.format(
        n_points=n_points,
        bounds=", ".join(f"eps = {e:g}: M >= {d}" for e, d in bounds.items()),
        m=m,
        position=position,
        observed=", ".join(
            f"{n} {np.quantile(r, 0.05):.3f} to {np.quantile(r, 0.95):.3f}"
            for n, r in ratios.items()
        ),
    )
