"""Figures of the classifier chapters 02-04: folds, learning curves, confusion, the
projection sweep, accuracy against cost, SVD trade-off and spectra."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_seed
from helpers.plots.style import PAGE_WIDTH_IN, _show


def plot_fold_accuracies(fold_accuracy_by_name, reference=None, ylabel="validation accuracy"):
    """Per-fold accuracies (points) with their mean, one column per dataset/model.

    ``reference`` maps the same names to (mean, std), drawn as a band (e.g. the study's).
    """
    names = list(fold_accuracy_by_name)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN * 0.7, 2.8))
    for i, name in enumerate(names):
        acc = np.asarray(fold_accuracy_by_name[name])
        ax.scatter(
            np.full(len(acc), i) + np.linspace(-0.08, 0.08, len(acc)),
            acc,
            s=18,
            label="our folds" if i == 0 else None,
            color="C0",
            zorder=3,
        )
        ax.hlines(
            acc.mean(), i - 0.25, i + 0.25, color="C0", lw=2, label="our mean" if i == 0 else None
        )
        if reference and name in reference:
            mean, std = reference[name]
            ax.add_patch(
                plt.Rectangle(
                    (i - 0.3, mean - std),
                    0.6,
                    2 * std,
                    color="C1",
                    alpha=0.25,
                    label="study mean $\\pm$ std" if i == 0 else None,
                )
            )
            ax.hlines(mean, i - 0.3, i + 0.3, color="C1", lw=1.5, ls="--")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_learning_curves(histories_by_name):
    """Training and validation accuracy per epoch, one panel per dataset, a line per fold."""
    names = list(histories_by_name)
    fig, axes = plt.subplots(1, len(names), figsize=(PAGE_WIDTH_IN, 2.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        for k, history in enumerate(histories_by_name[name]):
            epochs = np.arange(1, len(history["accuracy"]) + 1)
            ax.plot(
                epochs,
                history["accuracy"],
                color="C0",
                alpha=0.6,
                label="train" if k == 0 else None,
            )
            if "val_accuracy" in history:
                ax.plot(
                    epochs,
                    history["val_accuracy"],
                    color="C1",
                    alpha=0.8,
                    ls="--",
                    label="validation" if k == 0 else None,
                )
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_confusion(y_true, y_pred, class_names, title=None):
    """Row-normalized confusion matrix (seaborn heatmap)."""
    import seaborn as sns
    from sklearn.metrics import confusion_matrix

    matrix = confusion_matrix(y_true, y_pred, labels=range(len(class_names)), normalize="true")
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN * 0.75, PAGE_WIDTH_IN * 0.6))
    sns.heatmap(
        matrix,
        annot=True,
        fmt=".2f",
        cmap="Blues",
        vmin=0,
        vmax=1,
        cbar=False,
        xticklabels=class_names,
        yticklabels=class_names,
        annot_kws={"fontsize": 6},
        ax=ax,
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_misclassified(x, y_true, y_pred, class_names, n=12, random_state=0):
    """A seeded sample of misclassified test images, titled 'true -> predicted'."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    rng = np.random.default_rng(check_seed(random_state, "random_state"))
    picks = rng.choice(wrong, size=min(n, len(wrong)), replace=False) if len(wrong) else []
    cols = 6
    rows = max(1, int(np.ceil(len(picks) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(PAGE_WIDTH_IN, 1.25 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), picks):
        _show(ax, np.squeeze(x[i]), f"{class_names[y_true[i]]}\n-> {class_names[y_pred[i]]}")
    fig.tight_layout(pad=0.3)
    return fig


def plot_sweep(rows, reference=None):
    """Accuracy vs M (log x), a line per method, a panel per dataset.

    ``rows``: dicts with dataset, method, M, mean, std; ``reference``: dataset ->
    accuracy drawn as a horizontal line (e.g. the CNN's).
    """
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    fig, axes = plt.subplots(1, len(datasets), figsize=(PAGE_WIDTH_IN, 2.8), squeeze=False)
    for ax, name in zip(axes[0], datasets):
        for method in dict.fromkeys(r["method"] for r in rows if r["dataset"] == name):
            part = sorted(
                (r for r in rows if r["dataset"] == name and r["method"] == method),
                key=lambda r: r["M"],
            )
            ax.errorbar(
                [r["M"] for r in part],
                [r["mean"] for r in part],
                yerr=[r["std"] for r in part],
                marker="o",
                ms=3,
                capsize=2,
                label=method,
            )
        if reference and name in reference:
            ax.axhline(reference[name], color="k", ls="--", lw=1, label="CNN")
        ax.set_xscale("log", base=2)
        ax.set_title(name)
        ax.set_xlabel("M (dimensions)")
        ax.set_ylabel("CV accuracy")
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def plot_accuracy_vs_cost(points, cost_key="flops_per_image", xlabel="FLOPs per image (inference)"):
    """Accuracy against a cost (log x), a panel per dataset, a marker per model family.

    ``points``: dicts with dataset, model, accuracy and the cost key.
    """
    datasets = list(dict.fromkeys(p["dataset"] for p in points))
    families = list(dict.fromkeys(p["model"].split(" ")[0] for p in points))
    markers = dict(zip(families, "os^Dvx*P"))
    fig, axes = plt.subplots(1, len(datasets), figsize=(PAGE_WIDTH_IN, 2.9), squeeze=False)
    for ax, name in zip(axes[0], datasets):
        for p in (p for p in points if p["dataset"] == name):
            family = p["model"].split(" ")[0]
            ax.scatter(
                p[cost_key],
                p["accuracy"],
                marker=markers[family],
                s=28,
                color=f"C{families.index(family)}",
                zorder=3,
            )
            ax.annotate(
                p["model"],
                (p[cost_key], p["accuracy"]),
                fontsize=5.5,
                xytext=(3, 2),
                textcoords="offset points",
            )
        ax.set_xscale("log")
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test accuracy")
    fig.tight_layout()
    return fig


def plot_distance_ratios(ratios_by_name, m):
    """Histogram of pairwise-distance ratios after projection (1 = preserved)."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN * 0.7, 2.5))
    for name, ratios in ratios_by_name.items():
        ax.hist(
            ratios,
            bins=50,
            histtype="step",
            lw=1.4,
            density=True,
            label=f"{name}: 90% within [{np.quantile(ratios, 0.05):.2f}, "
            f"{np.quantile(ratios, 0.95):.2f}]",
        )
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xlabel(f"distance after / before Gaussian projection to M = {m}")
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# Colours of the three outcomes in the findings figure.


def plot_svd_tradeoff(table, datasets):
    """Chapter 04: validation accuracy against compression ratio (rebuilt, dashed;
    fine-tuned, solid) and against the batch-256 speed-up, one colour per dataset.

    ``table``: :func:`helpers.nets.svd_study.sweep_table`'s rows.
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH_IN, 2.8))
    for i, name in enumerate(datasets):
        part = table[(table.dataset == name) & (table.label != "original")].sort_values("ratio")
        axes[0].plot(
            part.ratio, part.val_accuracy, "o--", color=f"C{i}", alpha=0.6, label=f"{name}, rebuilt"
        )
        # Candidates larger than the rule's choice may not be fine-tuned (NaN): left out
        # of the fine-tuned line, which says so.
        tuned = part[part.val_accuracy_finetuned.notna()]
        skipped = len(part) - len(tuned)
        axes[0].plot(
            tuned.ratio,
            tuned.val_accuracy_finetuned,
            "o-",
            color=f"C{i}",
            label=f"{name}, fine-tuned"
            + (f" ({skipped} larger than the choice not tuned)" if skipped else ""),
        )
        axes[1].plot(
            tuned["speed-up b=256"], tuned.val_accuracy_finetuned, "s-", color=f"C{i}", label=name
        )
    axes[0].set_xlabel("compression ratio (parameters)")
    axes[0].set_ylabel("validation accuracy")
    axes[1].set_xlabel("latency speed-up at batch 256")
    axes[1].set_ylabel("validation accuracy (fine-tuned)")
    axes[1].axvline(1, color="k", lw=0.8)
    for ax in axes:
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def plot_svd_spectra(spectra):
    """Chapter 04: each layer's singular values over the largest (log y), a panel per
    dataset; ``spectra`` maps dataset -> layer -> singular values."""
    fig, axes = plt.subplots(1, len(spectra), figsize=(PAGE_WIDTH_IN, 2.6), squeeze=False)
    for ax, (name, by_layer) in zip(axes[0], spectra.items()):
        for layer, values in by_layer.items():
            values = np.asarray(values)
            ax.semilogy(np.arange(1, len(values) + 1), values / values[0], label=layer)
        ax.set_title(name)
        ax.set_xlabel("index")
        ax.set_ylabel("s_i / s_1")
        ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
