"""Three-outcome decisions, and the ledger of the verdict rules."""

import numpy as np
import pytest

from helpers.stats import intervals
from helpers.summary import cnn_vs_mlp, decisions, ledger, verdicts
from helpers.summary.decisions import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    claim_verdict,
    combine_outcomes,
    judge_above,
    judge_below,
)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(2.1, 3.0, HOLDS), (2.0, 3.0, HOLDS), (1.5, 2.5, INCONCLUSIVE), (1.0, 1.9, FAILS)],
)
def test_judge_above_reads_the_whole_interval(low, high, expected):
    assert judge_above("x", (low + high) / 2, low, high, 2.0).outcome == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0.01, 0.04, HOLDS), (0.01, 0.05, HOLDS), (0.04, 0.06, INCONCLUSIVE), (0.051, 0.09, FAILS)],
)
def test_judge_below_reads_the_whole_interval(low, high, expected):
    assert judge_below("x", (low + high) / 2, low, high, 0.05).outcome == expected


def test_each_decision_says_where_it_would_flip():
    above = judge_above("speed-up", 2.4, 1.85, 3.12, 2.0, unit="x")
    assert above.flip_text() == (
        "holds for a threshold up to 1.85x, fails for one above 3.12x, inconclusive between"
    )
    below = judge_below("gap", 0.04, 0.03, 0.052, 0.05)
    assert below.flip_text().startswith(
        "holds for a threshold from 0.052 up, fails for one below 0.03"
    )
    row = below.as_row()
    assert row["outcome"] == INCONCLUSIVE and row["90% interval"] == "[0.03, 0.052]"


@pytest.mark.parametrize("judge", [judge_above, judge_below])
def test_an_interval_of_zero_width_decides_nothing(judge):
    for point in (0.0, 0.05, 1.0):  # below, at and above the threshold
        decision = judge("x", point, point, point, 0.05)
        assert decision.outcome == INCONCLUSIVE
        assert decision.flip_text().startswith("inconclusive at any threshold: zero spread")
    # Round-off of equal replicates counts as zero width; a real spread does not.
    assert judge("x", 0.5, 0.5, 0.5 + 1e-14, 0.05).outcome == INCONCLUSIVE
    assert judge("x", 0.5, 0.5, 0.5 + 1e-9, 0.05).outcome != INCONCLUSIVE


def test_a_range_that_is_not_an_interval_is_read_as_it_is():
    # Verdict 1's leave-one-out range: zero width when every set agrees exactly.
    ranged = decisions.judge_range_above("x", 1.0, 1.0, 1.0, 0.05, "x", "range over sets")
    assert ranged.outcome == HOLDS and not ranged.interval
    assert ranged.as_row()["range over sets"] == "[1, 1]x"


def test_the_judges_default_to_the_ledgers_current_versions():
    import inspect

    for judge, claim in ((cnn_vs_mlp.judge_claim_2, 2), (cnn_vs_mlp.judge_claim_3, 3)):
        default = inspect.signature(judge).parameters["version"].default
        assert default == ledger.current_version(claim).version


def test_an_interval_the_wrong_way_round_is_refused():
    with pytest.raises(ValueError, match="low <= high"):
        judge_above("x", 1.0, 2.0, 1.0, 1.5)


