"""The ledger of the verdict rules: every version of each rule, when it changed and why,
whether results had been seen when it was written, where each margin comes from, and
the fingerprint of the code that evaluates each version.

Tamper-evident: each version records :func:`helpers.summary.judge_source.judge_fingerprint`
of its judge (the functions and constants it runs). ``tests/test_summary_rules.py``
fails when a judge's code changes without a new version here or a
:class:`SourceChange` saying what changed and why, and when a rule constant changes
without a new entry. A version rewritten in place under one number was split after the
fact (claim 1 v5a-c, claim 3 v7a-b): the code of those not kept was evaluated once
from its own commit and its outcome recorded. The words the report uses for a rule's
timing ("post hoc") and a verdict's standing ("exploratory", "pre-registered",
"confirmatory") are defined here and nowhere else.

Length: a record of every rule version with its reasons; split by claim it would
scatter the history a reader compares side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "RuleVersion",
    "SourceChange",
    "SOURCE_CHANGES",
    "source_history",
    "recorded_hash",
    "changed_judges",
    "LEDGER",
    "margin_sources",
    "versions_of",
    "current_version",
    "unlogged_changes",
    "margin_rows",
]

SEEN = "yes"
UNSEEN = "no"
NOT_RECORDED = "not recorded"
# The only place these words are written: the report and the tests take them from here.
POST_HOC = "post hoc"
TIMING_WORDS = {
    SEEN: POST_HOC,
    UNSEEN: "stated before results",
    NOT_RECORDED: "results seen: not recorded",
}
EXPLORATORY = "exploratory"
CONFIRMATORY = "confirmatory"
PREREGISTERED = "pre-registered"
WITHDRAWN = "withdrawn"

# The code that evaluates each version today (helpers.summary.judge_source hashes it).
_C1_PAST = ("helpers.summary.reconstruction_claim_versions.claim_1_versions",)
_C1_NOW = ("helpers.summary.reconstruction_rank.judge_claim_1_v6",)
_C2_PAST = ("helpers.summary.cnn_vs_mlp_versions.claim_2_versions",)
_C2_NOW = ("helpers.summary.cnn_vs_mlp.judge_claim_2",)
_C3_PAST = ("helpers.summary.cnn_vs_mlp_versions.claim_3_versions",)
_C3_NOW = ("helpers.summary.cnn_vs_mlp.judge_claim_3",)


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
    revision: str = ""
    judge: tuple = ()
    source_hash: str | None = None
    recorded_outcome: str | None = None

    @property
    def post_hoc(self):
        return self.results_seen == SEEN

    @property
    def label(self):
        """``"5"``, or ``"5b"`` for the second of a version rewritten in place."""
        return f"{self.version}{self.revision}"

    @property
    def timing(self):
        """When it was written relative to the results, in the ledger's words."""
        return TIMING_WORDS[self.results_seen]


