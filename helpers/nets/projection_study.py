"""Chapter 03's study (notebooks/03_projection_mlp.ipynb), one call per step.

1. :func:`evaluate_headline`: per dataset, the RP-MLP at the headline M and its
   baselines (PCA, all pixels), each cross-validated on the CNN's folds and trained
   once on the whole subset for its test score (:func:`cv_plan` trains every stacked
   CV of the chapter at once first).
2. :func:`paired_with_cnn`: the paired fold test of CNN minus RP-MLP, where chapter 02
   ran on the same subset and folds.
3. :func:`mlp_sweep`, :func:`cost_points`, :func:`latency_against_cnn`,
   :func:`jl_ratios`: the sweep over M, the cost table, the interleaved latency and
   the Johnson-Lindenstrauss distances.

The models and the cross-validation are in :mod:`helpers.nets.classification`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "pixel_count",
    "cv_plan",
    "evaluate_headline",
    "table_3_rows",
    "fits",
    "epoch_rows",
    "epoch_runs",
    "paired_with_cnn",
    "paired_rows",
    "mlp_sweep",
    "pixel_points",
    "cost_points",
    "cost_frame",
    "latency_against_cnn",
    "latency_rows",
    "jl_ratios",
    "jl_record",
]

JL_SAMPLE = 1000  # training images whose pairwise distances are compared after projection


def pixel_count(dataset):
    return int(np.prod(dataset.image_shape))


def _m_of(dataset, method, m):
    """The pixels baseline uses every pixel; the projections ``m`` dimensions."""
    return pixel_count(dataset) if method == "pixels" else m


def cv_plan(data, *, projection, m, baselines, folds, sweep_methods, sweep_m, sweep_folds):
    """Every MLP cross-validation of the chapter, as ``(dataset, method, M, folds)``:
    Table 3's (headline and baselines) then the sweep's."""
    table_3 = [
        (ds, method, _m_of(ds, method, m), folds)
        for ds in data.values()
        for method in [projection, *baselines]
    ]
    sweep = [
        (ds, method, sweep_m_value, sweep_folds)
        for ds in data.values()
        for method in sweep_methods
        for sweep_m_value in sweep_m
    ]
    return table_3 + sweep


def evaluate_headline(data, *, projection, m, baselines, **common):
    """Table 3's models per dataset: ``(headline, baselines, pipelines)``.

    ``headline[name]``: the RP-MLP's summary; ``baselines[name][method]``: each
    baseline's; ``pipelines[name]``: the RP-MLP as raw images -> class scores (for
    timing). ``common``: :func:`helpers.nets.classification.evaluate_mlp`'s settings.
    """
    from helpers.nets.classification import evaluate_mlp

    headline, others, pipelines = {}, {}, {}
    for name, ds in data.items():
        headline[name], artefacts = evaluate_mlp(ds, method=projection, m=m, **common)
        pipelines[name] = artefacts["pipeline"]
        others[name] = {
            method: evaluate_mlp(ds, method=method, m=_m_of(ds, method, m), **common)[0]
            for method in baselines
        }
    return headline, others, pipelines


def table_3_rows(data, headline, baselines, *, projection, m):
    """Table 3: the RP-MLP beside the study's numbers, then the baselines."""
    from helpers.summary import study
    from helpers.summary.verdicts import accuracy_rows

    rows = []
    for name in data:
        recorded = {"datasets": {name: headline[name]}}
        rows += [
            {**row, "model": f"{projection} RP, M={m}"}
            for row in accuracy_rows(recorded, study.PROJECTION_MLP, "M")
        ]
        for method, b in baselines[name].items():
            rows.append(
                {
                    "dataset": f"M{name}",
                    "model": f"{method}, M={b['M']}",
                    "ours": b["mean"],
                    "folds": len(b["fold_accuracy"]),
                    "comparison": "baseline (not in the study)",
                    "ours (test)": b["test_accuracy"],
                }
            )
    return rows


def fits(data, headline, baselines, projection):
    """``(dataset, model label, summary)`` of every Table 3 model, the RP-MLP first."""
    return [
        (name, label, s)
        for name in data
        for label, s in [(projection, headline[name]), *baselines[name].items()]
    ]


def epoch_rows(data, headline, baselines, projection):
    """Best epoch / epochs run of each fold and of the final fit, per model."""
    rows = []
    for name, label, s in fits(data, headline, baselines, projection):
        folds = zip(s["fold_best_epoch"], s["fold_epochs_run"])
        rows.append(
            {
                "dataset": name,
                "model": f"{label}, M={s['M']}",
                **{f"fold {i + 1}": f"{best} / {run}" for i, (best, run) in enumerate(folds)},
                "final": f"{s['final_best_epoch']} / {s['final_epochs_run']}",
            }
        )
    return rows


def epoch_runs(data, headline, baselines, projection):
    """``{label: [(best epoch, epochs run), ...]}`` for :func:`epoch_budget_note`."""
    return {
        f"{label} MLP, {name}": list(
            zip(
                s["fold_best_epoch"] + [s["final_best_epoch"]],
                s["fold_epochs_run"] + [s["final_epochs_run"]],
            )
        )
        for name, label, s in fits(data, headline, baselines, projection)
    }


def paired_with_cnn(data, cnn, headline):
    """The corrected paired t-test of CNN minus RP-MLP per fold, for the datasets where
    chapter 02 ran on the same subset and folds. Returns ``(paired, skipped names)``."""
    from helpers.stats.significance import paired_tests

    paired, skipped = {}, []
    for name in data:
        c, h = cnn.get(name), headline[name]
        if c is None or c["n_samples"] != h["n_samples"] or c["folds"] != h["folds"]:
            skipped.append(name)
            continue
        n_val = h["n_samples"] / h["folds"]
        paired[name] = paired_tests(
            c["fold_accuracy"], h["fold_accuracy"], n_train=h["n_samples"] - n_val, n_val=n_val
        )
    return paired, skipped