def test_outcomes_combine_into_a_claim_verdict():
    assert combine_outcomes([HOLDS, HOLDS]) == HOLDS
    assert combine_outcomes([HOLDS, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine_outcomes([INCONCLUSIVE, FAILS]) == FAILS
    assert claim_verdict([HOLDS, HOLDS]) == "supported"
    assert claim_verdict([HOLDS, FAILS]) == "contradicted"
    assert claim_verdict([HOLDS, INCONCLUSIVE]) == "inconclusive"
    with pytest.raises(ValueError, match="unknown outcome"):
        combine_outcomes(["mixed"])
    with pytest.raises(ValueError, match="no outcomes"):
        combine_outcomes([])


def test_the_decision_level_is_two_one_sided_five_percent_tests():
    assert decisions.DECISION_LEVEL == pytest.approx(1 - 2 * 0.05)


def test_every_rule_constant_is_in_the_ledger_as_the_code_has_it():
    assert ledger.unlogged_changes(verdicts.rule_constants()) == []


def test_a_rule_constant_changed_without_a_ledger_entry_is_caught(monkeypatch):
    monkeypatch.setattr(cnn_vs_mlp, "C2_MAX_SLIGHT_GAP", 0.06)
    assert ledger.unlogged_changes(verdicts.rule_constants()) == [
        "C2_MAX_SLIGHT_GAP = 0.06 in the code, 0.05 in the ledger"
    ]
    assert ledger.unlogged_changes({"C9_NEW": 1}) == ["C9_NEW is in no ledger entry"]


def test_the_ledger_numbers_each_claims_versions_and_splits_rewritten_ones():
    for claim in (1, 2, 3):
        versions = ledger.versions_of(claim)
        numbers = sorted({v.version for v in versions})
        assert numbers == list(range(1, len(numbers) + 1))
        labels = [v.label for v in versions]
        assert len(set(labels)) == len(labels)
        for number in numbers:  # a number used twice is split into a, b, c...
            revisions = [v.revision for v in versions if v.version == number]
            assert revisions in ([""], list("abcdefgh"[: len(revisions)]))
        assert all(v.results_seen in ledger.TIMING_WORDS for v in versions)
    with pytest.raises(KeyError):
        ledger.versions_of(9)


def test_every_margin_has_a_source_quoting_the_study_where_it_comes_from_it():
    sources = ledger.margin_sources()
    assert set(verdicts.rule_constants()) <= set(sources)
    assert "0.1266" in sources["C2_MIN_CLEAR_GAP"] and "0.0355" in sources["C2_MIN_CLEAR_GAP"]
    assert "Schuirmann" in sources["DECISION_LEVEL"]


def test_the_studys_words_are_quoted_as_the_study_wrote_them():
    from helpers.summary import study

    assert "0.83 vs 0.86" in study.CONCLUSIONS[1]


def test_pooled_interval_is_the_t_interval_of_the_seeds_means():
    from scipy import stats

    from helpers.stats.intervals import MIN_POOLED_SEEDS, pooled_interval

    means = [0.02, 0.04, 0.06]
    half = stats.t.ppf(0.95, 2) * np.sqrt(np.var(means, ddof=1) / 3)
    assert pooled_interval(means, level=0.9) == pytest.approx((0.04, 0.04 - half, 0.04 + half))
    with pytest.raises(ValueError, match=f"need >= {MIN_POOLED_SEEDS} runs"):
        pooled_interval(means[:2])


def test_the_random_effects_interval_is_modified_hartung_knapp():
    from scipy import stats

    from helpers.stats.intervals import random_effects_interval

    # Seeds that agree far more closely than their own variances say: tau^2 = 0 and
    # q < 1, so the interval is the fixed-effect variance with a t quantile on 2 df.
    means, variances = [0.0388, 0.0416, 0.0393], [0.0097**2, 0.0083**2, 0.0065**2]
    mean, low, high = random_effects_interval(means, variances, level=0.90)
    w = [1 / v for v in variances]
    fixed = sum(wi * m for wi, m in zip(w, means)) / sum(w)
    half = stats.t.ppf(0.95, 2) / sum(w) ** 0.5
    assert mean == pytest.approx(fixed)
    assert (low, high) == pytest.approx((fixed - half, fixed + half))
    assert (round(low, 4), round(high, 4)) == (0.0267, 0.0531)  # the 3-seed study's
    # ... wider than the t-interval of the three gaps alone, which their agreement narrows.
    _, t_low, t_high = intervals.pooled_interval(means, level=0.90)
    assert low < t_low and t_high < high
    # Seeds that disagree more than their variances allow (tau^2 > 0, q > 1): pinned
    # against statsmodels in tests/test_meta_analysis_oracle.py.
    with pytest.raises(ValueError, match="positive variance"):
        random_effects_interval(means, [0.0, 1e-4, 1e-4])
    with pytest.raises(ValueError, match=">= 3 runs"):
        random_effects_interval(means[:2], variances[:2])


def test_verdict_2_pooled_over_seeds_is_inconclusive_where_the_seeds_disagree():
    from tests.test_summary import CLEAR, SLIGHT, _recorded

    cnn, mlp = _recorded(CLEAR, SLIGHT)
    alone = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})
    assert alone[1]["halves"]["only slightly on Fashion-MNIST"] == "holds"
    # Two more seeds, each as consistent over its folds, whose Fashion-MNIST gaps sit
    # near 0.05: pooled, the Fashion-MNIST interval straddles the margin.
    others = [
        {"projection_mlp": _recorded(CLEAR, [g + shift for g in SLIGHT])[1]}
        for shift in (0.02, 0.035)
    ]
    pooled = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp}, others)
    assert pooled[1]["halves"]["only slightly on Fashion-MNIST"] == "inconclusive"
    assert "pooled over 3 seeds: random-effects interval" in pooled[1]["evidence"]
    assert pooled[1]["versions"][-1]["judged on"] == "pooled over 3 seeds"
    # v4 and v5 pooled too (the t-interval of the seeds' gaps alone): shown as they did.
    assert [v["judged on"] for v in pooled[1]["versions"][3:5]] == ["pooled over 3 seeds"] * 2
    assert pooled[1]["versions"][0]["judged on"] == "this run"
    # Verdict 3 cites the pooled result; the earlier rule versions see this run only.
    assert pooled[2]["halves"]["close in accuracy"] == "inconclusive"
    assert pooled[1]["versions"][:3] == alone[1]["versions"][:3]  # before pooling existed
    assert "the cost is this run's" in pooled[2]["evidence"]
    # Two seeds are too few to pool: this run's verdict, and why.
    two = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp}, others[:1])
    assert two[1]["halves"] == alone[1]["halves"]
    assert "2 seeds are too few to pool (at least 3)" in two[1]["evidence"]


