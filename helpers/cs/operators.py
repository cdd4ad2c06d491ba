"""Compressive-sensing operators as composable :class:`scipy.sparse.linalg.LinearOperator`s.

An N x N image is a flat vector of N^2 pixels. A *measurement* operator
``Phi`` maps it to M numbers; a *basis* operator ``W`` maps it to N^2
coefficients (the analysis transform; orthonormal, so the synthesis is
``W.H``). The sensing matrix is their product, as in PyLops::

    A = GaussianMeasurement(n, m, seed) @ DCT2(n).H

One class per measurement scheme and per basis, no branching on strings in
the products; :func:`measurement_operator` and :func:`basis_operator` map the
parameter strings to the classes. No dense N^2 x N^2 matrix is ever formed.
Measurement rows have unit norm (on average for the Gaussian scheme), so noise
is in pixel-value units.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.fft

from helpers.checks import check_choice, check_int, check_seed
from helpers.cs.bounded import BoundedOperator

__all__ = [
    "SCHEMES",
    "BASES",
    "MAX_DENSE_ENTRIES",
    "dct2",
    "idct2",
    "GaussianMeasurement",
    "PixelRestriction",
    "SubsampledDCT",
    "DCT2",
    "Wavelet2",
    "Gradient2",
    "measurement_operator",
    "basis_operator",
    "sensing_operator",
    "dense_matrix",
    "operator_norm",
    "MAX_GRAM_ENTRIES",
]

SCHEMES = ("gaussian", "pixels", "dct")
BASES = ("dct", "wavelet")
# Dense matrices above this many entries are refused (OMP, exact BP): 64 M
# float64 entries is 512 MB, beyond what a 2-core CI machine should allocate.
MAX_DENSE_ENTRIES = 64_000_000
# Operators without a known norm bound are made dense for an exact norm up to
# this size (a 1000 x 4096 matrix: well under a second).
MAX_GRAM_ENTRIES = 5_000_000
# Norm bounds carry this relative margin for rounding in the products themselves.
_ROUNDING = 1 + 1e-12

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


class _ImageOperator(BoundedOperator):
    """A real LinearOperator on flat N x N images, with a known norm bound."""

    def __init__(self, n, rows):
        self.n = check_int(n, "N", min_value=2)
        super().__init__(dtype=np.float64, shape=(rows, self.n**2))

    def forward(self, image):
        """The operator applied to an N x N image (any shape with N^2 entries)."""
        return self.matvec(np.asarray(image, dtype=np.float64).ravel())

    def adjoint(self, y):
        """The adjoint applied to ``y``, as an N x N image."""
        return self.rmatvec(np.asarray(y, dtype=np.float64)).reshape(self.n, self.n)


class _Measurement(_ImageOperator):
    def __init__(self, n, m, random_state):
        n = check_int(n, "N", min_value=2)
        self.m = check_int(m, "M", min_value=1, max_value=n**2)
        super().__init__(n, self.m)
        self._rng = np.random.default_rng(check_seed(random_state, "random_state"))

    def frobenius_norm(self):
        """``||Phi||_F``: with an orthonormal basis, sqrt(N^2) times the RMS column norm of A."""
        return float(np.sqrt(self.m))  # orthonormal rows


class GaussianMeasurement(_Measurement):
    """Dense i.i.d. Gaussian matrix, entries N(0, 1/N^2): rows of unit norm on average.

    Stored as an M x N^2 float64 matrix (refused above ``MAX_DENSE_ENTRIES``).
    """

    scheme = "gaussian"

    def __init__(self, n, m, random_state=0):
        super().__init__(n, m, random_state)
        if self.m * self.n**2 > MAX_DENSE_ENTRIES:
            raise ValueError(
                f"a Gaussian matrix of {self.m} x {self.n**2} is too large to store; use "
                f"scheme='dct' (matrix-free) for N={self.n}"
            )
        self.matrix = self._rng.standard_normal((self.m, self.n**2)) / self.n
        self._norm = None

    def _matvec(self, x):
        return self.matrix @ x.ravel()

    def _rmatvec(self, y):
        return self.matrix.T @ y.ravel()

    def _matmat(self, x):
        return self.matrix @ x

    def _rmatmat(self, y):
        return self.matrix.T @ y

    def norm_bound(self):
        """The exact spectral norm, sqrt of the largest eigenvalue of ``Phi Phi^T`` (cached).

        Rounding is covered by a relative margin of 1e-12.
        """
        if self._norm is None:
            self._norm = _exact_norm(self.matrix) * _ROUNDING
        return self._norm

    def frobenius_norm(self):
        return float(np.linalg.norm(self.matrix))


class PixelRestriction(_Measurement):
    """M distinct pixels chosen uniformly at random: a row subset of the identity."""

    scheme = "pixels"

    def __init__(self, n, m, random_state=0):
        super().__init__(n, m, random_state)
        self.rows = np.sort(self._rng.choice(self.n**2, self.m, replace=False))

    def _matvec(self, x):
        return x.ravel()[self.rows]

    def _rmatvec(self, y):
        z = np.zeros(self.n**2)
        z[self.rows] = y.ravel()
        return z

    def norm_bound(self):
        return _ROUNDING  # orthonormal rows

    @property
    def pixel_coordinates(self):
        """(row, column) of each sampled pixel."""
        return np.column_stack(np.unravel_index(self.rows, (self.n, self.n)))


class SubsampledDCT(_Measurement):
    """Random signs, the orthonormal 2-D DCT, then M random rows.

    A "structurally random matrix": matrix-free, orthonormal rows,
    O(N^2 log N) per product.
    """

    scheme = "dct"

    def __init__(self, n, m, random_state=0):
        super().__init__(n, m, random_state)
        self.signs = self._rng.choice([-1.0, 1.0], size=(self.n, self.n))
        self.rows = np.sort(self._rng.choice(self.n**2, self.m, replace=False))

    def _matvec(self, x):
        return dct2(self.signs * x.reshape(self.n, self.n)).ravel()[self.rows]

    def _rmatvec(self, y):
        z = np.zeros(self.n**2)
        z[self.rows] = y.ravel()
        return (self.signs * idct2(z.reshape(self.n, self.n))).ravel()

    def norm_bound(self):
        return _ROUNDING  # orthonormal rows


class DCT2(_ImageOperator):
    """Orthonormal 2-D DCT-II analysis ``W``: image -> coefficients; ``W.H`` synthesizes."""

    kind = "dct"

    def __init__(self, n):
        super().__init__(n, check_int(n, "N", min_value=2) ** 2)

    def _matvec(self, x):
        return dct2(x.reshape(self.n, self.n)).ravel()

    def _rmatvec(self, c):
        return idct2(c.reshape(self.n, self.n)).ravel()

    def norm_bound(self):
        return _ROUNDING  # orthonormal


class Wavelet2(_ImageOperator):
    """Orthonormal 2-D wavelet analysis (PyWavelets, periodized; Daubechies-4 by default).

    ``level`` defaults to the full decomposition: as many levels as N can be
    halved evenly (6 at N = 64, down to a 1 x 1 approximation band). The
    periodized transform stays orthonormal when filters wrap around. (Before,
    ``pywt.dwt_max_level`` gave 3 levels at N = 64: an 8 x 8 approximation band
    penalized like the details, and an MSE worse than a constant image.)
    """

    kind = "wavelet"

    def __init__(self, n, wavelet="db4", level=None):
        super().__init__(n, check_int(n, "N", min_value=2) ** 2)
        self.wavelet = wavelet
        if level is None:
            level = max(_times_halvable(self.n), 1)
        self.level = check_int(level, "wavelet level", min_value=1)
        self._slices = self._coefficient_slices()

    def _matvec(self, x):
        import pywt

        with warnings.catch_warnings():
            # Deep levels wrap filters around (intended: periodization stays orthonormal).
            warnings.filterwarnings("ignore", "Level value of", UserWarning)
            coeffs = pywt.wavedec2(
                x.reshape(self.n, self.n), self.wavelet, mode="periodization", level=self.level
            )
        return pywt.coeffs_to_array(coeffs)[0].ravel()

    def _coefficient_slices(self):
        import pywt

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Level value of", UserWarning)
            coeffs = pywt.wavedec2(
                np.zeros((self.n, self.n)), self.wavelet, mode="periodization", level=self.level
            )
        return pywt.coeffs_to_array(coeffs)[1]

    def _rmatvec(self, c):
        import pywt

        coeffs = pywt.array_to_coeffs(
            c.reshape(self.n, self.n), self._slices, output_format="wavedec2"
        )
        return pywt.waverec2(coeffs, self.wavelet, mode="periodization").ravel()

    def norm_bound(self):
        return _ROUNDING  # orthonormal


def _times_halvable(n):
    count = 0
    while n % 2 == 0 and n > 1:
        n //= 2
        count += 1
    return count


_MEASUREMENTS = {cls.scheme: cls for cls in (GaussianMeasurement, PixelRestriction, SubsampledDCT)}
_BASES = {cls.kind: cls for cls in (DCT2, Wavelet2)}


class Gradient2(BoundedOperator):
    """Forward differences of an N x N image: N^2 pixels -> 2 N^2 (vertical then
    horizontal differences, zero across the last row and column: Neumann boundary).

    The discrete gradient of total variation (Chambolle 2004); its adjoint is minus
    the matching divergence, and ``||grad||^2 <= 8``.
    """

    def __init__(self, n):
        self.n = check_int(n, "N", min_value=2)
        super().__init__(dtype=np.float64, shape=(2 * self.n**2, self.n**2))

    def _matvec(self, x):
        x = x.reshape(self.n, self.n)
        dv, dh = np.zeros_like(x), np.zeros_like(x)
        dv[:-1, :] = x[1:, :] - x[:-1, :]
        dh[:, :-1] = x[:, 1:] - x[:, :-1]
        return np.concatenate([dv.ravel(), dh.ravel()])

    def _rmatvec(self, g):
        g = g.ravel()
        dv = g[: self.n**2].reshape(self.n, self.n)
        dh = g[self.n**2 :].reshape(self.n, self.n)
        out = np.zeros((self.n, self.n))
        out[:-1, :] -= dv[:-1, :]
        out[1:, :] += dv[:-1, :]
        out[:, :-1] -= dh[:, :-1]
        out[:, 1:] += dh[:, :-1]
        return out.ravel()

    def norm_bound(self):
        return np.sqrt(8.0) * _ROUNDING


def measurement_operator(scheme, n, m, random_state=0):
    """The measurement operator of ``scheme`` ("gaussian", "pixels" or "dct")."""
    check_choice(scheme, "measurement scheme", SCHEMES)
    return _MEASUREMENTS[scheme](n, m, random_state)


def basis_operator(kind, n):
    """The analysis operator of basis ``kind`` ("dct" or "wavelet")."""
    check_choice(kind, "basis", BASES)
    return _BASES[kind](n)


def sensing_operator(measurement, basis):
    """``A = Phi W^H``: coefficients (N^2) -> measurements (M)."""
    if measurement.n != basis.n:
        raise ValueError(f"measurement N={measurement.n} and basis N={basis.n} differ")
    return measurement @ basis.H


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


def _exact_norm(matrix):
    """Largest singular value of a dense matrix through the smaller Gram matrix."""
    gram = matrix @ matrix.T if matrix.shape[0] <= matrix.shape[1] else matrix.T @ matrix
    return float(np.sqrt(max(np.linalg.eigvalsh(gram)[-1], 0.0)))


def operator_norm(operator):
    """A guaranteed upper bound on the largest singular value of ``operator``.

    - Operators of this module know their norm: 1 for the orthonormal bases
      and the orthonormal-row schemes, the exact norm (from the M x M Gram
      matrix) for the Gaussian scheme.
    - Their products and adjoints (``Phi @ W.H``, :mod:`helpers.cs.bounded`) use
      ``||A B|| <= ||A|| ||B||``, exact here since the bases are orthonormal.
    - Any other operator with at most ``MAX_GRAM_ENTRIES`` entries is made
      dense and its norm computed exactly.

    A relative margin of 1e-12 covers rounding. FISTA's step ``1 / ||A||^2``
    is then safe (power iteration, used before, gives a lower bound: 1.2%
    under the true norm on a 600 x 4096 Gaussian matrix even after a 1.01 factor).

    Raises
    ------
    ValueError
        For a large operator without a known bound (pass FISTA a ``lipschitz``).
    """
    if isinstance(operator, BoundedOperator):
        return operator.norm_bound()
    m, n = operator.shape
    if m * n > MAX_GRAM_ENTRIES:
        raise ValueError(
            f"no guaranteed norm bound for a {m} x {n} {type(operator).__name__}: "
            "give the solver an upper bound (FistaOptions(lipschitz=...))"
        )
    return _exact_norm(dense_matrix(operator)) * _ROUNDING
