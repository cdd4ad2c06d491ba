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
from helpers.stats.significance import paired_tests


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


def test_paired_tests():
    a, b = [0.80, 0.82, 0.81, 0.83, 0.80], [0.70, 0.71, 0.73, 0.72, 0.70]
    out = paired_tests(a, b, n_train=8000, n_val=2000)
    assert out["mean_difference"] == pytest.approx(0.10)
    assert out["p_value"] < out["corrected_p_value"] < 0.05  # correction widens, still significant
    with pytest.raises(ValueError, match="equal-length"):
        paired_tests([0.1], [0.2], 10, 2)


def test_paired_tests_match_a_hand_computed_example():
    # Differences 0.01, 0.02, 0.03: mean 0.02, sample variance 1e-4, k = 3 folds.
    b = [0.5, 0.6, 0.7]
    a = [0.51, 0.62, 0.73]
    out = paired_tests(a, b, n_train=8000, n_val=2000)
    assert out["differences"] == pytest.approx([0.01, 0.02, 0.03])
    # Plain: t = 0.02 / sqrt(1e-4 / 3) = 2 sqrt(3). Corrected (Nadeau-Bengio):
    # t = 0.02 / sqrt((1/3 + 2000/8000) 1e-4) = 2 sqrt(12/7).
    assert out["t_statistic"] == pytest.approx(2 * 3**0.5)
    assert out["corrected_t_statistic"] == pytest.approx(2 * (12 / 7) ** 0.5)
    # With 2 degrees of freedom the t distribution has P(|T| > t) = 1 - t / sqrt(t^2 + 2).
    assert out["p_value"] == pytest.approx(1 - (12 / 14) ** 0.5)
    assert out["corrected_p_value"] == pytest.approx(1 - (48 / 7 / (48 / 7 + 2)) ** 0.5)
    assert out["n_train"] == 8000 and out["n_val"] == 2000


def test_paired_tests_with_equal_differences():
    # All differences zero: no evidence of a difference (not t = inf, p = 0).
    same = paired_tests([0.7, 0.8, 0.9], [0.7, 0.8, 0.9], n_train=8000, n_val=2000)
    assert same["corrected_t_statistic"] == 0 and same["corrected_p_value"] == 1
    assert same["t_statistic"] == 0 and same["p_value"] == 1
    # Every fold better by the same amount (up to float rounding of a - b):
    # t = +-inf, p = 0.
    up = paired_tests([0.11, 0.21, 0.31], [0.1, 0.2, 0.3], n_train=8000, n_val=2000)
    assert up["corrected_t_statistic"] == float("inf") and up["corrected_p_value"] == 0
    down = paired_tests([0.1, 0.2, 0.3], [0.11, 0.21, 0.31], n_train=8000, n_val=2000)
    assert down["corrected_t_statistic"] == float("-inf") and down["p_value"] == 0


def test_mcnemar_counts_only_the_images_one_classifier_gets_right():
    from helpers.stats.significance import mcnemar_test

    y = np.zeros(100, dtype=int)
    a = np.zeros(100, dtype=int)
    b = a.copy()
    b[:30] = 1  # b misses 30 images a gets right
    out = mcnemar_test(y, a, b)
    assert (out["only_a"], out["only_b"]) == (30, 0)
    assert out["accuracy_difference"] == pytest.approx(0.30) and out["p_value"] < 1e-8
    b[:30], b[30:60] = 0, 1
    a[60:90] = 1  # 30 each way: no evidence of a difference
    assert mcnemar_test(y, a, b)["p_value"] == pytest.approx(1.0)
    assert mcnemar_test(y, a, a)["p_value"] == 1.0
    with pytest.raises(ValueError, match="same images"):
        mcnemar_test(y, a[:5], b)


def test_difference_tail_is_the_exact_multinomial_sum():
    from scipy import stats

    from helpers.stats.significance import _upper_tail_of_difference

    n, pa, pb = 12, 0.15, 0.25
    exact = sum(
        stats.multinomial.pmf([a, b, n - a - b], n, [pa, pb, 1 - pa - pb])
        for a in range(n + 1)
        for b in range(n + 1 - a)
        if a - b >= -1
    )
    assert _upper_tail_of_difference(n, pa, pb, -1) == pytest.approx(exact, rel=1e-9)


def test_noninferiority_of_paired_classifiers_against_a_margin():
    from helpers.stats.significance import noninferiority_test

    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 4000)
    reference = np.where(rng.random(4000) < 0.9, y, (y + 1) % 10)
    # The same predictions: the data rule out the null's discordance, p = gamma.
    same = noninferiority_test(y, reference, reference, margin=0.01)
    assert same["p_value"] == pytest.approx(0.001) and same["accuracy_difference"] == 0
    # Two points worse on 4,000 images: clearly not within one point.
    worse = reference.copy()
    hit = np.flatnonzero(reference == y)[:80]
    worse[hit] = (y[hit] + 1) % 10
    out = noninferiority_test(y, worse, reference, margin=0.01)
    assert out["only_reference"] == 80 and out["accuracy_difference"] == pytest.approx(-0.02)
    assert out["p_value"] > 0.5
    # Half a point worse with a spread of gains and losses: within one point (p < 0.05).
    mixed = reference.copy()
    lose, gain = np.flatnonzero(reference == y)[:60], np.flatnonzero(reference != y)[:40]
    mixed[lose] = (y[lose] + 1) % 10
    mixed[gain] = y[gain]
    assert noninferiority_test(y, mixed, reference, margin=0.01)["p_value"] < 0.05
    with pytest.raises(ValueError, match="margin must be in"):
        noninferiority_test(y, reference, reference, margin=0)