def test_the_findings_figure_draws_every_check_with_its_interval_and_threshold():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.text import Text

    from helpers.plots import OUTCOME_COLORS, decision_key, plot_decisions
    from helpers.plots.style import use_report_style
    from helpers.summary.reconstruction_claim import judge_claim_1 as judge_claim_1_v5
    from tests.test_summary import CLEAR, GOOD, MEDIAN, ROUGH, _as_summary, _real_images, _recorded

    use_report_style()  # the notebooks' fonts: the figure must stay legible under them
    cnn, mlp = _recorded(CLEAR, [0.01, 0.08, 0.02, 0.07, 0.04])
    images = _real_images({**GOOD, **MEDIAN}, ROUGH, spread=0.1)
    results = {"cnn": cnn, "projection_mlp": mlp, "reconstruction": images}
    found = verdicts.conclusion_verdicts(results)
    # Verdict 1 under rule v5 (ratios and per-image sizes: two units, one not counted).
    found[0] = _as_summary(judge_claim_1_v5(images))
    fig = plot_decisions(found)
    # Drawn no wider than the PDF prints a figure unscaled (0.9 of its 6.7 in text
    # width), so drawn size is print size: no text under 8 pt, no title over any panel.
    assert fig.get_figwidth() <= 0.9 * 6.7
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert texts and min(t.get_fontsize() for t in texts) >= 8, sorted(
        (t.get_fontsize(), t.get_text()) for t in texts
    )[:3]
    assert all(
        ax.get_title(loc=loc) == "" for ax in fig.axes for loc in ("left", "center", "right")
    )
    assert not fig.texts or all(t.get_text() == "" for t in fig.texts)  # no suptitle
    # Verdict 1's ratios and its per-image sizes in two panels, then verdicts 2 and 3,
    # each named at its left.
    names = [ax.get_ylabel() for ax in fig.axes]
    assert names == [
        f"Verdict 1\n{found[0]['verdict']}",
        "Verdict 1\n(continued)",
        "Verdict 2\ninconclusive",
        f"Verdict 3\n{found[2]['verdict']}",
    ]
    # Short codes for the checks: claim number and letter, in the order of its checks
    # (ratios 1a, 1c in the first panel; sizes 1b, 1d, 1e in the second; top down).
    codes = [[t.get_text() for t in ax.get_yticklabels()][::-1] for ax in fig.axes]
    units = [c["unit"] for c in found[0]["checks"]]
    assert units[:3] == ["x", "", "x"]
    letters = "abcdefgh"
    assert codes[0] == [f"1{letters[k]}" for k, u in enumerate(units) if u == "x"]
    assert codes[1] == [f"1{letters[k]}" for k, u in enumerate(units) if u != "x"]
    assert codes[2] == ["2a", "2b", "2c", "2d"][: len(found[1]["checks"])]
    # Verdict 3's check cited from verdict 2 is drawn once, in verdict 2's panel.
    cited = [k for k, c in enumerate(found[2]["checks"]) if c.get("cited_from")]
    assert cited and all(f"3{letters[k]}" not in codes[3] for k in cited)
    # The key maps every code, in order, to the full check name and its outcome.
    key = decision_key(found)
    assert [r["code"] for r in key] == [
        f"{i}{letters[k]}" for i, v in enumerate(found, 1) for k in range(len(v["checks"]))
    ]
    every_check = [c for v in found for c in v["checks"]]
    assert [r["check"] for r in key] == [c["check"] for c in every_check]
    assert all(r["outcome"].startswith(c["outcome"]) for r, c in zip(key, every_check))
    by_code = {r["code"]: r for r in key}
    assert by_code["2c"]["outcome"] == "inconclusive"
    assert by_code[f"3{letters[cited[0]]}"]["outcome"] == "inconclusive, drawn as 2c"
    uncounted = [k for k, c in enumerate(found[0]["checks"]) if c.get("uncounted")]
    assert uncounted and "not counted" in by_code[f"1{letters[uncounted[0]]}"]["outcome"]
    assert all(c["unit"] == "x" for c in found[0]["checks"][:1])
    assert fig.axes[0].xaxis.get_major_formatter()(3.0, 0) == "3x"
    ax2 = fig.axes[2]
    # An inconclusive check is grey; verdict 3's speed-ups are on a log scale.
    straddling = found[1]["checks"][2]
    assert straddling["outcome"] == "inconclusive"
    greys = [line for line in ax2.lines if line.get_color() == OUTCOME_COLORS["inconclusive"]]
    assert greys
    # Verdict 3's speed-ups are labelled as ratios (log scale only where they span decades).
    assert fig.axes[3].xaxis.get_major_formatter()(3.0, 0) == "3x"
    assert fig.axes[3].get_xscale() == "linear"
    assert fig.axes[0].get_xscale() == "log"  # verdict 1's ratios span decades
    # A check shown but not counted is dashed with an open dot (seen even with no
    # interval), and the legend says what they mean.
    stuck = {"brick": [(50, 1.6e-2), (600, 1.3e-2)], "wood": [(50, 1.6e-2), (600, 1.25e-2)]}
    images = _real_images({**GOOD, **MEDIAN}, stuck, spread=0.1)
    fig = plot_decisions([_as_summary(judge_claim_1_v5(images))])
    sizes = fig.axes[1]
    assert any(line.get_linestyle() == "--" for line in sizes.lines)
    dots = [line for line in sizes.lines if line.get_marker() == "o"]
    assert sum(line.get_markerfacecolor() == "white" for line in dots) == 1  # 1e only
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [*OUTCOME_COLORS, "threshold", "not counted"]
    assert plot_decisions(verdicts.conclusion_verdicts({})) is None


