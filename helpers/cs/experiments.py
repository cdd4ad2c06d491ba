"""Experiment 1's experiments: error tables over M, method comparison, l1 phase
transition (empirical and theoretical), and scaling with N."""

from __future__ import annotations

import time

import numpy as np
from joblib import Parallel, delayed
from scipy import optimize, stats
from threadpoolctl import threadpool_limits

from helpers.checks import check_choice, check_int, check_seed
from helpers.cs.reconstruction import (
    BASELINES,
    SOLVERS,
    check_problem,
    mae,
    mse,
    psnr,
    reconstruct,
    ssim,
)
from helpers.cs.solvers import basis_pursuit_lp
from helpers.progress import Progress, log_progress

__all__ = [
    "trial_seed",
    "run_tasks",
    "error_table",
    "compare_methods",
    "l1_phase_transition",
    "empirical_phase_transition",
    "scaling_study",
    "table_beside_study",
]


def trial_seed(seed, *keys):
    """An independent integer seed for one (seed, M, trial, ...) combination."""
    return int(np.random.SeedSequence([check_seed(seed), *map(int, keys)]).generate_state(1)[0])


def _check_n_jobs(n_jobs):
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive number of processes or -1 (all), got {n_jobs}")
    return n_jobs


def _single_threaded(fn, *args):
    with threadpool_limits(1, user_api="blas"):
        return fn(*args)


def run_tasks(fn, tasks, n_jobs=1):
    """``[fn(*task) for task in tasks]`` in ``n_jobs`` processes, BLAS on one thread each.

    The reconstructions are many tiny products, so processes beat BLAS
    threads. BLAS runs on one thread in the serial case too, so that both give
    bit-identical results; every task carries its own seed (:func:`trial_seed`),
    so nothing depends on the order of execution.
    """
    n_jobs = _check_n_jobs(n_jobs)
    tasks = list(tasks)
    if n_jobs == 1:
        results = (_single_threaded(fn, *task) for task in tasks)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_single_threaded)(fn, *task) for task in tasks
        )
    return _with_progress(results, len(tasks), fn.__name__.strip("_").replace("_", " "))


def _with_progress(results, total, label, every_seconds=10.0):
    """Collect ``results``; a progress line on stderr at most every ``every_seconds``
    ("k of n, about M s left"; on a terminal a bar as well)."""
    progress = Progress(total, label)
    start = last = time.perf_counter()
    out = []
    for result in results:
        out.append(result)
        progress.step()
        now = time.perf_counter()
        if now - last >= every_seconds and len(out) < total:
            log_progress(f"  {label}: {progress.text()} ({now - start:.0f} s)")
            last = now
    progress.close()
    if time.perf_counter() - start >= every_seconds:
        log_progress(f"  {label}: {total} of {total} ({time.perf_counter() - start:.0f} s)")
    return out


def _error_trial(image, m, t, seed, settings, keep_image):
    rec = reconstruct(image, m, random_state=trial_seed(seed, m, t), **settings)
    return (
        mse(rec.image, image),
        mae(rec.image, image),
        rec.seconds,
        rec.image if keep_image else None,
        psnr(rec.image, image),
        ssim(rec.image, image),
    )


