"""Noisy measurements: MSE against measurement SNR for FISTA's penalty rules and BPDN."""

from __future__ import annotations

import numpy as np

from helpers.checks import check_int, check_seed
from helpers.cs.baselines import best_k_term
from helpers.cs.experiments import run_tasks, trial_seed
from helpers.cs.reconstruction import ORACLE_FRACTIONS, check_problem, mse, psnr, reconstruct, ssim

__all__ = [
    "NOISE_METHODS",
    "noise_std_for_snr",
    "compressibility_snr_db",
    "noise_sweep",
    "noise_summary",
]

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
    SNR = 10 log10(mean(x^2) / noise_std^2). mean(x^2) includes the image's mean
    level, so relative to its contrast, var(x), the noise is larger: the SNR on
    the variance is lower by 10 log10(mean(x^2) / var(x)) (reported beside).
    """
    return float(np.sqrt(np.mean(np.asarray(image) ** 2)) * 10 ** (-float(snr_db) / 20))


def compressibility_snr_db(image, m, basis="dct"):
    """SNR of the image against its own best round(M/4)-term approximation error.

    ``10 log10(mean(x^2) / mse(x, x_k))`` with ``x_k`` the best k-term
    approximation in ``basis``, k = round(M/4) (the ``oracle_m4`` reference):
    on the same scale as the measurement SNR. At measurement SNRs above it,
    the error a sparse model leaves is set by the image's compressibility more
    than by the measurement noise.
    """
    image = np.asarray(image, dtype=np.float64)
    k = max(1, int(round(m * ORACLE_FRACTIONS["oracle_m4"])))
    tail = mse(best_k_term(image, k, basis), image)
    return float(10 * np.log10(np.mean(image**2) / tail)) if tail > 0 else float("inf")


def _noise_trial(image, m, t, seed, settings, noise_std, rule):
    options = {}
    if rule == "unit columns":
        options["lam"] = noise_std * np.sqrt(2 * np.log(image.size))
    rec = reconstruct(
        image, m, random_state=trial_seed(seed, m, t), noise_std=noise_std, **settings, **options
    )
    return mse(rec.image, image), psnr(rec.image, image), ssim(rec.image, image), rec.seconds


def noise_sweep(
    images, m_values, snrs_db, *, scheme="gaussian", basis="dct", trials=1, seed=0, n_jobs=1
):
    """MSE of each of ``NOISE_METHODS`` per image, M and measurement SNR.

    Every method sees the same measurements and noise (same seed per M and
    trial). Returns rows ``image, M, SNR dB, noise_std, method, mse_mean,
    mse_std, mse_draws, psnr_mean, psnr_std, ssim_mean, ssim_std, trials,
    seconds_mean`` (PSNR in dB and SSIM for the range [0, 1]), and per (image, M) the
    ``compressibility SNR dB`` (:func:`compressibility_snr_db`) and the
    ``contrast dB`` = 10 log10(var(x) / mean(x^2)).
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
    model_snr = {(name, m): compressibility_snr_db(images[name], m, basis) for name, m, *_ in keys}
    rows = []
    for name, m, snr, label in keys:
        res = np.array([next(flat) for _ in range(trials)])
        image = np.asarray(images[name])

        def spread(column):
            return float(res[:, column].std(ddof=1)) if trials > 1 else 0.0

        rows.append(
            {
                "image": name,
                "M": m,
                "SNR dB": snr,
                "noise_std": noise_std_for_snr(images[name], snr),
                "method": label,
                "mse_mean": float(res[:, 0].mean()),
                "mse_std": spread(0),
                "mse_draws": [float(v) for v in res[:, 0]],
                "psnr_mean": float(res[:, 1].mean()),
                "psnr_std": spread(1),
                "ssim_mean": float(res[:, 2].mean()),
                "ssim_std": spread(2),
                "trials": trials,
                "seconds_mean": float(res[:, 3].mean()),
                "compressibility SNR dB": model_snr[(name, m)],
                "contrast dB": float(10 * np.log10(image.var() / np.mean(image**2))),
            }
        )
    return rows


def noise_summary(rows):
    """Generated Markdown, one summary per image: each FISTA rule's MSE relative
    to BPDN's, the cells where the old rule beats the scaled one, and the
    caveats (compressibility SNR, mean level in the SNR)."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    reference = "BPDN (SPGL1), discrepancy"
    scaled, old = list(NOISE_METHODS)[:2]
    if reference not in set(frame.method):
        return "_No BPDN reference in the sweep._"
    lines = []
    for image, part in frame.groupby("image", sort=False):
        wide = part.pivot_table(index=["M", "SNR dB"], columns="method", values="mse_mean")
        first = part.iloc[0]
        text = [f"- **{image}** ({len(wide)} (M, SNR) cells, {first.trials} draws each):"]
        for label in (scaled, old):
            if label not in wide:
                continue
            ratio = wide[label] / wide[reference]
            text.append(
                f"{label}: MSE {ratio.min():.2g}x to {ratio.max():.2g}x BPDN's "
                f"(median {ratio.median():.2g}x)."
            )
        if scaled in wide and old in wide:
            wins = wide.index[wide[old] < wide[scaled]]
            text.append(
                "The old rule has the lower mean MSE at "
                + (", ".join(f"M = {m}, {snr:g} dB" for m, snr in wins) if len(wins) else "no cell")
                + "."
            )
        model = part.drop_duplicates("M").set_index("M")["compressibility SNR dB"]
        above = {
            m: sorted({s for s in part["SNR dB"] if s > model[m]}, reverse=True)
            for m in model.index
        }
        text.append(
            "Its best M/4-term approximation leaves an error at "
            + ", ".join(f"{model[m]:.1f} dB for M = {m}" for m in model.index)
            + " (same scale as the measurement SNR); at measurement SNRs above that ("
            + "; ".join(
                f"M = {m}: " + (", ".join(f"{s:g}" for s in v) + " dB" if v else "none")
                for m, v in above.items()
            )
            + ") the error a sparse model leaves exceeds the noise, so those cells test "
            "compressibility more than noise; a penalty set from the noise level alone does "
            "not account for that error."
        )
        text.append(
            f"The SNR's mean(x^2) includes the mean level: var(x) is "
            f"{10 ** (first['contrast dB'] / 10):.0%} of it, so the SNR on the image's "
            f"contrast is {-first['contrast dB']:.1f} dB lower than stated."
        )
        lines.append(" ".join(text))
    return "\n".join(lines)