LEDGER = (
    RuleVersion(
        1,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: the synthetic smooth image's MSE falls more "
        "over M and ends lower than the synthetic textured image's (point estimates).",
        NOT_RECORDED,
        judge=_C1_PAST,
        source_hash="3447c92c5304fbc6",
    ),
    RuleVersion(
        1,
        2,
        "2026-11-27",
        "c9323ca",
        "Judged on real images (photographs against textures, chosen by eye) with factors "
        "2x on the drop and on the floor (geometric means). Renders of the v1 rule existed "
        "(marked 'yes' on 2026-12-06; it read 'not recorded' before).",
        SEEN,
    ),
    RuleVersion(
        1,
        3,
        "2026-11-27",
        "4afcc06",
        "Images grouped by a measurement (variance outside the best DCT terms), relative "
        "MSE, every image left out in turn; supported / mixed / not supported.",
        SEEN,
        judge=_C1_PAST,
        source_hash="3447c92c5304fbc6",
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
        judge=_C1_PAST,
        source_hash="3447c92c5304fbc6",
    ),
    RuleVersion(
        1,
        5,
        "2026-12-04",
        "3a1aa97",
        "Real images (at least 5) split at their median roughness (RMS pixel difference over "
        "the standard deviation, chosen after results had been seen) instead of the share "
        "outside the best 150 DCT terms, which restated the floor at M = 600 = 4 x 150; each "
        "half also needs its images to beat the constant image at the largest M by 2 SE over "
        "the draws. Rewritten in place twice under the same number (split into v5a-c on "
        "2026-12-06). Its code is not kept: evaluated once, by its own commit, on the study "
        "render's verdict-1 inputs pinned in tests/test_summary.py.",
        SEEN,
        {
            "C1_MIN_DROP_RATIO": 2.0,
            "C1_MIN_FLOOR_RATIO": 2.0,
            "C1_SE_MARGIN": 2.0,
            "C1_MIN_REAL_IMAGES": 5,
        },
        revision="a",
        source_hash="50124fecedf8eb7e",
        recorded_outcome="contradicted (gravel's relative MSE at M = 600 above 1: 'rougher "
        "images recovered' fails)",
    ),
    RuleVersion(
        1,
        5,
        "2026-12-04",
        "19bebea",
        "v5a after a referee's review: per-image checks on one-sided 90% t margins over the "
        "draws, failing only when no single image decides them; the rougher images' error "
        "must fall; their not beating the constant image leaves their half at most "
        "inconclusive. Code not kept: evaluated once, by its own commit, on the same pinned "
        "inputs.",
        SEEN,
        {
            "C1_MIN_DROP_RATIO": 2.0,
            "C1_MIN_FLOOR_RATIO": 2.0,
            "C1_SE_MARGIN": 2.0,
            "C1_MIN_REAL_IMAGES": 5,
            "DECISION_LEVEL": 0.90,
        },
        revision="b",
        source_hash="b782ce5d02715910",
        recorded_outcome="inconclusive",
    ),
    RuleVersion(
        1,
        5,
        "2026-12-04",
        "b23b204",
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
            "ZERO_WIDTH": 1e-12,
        },
        revision="c",
        judge=_C1_PAST,
        source_hash="9f004aad64ed9b8c",
    ),
    RuleVersion(
        1,
        6,
        "2026-12-06",
        "e500435",
        "A rank test over chapter 01's rank panel: every picture bundled with scikit-image "
        "(23, grayscale, centred square, 64 x 64), ordered by roughness (v5's measure, "
        "chosen after v5's five images' results had been seen and kept unchanged for the 18 "
        "added, whose results did not exist yet). Spearman's rho of roughness with the "
        "relative MSE at the largest M must be positive and with its fall over the M range "
        "negative, each by a one-sided permutation test at 5% (99,999 seeded permutations), "
        "failing when significant the other way; undecided under 20 images. Five images "
        "with two a side had made 'inconclusive' the design's answer (issue 34). Written "
        "before any render of the panel (the Table 1 results of camera, moon, brick, grass, "
        "gravel and the synthetic pair were known); a quick render (6 images, 2 draws, "
        "undecided by design) and its study render were read afterwards (935860c: "
        "rho 0.84 and -0.85, p = 1e-5 each, supported), so a later run on the same 23 "
        "images re-tests the measurement draws, not new images.",
        UNSEEN,
        {
            "C1_MIN_DROP_RATIO": 2.0,
            "C1_MIN_FLOOR_RATIO": 2.0,
            "C1_SE_MARGIN": 2.0,
            "C1_MIN_REAL_IMAGES": 5,
            "C1_MIN_RANK_IMAGES": 20,
            "C1_RANK_RESAMPLES": 99_999,
            "C1_RANK_SEED": 20261206,
            "DECISION_LEVEL": 0.90,
            "ZERO_WIDTH": 1e-12,
        },
        judge=_C1_NOW,
        source_hash="810b7934ce376bf2",
    ),
    RuleVersion(
        2,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: CIFAR-10's CV gap positive and at least twice "
        "Fashion-MNIST's; Fashion-MNIST's between 0 and 0.05 (point estimates).",
        NOT_RECORDED,
        judge=_C2_PAST,
        source_hash="6b855743237892e8",
    ),
    RuleVersion(
        2,
        2,
        "2026-11-27",
        "2e80698",
        "Significance-gated: CIFAR-10's gap significantly positive and at least 0.05; "
        "Fashion-MNIST's at most 0.05, not significantly negative, significantly smaller than "
        "CIFAR-10's (point sizes, tests at 5%). Its commit calls it pre-stated; renders of "
        "the v1 rule existed (marked 'yes' on 2026-12-06; it read 'not recorded' before).",
        SEEN,
        judge=_C2_PAST,
        source_hash="6b855743237892e8",
    ),
    RuleVersion(
        2,
        3,
        "2026-11-28",
        "16aeb70",
        "Sizes judged by 95% intervals instead of point estimates (after a referee's review "
        "of study renders; under v2 the 0.043 Fashion-MNIST gap passed).",
        SEEN,
        judge=_C2_PAST,
        source_hash="6b855743237892e8",
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
        judge=_C2_PAST,
        source_hash="6b855743237892e8",
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
        judge=_C2_PAST,
        source_hash="6b855743237892e8",
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
        {
            "C2_MIN_CLEAR_GAP": 0.05,
            "C2_MAX_SLIGHT_GAP": 0.05,
            "DECISION_LEVEL": 0.90,
            "MIN_POOLED_SEEDS": 3,
            "ZERO_WIDTH": 1e-12,
        },
        judge=_C2_NOW,
        source_hash="21e9b7a4b3198cd2",
    ),
    RuleVersion(
        3,
        1,
        "2026-11-27",
        "6e11292",
        "First stated with the summary chapter: at least 10x fewer FLOPs per image and at "
        "most 0.05 lower test accuracy (point estimates).",
        NOT_RECORDED,
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
    ),
    RuleVersion(
        3,
        2,
        "2026-11-27",
        "2e80698",
        "Measured cost instead of FLOPs: at least 2x the training images per second and 2x "
        "faster per image at batches 1 and 256 (each chapter's own medians); at most 0.05 "
        "lower test accuracy. Stated in the same commit as verdict 2's v2, when renders of "
        "the v1 rules existed (marked 'yes' on 2026-12-06; it read 'not recorded' before).",
        SEEN,
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
    ),
    RuleVersion(
        3,
        3,
        "2026-11-28",
        "16aeb70",
        "Accuracy judged on the 95% interval of the CV gap instead of one test score.",
        SEEN,
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
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
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
    ),
    RuleVersion(
        3,
        5,
        "2026-12-01",
        "cbc8fb2",
        "Training cost judged on a 95% Welch interval of the per-epoch throughputs instead "
        "of the slowest/fastest epoch bound, after a referee's review.",
        SEEN,
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
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
        judge=_C3_PAST,
        source_hash="2b6dbafcfdb2607d",
    ),
    RuleVersion(
        3,
        7,
        "2026-12-04",
        "82169f5",
        "Latency judged only where the model's work sets it: a batch size where the "
        "framework's per-call floor (one Dense layer on the pixels) takes more than half of "
        "the RP-MLP's time is inconclusive. Rewritten in place under the same number by "
        "b2cf7a3 (split into v7a-b on 2026-12-06). Its code is not kept, and the study "
        "render's verdict-3 inputs are not kept in the repository: not re-evaluated.",
        SEEN,
        {"C3_MIN_SPEEDUP": 2.0, "C3_MAX_FLOOR_SHARE": 0.5, "DECISION_LEVEL": 0.90},
        revision="a",
        source_hash="bb81f90458121448",
    ),
    RuleVersion(
        3,
        7,
        "2026-12-04",
        "b2cf7a3",
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
        revision="b",
        judge=_C3_PAST,
        source_hash="35ec4ada16b3e0cd",
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
        judge=_C3_PAST,
        source_hash="d4309efa4350ea18",
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
        {
            "C3_MIN_SPEEDUP": 2.0,
            "C3_MAX_FLOOR_SHARE": 0.5,
            "DECISION_LEVEL": 0.90,
            "MIN_POOLED_SEEDS": 3,
            "ZERO_WIDTH": 1e-12,
            "C3_DATASET": "fashion_mnist",
            "C3_LATENCY_BATCHES": ("1", "256"),
        },
        judge=_C3_PAST,
        source_hash="d62fa4136d430cfd",
    ),
    RuleVersion(
        3,
        10,
        "2026-12-06",
        "issue 34",
        "Latency judged over the seeds as training is: each seed's speed-up at a batch size "
        "(the geometric mean over its rounds), a t-interval of the log speed-ups over at "
        "least three seeds; with fewer, each speed-up is shown as a point and not counted, "
        "which leaves 'cheaper' undecided (one run's rounds hold minutes of one process, "
        "not what moves between runs: two identical quick renders gave inconclusive and "
        "contradicted, issue 37). The per-call floor gates both ways: a batch size whose "
        "floor share (each seed's mean, t-interval over the seeds) lies wholly above 50% "
        "is not counted, whatever its outcome (v7-v9 dropped only a check that did not "
        "hold, a one-sided post hoc gate: the referee's point in issue 34). Written after "
        "the study renders of 2026-12-04/05 had been read (batch 1: 1.46x-1.61x with the "
        "floor 52-56%; batch 256: 9.6-10.4x), before any run of this rule; meant for the "
        "pre-registration.",
        SEEN,
        {
            "C3_MIN_SPEEDUP": 2.0,
            "C3_MAX_FLOOR_SHARE": 0.5,
            "DECISION_LEVEL": 0.90,
            "MIN_POOLED_SEEDS": 3,
            "ZERO_WIDTH": 1e-12,
            "C3_DATASET": "fashion_mnist",
            "C3_LATENCY_BATCHES": ("1", "256"),
        },
        judge=_C3_PAST,
        source_hash="9f930c44f1b6aab3",
    ),
    RuleVersion(
        3,
        11,
        "2026-12-06",
        "issue 34 (referee)",
        "Training and latency at batch 256, over at least three seeds, decide 'cheaper'; "
        "latency at batch 1 is reported beside them and never counted (a secondary check, "
        "C3_SECONDARY_BATCHES); the per-call floor is shown, gating nothing. A methods "
        "referee found v10's two-way floor gate a knife-edge in practice: batch 1's floor "
        "share sat at 52-56% of the RP-MLP's time against the 50% cut-off, so whether it "
        "counted turned on the framework, and it only ever removed the check that failed. "
        "Single-request latency times mostly Keras's per-call overhead on a CPU, not the "
        "models: fixed as secondary before the confirmatory runs, whatever they show. "
        "Results seen: the study renders' batch 1 gave 1.46x-1.61x (below 2x), batch 256 "
        "9.6x-10.4x.",
        SEEN,
        {
            "C3_MIN_SPEEDUP": 2.0,
            "C3_MAX_FLOOR_SHARE": 0.5,
            "DECISION_LEVEL": 0.90,
            "MIN_POOLED_SEEDS": 3,
            "ZERO_WIDTH": 1e-12,
            "C3_DATASET": "fashion_mnist",
            "C3_LATENCY_BATCHES": ("1", "256"),
            "C3_SECONDARY_BATCHES": ("1",),
        },
        judge=_C3_NOW,
        source_hash="44e33ded65884267",
    ),
)


