"""Measure an image and recover it: parameter checks, one reconstruction, error metrics.

An image ``x`` (N x N, values in [0, 1]) is measured as ``y = Phi x + noise``
with ``M`` measurements and recovered through a sparsifying basis ``W``
(``x = W^H c``, ``c`` sparse) by solving an l1 problem on ``A = Phi W^H``.
Dense matrices are built only where a solver needs one (OMP, exact basis
pursuit), and only when small.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from helpers.checks import check_choice, check_int, check_seed
from helpers.cs.baselines import (
    best_k_term,
    cubic_interpolation,
    lowpass_least_squares,
    mean_image,
)
from helpers.cs.operators import (
    BASES,
    SCHEMES,
    basis_operator,
    dense_matrix,
    measurement_operator,
    sensing_operator,
)
from helpers.cs.solvers import (
    FistaOptions,
    TVOptions,
    basis_pursuit_lp,
    fista_l1,
    omp,
    spgl1_bp,
    spgl1_bpdn,
    tv_pdhg,
)

__all__ = [
    "SOLVERS",
    "BASELINES",
    "ORACLE_FRACTIONS",
    "check_problem",
    "reconstruct",
    "Reconstruction",
    "mse",
    "mae",
    "psnr",
    "ssim",
    "DATA_RANGE",
    "noise_penalty",
    "solver_settings",
]

# "tv": total variation in the pixel domain (the basis plays no part).
SOLVERS = ("fista", "omp", "bp", "spgl1", "bpdn", "tv")
BASELINES = ("cubic", "lowpass", "mean", "oracle_m4", "oracle_m")
# Oracles know the image (best k-term approximation): names -> k as a fraction of M.
ORACLE_FRACTIONS = {"oracle_m4": 0.25, "oracle_m": 1.0}


def mse(a, b):
    """Mean squared error."""
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def mae(a, b):
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


# The images' dynamic range: pixel values lie in [0, 1] (PSNR and SSIM need it).
DATA_RANGE = 1.0


def psnr(estimate, truth):
    """Peak signal-to-noise ratio in dB for images in [0, 1] (scikit-image's)."""
    from skimage.metrics import peak_signal_noise_ratio

    truth, estimate = np.asarray(truth, float), np.asarray(estimate, float)
    if np.array_equal(truth, estimate):
        return float("inf")
    return float(peak_signal_noise_ratio(truth, estimate, data_range=DATA_RANGE))


def ssim(estimate, truth):
    """Structural similarity for images in [0, 1] (scikit-image's defaults: a 7 x 7
    uniform window)."""
    from skimage.metrics import structural_similarity

    truth, estimate = np.asarray(truth, float), np.asarray(estimate, float)
    return float(structural_similarity(truth, estimate, data_range=DATA_RANGE))


def check_problem(
    n, m_values, *, scheme="gaussian", basis="dct", solver="fista", noise_std=0.0, trials=1, seed=0
):
    """Validate a whole experiment's parameters up front; return them normalized."""
    n = check_int(n, "N", min_value=2)
    if isinstance(m_values, (int, np.integer)):
        m_values = [m_values]
    if not isinstance(m_values, (list, tuple, np.ndarray)) or len(m_values) == 0:
        raise TypeError(f"M values must be a non-empty list of integers, got {m_values!r}")
    m_values = [check_int(m, "M", min_value=1, max_value=n * n) for m in m_values]
    check_choice(scheme, "measurement scheme", SCHEMES)
    check_choice(basis, "basis", BASES)
    check_choice(solver, "solver", SOLVERS + BASELINES)
    if solver == "cubic" and scheme != "pixels":
        raise ValueError("cubic interpolation needs pixel samples: use scheme='pixels'")
    if not isinstance(noise_std, (int, float)) or isinstance(noise_std, bool) or noise_std < 0:
        raise ValueError(f"noise_std must be a number >= 0, got {noise_std!r}")
    trials = check_int(trials, "trials", min_value=1)
    seed = check_seed(seed)
    return n, m_values, trials, seed


@dataclass
class Reconstruction:
    """An estimate, the solver's seconds (measurement excluded) and its info."""

    image: np.ndarray
    seconds: float
    info: dict


@dataclass(frozen=True)
class _Problem:
    phi: object  # measurement operator
    psi: object  # basis (analysis) operator
    y: np.ndarray
    noise_std: float
    k: int  # sparsity of OMP and the oracle


def reconstruct(
    image,
    m,
    *,
    scheme="gaussian",
    basis="dct",
    solver="fista",
    noise_std=0.0,
    random_state=0,
    clip=True,
    omp_ratio=0.25,
    **solver_options,
):
    """Measure ``image`` with ``m`` samples and recover it.

    Parameters
    ----------
    image : ndarray, shape (N, N), values in [0, 1]
    m : int, 1 <= m <= N^2
    scheme : {"gaussian", "pixels", "dct"}
    basis : {"dct", "wavelet"}
    solver : str
        One of ``SOLVERS`` (fista, omp, bp, spgl1, bpdn) or ``BASELINES``
        (cubic, lowpass, mean, oracle_m4, oracle_m).
        ``bpdn``: basis pursuit denoising at ``||A c - y|| <= noise_std sqrt(M)`` (SPGL1).
        ``cubic`` needs ``scheme="pixels"``; ``mean`` is the constant image
        fitted to ``y``; ``oracle_m4`` and ``oracle_m`` are the best
        round(M/4)- and M-term approximations in ``basis``: oracles that use
        the image, not ``y`` (what a perfect k-sparse method could reach, not
        a floor for methods that are not k-sparse).
    noise_std : float
        Standard deviation of Gaussian noise added to each measurement. FISTA's
        penalty is then :func:`noise_penalty` unless ``lam`` is given.
    random_state : int
        Seeds the measurement draw and the noise.
    clip : bool
        Clip the estimate to [0, 1], the known range of pixel values.
    omp_ratio : float
        Sparsity of OMP: k = max(1, round(m * omp_ratio)).
    **solver_options
        Fields of :class:`~helpers.cs.solvers.FistaOptions` (FISTA) or
        keywords of SPGL1.

    Returns
    -------
    Reconstruction
        ``image`` (estimate), ``seconds`` (solver time, measurement excluded), ``info``.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be square N x N, got shape {image.shape}")
    n = image.shape[0]
    check_problem(
        n, [m], scheme=scheme, basis=basis, solver=solver, noise_std=noise_std, seed=random_state
    )
    k = max(1, int(round(m * omp_ratio)))
    psi = basis_operator(basis, n)
    if solver in ORACLE_FRACTIONS:
        k_oracle = max(1, int(round(m * ORACLE_FRACTIONS[solver])))
        start = time.perf_counter()
        estimate = best_k_term(image, k_oracle, psi)
        return Reconstruction(
            np.clip(estimate, 0, 1) if clip else estimate,
            time.perf_counter() - start,
            {"k": k_oracle},
        )
    phi = measurement_operator(scheme, n, m, random_state)
    rng = np.random.default_rng([random_state, 1])  # noise stream independent of the draw
    y = phi.forward(image)
    if noise_std > 0:
        y = y + noise_std * rng.standard_normal(y.shape)
    problem = _Problem(phi, psi, y, float(noise_std), k)
    # Two BLAS threads slow the many tiny products of the matrix-free schemes
    # (thread start-up dominates); the dense Gaussian products gain from them.
    # ``None`` keeps any limit set by the caller (e.g. one thread per process).
    with threadpool_limits(None if scheme == "gaussian" else 1, user_api="blas"):
        start = time.perf_counter()
        estimate, info = _SOLVE[solver](problem, solver_options)
        seconds = time.perf_counter() - start
    estimate = estimate.reshape(n, n)
    return Reconstruction(np.clip(estimate, 0, 1) if clip else estimate, seconds, info)


def noise_penalty(noise_std, measurement):
    """FISTA's final l1 penalty for noisy measurements: scaled to the columns of ``A``.

    ``lam = noise_std * sqrt(2 log n) * s``, with ``n = N^2`` coefficients and
    ``s`` the root-mean-square column norm of ``A = Phi W^H``, which is
    ``||Phi||_F / N`` for an orthonormal basis: about ``sqrt(M) / N`` for every
    scheme here. ``A^T noise`` then has entries of standard deviation about
    ``noise_std * s``, and ``sqrt(2 log n)`` of those is its largest
    (the universal threshold). The unscaled rule ``noise_std * sqrt(2 log n)``
    assumed unit-norm columns: ``N / sqrt(M)`` times too large (2.6x at M = 600).
    """
    n_coefficients = measurement.n**2
    column_rms = measurement.frobenius_norm() / np.sqrt(n_coefficients)
    return float(noise_std * np.sqrt(2 * np.log(n_coefficients)) * column_rms)


def _synthesize(problem, c):
    return problem.psi.rmatvec(c)


def _solve_fista(problem, options):
    options = dict(options)
    if problem.noise_std > 0 and "lam" not in options:
        options["lam"] = noise_penalty(problem.noise_std, problem.phi)
    c, info = fista_l1(
        sensing_operator(problem.phi, problem.psi), problem.y, FistaOptions(**options)
    )
    return _synthesize(problem, c), info


def _solve_spgl1(problem, options):
    c, info = spgl1_bp(sensing_operator(problem.phi, problem.psi), problem.y, **options)
    return _synthesize(problem, c), info


def _solve_bpdn(problem, options):
    sigma = problem.noise_std * np.sqrt(problem.phi.m)
    c, info = spgl1_bpdn(sensing_operator(problem.phi, problem.psi), problem.y, sigma, **options)
    return _synthesize(problem, c), info


def _solve_omp(problem, options):
    matrix = dense_matrix(sensing_operator(problem.phi, problem.psi))
    c = omp(matrix, problem.y, min(problem.k, problem.phi.m))
    return _synthesize(problem, c), {}


def _solve_tv(problem, options):
    return tv_pdhg(problem.phi, problem.y, TVOptions(**options))


def _solve_bp(problem, options):
    matrix = dense_matrix(sensing_operator(problem.phi, problem.psi))
    return _synthesize(problem, basis_pursuit_lp(matrix, problem.y)), {}


def _solve_cubic(problem, options):
    return cubic_interpolation(problem.phi, problem.y), {}


def _solve_lowpass(problem, options):
    return lowpass_least_squares(problem.phi, problem.y), {}


def _solve_mean(problem, options):
    return mean_image(problem.phi, problem.y), {}


_SOLVE = {
    "mean": _solve_mean,
    "fista": _solve_fista,
    "spgl1": _solve_spgl1,
    "bpdn": _solve_bpdn,
    "omp": _solve_omp,
    "bp": _solve_bp,
    "tv": _solve_tv,
    "cubic": _solve_cubic,
    "lowpass": _solve_lowpass,
}


def solver_settings(solver, noise_std=0.0):
    """The settings ``solver`` runs with in :func:`reconstruct`, in words (for the
    results and the report: generated from the defaults, so they cannot go stale)."""
    import inspect

    check_choice(solver, "solver", SOLVERS + BASELINES)
    if solver == "fista":
        o = FistaOptions()
        penalty = (
            f"{o.lam_ratio:g} * max|A^T y|"
            if noise_std == 0
            else "the noise penalty (noise_penalty)"
        )
        return (
            f"FISTA, {o.n_stages} continuation stages to {penalty}, tol {o.tol:g}, "
            f"<= {o.max_iter} iterations"
        )
    if solver == "tv":
        o = TVOptions()
        return (
            f"isotropic TV, primal-dual (Condat-Vu), weight {o.lam_ratio:g} * max|Phi^T y|, "
            f"pixels kept in {list(o.box)}, tol {o.tol:g}, <= {o.max_iter} iterations"
        )
    if solver == "omp":
        ratio = inspect.signature(reconstruct).parameters["omp_ratio"].default
        return f"OMP, k = round({ratio:g} M) atoms"
    return {
        "bp": "basis pursuit, a linear program (SciPy HiGHS)",
        "spgl1": "basis pursuit by SPGL1",
        "bpdn": "basis pursuit denoising by SPGL1, ||A c - y|| <= noise_std sqrt(M)",
    }.get(solver, f"{solver} (a baseline, no solver)")
