"""Chapter 01's figures (notebooks/01_reconstruction.ipynb): error against M, reconstructions,
phase transition, scaling, noise."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.plots.style import PAGE_WIDTH_IN, _show


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


def plot_quality_vs_m(rows):
    """PSNR (dB) and SSIM vs M per image, side by side: the field's units for Table 1's
    rows (mean +- std over the draws; images in [0, 1])."""
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH_IN, 2.8))
    images = list(dict.fromkeys(r["image"] for r in rows))
    colors = dict(zip(images, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for ax, metric, label in zip(axes, ("psnr", "ssim"), ("PSNR (dB)", "SSIM")):
        for image in images:
            mine = [r for r in rows if r["image"] == image]
            ax.errorbar(
                [r["M"] for r in mine],
                [r[f"{metric}_mean"] for r in mine],
                yerr=[r[f"{metric}_std"] for r in mine],
                marker="o",
                ms=3,
                capsize=2,
                color=colors[image],
                label=image,
            )
        ax.set_xlabel("number of measurements M")
        ax.set_ylabel(label)
    axes[1].legend(fontsize=6)
    fig.tight_layout()
    return fig


def plot_noise_sweep(rows, metric="mse"):
    """``metric`` ("mse", "psnr" or "ssim") vs measurement SNR, one panel per image, one
    line per (method, M).

    Error bars: standard deviation over the draws (``<metric>_std``).
    """
    labels = {"mse": "MSE", "psnr": "PSNR (dB)", "ssim": "SSIM"}
    if metric not in labels:
        raise ValueError(f"metric must be one of {sorted(labels)}, got {metric!r}")
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
                        [r[f"{metric}_mean"] for r in part],
                        yerr=[r.get(f"{metric}_std", 0.0) for r in part],
                        ls=styles[m],
                        marker="o",
                        ms=3,
                        capsize=2,
                        color=colors[method],
                        label=f"{method}, M = {m}",
                    )
                    if metric == "mse":
                        ax.set_yscale("log")
        ax.set_title(image, fontsize=8)
        ax.set_xlabel("measurement SNR (dB)")
    axes[0][0].set_ylabel(labels[metric])
    axes[0][-1].legend(fontsize=5)
    fig.tight_layout()
    return fig


def plot_field_marks(rows, published=(), aims=None, n=256):
    """The field's marks: PSNR (dB) vs sampling ratio M / N^2, a panel per image, a line
    per prior (mean +- sd over draws); the literature's figures as black squares (on the
    cameraman panel: Set11 averages, quoted) and each aim as a red bar.

    ``rows``: :func:`helpers.cs.field_marks.field_marks`; ``published``: its
    ``PUBLISHED``; ``aims``: image -> (ratio, dB), set for 256 x 256 and drawn only at
    that size; ``n``: the images' side, in each panel's title. Error bars: sd over the
    draws (none with one draw).
    """
    images = list(dict.fromkeys(r["image"] for r in rows))
    fig, axes = plt.subplots(
        1, len(images), figsize=(PAGE_WIDTH_IN, 2.8), squeeze=False, sharey=False
    )
    for ax, image in zip(axes[0], images):
        mine = [r for r in rows if r["image"] == image]
        priors = list(dict.fromkeys((r["solver"], r["basis"]) for r in mine))
        for solver, basis in priors:
            part = sorted(
                (r for r in mine if (r["solver"], r["basis"]) == (solver, basis)),
                key=lambda r: r["ratio"],
            )
            ax.errorbar(
                [r["ratio"] for r in part],
                [r["psnr_mean"] for r in part],
                yerr=[r["psnr_sd"] for r in part],
                marker="o",
                ms=3,
                capsize=2,
                label="TV" if solver == "tv" else f"l1, {basis}",
            )
        if image == "camera" and published:
            ax.plot(
                [p["ratio"] for p in published],
                [p["psnr"] for p in published],
                "s",
                color="black",
                ms=4,
                label="quoted: BM3D-AMP, Set11 avg., block Gaussian",
            )
        if aims and image in aims and n == 256:
            ratio, level = aims[image]
            ax.plot([ratio], [level], "_", color="red", ms=14, mew=2, label="aim")
        ax.set_title(f"{image}, {n} x {n}", fontsize=8)
        ax.set_xlabel("sampling ratio M / N^2")
        ax.legend(fontsize=5)
    axes[0][0].set_ylabel("PSNR (dB)")
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


def _unclashing(rows, key, dx=0.09, dlog=0.12):
    """The rows whose labels do not overlap one already placed (extremes first): a
    crowded panel names its outliers, and the table beside it names every image."""
    placed = []
    order = sorted(
        rows, key=lambda r: -abs(np.log10(r[key]) - np.median([np.log10(q[key]) for q in rows]))
    )
    for r in order:
        y = np.log10(r[key])
        if all(abs(r["roughness"] - x) > dx or abs(y - w) > dlog for x, w in placed):
            placed.append((r["roughness"], y))
            yield r


def plot_rank_panel(rows, pair=()):
    """Verdict 1's rank panel: each image's relative MSE at the largest M (left) and its
    fall over the M range (right) against its roughness, log y axes; ``pair`` (rows of
    the synthetic images, drawn as open circles) beside, not in the rank test. Labels
    that would overlap are left out (the table beside names every image).

    ``rows``: :func:`helpers.cs.study.rank_rows` (keys ``image``, ``roughness``, the two
    ``rel. MSE, M=...`` and ``fall``).
    """
    floor_key = [k for k in rows[0] if k.startswith("rel. MSE")][-1]
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH_IN, 3.0))
    for ax, key, label in (
        (axes[0], floor_key, f"relative MSE at {floor_key.split(', ')[-1]}"),
        (axes[1], "fall", "fall of the relative MSE (ratio)"),
    ):
        ax.scatter([r["roughness"] for r in rows], [r[key] for r in rows], s=14, zorder=3)
        for r in _unclashing(rows, key):
            ax.annotate(r["image"][:12], (r["roughness"], r[key]), fontsize=6, alpha=0.8)
        for r in pair:
            ax.scatter(r["roughness"], r[key], s=30, facecolors="none", edgecolors="black")
            ax.annotate(r["image"], (r["roughness"], r[key]), fontsize=6, style="italic")
        ax.set_yscale("log")
        ax.set_xlabel("roughness (RMS neighbour difference / std)", fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig
