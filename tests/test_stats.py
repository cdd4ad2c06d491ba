"""The statistics at the bottom of the package (helpers.stats): paired tests of fold
scores, McNemar and non-inferiority tests of two classifiers, and timing ratios with
their intervals. The intervals the verdicts use are tested with them in
test_summary_rules.py."""

import numpy as np
import pytest

from helpers.stats.significance import paired_tests


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


def test_latency_ratio_is_the_geometric_mean_of_round_ratios_with_a_t_interval():
    from scipy import stats

    from helpers.stats.ratios import latency_ratio

    slower, faster = [2.0, 4.4, 2.1, 4.0], [1.0, 2.0, 1.0, 2.0]
    out = latency_ratio(slower, faster, level=0.95)
    logs = np.log(np.array(slower) / faster)
    half = stats.t.ppf(0.975, 3) * logs.std(ddof=1) / 2
    assert out["ratio"] == pytest.approx(np.exp(logs.mean()))
    assert out["low"] == pytest.approx(np.exp(logs.mean() - half))
    assert out["high"] == pytest.approx(np.exp(logs.mean() + half)) and out["rounds"] == 4
    # A machine that slows down for a round slows both: paired, the ratio stays exact.
    steady = latency_ratio([2.0, 20.0, 4.0], [1.0, 10.0, 2.0])
    assert steady["low"] == pytest.approx(2.0) and steady["high"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="equally long"):
        latency_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="positive"):
        latency_ratio([1.0, 0.0], [1.0, 1.0])


def test_throughput_ratio_is_a_welch_interval_on_log_epoch_throughputs():
    from scipy import stats

    from helpers.stats.ratios import throughput_ratio

    fast, slow = [9.0, 1.0, 1.1, 0.9], [30.0, 10.0, 12.0, 11.0, 9.0]  # first: tracing
    out = throughput_ratio(fast, 100, slow, 50, level=0.95)
    a, b = np.log(100 / np.array(fast[1:])), np.log(50 / np.array(slow[1:]))
    va, vb = a.var(ddof=1) / 3, b.var(ddof=1) / 4
    df = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 3)
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    assert out["ratio"] == pytest.approx(np.exp(a.mean() - b.mean()))
    assert out["low"] == pytest.approx(np.exp(a.mean() - b.mean() - half))
    assert out["high"] == pytest.approx(np.exp(a.mean() - b.mean() + half))
    assert out["epochs"] == [3, 4]
    steady = throughput_ratio([5.0, 1.0, 1.0], 100, [5.0, 4.0, 4.0], 100)
    assert steady["ratio"] == steady["low"] == steady["high"] == pytest.approx(4.0)
    with pytest.raises(ValueError, match="2 positive epoch times after the first"):
        throughput_ratio([5.0, 1.0], 100, slow, 50)


def test_time_to_model_ratio_is_a_t_interval_over_runs_of_whole_fits():
    from scipy import stats

    from helpers.stats.ratios import time_to_model_ratio

    # Per run: the reference's epochs (every one counts, the first included), the other's.
    runs = [([10.0, 20.0, 12.0], [2.0, 2.0]), ([30.0, 9.0], [5.0]), ([14.0] * 3, [3.0, 3.0])]
    out = time_to_model_ratio(runs, level=0.90)
    logs = np.log([42 / 4, 39 / 5, 42 / 6])
    half = stats.t.ppf(0.95, 2) * logs.std(ddof=1) / np.sqrt(3)
    assert out["ratio"] == pytest.approx(np.exp(logs.mean()))
    assert out["low"] == pytest.approx(np.exp(logs.mean() - half))
    assert out["high"] == pytest.approx(np.exp(logs.mean() + half))
    assert out["runs"] == 3 and out["ratios"] == pytest.approx([10.5, 7.8, 7.0])
    assert out["seconds"] == pytest.approx([41.0, 5.0])
    with pytest.raises(ValueError, match=">= 2 runs"):
        time_to_model_ratio(runs[:1])
    with pytest.raises(ValueError, match="positive epoch times"):
        time_to_model_ratio([*runs, ([], [1.0])])