def error_table(
    images,
    m_values,
    *,
    trials=5,
    seed=0,
    scheme="gaussian",
    basis="dct",
    solver="fista",
    noise_std=0.0,
    keep=(),
    n_jobs=1,
):
    """MSE and MAE (mean and std over ``trials`` measurement draws) per image and M.

    Parameters
    ----------
    images : dict of str to ndarray
        Name -> N x N image in [0, 1].
    m_values : list of int
    trials : int
        Independent measurement draws (and noise) per (image, M).
    keep : iterable of int
        M values whose first-trial reconstruction is returned (for figures).
    n_jobs : int
        Processes (-1: all cores); results do not depend on it.

    Returns
    -------
    rows : list of dict
        ``image, M, mse_mean, mse_std, mae_mean, mae_std, psnr_mean, psnr_std,
        ssim_mean, ssim_std, trials, seconds_mean`` (PSNR in dB and SSIM for the
        images' range [0, 1]).
    examples : dict
        ``(image, M) -> reconstruction`` for M in ``keep``.
    """
    n = next(iter(images.values())).shape[0]
    _, m_values, trials, seed = check_problem(
        n,
        m_values,
        scheme=scheme,
        basis=basis,
        solver=solver,
        noise_std=noise_std,
        trials=trials,
        seed=seed,
    )
    keep = set(keep)
    settings = dict(scheme=scheme, basis=basis, solver=solver, noise_std=noise_std)
    keys = [(name, m, t) for name in images for m in m_values for t in range(trials)]
    tasks = [(images[name], m, t, seed, settings, t == 0 and m in keep) for name, m, t in keys]
    results = dict(zip(keys, run_tasks(_error_trial, tasks, n_jobs)))
    rows, examples = [], {}
    for name in images:
        for m in m_values:
            e = np.array([results[(name, m, t)][:3] for t in range(trials)])
            quality = np.array([results[(name, m, t)][4:6] for t in range(trials)])
            if m in keep:
                examples[(name, m)] = results[(name, m, 0)][3]
            rows.append(
                {
                    "image": name,
                    "M": m,
                    "mse_mean": e[:, 0].mean(),
                    "mse_std": e[:, 0].std(ddof=1) if trials > 1 else 0.0,
                    "mae_mean": e[:, 1].mean(),
                    "mae_std": e[:, 1].std(ddof=1) if trials > 1 else 0.0,
                    "psnr_mean": quality[:, 0].mean(),
                    "psnr_std": quality[:, 0].std(ddof=1) if trials > 1 else 0.0,
                    "ssim_mean": quality[:, 1].mean(),
                    "ssim_std": quality[:, 1].std(ddof=1) if trials > 1 else 0.0,
                    "trials": trials,
                    "seconds_mean": e[:, 2].mean(),
                }
            )
    return rows, examples


def compare_methods(
    images, m_values, methods, *, trials=2, seed=0, noise_std=0.0, bp_max_m=300, n_jobs=1
):
    """Error (MSE; PSNR and SSIM means) and time of (scheme, solver, basis) triples on the
    same measurement draws.

    Trial t at a given M uses the same seed for every method, so methods that
    share a scheme see the same measurements. Exact basis pursuit (``bp``, a
    dense LP) is skipped above ``bp_max_m`` measurements, where one solve
    takes minutes, and the row says so. ``n_jobs`` processes (-1: all cores)
    share the solves; results do not depend on it.
    """
    for _, solver, _ in methods:
        check_choice(solver, "solver", SOLVERS + BASELINES)
    keys = [
        (method, name, m)
        for method in methods
        for name in images
        for m in m_values
        if not (method[1] == "bp" and m > bp_max_m)
    ]
    tasks = [
        (
            images[name],
            m,
            t,
            seed,
            dict(zip(("scheme", "solver", "basis"), method), noise_std=noise_std),
            False,
        )
        for method, name, m in keys
        for t in range(trials)
    ]
    flat = iter(run_tasks(_error_trial, tasks, n_jobs))
    results = {key: [next(flat) for _ in range(trials)] for key in keys}
    rows = []
    for method in methods:
        scheme, solver, basis = method
        for name in images:
            for m in m_values:
                row = {"image": name, "M": m, "scheme": scheme, "solver": solver, "basis": basis}
                res = results.get((method, name, m))
                if res is None:
                    row.update(
                        mse_mean=None,
                        mse_std=None,
                        mse_draws=None,
                        psnr_mean=None,
                        ssim_mean=None,
                        seconds_mean=None,
                        note=f"skipped: exact LP only for M <= {bp_max_m}",
                    )
                else:
                    draws = [float(r[0]) for r in res]
                    row.update(
                        mse_mean=float(np.mean(draws)),
                        mse_std=float(np.std(draws, ddof=1)) if trials > 1 else 0.0,
                        mse_draws=draws,
                        psnr_mean=float(np.mean([r[4] for r in res])),
                        ssim_mean=float(np.mean([r[5] for r in res])),
                        seconds_mean=float(np.mean([r[2] for r in res])),
                        note="",
                    )
                rows.append(row)
    return rows


def _l1_statistical_dimension(rho):
    """delta(D)/n of the l1 descent cone at a rho*n-sparse point (Amelunxen et al. 2014).

    ``psi(rho) = min_tau rho (1 + tau^2) + (1 - rho) E[(|g| - tau)_+^2]`` with
    ``E[(|g| - tau)_+^2] = 2 [(1 + tau^2) Q(tau) - tau phi(tau)]``.
    """
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return 1.0

    def objective(tau):
        tail = 2 * ((1 + tau**2) * stats.norm.sf(tau) - tau * stats.norm.pdf(tau))
        return rho * (1 + tau**2) + (1 - rho) * tail

    return float(optimize.minimize_scalar(objective, bounds=(0, 10), method="bounded").fun)


