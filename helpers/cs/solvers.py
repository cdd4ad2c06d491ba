"""Solvers on operators: l1 of ``A c = y`` (FISTA, ours; exact basis pursuit; OMP; SPGL1)
and total variation of ``Phi x = y`` in the pixel domain (primal-dual, ours)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from helpers.checks import check_int
from helpers.cs.operators import MAX_DENSE_ENTRIES, Gradient2, operator_norm

__all__ = [
    "FistaOptions",
    "fista_l1",
    "basis_pursuit_lp",
    "omp",
    "spgl1_bp",
    "spgl1_bpdn",
    "TVOptions",
    "tv_pdhg",
    "total_variation",
]


@dataclass(frozen=True)
class FistaOptions:
    """Settings of :func:`fista_l1`.

    Attributes
    ----------
    lam : float, optional
        Final penalty; when None, ``lam_ratio * ||A^T y||_inf``.
    lam_ratio : float
        Final penalty relative to ``||A^T y||_inf`` when ``lam`` is None.
    n_stages : int
        Continuation stages (geometric penalties down to the final one).
    max_iter : int
        Iteration budget over all stages.
    tol : float
        A stage stops when the relative change of ``c`` falls below ``tol``.
    lipschitz : float, optional
        An upper bound on ``||A||^2``; from :func:`operator_norm` when None.
    """

    lam: Optional[float] = None
    lam_ratio: float = 1e-4
    n_stages: int = 5
    max_iter: int = 1000
    tol: float = 1e-4
    lipschitz: Optional[float] = None

    def __post_init__(self):
        if self.lam is not None and not self.lam >= 0:
            raise ValueError(f"lam must be >= 0, got {self.lam!r}")
        if not self.lam_ratio > 0:
            raise ValueError(f"lam_ratio must be > 0, got {self.lam_ratio!r}")
        check_int(self.n_stages, "n_stages", min_value=1)
        check_int(self.max_iter, "max_iter", min_value=1)
        if self.lipschitz is not None and not self.lipschitz > 0:
            raise ValueError(f"lipschitz must be > 0, got {self.lipschitz!r}")


def _soft_threshold(z, t):
    return z - np.clip(z, -t, t)


def _fista_stage(operator, y, c, lam, step, budget, tol):
    """One continuation stage from ``c``; returns the new ``c`` and iterations used."""
    z, t = c.copy(), 1.0
    used = 0
    for _ in range(budget):
        grad = operator.rmatvec(operator.matvec(z) - y)
        c_next = _soft_threshold(z - step * grad, step * lam)
        used += 1
        delta = c_next - c
        if np.dot(z - c_next, delta) > 0:  # adaptive restart
            t = 1.0
        t_next = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        z = c_next + ((t - 1) / t_next) * delta
        change = np.linalg.norm(delta) / max(np.linalg.norm(c_next), 1e-12)
        c, t = c_next, t_next
        if change < tol:
            break
    return c, used


def fista_l1(operator, y, options=None, **overrides):
    """Minimize ``0.5 ||A c - y||^2 + lam ||c||_1`` by FISTA with continuation.

    Continuation runs a geometric sequence of ``n_stages`` penalties from
    ``0.5 ||A^T y||_inf`` down to ``lam``, warm-starting each stage; momentum
    restarts adaptively (O'Donoghue & Candes, 2015) whenever it points
    uphill. With a small ``lam`` (the default ``lam_ratio * ||A^T y||_inf``)
    the solution approaches basis pursuit, ``min ||c||_1 s.t. A c = y``.

    Parameters
    ----------
    operator : LinearOperator
    y : ndarray, shape (M,)
    options : FistaOptions, optional
    **overrides
        Fields of :class:`FistaOptions` replacing those of ``options``.

    Returns
    -------
    c : ndarray
    info : dict
        ``iterations``, ``lam``.
    """
    options = replace(options or FistaOptions(), **overrides)
    y = np.asarray(y, dtype=np.float64)
    lam_max = np.abs(operator.rmatvec(y)).max()
    if lam_max == 0:
        return np.zeros(operator.shape[1]), {"iterations": 0, "lam": 0.0}
    lam_final = options.lam_ratio * lam_max if options.lam is None else float(options.lam)
    lipschitz = options.lipschitz or operator_norm(operator) ** 2
    step = 1.0 / lipschitz
    lam_start = max(0.5 * lam_max, lam_final)

    def stage(c, lam_k, budget):
        return _fista_stage(operator, y, c, lam_k, step, budget, options.tol)

    c, total = _continuation(
        stage, np.zeros(operator.shape[1]), lam_start, lam_final, options.n_stages, options.max_iter
    )
    return c, {"iterations": total, "lam": float(lam_final)}


def _continuation(stage, state, lam_start, lam_final, n_stages, max_iter):
    """Run ``stage(state, lam, budget) -> (state, iterations used)`` over ``n_stages``
    geometric weights from ``lam_start`` down to ``lam_final``, each warm-started from
    the last, within ``max_iter`` iterations in all; returns (state, iterations)."""
    lams = np.geomspace(lam_start, lam_final, n_stages) if n_stages > 1 else [lam_final]
    per_stage = max(1, max_iter // len(lams))
    total = 0
    for k, lam_k in enumerate(lams):
        # The last stage may use whatever budget the earlier ones left.
        budget = per_stage if k < len(lams) - 1 else max_iter - total
        state, used = stage(state, lam_k, budget)
        total += used
    return state, total


def basis_pursuit_lp(matrix, y):
    """Exact basis pursuit ``min ||c||_1 s.t. A c = y`` as a linear program (HiGHS).

    Splits ``c = u - v`` with ``u, v >= 0``; the reference for small problems.
    """
    from scipy.optimize import linprog

    m, n = matrix.shape
    if 2 * m * n > MAX_DENSE_ENTRIES:
        raise ValueError(f"basis pursuit LP of {m} x {2 * n} is too large; use FISTA")
    result = linprog(
        np.ones(2 * n), A_eq=np.hstack([matrix, -matrix]), b_eq=y, bounds=(0, None), method="highs"
    )
    if result.status != 0:
        raise RuntimeError(f"basis pursuit LP failed: {result.message}")
    return result.x[:n] - result.x[n:]


def omp(matrix, y, n_nonzero):
    """Orthogonal matching pursuit (scikit-learn) with ``n_nonzero`` atoms."""
    from sklearn.linear_model import OrthogonalMatchingPursuit

    n_nonzero = check_int(n_nonzero, "n_nonzero", min_value=1, max_value=min(matrix.shape))
    model = OrthogonalMatchingPursuit(n_nonzero_coefs=n_nonzero, fit_intercept=False)
    model.fit(matrix, y)
    return model.coef_


def spgl1_bp(operator, y, **kwargs):
    """Basis pursuit by SPGL1 (van den Berg & Friedlander), the external reference."""
    import spgl1

    kwargs.setdefault("verbosity", 0)
    c, _, _, info = spgl1.spg_bp(operator, y, **kwargs)
    return c, {"iterations": int(info["niters"])}


def spgl1_bpdn(operator, y, sigma, **kwargs):
    """Basis pursuit denoising ``min ||c||_1 s.t. ||A c - y||_2 <= sigma`` by SPGL1.

    The noisy-data reference: ``sigma = noise_std * sqrt(M)`` is the expected
    norm of the noise (the discrepancy principle).
    """
    import spgl1

    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got {sigma!r}")
    kwargs.setdefault("verbosity", 0)
    c, _, _, info = spgl1.spg_bpdn(operator, y, float(sigma), **kwargs)
    return c, {"iterations": int(info["niters"]), "sigma": float(sigma)}


@dataclass(frozen=True)
class TVOptions:
    """Settings of :func:`tv_pdhg`.

    Attributes
    ----------
    lam : float, optional
        Weight of the total variation; when None, ``lam_ratio * ||Phi^T y||_inf``.
    lam_ratio : float
        ``lam`` relative to ``||Phi^T y||_inf`` when ``lam`` is None.
    n_stages : int
        Continuation stages (weights from ``100 lam`` down to ``lam``).
    max_iter : int
        Iteration budget over all stages.
    tol : float
        A stage stops when the relative change of the image falls below ``tol``.
    box : tuple of float, optional
        Known range of the pixel values, enforced in every iterate (None: no range).
    """

    lam: Optional[float] = None
    lam_ratio: float = 1e-3
    n_stages: int = 5
    max_iter: int = 2000
    tol: float = 1e-5
    box: Optional[tuple] = (0.0, 1.0)

    def __post_init__(self):
        if self.lam is not None and not self.lam >= 0:
            raise ValueError(f"lam must be >= 0, got {self.lam!r}")
        if not self.lam_ratio > 0:
            raise ValueError(f"lam_ratio must be > 0, got {self.lam_ratio!r}")
        check_int(self.max_iter, "max_iter", min_value=1)
        check_int(self.n_stages, "n_stages", min_value=1)


def _tv_stage(measurement, grad, y, x, p, lam, steps, budget, tol, box):
    """Primal-dual iterations at one weight ``lam`` from ``(x, p)``; returns them and
    the iterations used."""
    sigma, tau = steps
    low, high = box
    half = p.size // 2
    for iteration in range(1, budget + 1):
        residual_gradient = measurement.rmatvec(measurement.matvec(x) - y)
        x_new = np.clip(x - tau * (residual_gradient + grad.rmatvec(p)), low, high)
        p = p + sigma * grad.matvec(2 * x_new - x)
        # Each pixel's dual pair projected onto the disc of radius lam.
        scale = np.maximum(1.0, np.hypot(p[:half], p[half:]) / max(lam, 1e-300))
        p = p / np.concatenate([scale, scale])
        change = np.linalg.norm(x_new - x) / max(np.linalg.norm(x_new), 1e-12)
        x = x_new
        if iteration >= _TV_MIN_STAGE_ITER and change < tol:
            return x, p, iteration
    return x, p, budget


# A stage runs at least this many iterations before its stopping test: the first
# steps may leave the image unchanged while the dual variables build up.
_TV_MIN_STAGE_ITER = 20


def tv_pdhg(measurement, y, options=None, **overrides):
    """Minimize ``0.5 ||Phi x - y||^2 + lam TV(x)`` over images ``x`` in the box.

    Isotropic total variation, ``TV(x) = sum_i ||(grad x)_i||_2``, by the
    primal-dual method of Condat (2013) and Vu (2013), which takes the smooth data
    term by its gradient and the TV term through its dual, so the measurement
    operator is only applied (matrix-free), never inverted. Steps: dual
    ``sigma = L / 1024`` and primal ``tau = 0.99 / (L / 2 + 8 sigma)`` with
    ``L = ||Phi||^2``, which meet the method's condition
    ``1/tau - sigma ||grad||^2 >= L / 2``; the small dual step converged fastest on
    the chapter's images. Continuation, as in :func:`fista_l1`: ``n_stages``
    weights from ``100 lam`` down to ``lam``, each stage warm-started.

    Returns
    -------
    x : ndarray, shape (N^2,)
    info : dict
        ``iterations``, ``lam``.
    """
    options = replace(options or TVOptions(), **overrides)
    y = np.asarray(y, dtype=np.float64)
    n = measurement.n
    grad = Gradient2(n)
    backprojection = measurement.rmatvec(y)
    lam = options.lam
    if lam is None:
        lam = options.lam_ratio * np.abs(backprojection).max()
    lipschitz = measurement.norm_bound() ** 2
    sigma = lipschitz / 1024.0
    steps = (sigma, 0.99 / (lipschitz / 2 + 8 * sigma))
    box = options.box if options.box is not None else (-np.inf, np.inf)

    def stage(state, lam_k, budget):
        x, p, used = _tv_stage(measurement, grad, y, *state, lam_k, steps, budget, options.tol, box)
        return (x, p), used

    start = (np.clip(backprojection, *box), np.zeros(2 * n**2))
    (x, _), total = _continuation(stage, start, 100 * lam, lam, options.n_stages, options.max_iter)
    return x, {"iterations": total, "lam": float(lam)}


def total_variation(image):
    """Isotropic total variation of an N x N image (the penalty :func:`tv_pdhg` uses)."""

    image = np.asarray(image, dtype=np.float64)
    g = Gradient2(image.shape[0]).matvec(image.ravel())
    half = image.size
    return float(np.hypot(g[:half], g[half:]).sum())
