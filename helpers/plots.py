"""Figures shared by the notebooks, sized to stay legible in the PDF report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_int, check_seed

__all__ = [
    "use_report_style",
    "plot_class_grid",
    "plot_class_balance",
    "plot_grayscale_comparison",
    "plot_pixel_histograms",
    "plot_error_vs_m",
    "plot_reconstruction_grid",
    "plot_phase_transition",
    "plot_scaling",
    "plot_test_images",
    "plot_fold_accuracies",
    "plot_learning_curves",
    "plot_confusion",
    "plot_misclassified",
    "plot_sweep",
    "plot_accuracy_vs_cost",
    "plot_distance_ratios",
    "plot_decisions",
]

# A page of the PDF is about 6.5 in wide; figures at most that wide keep
# their fonts at the size they were drawn.
PAGE_WIDTH_IN = 6.5


def use_report_style():
    """Matplotlib settings for the report: readable fonts, PNG at 110 dpi.

    In a notebook, figures are also kept as PDF (vector): the PDF report
    prefers that output, the HTML report shows the PNG.
    """
    import seaborn as sns

    sns.set_theme(context="paper", style="whitegrid", font_scale=1.0)
    plt.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.figsize": (PAGE_WIDTH_IN, 3.2),
            "axes.titlesize": 10,
            "axes.labelsize": 9,
            "legend.fontsize": 8,
            "image.cmap": "gray",
        }
    )
    _inline_figure_formats("png", "pdf")


def _inline_figure_formats(*formats):
    """Have IPython's inline backend output each figure in ``formats``; no-op outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:  # a script or a test: no inline figures to format
        return
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib_inline.backend_inline import InlineBackend

    config = InlineBackend.instance(parent=shell)
    # The config is what the backend reapplies when it activates (possibly
    # later, on the first figure); select_figure_formats covers an active one.
    config.figure_formats = set(formats)
    select_figure_formats(shell, set(formats), **config.print_figure_kwargs)


def _show(ax, image, title=None):
    cmap = None if image.ndim == 3 else "gray"
    ax.imshow(image, cmap=cmap, vmin=0, vmax=1 if image.dtype.kind == "f" else 255)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=7)


def plot_class_grid(x, y, class_names, per_class=6, random_state=0, title=None):
    """Grid of ``per_class`` random images of each class (one row a class)."""
    per_class = check_int(per_class, "per_class", min_value=1)
    rng = np.random.default_rng(check_seed(random_state, "random_state"))
    n_classes = len(class_names)
    fig, axes = plt.subplots(
        n_classes,
        per_class,
        figsize=(min(PAGE_WIDTH_IN, 0.6 * per_class + 1.2), 0.62 * n_classes),
        squeeze=False,
    )
    for c, name in enumerate(class_names):
        members = np.flatnonzero(y == c)
        picks = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for j, ax in enumerate(axes[c]):
            if j < len(picks):
                _show(ax, x[picks[j]])
            else:
                ax.axis("off")
        axes[c, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.3, rect=(0, 0, 1, 0.96 if title else 1))
    return fig