def l1_phase_transition(deltas):
    """Theoretical l1 phase transition as ``rho = k / M`` for each ``delta = M / n``.

    l1 recovery of k-sparse vectors from M Gaussian measurements succeeds with
    high probability when M/n exceeds the statistical dimension of the l1
    descent cone (Amelunxen, Lotz, McCoy & Tropp, 2014), which matches
    Donoho & Tanner's curve. Solves ``psi(rho * delta) = delta`` for rho.
    """
    curve = []
    for delta in np.atleast_1d(deltas):
        if not 0 < delta < 1:
            curve.append(1.0 if delta >= 1 else 0.0)
            continue
        root = optimize.brentq(lambda r: _l1_statistical_dimension(r * delta) - delta, 1e-9, 1.0)
        curve.append(root)
    return np.array(curve)


def empirical_phase_transition(n, deltas, rhos, *, trials=5, seed=0, tol=1e-4):
    """Success rate of exact l1 recovery (basis pursuit, LP) of k-sparse vectors.

    For each ``delta = M/n`` and ``rho = k/M``: draw a Gaussian ``M x n``
    matrix and a k-sparse vector with Gaussian entries on a random support,
    solve basis pursuit exactly, and count a success when the relative error
    is below ``tol``.

    Returns
    -------
    ndarray, shape (len(rhos), len(deltas))
        Fraction of successful trials.
    """
    n = check_int(n, "n", min_value=4)
    trials = check_int(trials, "trials", min_value=1)
    rates = np.zeros((len(rhos), len(deltas)))
    for j, delta in enumerate(deltas):
        m = max(1, int(round(delta * n)))
        for i, rho in enumerate(rhos):
            k = max(1, int(round(rho * m)))
            wins = 0
            for t in range(trials):
                rng = np.random.default_rng(trial_seed(seed, j, i, t))
                matrix = rng.standard_normal((m, n)) / np.sqrt(m)
                x = np.zeros(n)
                x[rng.choice(n, k, replace=False)] = rng.standard_normal(k)
                x_hat = basis_pursuit_lp(matrix, matrix @ x)
                wins += np.linalg.norm(x_hat - x) <= tol * np.linalg.norm(x)
            rates[i, j] = wins / trials
    return rates


def scaling_study(image_fn, sizes, ratio, *, scheme="dct", basis="dct", seed=0, trials=1):
    """Time and error of the matrix-free solver for growing N at fixed M / N^2.

    ``image_fn(n)`` returns the N x N test image.
    """
    rows = []
    for n in sizes:
        n = check_int(n, "N", min_value=2)
        m = max(1, int(round(ratio * n * n)))
        image = image_fn(n)
        start = time.perf_counter()
        res = [
            reconstruct(
                image,
                m,
                scheme=scheme,
                basis=basis,
                solver="fista",
                random_state=trial_seed(seed, n, t),
            )
            for t in range(trials)
        ]
        rows.append(
            {
                "N": n,
                "M": m,
                "pixels": n * n,
                "mse_mean": float(np.mean([mse(r.image, image) for r in res])),
                "seconds_mean": float(np.mean([r.seconds for r in res])),
                "iterations_mean": float(np.mean([r.info.get("iterations", 0) for r in res])),
                "wall_seconds": time.perf_counter() - start,
            }
        )
    return rows


def table_beside_study(rows, variances=None):
    """Our error table merged with the study's (columns named for the report).

    ``variances`` (image -> var(x)) adds the MSE of the constant image at the
    true mean, var(x), and the relative MSE = MSE / var(x) (1: no better than
    that constant).
    """
    import pandas as pd

    from helpers.summary import study

    ours = pd.DataFrame(rows)
    theirs = pd.DataFrame(study.reconstruction_rows()).rename(
        columns={"mse": "MSE study", "mae": "MAE study"}
    )
    merged = ours.merge(theirs, on=["image", "M"], how="left")
    constant = merged.image.map(variances or {}).astype(float)
    return pd.DataFrame(
        {
            "image": merged.image,
            "M": merged.M,
            "MSE ours": merged.mse_mean,
            "+- MSE": merged.mse_std,
            "MSE const = var(x)": constant,
            "rel. MSE": merged.mse_mean / constant,
            "MSE study": merged["MSE study"],
            "MAE ours": merged.mae_mean,
            "+- MAE": merged.mae_std,
            "MAE study": merged["MAE study"],
            "PSNR (dB)": merged.psnr_mean,
            "SSIM": merged.ssim_mean,
            "s / solve": merged.seconds_mean,
        }
    )