@dataclass(frozen=True)
class SourceChange:
    """A change of the code that evaluates a ledger version, after the version was
    stated: what the fingerprint became, and why (a new rule is a new version, not this).

    ``label``: the version's :attr:`RuleVersion.label` (several: ``"1, 2, 3"``, for code
    that evaluates them all); ``source_hash`` the
    :func:`helpers.summary.judge_source.judge_fingerprint` after the change.
    """

    claim: int
    label: str
    date: str
    commit: str
    source_hash: str
    note: str


# Fingerprints recomputed from git history on 2026-12-06 (each commit's own code).
SOURCE_CHANGES = (
    SourceChange(
        1,
        "5c",
        "2026-12-04",
        "212d72e, b7c6c95",
        "271a0d37c59b8bf0",
        "v4's curve statistics read from v5's _ends (bit-identical values); the evidence "
        "in shorter sentences. The pinned study inputs give inconclusive before and after.",
    ),
    SourceChange(
        2,
        "6",
        "2026-12-05",
        "5a37a95",
        "96d9609a17a0c3ef",
        "Changed in place after results had been seen: a seed whose folds did not vary "
        "leaves a pooled check undecided instead of falling back to v5's interval.",
    ),
    SourceChange(
        2,
        "6",
        "2026-12-05",
        "79a6517, 7eb4311",
        "38cb7ae064c430cd",
        "Refactors: shared helpers for the seeds' list and the Nadeau-Bengio variance "
        "(the same arithmetic in the same order, so the same floats).",
    ),
    SourceChange(
        3,
        "7b",
        "2026-12-06",
        "working tree",
        "2b6dbafcfdb2607d",
        "Evaluated today by claim_3_versions, which calls judge_claim_3 with version=7 "
        "(the v9 code with v7's branches), not b2cf7a3's own code.",
    ),
    SourceChange(
        3,
        "8",
        "2026-12-06",
        "working tree",
        "2b6dbafcfdb2607d",
        "Evaluated today by claim_3_versions (judge_claim_3 with version=8); 64babf4 "
        "reworded v8 and changed its fewer-than-three-seeds branch in place.",
    ),
    SourceChange(
        3,
        "9",
        "2026-12-05",
        "79a6517",
        "35d200afb9092d71",
        "One flag decides the 'this run' label and wording of a one-run verdict (the "
        "label tested for a 'runs' key that one run's training ratio also has).",
    ),
    SourceChange(
        3,
        "1, 2, 3, 4, 5, 6, 7b, 8",
        "2026-12-06",
        "issue 34",
        "71df55c9297be5cb",
        "claim_3_versions now evaluates v9 too, and judge_claim_3 (which it calls for "
        "v6-v9) gained v10's branch; the FLOP, PCA and SVD sentences of the evidence moved "
        "to measured_cost.not_judged_text. No earlier version's branch changed.",
    ),
    SourceChange(
        3,
        "9",
        "2026-12-06",
        "issue 34",
        "71df55c9297be5cb",
        "No longer current: evaluated by claim_3_versions (judge_claim_3 with version=9), "
        "the same branch as before.",
    ),
    SourceChange(
        3,
        "10",
        "2026-12-06",
        "issue 34 (referee)",
        "42f24020e0c8545b",
        "Over the seeds, a seed without the per-call floor timed leaves the latency checks "
        "unjudged (no evidence) instead of switching the floor gate off; after a methods "
        "referee's review, before any render of v10.",
    ),
    SourceChange(
        3,
        "1, 2, 3, 4, 5, 6, 7b, 8, 9",
        "2026-12-06",
        "issue 34 (referee)",
        "201f4ddc7cf50d3c",
        "claim_3_versions calls judge_claim_3, whose v10 branch changed (above); no earlier "
        "version's branch changed.",
    ),
    SourceChange(
        3,
        "1, 2, 3, 4, 5, 6, 7b, 8, 9, 10",
        "2026-12-06",
        "issue 34 (referee)",
        "94d03a5948fd9e44",
        "claim_3_versions now evaluates v10 too, and judge_claim_3 (which it calls) gained "
        "v11's branch; no earlier version's branch changed.",
    ),
    SourceChange(
        1,
        "1, 3, 4, 5c",
        "2026-12-06",
        "issue 34",
        "b7d378510e92e76f",
        "claim_1_versions now evaluates v5c too (judge_claim_1, unchanged), v6 being "
        "current; no earlier version's code changed.",
    ),
)


