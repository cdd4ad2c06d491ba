"""Verdict 2's sensitivity analyses (helpers.summary.sensitivity): the variance models the
primary analysis was chosen over, shown beside it."""

import pytest

from helpers.stats.intervals import fixed_effect_interval
from helpers.summary.decisions import judge_below
from helpers.summary.sensitivity import _intervals, gap_sensitivity
from tests.test_summary import CLEAR, SLIGHT, _recorded

# The 3-seed study render's Fashion-MNIST gaps and their Nadeau-Bengio SEs (issue 34).
MEANS = [0.0388, 0.0416, 0.0393]
VARIANCES = [0.0097**2, 0.0083**2, 0.0065**2]


def test_the_three_variance_models_on_the_study_s_seeds_differ_as_the_review_found():
    found = _intervals(MEANS, VARIANCES, 0.90)
    rounded = {k: tuple(round(x, 4) for x in v[1:]) for k, v in found.items()}
    assert rounded["random effects (primary, rule v6)"] == (0.0267, 0.0531)
    assert rounded["fixed effect"] == (0.0324, 0.0473)  # the review: "about 0.0325-0.0474"
    assert rounded["seeds' gaps alone (rule v5)"] == (0.0374, 0.0424)
    outcomes = {k: judge_below("x", *v, 0.05).outcome for k, v in found.items()}
    assert outcomes == {
        "random effects (primary, rule v6)": "inconclusive",
        "fixed effect": "holds",
        "seeds' gaps alone (rule v5)": "holds",
    }


def test_the_fixed_effect_interval_is_inverse_variance_with_a_normal_quantile():
    mean, low, high = fixed_effect_interval([1.0, 3.0], [1.0, 1.0], level=0.90)
    assert mean == 2.0 and high - mean == pytest.approx(1.6448536 / 2**0.5)
    with pytest.raises(ValueError, match="positive variance"):
        fixed_effect_interval([1.0], [0.0])


def test_sensitivity_rows_need_three_seeds():
    runs = [_recorded(CLEAR, [g + 0.002 * i for g in SLIGHT])[1] for i in range(3)]
    rows = gap_sensitivity(runs[0], runs[1:])
    assert len(rows) == 6 and {r["dataset"] for r in rows} == {"cifar10", "fashion_mnist"}
    assert all(r["outcome"] in ("holds", "fails", "inconclusive") for r in rows)
    assert gap_sensitivity(runs[0], runs[1:2]) == []
