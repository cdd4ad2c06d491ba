"""The seeds' random-effects interval (helpers.stats.intervals.random_effects_interval)
against an independent implementation: statsmodels' ``combine_effects`` (DerSimonian-
Laird between-study variance; Hartung-Knapp-Sidik-Jonkman t-interval), a test-only
oracle. Data with a nonzero between-study variance, on both sides of the modification
(Roever, Knapp and Friede 2015: the HK scale is floored at 1)."""

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from helpers.stats.intervals import random_effects_interval

# Six studies' effects and variances; the second set spreads them further apart, so
# the Hartung-Knapp scale exceeds 1 (the unmodified interval is then the modified one).
SETS = {
    "scale below 1": ([0.10, 0.30, 0.35, 0.65, 0.45, 0.15], [0.03, 0.03, 0.05, 0.01, 0.05, 0.02]),
    "scale above 1": ([0.05, 0.90, 0.20, 0.70, 0.15, 0.80], [0.01, 0.03, 0.01, 0.02, 0.04, 0.02]),
}


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.InvalidTestWarning")
def test_random_effects_interval_matches_statsmodels(name):
    effects, variances = SETS[name]
    oracle = combine_effects(np.array(effects), np.array(variances), method_re="dl", use_t=True)
    assert oracle.tau2 > 0  # a real between-study variance, not the fixed-effect case
    frame = oracle.summary_frame(alpha=0.10)
    # Modified HK: variance max(scale, 1) / sum(w): statsmodels' "random effect" row (t,
    # scale 1) below 1, its "random effect wls" row (t, HKSJ scale) above.
    row = "random effect wls" if oracle.scale_hksj_re > 1 else "random effect"
    assert (row == "random effect wls") == (name == "scale above 1")
    mean, low, high = random_effects_interval(effects, variances, level=0.90)
    expected = frame.loc[row]
    assert mean == pytest.approx(expected["eff"], rel=1e-12)
    assert (low, high) == pytest.approx((expected["ci_low"], expected["ci_upp"]), rel=1e-10)