def source_history(version):
    """The :class:`SourceChange` entries of one ledger version, oldest first."""
    return [
        c
        for c in SOURCE_CHANGES
        if c.claim == version.claim and version.label in c.label.split(", ")
    ]


def recorded_hash(version):
    """The fingerprint the ledger expects of a version's judge: its latest change's, or
    the one it was stated with."""
    history = source_history(version)
    return history[-1].source_hash if history else version.source_hash


def changed_judges():
    """Versions whose judge's code today differs from what the ledger records: each
    needs a new version (a changed rule) or a :data:`SOURCE_CHANGES` entry (the same
    rule's code moved on), both shown in the report."""
    from helpers.summary.judge_source import judge_fingerprint

    problems = []
    for v in LEDGER:
        if not v.judge:
            continue
        live = judge_fingerprint(v.judge)
        if live != recorded_hash(v):
            problems.append(
                f"claim {v.claim} v{v.label}: its judge ({', '.join(v.judge)}) now has "
                f"fingerprint {live}, the ledger records {recorded_hash(v)}; add a new "
                "rule version to LEDGER, or a SourceChange saying what changed and why"
            )
    return problems


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
        "C1_MIN_RANK_IMAGES": (
            "Twenty, as issue 34 asked: with 20 images a one-sided 5% Spearman test needs "
            "rho of about 0.38, so a moderate monotone association can decide it."
        ),
        "C1_RANK_RESAMPLES": (
            "99,999 random permutations when n! exceeds it: (R + 1) x 5% is whole (Davison "
            "and Hinkley 1997, 4.2) and a p-value near 0.05 has a Monte Carlo error of "
            "about 0.0007."
        ),
        "C1_RANK_SEED": "The permutations' seed, fixed with the rule: one verdict, not a draw.",
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
        "MIN_POOLED_SEEDS": (
            "Three: the fewest seeds that give a between-seed variance with two degrees of "
            "freedom; a convention (issue 22), not derived from a power calculation."
        ),
        "ZERO_WIDTH": (
            "Numerical: an interval narrower than 1e-12 relative to its ends has no "
            "estimated noise (replicates that did not vary), so it decides nothing."
        ),
        "C3_DATASET": (
            "Fashion-MNIST, the dataset where the study calls the MLP 'close to CNN' "
            "(verdict 3's 'close in accuracy' is that claim)."
        ),
        "C3_LATENCY_BATCHES": (
            "One image (a single request) and 256 (a batch that fills the machine), as "
            "first stated with the measured-cost rule (2e80698)."
        ),
        "C3_SECONDARY_BATCHES": (
            "Rule v11 (post hoc, before the confirmatory runs): one image per call times "
            "mostly the framework's per-call overhead on a CPU (52-56% of the RP-MLP's "
            "time in the study renders), so it is reported, not counted."
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