def paired_rows(paired):
    """Table 3b's rows."""
    return [
        {
            "dataset": name,
            "CNN - MLP per fold": ", ".join(f"{d:+.3f}" for d in p["differences"]),
            "mean difference": p["mean_difference"],
            "t": p["t_statistic"],
            "p": p["p_value"],
            "corrected t": p["corrected_t_statistic"],
            "corrected p": p["corrected_p_value"],
        }
        for name, p in paired.items()
    ]


def mlp_sweep(data, *, methods, m_values, folds, **settings):
    """CV accuracy of each projection method at each M (mean, std), on ``folds`` folds."""
    from helpers.nets.classification import evaluate_mlp

    rows = []
    for name, ds in data.items():
        for method in methods:
            for m in m_values:
                s, _ = evaluate_mlp(ds, method=method, m=m, folds=folds, **settings)
                rows.append(
                    {"dataset": name, "method": method, "M": m, "mean": s["mean"], "std": s["std"]}
                )
    return rows


def pixel_points(baselines):
    """The all-pixels MLP from Table 3 (its own folds and epochs, not the sweep's)."""
    return [
        {
            "dataset": name,
            "method": "all pixels (Table 3)",
            "M": b["pixels"]["M"],
            "mean": b["pixels"]["mean"],
            "std": b["pixels"]["std"],
        }
        for name, b in baselines.items()
        if "pixels" in b
    ]


def _cost_point(name, model, s):
    return {
        "dataset": name,
        "model": model,
        "accuracy": s["test_accuracy"],
        "flops_per_image": s["flops_per_image"],
        "params": s["params"],
        "train_images_per_s": s["train_images_per_s"],
        "latency_ms_1": s["latency_ms"]["1"],
        "latency_ms_256": s["latency_ms"]["256"],
    }


def cost_points(data, cnn, headline, baselines, m):
    """Table 3c's points: the CNN (when chapter 02 ran), the RP-MLP and its baselines."""
    labels = {"pca": f"PCA-MLP M={m}", "pixels": "pixels-MLP"}
    points = []
    for name in data:
        if name in cnn:
            points.append(_cost_point(name, "CNN", cnn[name]))
        points.append(_cost_point(name, f"RP-MLP M={m}", headline[name]))
        points += [_cost_point(name, labels[k], b) for k, b in baselines[name].items()]
    return points


def cost_frame(points):
    """Table 3c with readable column names."""
    import pandas as pd

    return pd.DataFrame(points).rename(
        columns={
            "flops_per_image": "FLOPs / image",
            "train_images_per_s": "train img / s",
            "latency_ms_1": "latency b=1 (ms)",
            "latency_ms_256": "latency b=256 (ms)",
        }
    )


def latency_against_cnn(cnn_model, mlp_pipeline, images, *, m, rounds, repeats, level):
    """CNN and RP-MLP pipelines timed in turn: per batch size, the speed-up's estimate
    and interval at ``level`` with each model's per-round times, and the framework's
    per-call floor beside an MLP on ``m`` features, timed first in every round
    (``floor_ms``, :func:`~helpers.nets.classification.floor_pipeline`)."""
    from helpers.nets.classification import cnn_pipeline, floor_pipeline
    from helpers.nets.cost import interleaved_latency
    from helpers.stats.ratios import latency_ratio

    times = interleaved_latency(
        {
            "floor": floor_pipeline(m),
            "CNN": cnn_pipeline(cnn_model),
            "RP-MLP": mlp_pipeline,
        },
        images,
        rounds=rounds,
        repeats=repeats,
        lead=1,
    )
    return {
        b: {
            **latency_ratio(times["CNN"][b], times["RP-MLP"][b], level=level),
            "cnn_ms": times["CNN"][b],
            "mlp_ms": times["RP-MLP"][b],
            "floor_ms": times["floor"][b],
        }
        for b in times["CNN"]
    }


def latency_rows(data, headline, level):
    """Table 3d's rows from each dataset's ``latency_vs_cnn``."""
    return [
        {
            "dataset": name,
            "batch": int(b),
            "CNN (ms)": np.median(r["cnn_ms"]),
            "RP-MLP (ms)": np.median(r["mlp_ms"]),
            # Recorded since verdict 3's v7 (older results: NaN).
            "per-call floor (ms)": np.median(r.get("floor_ms", [np.nan])),
            "speed-up": r["ratio"],
            f"{level:.0%} low": r["low"],
            f"{level:.0%} high": r["high"],
        }
        for name in data
        for b, r in headline[name].get("latency_vs_cnn", {}).items()
    ]


def jl_ratios(data, m, seed):
    """Per dataset, projected over original distance of pairs of the first
    :data:`JL_SAMPLE` training images (a Gaussian projection to ``m`` dimensions)."""
    from helpers.nets.projection import distance_ratios, make_projector

    ratios = {}
    for name, ds in data.items():
        flat = ds.x_train[:JL_SAMPLE].reshape(min(JL_SAMPLE, len(ds.x_train)), -1)
        projected = make_projector("gaussian", m, seed).fit_transform(flat)
        ratios[name] = distance_ratios(flat, projected, random_state=seed)
    return ratios


def jl_record(bounds, ratios, m):
    """The JL section's record: the bound per eps and the observed ratios' quantiles."""
    return {
        "M": m,
        "min_dims": bounds,
        "ratio_quantiles": {n: np.quantile(r, [0.05, 0.5, 0.95]) for n, r in ratios.items()},
    }