def plot_class_balance(counts_by_split, class_names, title=None):
    """Grouped bar chart of images per class, one bar group per class."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN, 2.6))
    n_splits = len(counts_by_split)
    width = 0.8 / n_splits
    positions = np.arange(len(class_names))
    for i, (split, counts) in enumerate(counts_by_split.items()):
        ax.bar(positions + (i - (n_splits - 1) / 2) * width, counts, width, label=split)
    ax.set_xticks(positions)
    ax.set_xticklabels(class_names, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("images")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_grayscale_comparison(rgb, gray, n=8, labels=None):
    """Originals (top row) above their grayscale conversion (bottom row)."""
    n = min(check_int(n, "n", min_value=1), len(rgb))
    fig, axes = plt.subplots(2, n, figsize=(PAGE_WIDTH_IN, PAGE_WIDTH_IN / n * 2.3), squeeze=False)
    for j in range(n):
        _show(axes[0, j], rgb[j], labels[j] if labels is not None else None)
        _show(axes[1, j], gray[j])
    axes[0, 0].set_ylabel("RGB", fontsize=8)
    axes[1, 0].set_ylabel("luma", fontsize=8)
    fig.tight_layout(pad=0.3)
    return fig


def plot_pixel_histograms(pixels_by_name, bins=64):
    """Overlaid density histograms of pixel values in [0, 1]."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN, 2.6))
    for name, pixels in pixels_by_name.items():
        ax.hist(
            np.ravel(pixels),
            bins=bins,
            range=(0, 1),
            density=True,
            histtype="step",
            linewidth=1.4,
            label=name,
        )
    ax.set_xlabel("pixel value")
    ax.set_ylabel("density")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_error_vs_m(rows, study_rows=None, metric="mse", ylabel=None, references=None):
    """Error vs M per image on a log axis: ours (mean +- std) and the study's (dashed).

    ``references`` (image -> value) draws a dotted horizontal line per image,
    e.g. the constant image's MSE, var(x).
    """
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN * 0.8, 3.0))
    images = list(dict.fromkeys(r["image"] for r in rows))
    colors = dict(zip(images, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for image in images:
        mine = [r for r in rows if r["image"] == image]
        m = np.array([r["M"] for r in mine])
        mean = np.array([r[f"{metric}_mean"] for r in mine])
        std = np.array([r[f"{metric}_std"] for r in mine])
        ax.errorbar(
            m,
            mean,
            yerr=std,
            marker="o",
            ms=4,
            capsize=3,
            color=colors[image],
            label=f"{image} (ours)",
        )
        theirs = [r for r in (study_rows or []) if r["image"] == image]
        if theirs:
            ax.plot(
                [r["M"] for r in theirs],
                [r[metric] for r in theirs],
                "--",
                marker="s",
                ms=3,
                color=colors[image],
                alpha=0.7,
                label=f"{image} (study)",
            )
        if references and image in references:
            first = image == next(i for i in images if i in references)
            ax.axhline(
                references[image],
                ls=":",
                lw=1,
                color=colors[image],
                label="dotted: constant image, var(x)" if first else None,
            )
    ax.set_yscale("log")
    ax.set_xlabel("number of measurements M")
    ax.set_ylabel(ylabel or metric.upper())
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def plot_reconstruction_grid(images, examples, m_values, error_vmax=0.25):
    """For each image: reconstructions for each M (top) and |error| maps (below)."""
    names = list(images)
    cols = 1 + len(m_values)
    fig, axes = plt.subplots(
        2 * len(names),
        cols,
        figsize=(PAGE_WIDTH_IN, PAGE_WIDTH_IN / cols * 2 * len(names) * 1.08),
        squeeze=False,
    )
    for r, name in enumerate(names):
        top, bottom = axes[2 * r], axes[2 * r + 1]
        _show(top[0], images[name], f"{name}: original")
        bottom[0].axis("off")
        for j, m in enumerate(m_values, start=1):
            estimate = examples[(name, m)]
            _show(top[j], estimate, f"M = {m}")
            err = bottom[j].imshow(
                np.abs(estimate - images[name]), cmap="magma", vmin=0, vmax=error_vmax
            )
            bottom[j].set_xticks([])
            bottom[j].set_yticks([])
            bottom[j].grid(False)
            bottom[j].set_title(
                f"|error|, MSE {np.mean((estimate - images[name]) ** 2):.1e}", fontsize=6
            )
    fig.colorbar(err, ax=axes[:, -1].tolist(), shrink=0.6, label="|error|")
    return fig


def plot_phase_transition(deltas, rhos, rates, theory_deltas, theory_rhos):
    """Empirical l1 recovery rate over (M/n, k/M) with the theoretical curve."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH_IN * 0.7, 3.4))
    mesh = ax.pcolormesh(deltas, rhos, rates, shading="nearest", cmap="viridis", vmin=0, vmax=1)
    ax.plot(theory_deltas, theory_rhos, color="white", lw=2, label="theory (statistical dimension)")
    ax.plot(theory_deltas, theory_rhos, color="black", lw=1, ls="--")
    ax.set_xlabel(r"$\delta = M / n$")
    ax.set_ylabel(r"$\rho = k / M$")
    ax.set_xlim(min(deltas), max(deltas))
    ax.set_ylim(min(rhos), max(rhos))
    ax.grid(False)
    ax.legend(loc="upper left", fontsize=7)
    fig.colorbar(mesh, ax=ax, label="recovery rate")
    fig.tight_layout()
    return fig


def plot_scaling(rows):
    """Solve time and MSE vs image side N (log-log time)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(PAGE_WIDTH_IN, 2.6))
    n = [r["N"] for r in rows]
    left.semilogy(n, [r["seconds_mean"] for r in rows], "o-")
    left.set_xlabel("N (image side)")
    left.set_ylabel("solve time (s)")
    right.semilogy(n, [r["mse_mean"] for r in rows], "o-")
    right.set_xlabel("N (image side)")
    right.set_ylabel("MSE")
    for ax in (left, right):
        ax.set_xticks(n)
        ax.set_xticklabels([str(v) for v in n])
    fig.tight_layout()
    return fig


def plot_noise_sweep(rows):
    """MSE vs measurement SNR, one panel per image, one line per (method, M).

    Error bars: standard deviation over the draws (``mse_std``).
    """
    images = list(dict.fromkeys(r["image"] for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    m_values = sorted({r["M"] for r in rows})
    fig, axes = plt.subplots(
        1, len(images), figsize=(PAGE_WIDTH_IN, 2.8), squeeze=False, sharey=True
    )
    colors = dict(zip(methods, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    styles = dict(zip(m_values, ["-", "--", ":", "-."] * len(m_values)))
    for ax, image in zip(axes[0], images):
        for method in methods:
            for m in m_values:
                part = sorted(
                    (r for r in rows if (r["image"], r["method"], r["M"]) == (image, method, m)),
                    key=lambda r: r["SNR dB"],
                )
                if part:
                    ax.errorbar(
                        [r["SNR dB"] for r in part],
                        [r["mse_mean"] for r in part],
                        yerr=[r.get("mse_std", 0.0) for r in part],
                        ls=styles[m],
                        marker="o",
                        ms=3,
                        capsize=2,
                        color=colors[method],
                        label=f"{method}, M = {m}",
                    )
                    ax.set_yscale("log")
        ax.set_title(image, fontsize=8)
        ax.set_xlabel("measurement SNR (dB)")
    axes[0][0].set_ylabel("MSE")
    axes[0][-1].legend(fontsize=5)
    fig.tight_layout()
    return fig


def plot_test_images(images, basis):
    """The test images, and their sorted coefficient magnitudes in ``basis``.

    ``basis`` is an analysis operator of :mod:`helpers.cs.operators` (``DCT2``, ``Wavelet2``).
    """
    fig, axes = plt.subplots(
        1, len(images) + 1, figsize=(PAGE_WIDTH_IN, PAGE_WIDTH_IN / (len(images) + 1) * 1.1)
    )
    for ax, (name, image) in zip(axes, images.items()):
        _show(ax, image, name)
    for name, image in images.items():
        magnitudes = np.sort(np.abs(basis.matvec(np.ravel(image))))[::-1]
        axes[-1].loglog(np.arange(1, magnitudes.size + 1), magnitudes, label=name)
    axes[-1].set_title(f"sorted |{basis.kind.upper()} coefficient|", fontsize=7)
    axes[-1].legend(fontsize=6)
    axes[-1].tick_params(labelsize=6)
    fig.tight_layout()
    return fig


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
OUTCOME_COLORS = {"holds": "tab:green", "fails": "tab:red", "inconclusive": "tab:gray"}


def plot_decisions(verdicts):
    """The checks that decide the verdicts: each estimate with its interval (or range)
    and its threshold, a panel per verdict, coloured by outcome.

    ``verdicts``: :func:`helpers.summary.verdicts.conclusion_verdicts`, whose
    ``checks`` hold each decision's numbers. Ratios ("x") are drawn on a log scale.
    """
    panels = [(i, v) for i, v in enumerate(verdicts, 1) if v.get("checks")]
    if not panels:
        return None
    heights = [0.5 + 0.42 * len(v["checks"]) for _, v in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(PAGE_WIDTH_IN, sum(heights) + 0.4),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, (i, v) in zip(axes[:, 0], panels):
        checks = v["checks"]
        for y, c in enumerate(reversed(checks)):
            color = OUTCOME_COLORS.get(c["outcome"], "black")
            ax.plot([c["low"], c["high"]], [y, y], color=color, lw=2.2, solid_capstyle="butt")
            ax.plot(c["estimate"], y, "o", color=color, ms=4.5, zorder=3)
            ax.plot(c["threshold"], y, "|", color="black", ms=13, mew=1.6, zorder=4)
        ax.set_yticks(range(len(checks)))
        ax.set_yticklabels([c["check"] for c in reversed(checks)], fontsize=6.5)
        ax.set_ylim(-0.6, len(checks) - 0.4)
        if all(c["unit"] == "x" for c in checks):
            from matplotlib.ticker import FuncFormatter, NullFormatter

            span = [min(c["low"] for c in checks), max(c["high"] for c in checks)]
            if span[0] > 0 and span[1] / span[0] > 10:  # a log axis where it spans decades
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.set_title(f"Verdict {i}: {v['verdict']}", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    handles = [
        plt.Line2D([], [], color=col, lw=2.2, marker="o", ms=4, label=name)
        for name, col in OUTCOME_COLORS.items()
    ] + [plt.Line2D([], [], color="black", marker="|", ls="", ms=10, mew=1.6, label="threshold")]
    fig.legend(handles=handles, fontsize=6.5, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
