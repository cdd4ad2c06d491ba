"""Chapter 00's figures (notebooks/00_datasets.ipynb): samples, classes, pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.checks import check_int, check_seed
from helpers.plots.style import PAGE_WIDTH_IN, _show


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
