import numpy as np
import pytest

from helpers.nets.projection import (
    check_projection,
    distance_ratios,
    fold_transform,
    jl_min_dims,
    make_projector,
    projection_flops,
)


@pytest.mark.parametrize(
    "method, m, message",
    [
        ("gaussian", 0, "M must be >= 1"),
        ("gaussian", -5, "M must be >= 1"),
        ("pca", 785, r"PCA to M=785 components needs M <= min\(pixels, training samples\) = 784"),
        ("pixels", 100, "M must be 784"),
        ("fourier", 10, "unknown projection method 'fourier'"),
    ],
)
def test_bad_projection_parameters(method, m, message):
    with pytest.raises(ValueError, match=message):
        check_projection(method, m, 784, n_samples=5000)


def test_pca_limited_by_training_samples():
    with pytest.raises(ValueError, match="= 100"):
        check_projection("pca", 200, 784, n_samples=100)


def test_fold_transform_fits_on_training_fold_only():
    rng = np.random.default_rng(0)
    train, other = rng.random((50, 8, 8)), rng.random((20, 8, 8)) + 100.0
    t = fold_transform("pca", 5, random_state=0)
    a, b = t(train, other, 0)
    assert a.shape == (50, 5) and b.shape == (20, 5) and a.dtype == np.float32
    # Centred on the training fold: its projection has mean ~0, the shifted set does not.
    assert np.abs(a.mean(axis=0)).max() < 1e-5 and np.abs(b.mean(axis=0)).max() > 1
    np.testing.assert_allclose(t.projector.mean_, train.reshape(50, -1).mean(axis=0))


@pytest.mark.parametrize("method", ["gaussian", "pca"])
def test_a_fold_projection_does_not_depend_on_the_callers_blas_threads(method):
    """Chapter 03's stacks run on single-threaded workers or in the notebook's process:
    with BLAS on two threads the Gaussian and PCA projections rounded differently
    (a fold's score moved by up to 29 images). Fitted and applied on one thread, the
    same inputs give the same bits wherever they run."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    x_train, x_other = rng.random((4000, 28, 28)), rng.random((1000, 28, 28))
    outputs = []
    for threads in (1, 2):
        with threadpool_limits(threads):
            outputs.append(fold_transform(method, 100, 0)(x_train, x_other, 0))
    for one, two in zip(*outputs):
        np.testing.assert_array_equal(one, two)


def test_random_projections_are_seeded():
    x = np.random.default_rng(1).random((30, 64))
    a = make_projector("gaussian", 10, 3).fit_transform(x)
    b = make_projector("gaussian", 10, 3).fit_transform(x)
    c = make_projector("gaussian", 10, 4).fit_transform(x)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_pixels_transform_is_flattening():
    x = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    a, _ = fold_transform("pixels", 9)(x, x, 0)
    np.testing.assert_array_equal(a, x.reshape(2, 9))


def test_gaussian_projection_nearly_preserves_distances():
    x = np.random.default_rng(2).random((300, 400))
    ratios = distance_ratios(x, make_projector("gaussian", 300, 0).fit_transform(x), random_state=0)
    assert abs(np.median(ratios) - 1) < 0.05 and np.quantile(ratios, 0.95) < 1.2
    bounds = jl_min_dims(10000)
    assert bounds[0.1] > bounds[0.5] > 0


def test_projection_flops():
    assert projection_flops("gaussian", 100, 784) == 2 * 784 * 100
    assert projection_flops("pca", 100, 784) == 2 * 784 * 100 + 784
    assert projection_flops("pixels", 784, 784) == 0
    assert projection_flops("sparse", 100, 784) == 2 * 784 * 100 // 28
