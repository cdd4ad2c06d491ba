"""Figures shared by the notebooks, sized to stay legible in the PDF report."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .validation import check_int, check_seed

__all__ = [
    "use_report_style",
    "plot_class_grid",
    "plot_class_balance",
    "plot_grayscale_comparison",
    "plot_pixel_histograms",
]

# A page of the PDF is about 6.5 in wide; figures at most that wide keep
# their fonts at the size they were drawn.
PAGE_WIDTH_IN = 6.5


def use_report_style():
    """Matplotlib settings for the report: readable fonts, PNG at 110 dpi."""
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
        n_classes, per_class, figsize=(min(PAGE_WIDTH_IN, 0.6 * per_class + 1.2), 0.62 * n_classes),
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
    fig.tight_layout(pad=0.3)
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
        ax.hist(np.ravel(pixels), bins=bins, range=(0, 1), density=True, histtype="step",
                linewidth=1.4, label=name)
    ax.set_xlabel("pixel value")
    ax.set_ylabel("density")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    return fig