def test_details_fold_in_html_and_stay_plain_in_the_pdf(monkeypatch):
    from helpers import tables

    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda data, raw, metadata=None: shown.append(data)
    )
    tables.show_details("Evidence for <verdict> 1", "Some *long* text.")
    (data,) = shown
    assert data["text/html"].startswith(
        "<details><summary>Evidence for &lt;verdict&gt; 1</summary>"
    )
    assert "<em>long</em>" in data["text/html"] and data["text/html"].endswith("</details>")
    assert data["text/markdown"] == "Some *long* text."


def test_the_findings_table_says_where_each_verdicts_evidence_is():
    from tests.test_summary import CLEAR, SLIGHT, _recorded

    cnn, mlp = _recorded(CLEAR, SLIGHT)
    rows = verdicts.findings_rows(verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp}))
    assert [r["claim"] for r in rows] == [1, 2, 3]
    assert rows[1]["evidence"].startswith("Experiment 3: [Table 3b](#table-3b)")
    assert f"{ledger.current_version(2).timing};" in rows[1]["verdict"]
    assert rows[1]["standing"] == ledger.EXPLORATORY  # no pre-registration in this test
    assert rows[0]["verdict"].startswith("no evidence (v")
    assert rows[0]["deciding check"] == "-"  # no reconstruction results: no checks
    v2 = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[1]
    check = verdicts.deciding_check(v2)
    assert rows[1]["deciding check"].startswith(check["check"])
    assert rows[1]["estimate [interval]"] == (
        f"{check['estimate']:.4g} [{check['low']:.4g}, {check['high']:.4g}]"
    )
    sign = "\u2265" if check["direction"] == "above" else "\u2264"
    assert rows[1]["claim needs"] == f"{sign} {check['threshold']:g}"
    assert "earlier" in rows[1]["verdict"]
    # Verdict 3's accuracy half, cited from verdict 2, is shown among its checks.
    v3 = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp})[2]
    cited = [c for c in v3["checks"] if c["check"].startswith("close in accuracy, cited")]
    assert v3["verdict"] != "no evidence"
    assert len(cited) == 1 and cited[0]["outcome"] == v3["halves"]["close in accuracy"]
    assert cited[0]["cited_from"] == "verdict 2"


