"""Noisy measurements: MSE against measurement SNR for FISTA's penalty rules and BPDN."""

from __future__ import annotations

import numpy as np

from helpers.checks import check_int, check_seed
from helpers.cs.experiments import run_tasks, trial_seed
from helpers.cs.reconstruction import check_problem, mse, reconstruct

__all__ = ["NOISE_METHODS", "noise_std_for_snr", "noise_sweep", "noise_summary"]

# label -> (solver, penalty rule). "scaled": lam from the operator's column
# norms (reconstruction.noise_penalty); "unit columns": the old
# lam = noise_std sqrt(2 log N^2), which assumes unit-norm columns;
# "discrepancy": BPDN with ||A c - y|| <= noise_std sqrt(M), solved by SPGL1.
NOISE_METHODS = {
    "FISTA, lam scaled to column norms": ("fista", "scaled"),
    "FISTA, lam for unit columns (old)": ("fista", "unit columns"),
    "BPDN (SPGL1), discrepancy": ("bpdn", "discrepancy"),
}


def noise_std_for_snr(image, snr_db):
    """Noise standard deviation giving measurement SNR ``snr_db`` on ``image``.

    With rows of unit norm (on average) and random signs or positions, the
    expected power of a measurement is the image's mean squared pixel value;
    SNR = 10 log10(mean(x^2) / noise_std^2).
    """
    return float(np.sqrt(np.mean(np.asarray(image) ** 2)) * 10 ** (-float(snr_db) / 20))


def _noise_trial(image, m, t, seed, settings, noise_std, rule):
    options = {}
    if rule == "unit columns":
        options["lam"] = noise_std * np.sqrt(2 * np.log(image.size))
    rec = reconstruct(
        image, m, random_state=trial_seed(seed, m, t), noise_std=noise_std, **settings, **options
    )
    return mse(rec.image, image), rec.seconds


def noise_sweep(
    images, m_values, snrs_db, *, scheme="gaussian", basis="dct", trials=1, seed=0, n_jobs=1
):
    """MSE of each of ``NOISE_METHODS`` per image, M and measurement SNR.

    Every method sees the same measurements and noise (same seed per M and
    trial). Returns rows ``image, M, SNR dB, noise_std, method, mse_mean,
    mse_std, seconds_mean``.
    """
    n = next(iter(images.values())).shape[0]
    _, m_values, trials, seed = check_problem(
        n, m_values, scheme=scheme, basis=basis, trials=trials, seed=check_seed(seed)
    )
    snrs_db = list(snrs_db)
    if not snrs_db or not all(isinstance(s, (int, float)) for s in snrs_db):
        raise ValueError(f"snrs_db must be a non-empty list of numbers (dB), got {snrs_db!r}")
    check_int(trials, "trials", min_value=1)
    keys = [
        (name, m, snr, label)
        for name in images
        for m in m_values
        for snr in snrs_db
        for label in NOISE_METHODS
    ]
    tasks = []
    for name, m, snr, label in keys:
        solver, rule = NOISE_METHODS[label]
        settings = dict(scheme=scheme, basis=basis, solver=solver)
        noise_std = noise_std_for_snr(images[name], snr)
        tasks += [(images[name], m, t, seed, settings, noise_std, rule) for t in range(trials)]
    flat = iter(run_tasks(_noise_trial, tasks, n_jobs))
    rows = []
    for name, m, snr, label in keys:
        res = np.array([next(flat) for _ in range(trials)])
        rows.append(
            {
                "image": name,
                "M": m,
                "SNR dB": snr,
                "noise_std": noise_std_for_snr(images[name], snr),
                "method": label,
                "mse_mean": float(res[:, 0].mean()),
                "mse_std": float(res[:, 0].std(ddof=1)) if trials > 1 else 0.0,
                "seconds_mean": float(res[:, 1].mean()),
            }
        )
    return rows


def noise_summary(rows):
    """Generated Markdown: each FISTA rule's MSE relative to BPDN's, over all cells."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    wide = frame.pivot_table(index=["image", "M", "SNR dB"], columns="method", values="mse_mean")
    reference = "BPDN (SPGL1), discrepancy"
    lines = []
    for label in NOISE_METHODS:
        if label == reference or label not in wide or reference not in wide:
            continue
        ratio = wide[label] / wide[reference]
        lines.append(
            f"- **{label}**: MSE {ratio.min():.2g}x to {ratio.max():.2g}x BPDN's "
            f"(median {ratio.median():.2g}x) over {len(ratio)} (image, M, SNR) cells."
        )
    return "\n".join(lines) or "_No BPDN reference in the sweep._"
