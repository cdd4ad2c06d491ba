"""Random projections (and their baselines) of flattened images to M dimensions.

Methods: ``gaussian`` (scikit-learn's GaussianRandomProjection, entries
N(0, 1/M)), ``sparse`` (SparseRandomProjection, density 1/sqrt(d)), ``pca``
(fitted on the training fold only, so no information leaks from validation
or test images) and ``pixels`` (no projection; M must equal the pixel count).
The paired tests of the projected models against the CNN are in
:mod:`helpers.stats.significance`.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from helpers.checks import check_choice, check_int, check_seed
from helpers.provenance import phase

__all__ = [
    "METHODS",
    "check_projection",
    "make_projector",
    "fold_transform",
    "project",
    "projection_flops",
    "distance_ratios",
    "jl_min_dims",
]

METHODS = ("gaussian", "sparse", "pca", "pixels")


def check_projection(method, m, n_features, n_samples=None):
    """Validate (method, M) for data of ``n_features`` pixels; return M as int."""
    check_choice(method, "projection method", METHODS)
    m = check_int(m, "M", min_value=1)
    if method == "pixels" and m != n_features:
        raise ValueError(f"method 'pixels' uses every pixel: M must be {n_features}, got {m}")
    if method == "pca":
        limit = n_features if n_samples is None else min(n_features, n_samples)
        if m > limit:
            raise ValueError(
                f"PCA to M={m} components needs M <= min(pixels, training samples) = {limit}"
            )
    return m


def make_projector(method, m, random_state=0):
    """An unfitted scikit-learn transformer (or ``None`` for ``pixels``)."""
    from sklearn.decomposition import PCA
    from sklearn.random_projection import GaussianRandomProjection, SparseRandomProjection

    check_choice(method, "projection method", METHODS)
    random_state = check_seed(random_state, "random_state")
    if method == "gaussian":
        return GaussianRandomProjection(n_components=m, random_state=random_state)
    if method == "sparse":
        return SparseRandomProjection(n_components=m, dense_output=True, random_state=random_state)
    if method == "pca":
        return PCA(n_components=m, random_state=random_state)
    return None


def fold_transform(method, m, random_state=0):
    """``transform(x_train, x_other, fold)`` for :func:`helpers.nets.cross_validation.cross_validate`.

    Flattens images, fits the projector on ``x_train`` only and applies it to
    both, on one BLAS thread (so the result does not depend on where it runs);
    returns float32 arrays. The last fitted projector is kept as
    ``transform.projector`` (for timing it).
    """

    def transform(x_train, x_other, fold):
        flat_train = x_train.reshape(len(x_train), -1)
        flat_other = x_other.reshape(len(x_other), -1)
        check_projection(method, m, flat_train.shape[1], len(flat_train))
        projector = make_projector(method, m, random_state)
        transform.projector = projector
        # On one BLAS thread wherever it runs: with two, the Gaussian and PCA projections
        # round differently, and a fold's score moved by up to 29 images between the
        # notebook's process and a single-threaded worker.
        with phase("projection fitting"), threadpool_limits(1):
            if projector is not None:
                projector.fit(flat_train)
            return project(projector, flat_train), project(projector, flat_other)

    return transform


def project(projector, flat):
    """Apply a fitted projector (``None``: raw pixels) to flattened images, as float32."""
    out = flat if projector is None else projector.transform(flat)
    return np.asarray(out, dtype=np.float32)


def projection_flops(method, m, n_features):
    """FLOPs to project one image: 2 d M for a dense matrix (PCA adds d for centering);
    about 2 d M / sqrt(d) for the sparse projection; 0 for raw pixels."""
    if method == "pixels":
        return 0
    if method == "sparse":
        return int(round(2 * n_features * m / np.sqrt(n_features)))
    return 2 * n_features * m + (n_features if method == "pca" else 0)


def distance_ratios(x, projected, n_pairs=2000, random_state=0):
    """Ratios ||P a - P b|| / ||a - b|| over random pairs (the JL distortion)."""
    rng = np.random.default_rng(check_seed(random_state, "random_state"))
    x = x.reshape(len(x), -1)
    i = rng.integers(0, len(x), n_pairs)
    j = rng.integers(0, len(x), n_pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    original = np.linalg.norm(x[i] - x[j], axis=1)
    after = np.linalg.norm(projected[i] - projected[j], axis=1)
    valid = original > 0
    return after[valid] / original[valid]


def jl_min_dims(n_samples, eps=(0.1, 0.2, 0.3, 0.5)):
    """scikit-learn's Johnson-Lindenstrauss bound on M for ``n_samples`` points."""
    from sklearn.random_projection import johnson_lindenstrauss_min_dim

    return {float(e): int(johnson_lindenstrauss_min_dim(n_samples, eps=e)) for e in eps}
