"""Compressive sensing of small images: test images, operators, solvers, baselines.

An image ``x`` (N x N, values in [0, 1]) is measured as ``y = Phi x + noise``
with ``M`` measurements and recovered through a sparsifying basis ``Psi``
(``x = Psi c``, ``c`` sparse) by solving an l1 problem on ``A = Phi Psi``.
Everything works on operators (:class:`scipy.sparse.linalg.LinearOperator`):
no dense N^2 x N^2 basis matrix is ever formed, so the same code runs at
N = 256. Dense matrices are built only where a solver needs one (OMP, exact
basis pursuit), and only when small.

Measurement rows have unit norm, so ``noise_std`` is in pixel-value units.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.fft
from scipy.sparse.linalg import LinearOperator
from threadpoolctl import threadpool_limits

from helpers.checks import check_choice, check_int, check_seed

__all__ = [
    "IMAGE_KINDS",
    "SCHEMES",
    "BASES",
    "SOLVERS",
    "BASELINES",
    "make_test_image",
    "load_image_file",
    "Basis",
    "Measurement",
    "sensing_operator",
    "fista_l1",
    "basis_pursuit_lp",
    "omp",
    "spgl1_bp",
    "dense_matrix",
    "operator_norm",
    "reconstruct",
    "cubic_interpolation",
    "lowpass_least_squares",
    "best_k_term",
    "check_problem",
    "mse",
    "mae",
    "Reconstruction",
    "dct2",
    "idct2",
]

IMAGE_KINDS = ("smooth", "textured")
SCHEMES = ("gaussian", "pixels", "dct")
BASES = ("dct", "wavelet")
SOLVERS = ("fista", "omp", "bp", "spgl1")
BASELINES = ("cubic", "lowpass", "best_k")
# Dense matrices above this many entries are refused (OMP, exact BP): 64 M
# float64 entries is 512 MB, beyond what a 2-core CI machine should allocate.
MAX_DENSE_ENTRIES = 64_000_000


# --------------------------------------------------------------------------- images


def _grid(n):
    t = (np.arange(n) + 0.5) / n
    return np.meshgrid(t, t, indexing="ij")


def _to_unit_range(img):
    img = img - img.min()
    return img / img.max()


def make_test_image(kind, n=64, random_state=0):
    """A reproducible test image with values in [0, 1].

    ``smooth``: a sum of five 2-D Gaussian blobs (widths 0.12-0.3 of the side)
    on a gentle linear ramp: nearly all energy in low DCT frequencies.
    ``textured``: three oriented sinusoidal gratings (4-14 cycles per side)
    plus a fine-scale random texture (white noise smoothed over ~1.5 pixels)
    and one blob: energy spread over many frequencies, so not compressible.

    Parameters
    ----------
    kind : {"smooth", "textured"}
    n : int, >= 2
    random_state : int

    Returns
    -------
    ndarray of float64, shape (n, n)
    """
    check_choice(kind, "image kind", IMAGE_KINDS)
    n = check_int(n, "N", min_value=2)
    rng = np.random.default_rng(check_seed(random_state, "random_state"))
    u, v = _grid(n)
    if kind == "smooth":
        img = 0.3 * u + 0.2 * v
        for _ in range(5):
            cu, cv = rng.uniform(0.15, 0.85, 2)
            width = rng.uniform(0.12, 0.3)
            img += rng.uniform(0.5, 1.0) * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * width**2))
        return _to_unit_range(img)
    img = np.zeros((n, n))
    for _ in range(3):
        angle = rng.uniform(0, np.pi)
        cycles = rng.uniform(4, 14)
        img += rng.uniform(0.5, 1.0) * np.sin(
            2 * np.pi * cycles * (u * np.cos(angle) + v * np.sin(angle)) + rng.uniform(0, 2 * np.pi)
        )
    fine = rng.standard_normal((n, n))
    fine = np.real(scipy.fft.ifft2(scipy.fft.fft2(fine) * _gaussian_transfer(n, 1.5)))
    img += 0.6 * fine / fine.std()
    cu, cv = rng.uniform(0.3, 0.7, 2)
    img += 2.0 * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * 0.15**2))
    return _to_unit_range(img)


def _gaussian_transfer(n, sigma_px):
    f = scipy.fft.fftfreq(n)
    fu, fv = np.meshgrid(f, f, indexing="ij")
    return np.exp(-2 * (np.pi * sigma_px) ** 2 * (fu**2 + fv**2))


def load_image_file(path, n=64):
    """A grayscale image file resized to N x N (bicubic), values in [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    n = check_int(n, "N", min_value=2)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file {path} does not exist")
    try:
        with Image.open(path) as im:
            im = im.convert("L").resize((n, n), Image.Resampling.BICUBIC)
            return np.asarray(im, dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"{path} is not a readable image file (PNG, JPEG, ...): {exc}") from exc


# --------------------------------------------------------------------------- operators

# Up to this side, the 2-D DCT as two products with a cached DCT matrix beats
# scipy.fft's transform on one thread (about 2x at N = 64); above, FFT wins.
_MATRIX_DCT_MAX_N = 128
_dct_matrices = {}


def _dct_matrix(n):
    if n not in _dct_matrices:
        _dct_matrices[n] = scipy.fft.dct(np.eye(n), norm="ortho", axis=0)
    return _dct_matrices[n]


def dct2(image):
    """Orthonormal 2-D DCT-II of an N x N array."""
    n = image.shape[0]
    if n <= _MATRIX_DCT_MAX_N:
        c = _dct_matrix(n)
        return c @ image @ c.T
    return scipy.fft.dctn(image, norm="ortho")


def idct2(coefficients):
    """Inverse of :func:`dct2`."""
    n = coefficients.shape[0]
    if n <= _MATRIX_DCT_MAX_N:
        c = _dct_matrix(n)
        return c.T @ coefficients @ c
    return scipy.fft.idctn(coefficients, norm="ortho")


@dataclass
class Basis:
    """Orthonormal sparsifying basis of N x N images: ``x = synthesis(c)``.

    ``dct``: the 2-D type-II DCT (``scipy.fft.dctn``, ``norm="ortho"``).
    ``wavelet``: a 2-D orthogonal wavelet transform (PyWavelets, periodized so
    it is orthonormal; Daubechies-4 by default).
    """

    kind: str
    n: int
    wavelet: str = "db4"
    _slices: object = field(default=None, repr=False)

    def __post_init__(self):
        check_choice(self.kind, "basis", BASES)
        self.n = check_int(self.n, "N", min_value=2)
        if self.kind == "wavelet":
            import pywt

            level = pywt.dwt_max_level(self.n, pywt.Wavelet(self.wavelet).dec_len)
            self._level = max(level, 1)
            coeffs = pywt.wavedec2(
                np.zeros((self.n, self.n)), self.wavelet, mode="periodization", level=self._level
            )
            _, self._slices = pywt.coeffs_to_array(coeffs)

    def analysis(self, image):
        """Coefficients (flat, length N^2) of an N x N image."""
        image = np.asarray(image, dtype=np.float64).reshape(self.n, self.n)
        if self.kind == "dct":
            return dct2(image).ravel()
        import pywt

        coeffs = pywt.wavedec2(image, self.wavelet, mode="periodization", level=self._level)
        return pywt.coeffs_to_array(coeffs)[0].ravel()

    def synthesis(self, coefficients):
        """N x N image of flat coefficients."""
        c = np.asarray(coefficients, dtype=np.float64).reshape(self.n, self.n)
        if self.kind == "dct":
            return idct2(c)
        import pywt

        coeffs = pywt.array_to_coeffs(c, self._slices, output_format="wavedec2")
        return pywt.waverec2(coeffs, self.wavelet, mode="periodization")


class Measurement:
    """A random measurement operator ``Phi`` with M unit-norm rows on N x N images.

    Schemes
    -------
    ``gaussian``
        Dense i.i.d. Gaussian matrix, entries N(0, 1/N^2) (rows of unit norm
        on average). Stored: M x N^2 float64.
    ``pixels``
        M distinct pixels chosen uniformly at random (``Phi`` is a row subset
        of the identity).
    ``dct``
        Structured and matrix-free: random signs, the orthonormal 2-D DCT,
        then M random rows (a "structurally random matrix"). Rows are
        orthonormal; O(N^2 log N) per product.
    """

    def __init__(self, scheme, n, m, random_state=0):
        self.scheme = check_choice(scheme, "measurement scheme", SCHEMES)
        self.n = check_int(n, "N", min_value=2)
        self.m = check_int(m, "M", min_value=1, max_value=self.n**2)
        rng = np.random.default_rng(check_seed(random_state, "random_state"))
        size = self.n**2
        if self.scheme == "gaussian":
            if self.m * size > MAX_DENSE_ENTRIES:
                raise ValueError(
                    f"a Gaussian matrix of {self.m} x {size} is too large to store; use "
                    f"scheme='dct' (matrix-free) for N={self.n}"
                )
            self.matrix = rng.standard_normal((self.m, size)) / self.n
        elif self.scheme == "pixels":
            self.rows = np.sort(rng.choice(size, self.m, replace=False))
        else:
            self.signs = rng.choice([-1.0, 1.0], size=(self.n, self.n))
            self.rows = np.sort(rng.choice(size, self.m, replace=False))

    def forward(self, image):
        x = np.asarray(image, dtype=np.float64).reshape(self.n, self.n)
        if self.scheme == "gaussian":
            return self.matrix @ x.ravel()
        if self.scheme == "pixels":
            return x.ravel()[self.rows]
        return dct2(self.signs * x).ravel()[self.rows]

    def adjoint(self, y):
        y = np.asarray(y, dtype=np.float64)
        if self.scheme == "gaussian":
            return (self.matrix.T @ y).reshape(self.n, self.n)
        z = np.zeros(self.n**2)
        z[self.rows] = y
        if self.scheme == "pixels":
            return z.reshape(self.n, self.n)
        return self.signs * idct2(z.reshape(self.n, self.n))

    @property
    def pixel_coordinates(self):
        """(row, column) of each sampled pixel (``pixels`` scheme only)."""
        if self.scheme != "pixels":
            raise ValueError("pixel coordinates exist only for scheme='pixels'")
        return np.column_stack(np.unravel_index(self.rows, (self.n, self.n)))


def sensing_operator(measurement, basis):
    """``A = Phi Psi`` as a LinearOperator from coefficients (N^2) to measurements (M)."""
    if measurement.n != basis.n:
        raise ValueError(f"measurement N={measurement.n} and basis N={basis.n} differ")
    return LinearOperator(
        (measurement.m, basis.n**2),
        dtype=np.float64,
        matvec=lambda c: measurement.forward(basis.synthesis(c)),
        rmatvec=lambda y: basis.analysis(measurement.adjoint(y)),
    )


def dense_matrix(operator):
    """Dense matrix of a LinearOperator, built row by row through its adjoint."""
    m, n = operator.shape
    if m * n > MAX_DENSE_ENTRIES:
        raise ValueError(
            f"a dense {m} x {n} matrix is too large ({m * n} entries > "
            f"{MAX_DENSE_ENTRIES}); use the matrix-free FISTA solver"
        )
    rows = np.empty((m, n))
    e = np.zeros(m)
    for i in range(m):
        e[i] = 1.0
        rows[i] = operator.rmatvec(e)
        e[i] = 0.0
    return rows


def operator_norm(operator, n_iter=30, random_state=0):
    """Largest singular value of ``operator`` by power iteration (slight overestimate)."""
    rng = np.random.default_rng(random_state)
    v = rng.standard_normal(operator.shape[1])
    v /= np.linalg.norm(v)
    sigma = 0.0
    for _ in range(n_iter):
        w = operator.rmatvec(operator.matvec(v))
        sigma = np.sqrt(np.linalg.norm(w))
        v = w / np.linalg.norm(w)
    return sigma * 1.01


# --------------------------------------------------------------------------- solvers


def _soft_threshold(z, t):
    return z - np.clip(z, -t, t)


def fista_l1(
    operator, y, *, lam=None, lam_ratio=1e-4, n_stages=5, max_iter=1000, tol=1e-4, lipschitz=None
):
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
    lam : float, optional
        Final penalty (use ~``noise_std * sqrt(2 log N^2)`` for noisy data).
    lam_ratio : float
        Final penalty relative to ``||A^T y||_inf`` when ``lam`` is None.
    n_stages : int
    max_iter : int
        Iteration budget over all stages.
    tol : float
        A stage stops when the relative change of ``c`` falls below ``tol``.
    lipschitz : float, optional
        ``||A||^2``; estimated by power iteration when None.

    Returns
    -------
    c : ndarray
    info : dict
        ``iterations``, ``lam``.
    """
    y = np.asarray(y, dtype=np.float64)
    correlation = operator.rmatvec(y)
    lam_max = np.abs(correlation).max()
    if lam_max == 0:
        return np.zeros(operator.shape[1]), {"iterations": 0, "lam": 0.0}
    lam_final = lam_ratio * lam_max if lam is None else float(lam)
    if lipschitz is None:
        lipschitz = operator_norm(operator) ** 2
    step = 1.0 / lipschitz
    lam_start = max(0.5 * lam_max, lam_final)
    lams = np.geomspace(lam_start, lam_final, n_stages) if n_stages > 1 else [lam_final]
    per_stage = max(1, max_iter // len(lams))
    c = np.zeros(operator.shape[1])
    total = 0
    for k, lam_k in enumerate(lams):
        z, t = c.copy(), 1.0
        # The last stage may use whatever budget the earlier ones left.
        budget = per_stage if k < len(lams) - 1 else max_iter - total
        for _ in range(budget):
            grad = operator.rmatvec(operator.matvec(z) - y)
            c_next = _soft_threshold(z - step * grad, step * lam_k)
            total += 1
            delta = c_next - c
            if np.dot(z - c_next, delta) > 0:  # adaptive restart
                t = 1.0
            t_next = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
            z = c_next + ((t - 1) / t_next) * delta
            change = np.linalg.norm(delta) / max(np.linalg.norm(c_next), 1e-12)
            c, t = c_next, t_next
            if change < tol:
                break
    return c, {"iterations": total, "lam": float(lam_final)}


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


# --------------------------------------------------------------------------- baselines


def cubic_interpolation(measurement, y):
    """Cubic interpolation of pixel samples (``scipy.interpolate.griddata``).

    Outside the samples' convex hull, where cubic interpolation is undefined,
    the nearest sample's value is used.
    """
    from scipy.interpolate import griddata

    points = measurement.pixel_coordinates.astype(float)
    n = measurement.n
    grid = tuple(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    out = griddata(points, y, grid, method="cubic")
    holes = np.isnan(out)
    if holes.any():
        out[holes] = griddata(points, y, tuple(g[holes] for g in grid), method="nearest")
    return out


def _lowpass_order(n):
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.lexsort((i.ravel(), (i + j).ravel()))  # zig-zag: by i + j, then i


def lowpass_least_squares(measurement, y, k=None):
    """Least-squares fit of the ``k`` lowest-frequency DCT coefficients (default M // 2)."""
    n = measurement.n
    k = measurement.m // 2 if k is None else k
    k = check_int(k, "k", min_value=1, max_value=measurement.m)
    order = _lowpass_order(n)[:k]
    columns = np.empty((measurement.m, k))
    unit = np.zeros(n * n)
    for col, index in enumerate(order):
        unit[index] = 1.0
        columns[:, col] = measurement.forward(scipy.fft.idctn(unit.reshape(n, n), norm="ortho"))
        unit[index] = 0.0
    coef, *_ = np.linalg.lstsq(columns, y, rcond=None)
    c = np.zeros(n * n)
    c[order] = coef
    return scipy.fft.idctn(c.reshape(n, n), norm="ortho")


def best_k_term(image, k, basis="dct"):
    """Best k-term approximation in ``basis``: the oracle floor of a k-sparse model."""
    image = np.asarray(image, dtype=np.float64)
    psi = basis if isinstance(basis, Basis) else Basis(basis, image.shape[0])
    c = psi.analysis(image)
    k = check_int(k, "k", min_value=0, max_value=c.size)
    keep = np.argsort(np.abs(c))[::-1][:k]
    sparse = np.zeros_like(c)
    sparse[keep] = c[keep]
    return psi.synthesis(sparse)


# --------------------------------------------------------------------------- driver


def mse(a, b):
    return float(np.mean((np.asarray(a) - np.asarray(b)) ** 2))


def mae(a, b):
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


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
    image: np.ndarray
    seconds: float
    info: dict


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
    solver : {"fista", "omp", "bp", "spgl1", "cubic", "lowpass", "best_k"}
        ``cubic`` needs ``scheme="pixels"``; ``best_k`` is the oracle
        best-(m * omp_ratio)-term approximation (uses the image, not ``y``).
    noise_std : float
        Standard deviation of Gaussian noise added to each measurement.
    random_state : int
        Seeds the measurement draw and the noise.
    clip : bool
        Clip the estimate to [0, 1], the known range of pixel values.
    omp_ratio : float
        Sparsity of OMP and of the best-k-term floor: k = max(1, round(m * omp_ratio)).
    **solver_options
        Passed to :func:`fista_l1` (e.g. ``lam_ratio``, ``max_iter``).

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
    psi = Basis(basis, n)
    if solver == "best_k":
        start = time.perf_counter()
        estimate = best_k_term(image, k, psi)
        return Reconstruction(
            np.clip(estimate, 0, 1) if clip else estimate, time.perf_counter() - start, {"k": k}
        )
    phi = Measurement(scheme, n, m, random_state)
    rng = np.random.default_rng([random_state, 1])  # noise stream independent of the draw
    y = phi.forward(image)
    if noise_std > 0:
        y = y + noise_std * rng.standard_normal(y.shape)
    # Two BLAS threads slow the many tiny products of the matrix-free schemes
    # (thread start-up dominates); the dense Gaussian products gain from them.
    with threadpool_limits(None if scheme == "gaussian" else 1, user_api="blas"):
        start = time.perf_counter()
        estimate, info = _solve(phi, psi, y, solver, k, m, n, noise_std, solver_options)
        seconds = time.perf_counter() - start
    return Reconstruction(np.clip(estimate, 0, 1) if clip else estimate, seconds, info)


def _solve(phi, psi, y, solver, k, m, n, noise_std, solver_options):
    info = {}
    if solver == "cubic":
        estimate = cubic_interpolation(phi, y)
    elif solver == "lowpass":
        estimate = lowpass_least_squares(phi, y)
    else:
        operator = sensing_operator(phi, psi)
        if solver == "fista":
            if noise_std > 0 and "lam" not in solver_options:
                solver_options["lam"] = noise_std * np.sqrt(2 * np.log(n * n))
            c, info = fista_l1(operator, y, **solver_options)
        elif solver == "spgl1":
            c, info = spgl1_bp(operator, y, **solver_options)
        else:
            matrix = dense_matrix(operator)
            c = omp(matrix, y, min(k, m)) if solver == "omp" else basis_pursuit_lp(matrix, y)
        estimate = psi.synthesis(c)
    return estimate, info
