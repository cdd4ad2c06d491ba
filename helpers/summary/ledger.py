"""The ledger of the verdict rules: every version of each rule, when it changed and why,
and whether results had been seen when it was written; and where each margin comes from.

A rule constant that changes without a new entry here fails
``tests/test_summary_rules.py`` (the latest entry of each claim records the
constants it was stated with). The report prints this ledger and each verdict
under every version whose inputs are still recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "RuleVersion",
    "LEDGER",
    "margin_sources",
    "versions_of",
    "current_version",
    "unlogged_changes",
    "margin_rows",
]

SEEN = "yes"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class RuleVersion:
    """One version of one claim's verdict rule.

    ``results_seen``: whether rendered results existed when it was written
    (``"yes"``, ``"no"`` or ``"not recorded"``: the project did not log it then).
    ``constants``: the rule's named constants as this version stated them.
    """

    claim: int
    version: int
    date: str
    commit: str
    change: str
    results_seen: str
    constants: dict = field(default_factory=dict)

    @property
    def post_hoc(self):
        return self.results_seen == SEEN


LEDGER = (
    RuleVersion(
        1,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: the synthetic smooth image's MSE falls more "
        "over M and ends lower than the synthetic textured image's (point estimates).",
        NOT_RECORDED,
    ),
    RuleVersion(
        1,
        2,
        "2026-11-27",
        "c9323ca",
        "Judged on real images (photographs against textures, chosen by eye) with factors "
        "2x on the drop and on the floor (geometric means). Renders of the v1 rule existed.",
        NOT_RECORDED,
    ),
    RuleVersion(
        1,
        3,
        "2026-11-27",
        "4afcc06",
        "Images grouped by a measurement (variance outside the best DCT terms), relative "
        "MSE, every image left out in turn; supported / mixed / not supported.",
        SEEN,
    ),
    RuleVersion(
        1,
        4,
        "2026-12-03",
        "issue 22",
        "Three outcomes: a half holds or fails when every leave-one-out set of images agrees, "
        "inconclusive when one image decides it (or leaving one out empties a group); a "
        "failed half contradicts the claim. Flip thresholds from the leave-one-out range.",
        SEEN,
        {"C1_MIN_DROP_RATIO": 2.0, "C1_MIN_FLOOR_RATIO": 2.0, "C1_SE_MARGIN": 2.0},
    ),
    RuleVersion(
        1,
        5,
        "2026-12-04",
        "issue 22",
        "Real images (at least 5) split at their median roughness (RMS pixel difference "
        "over the standard deviation, a moment of the DCT spectrum, chosen after results "
        "had been seen) instead of the share outside the best 150 DCT terms, which "
        "restated the floor at M = 600 = 4 x 150 (a referee's finding: nearly circular). "
        "The draws' spread is used (the t margins of 90% intervals): the smoother images "
        "must beat the constant image; the rougher images' error must fall; whether they "
        "beat the constant image is shown, not counted (gravel's 1.13 in the study render "
        "is no recovery, but the claim does not promise one). A per-image 'fails' needs at "
        "least two images. The best M/4- and M-term approximations are shown beside each "
        "image, not judged. On the study render of 2026-12-04 (b2cf7a3 code, float32), v4 "
        "and v5 both give inconclusive; v4 is evaluated beside on every run.",
        SEEN,
        {
            "C1_MIN_DROP_RATIO": 2.0,
            "C1_MIN_FLOOR_RATIO": 2.0,
            "C1_SE_MARGIN": 2.0,
            "C1_MIN_REAL_IMAGES": 5,
            "DECISION_LEVEL": 0.90,
        },
    ),
    RuleVersion(
        2,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: CIFAR-10's CV gap positive and at least twice "
        "Fashion-MNIST's; Fashion-MNIST's between 0 and 0.05 (point estimates).",
        NOT_RECORDED,
    ),
    RuleVersion(
        2,
        2,
        "2026-11-27",
        "2e80698",
        "Significance-gated: CIFAR-10's gap significantly positive and at least 0.05; "
        "Fashion-MNIST's at most 0.05, not significantly negative, significantly smaller than "
        "CIFAR-10's (point sizes, tests at 5%). Its commit calls it pre-stated; renders of "
        "the v1 rule existed.",
        NOT_RECORDED,
    ),
    RuleVersion(
        2,
        3,
        "2026-11-28",
        "16aeb70",
        "Sizes judged by 95% intervals instead of point estimates (after a referee's review "
        "of study renders; under v2 the 0.043 Fashion-MNIST gap passed).",
        SEEN,
    ),
    RuleVersion(
        2,
        4,
        "2026-12-03",
        "issue 22",
        "Three outcomes by one-sided tests at 5% each way (90% intervals): holds, fails, or "
        "inconclusive when the interval straddles the margin; 'beats' on Fashion-MNIST tested "
        "(gap above 0), not only 'not significantly worse'; pooled over >= 3 seeds when "
        "seed runs exist; flip thresholds printed.",
        SEEN,
        {"C2_MIN_CLEAR_GAP": 0.05, "C2_MAX_SLIGHT_GAP": 0.05, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        2,
        5,
        "2026-12-04",
        "issue 22",
        "A check on an interval of zero width (every fold's gap equal) is inconclusive: "
        "replicates that do not vary estimate no noise (a referee's finding). The same "
        "outcome as v4 on the same data wherever the intervals have a width (v4 is shown "
        "on this run; v5 on the seeds pooled, when they are).",
        SEEN,
        {"C2_MIN_CLEAR_GAP": 0.05, "C2_MAX_SLIGHT_GAP": 0.05, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        2,
        6,
        "2026-12-05",
        "issue 22",
        "Seeds pooled by a random-effects interval (DerSimonian-Laird between-seed "
        "variance, modified Hartung-Knapp interval: variance max(q, 1) / sum of weights, t "
        "with seeds - 1 df; Roever, Knapp and Friede 2015) instead of the t-interval of the "
        "seeds' gaps alone, so the pooled interval is never narrower than the "
        "inverse-variance one from the seeds' own Nadeau-Bengio variances; a seed whose "
        "folds did not vary leaves a pooled check undecided. After a referee's review of "
        "the 3-seed study render (float32, 2026-12-04): the seeds' Fashion-MNIST gaps "
        "(0.0388, 0.0416, 0.0393, sd 0.0015) agreed more closely than their own SEs "
        "(0.0065-0.0097) predict (Q = 0.063 on 2 df, p = 0.03): evidence that the "
        "Nadeau-Bengio variance overstates the noise here, but 2 df cannot say by how much. "
        "Conservative by design: with 3 seeds and t on 2 df the interval covers more than "
        "90%. Results seen. On that render it turns the Fashion-MNIST half from holds (v5: "
        "0.0374-0.0424 against 0.05) to inconclusive (0.0267-0.0531), and verdict 2 from "
        "supported to inconclusive; CIFAR-10 still holds (Q = 0.96, p = 0.38); verdict 3 "
        "cites the Fashion-MNIST check. More seeds could decide it, but how many must be "
        "fixed before their results are read.",
        SEEN,
        {"C2_MIN_CLEAR_GAP": 0.05, "C2_MAX_SLIGHT_GAP": 0.05, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        3,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: at least 10x fewer FLOPs per image and at "
        "most 0.05 lower test accuracy (point estimates).",
        NOT_RECORDED,
    ),
    RuleVersion(
        3,
        2,
        "2026-11-27",
        "2e80698",
        "Measured cost instead of FLOPs: at least 2x the training images per second and 2x "
        "faster per image at batches 1 and 256 (each chapter's own medians); at most 0.05 "
        "lower test accuracy.",
        NOT_RECORDED,
    ),
    RuleVersion(
        3,
        3,
        "2026-11-28",
        "16aeb70",
        "Accuracy judged on the 95% interval of the CV gap instead of one test score.",
        SEEN,
    ),
    RuleVersion(
        3,
        4,
        "2026-12-01",
        "24ea1da",
        "Cost judged with its uncertainty: the RP-MLP's slowest training epoch at least 2x "
        "the CNN's fastest, and 95% intervals of the latency timed in turn with the CNN, "
        "after a study render met the point rule at 2.2x against 2x.",
        SEEN,
    ),
    RuleVersion(
        3,
        5,
        "2026-12-01",
        "cbc8fb2",
        "Training cost judged on a 95% Welch interval of the per-epoch throughputs instead "
        "of the slowest/fastest epoch bound, after a referee's review.",
        SEEN,
    ),
    RuleVersion(
        3,
        6,
        "2026-12-03",
        "issue 22",
        "Three outcomes by one-sided tests on 90% intervals; 'close in accuracy' cites "
        "verdict 2's Fashion-MNIST margin instead of testing the same gap again.",
        SEEN,
        {"C3_MIN_SPEEDUP": 2.0, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        3,
        7,
        "2026-12-04",
        "issue 22",
        "Latency counted only where the model's work sets it: a latency check that does "
        "not hold is shown but not counted where the framework's per-call floor (a "
        "one-layer model on the RP-MLP's input, timed in the same rounds) takes more than "
        "half of the RP-MLP's time (the shares' 90% interval wholly above); at least one "
        "latency check must count. Checks on zero-width intervals are inconclusive. After "
        "a referee's review: at batch 1 a Dense(10)-only model took about as long per call "
        "as the study's MLP. Written before any render had timed the floor. On the first "
        "that did (study, 3 seeds, float32, 2026-12-04) this change alone turns the verdict: "
        "v6 contradicted (batch 1: 1.61x, the floor 52% of the RP-MLP's time), v7 supported "
        "(batch 256: 9.6x).",
        SEEN,
        {"C3_MIN_SPEEDUP": 2.0, "C3_MAX_FLOOR_SHARE": 0.5, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        3,
        8,
        "2026-12-05",
        "issue 22",
        "Training cost as the time to a trained model instead of per-epoch throughput: "
        "each final fit timed over every epoch early stopping ran (the first, tracing epoch "
        "and the validation passes included), the CNN's time over the RP-MLP's, with at "
        "least three seeds a t-interval of the log ratios over the seeds, so it holds the "
        "movement between runs that one fit's epoch jitter leaves out (the referee's "
        "point); with fewer seeds v5-v7's per-epoch interval stays. What is measured "
        "changed, so the 2x threshold now reads per trained model, not per epoch; early "
        "stopping's epoch counts enter it. Written after the 3-seed study render of "
        "2026-12-04 had been read: there v7's per-epoch interval was 9.47-9.83x, v8's "
        "per-seed ratios 7.1x, 7.4x and 8.3x (6.64-8.63x), both above 2x. Reworded, not "
        "changed, in 64babf4.",
        SEEN,
        {"C3_MIN_SPEEDUP": 2.0, "C3_MAX_FLOOR_SHARE": 0.5, "DECISION_LEVEL": 0.90},
    ),
    RuleVersion(
        3,
        9,
        "2026-12-05",
        "issue 22",
        "With fewer than three seeds, one run's training-time ratio is shown as a point and "
        "not counted, which leaves 'cheaper' undecided, instead of v8's per-epoch interval "
        "(per-epoch throughput above 2x can hide whole fits that take as long: the MLP may "
        "run more epochs); a seed whose final fits were served from the cache counts only "
        "when both record the same machine, backend and precision. After a second "
        "referee's review: an interval borrowed from one run's epoch jitter (64babf4, "
        "never rendered) gave seeds 0, 10 and 20 of the 3-seed study 6.99-7.25x, "
        "7.18-7.58x and 8.05-8.48x, which do not all overlap: it under-covers. On three "
        "seeds v9 reads as v8.",
        SEEN,
        {"C3_MIN_SPEEDUP": 2.0, "C3_MAX_FLOOR_SHARE": 0.5, "DECISION_LEVEL": 0.90},
    ),
)


def margin_sources():
    """Where each threshold of the current rules comes from, by constant name.

    The margins are kept as first stated (6e11292 / 2e80698): moving them now, with
    the results known, would be one more post hoc change.
    """
    from helpers.summary import study

    gap = {n: study.CNN[n][0] - study.PROJECTION_MLP[n][0] for n in study.CNN}
    return {
        "C1_MIN_DROP_RATIO": (
            "A factor of two, stated with the rule on real images (c9323ca) as the smallest "
            "difference between two error curves worth calling 'faster'; the study gives no "
            "number."
        ),
        "C1_MIN_FLOOR_RATIO": "As C1_MIN_DROP_RATIO, for 'a higher floor'.",
        "C1_SE_MARGIN": (
            "v4's: two standard errors over the measurement draws, within which a relative "
            "MSE near 1 (the constant image) is not a recovery (shown). v5 decides with the "
            "t margin of a 90% interval over the draws instead (2.13 for 5 draws)."
        ),
        "C1_MIN_REAL_IMAGES": (
            "Five, as the referee's review asked (issue 22); asked for, not derived: with "
            "the median image sitting out, two a side, so no single image makes a half."
        ),
        "C2_MIN_CLEAR_GAP": (
            f"The study's own numbers and words: its CNN - MLP gap is "
            f"{gap['cifar10']:.4f} on CIFAR-10 and {gap['fashion_mnist']:.4f} on "
            "Fashion-MNIST (Tables 2-3), where it calls the MLP's results 'close to CNN' and "
            "the differences 'much smaller'. 0.05 lies between the two gaps, above the one "
            "the study calls close; first stated in 6e11292 (Fashion-MNIST) and 2e80698 "
            "(CIFAR-10)."
        ),
        "C2_MAX_SLIGHT_GAP": "As C2_MIN_CLEAR_GAP: one boundary between 'slight' and 'clear'.",
        "C3_MIN_SPEEDUP": (
            "A factor of two, stated with the measured-cost rule (2e80698): the study claims "
            "'cost-effective' without a number, and a saving under 2x is within what another "
            "machine or framework can move."
        ),
        "C3_MAX_FLOOR_SHARE": (
            "A convention, chosen after results had been seen (post hoc, v7): a latency "
            "ratio speaks of the models when their own work is most of what is timed; "
            "above half, the per-call overhead every model pays alike sets it. Only a check "
            "that does not hold can go uncounted (overhead pulls a speed-up toward 1), and "
            "each such check prints its share's interval and the cut-offs at which it "
            "would count."
        ),
        "DECISION_LEVEL": (
            "90% two-sided intervals: a one-sided test at 5% for 'holds' and another for "
            "'fails', as in equivalence and non-inferiority testing (Schuirmann 1987)."
        ),
    }


def versions_of(claim):
    """The ledger's versions of one claim's rule, oldest first."""
    found = [v for v in LEDGER if v.claim == claim]
    if not found:
        raise KeyError(f"no rule versions for claim {claim}")
    return sorted(found, key=lambda v: v.version)


def current_version(claim):
    """The rule version the verdicts use now (the newest)."""
    return versions_of(claim)[-1]


def unlogged_changes(constants):
    """Rule constants whose value differs from what the newest ledger entry of their
    claim records (or that no entry records): each needs a new :data:`LEDGER` entry.

    ``constants``: name -> value as the code has them now
    (:func:`helpers.summary.verdicts.rule_constants`).
    """
    recorded = {}
    for claim in sorted({v.claim for v in LEDGER}):
        recorded.update(current_version(claim).constants)
    problems = [
        f"{name} = {value!r} in the code, {recorded[name]!r} in the ledger"
        for name, value in constants.items()
        if name in recorded and recorded[name] != value
    ]
    problems += [f"{name} is in no ledger entry" for name in constants if name not in recorded]
    return problems


def margin_rows(constants):
    """The summary's table of thresholds: name, value and source of each constant."""
    sources = margin_sources()
    return [
        {"constant": name, "value": value, "source": sources.get(name, "not stated")}
        for name, value in constants.items()
    ]