def _check(name, outcome, low, high, threshold=2.0, unit="x", direction="above"):
    return {
        "check": name,
        "outcome": outcome,
        "estimate": (low + high) / 2,
        "low": low,
        "high": high,
        "threshold": threshold,
        "direction": direction,
        "unit": unit,
        "span": "90% interval",
    }


def test_the_deciding_check_is_the_one_the_verdict_turns_on():
    decide = verdicts.deciding_check
    far = _check("far", "holds", 5.0, 9.0)
    near = _check("near", "holds", 2.1, 9.0)
    fails = _check("fails", "fails", 1.0, 1.5)
    unsure = _check("unsure", "inconclusive", 1.0, 3.0)
    assert decide({"verdict": "supported", "checks": [far, near]}) is near
    assert decide({"verdict": "contradicted", "checks": [unsure, fails]}) is fails
    assert decide({"verdict": "inconclusive", "checks": [far, unsure]}) is unsure
    assert decide({"verdict": "no evidence", "checks": []}) is None
    # A ratio check whose bound is not positive cannot be measured on the log scale:
    # it is never taken for the nearest.
    odd = _check("odd", "holds", -1.0, 9.0)
    assert decide({"verdict": "supported", "checks": [odd, far]}) is far
    below = _check("below", "holds", -0.2, -0.07, threshold=0.05, unit="", direction="below")
    nearer = _check("nearer", "holds", -0.2, 0.04, threshold=0.05, unit="", direction="below")
    assert decide({"verdict": "supported", "checks": [below, nearer]}) is nearer


def test_the_decision_note_and_ledger_describe_verdict_1s_current_rule():
    note = verdicts.decision_note()
    assert "rank correlations" in note and "permutation test at 5%" in note
    assert "t bounds" not in note  # v5's per-image margins are no longer the rule
    v6 = ledger.current_version(1)
    assert "Spearman" in v6.change and "935860c" in v6.change  # its results, seen since
    assert v6.constants["DECISION_LEVEL"] == decisions.DECISION_LEVEL
    v5c = next(v for v in ledger.versions_of(1) if v.label == "5c")
    assert "t margins" in v5c.change and "at least two images" in v5c.change


def test_a_seed_whose_folds_did_not_vary_leaves_the_pooled_check_undecided():
    from tests.test_summary import CLEAR, SLIGHT, _recorded

    cnn, mlp = _recorded(CLEAR, SLIGHT)
    others = [{"projection_mlp": _recorded(CLEAR, [g + 0.001 for g in SLIGHT])[1]}]
    others.append({"projection_mlp": _recorded(CLEAR, [0.03] * 5)[1]})  # no fold variance
    pooled = verdicts.conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp}, others)[1]
    fashion = [
        c for c in pooled["checks"] if c["check"].startswith("Fashion-MNIST: the gap lies below")
    ]
    assert fashion[0]["low"] == fashion[0]["high"] and fashion[0]["outcome"] == "inconclusive"
    # v5, the t-interval of the seeds' gaps alone, still decided it: the narrower rule.
    v5 = cnn_vs_mlp.judge_claim_2(mlp, [o["projection_mlp"] for o in others], version=5)
    assert v5["slight_bound"].outcome == "holds"
    assert pooled["halves"]["clearly on CIFAR-10"] == "holds"  # its seeds all varied
