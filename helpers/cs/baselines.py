"""Reconstructions that use no l1 recovery: interpolation, low-pass fits, oracles."""

from __future__ import annotations

import numpy as np

from helpers.checks import check_int
from helpers.cs.operators import DCT2, basis_operator

__all__ = ["cubic_interpolation", "lowpass_least_squares", "mean_image", "best_k_term"]


def cubic_interpolation(measurement, y):
    """Cubic interpolation of pixel samples (``scipy.interpolate.griddata``).

    ``measurement`` is a :class:`~helpers.cs.operators.PixelRestriction`.
    Outside the samples' convex hull, where cubic interpolation is undefined,
    the nearest sample's value is used.
    """
    from scipy.interpolate import griddata

    if not hasattr(measurement, "pixel_coordinates"):
        raise ValueError("cubic interpolation needs pixel samples: use scheme='pixels'")
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
    """Least-squares fit of the ``k`` lowest-frequency DCT coefficients (default M // 2).

    Frequencies are taken in zig-zag order (by i + j, then i); the synthesis
    is :class:`~helpers.cs.operators.DCT2`'s adjoint.
    """
    n = measurement.n
    k = measurement.m // 2 if k is None else k
    k = check_int(k, "k", min_value=1, max_value=measurement.m)
    synthesis = DCT2(n).H
    order = _lowpass_order(n)[:k]
    columns = np.empty((measurement.m, k))
    unit = np.zeros(n * n)
    for col, index in enumerate(order):
        unit[index] = 1.0
        columns[:, col] = measurement.matvec(synthesis.matvec(unit))
        unit[index] = 0.0
    coef, *_ = np.linalg.lstsq(columns, y, rcond=None)
    c = np.zeros(n * n)
    c[order] = coef
    return synthesis.matvec(c).reshape(n, n)


def mean_image(measurement, y):
    """The constant image whose measurements fit ``y`` best (least squares).

    Uses only the measurements: the level ``mu`` minimizing
    ``||y - mu Phi 1||``, i.e. the low-pass fit with k = 1 (the DC term).
    Any method with a higher MSE does worse than knowing nothing but a mean.
    """
    ones_measured = measurement.matvec(np.ones(measurement.n**2))
    level = float(np.dot(ones_measured, y) / np.dot(ones_measured, ones_measured))
    return np.full((measurement.n, measurement.n), level)


def best_k_term(image, k, basis="dct"):
    """Best k-term approximation in ``basis``: an oracle that knows the image.

    ``basis`` is a basis name or an analysis operator (``DCT2``, ``Wavelet2``).
    """
    image = np.asarray(image, dtype=np.float64)
    n = image.shape[0]
    psi = basis_operator(basis, n) if isinstance(basis, str) else basis
    c = psi.matvec(image.ravel())
    k = check_int(k, "k", min_value=0, max_value=c.size)
    keep = np.argsort(np.abs(c))[::-1][:k]
    sparse = np.zeros_like(c)
    sparse[keep] = c[keep]
    return psi.rmatvec(sparse).reshape(n, n)
