"""The summary opens with plain findings: one paragraph per study conclusion, the
verdict first, then each check's number and what it means (issue 34, item 6)."""

from helpers.prose.findings import check_sentence, plain_findings
from helpers.report.readability import sentence_stats
from helpers.summary import ledger
from helpers.summary.verdicts import conclusion_verdicts
from tests.test_summary import CLEAR, SLIGHT, _recorded


def _verdicts(fashion=SLIGHT):
    cnn, mlp = _recorded(CLEAR, fashion)
    return conclusion_verdicts({"cnn": cnn, "projection_mlp": mlp}, prereg=None)


def test_each_conclusion_opens_with_its_verdict_and_standing_then_its_numbers():
    text = plain_findings(_verdicts(), 0.90)
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith("What we found, each with its 90% interval.")
    assert [p[:5] for p in paragraphs[1:]] == ["**1. ", "**2. ", "**3. "]
    assert "the rule's checks support the study's claim (exploratory)" in paragraphs[2]
    assert "not judged: its results were not recorded" in paragraphs[1]
    assert (
        "CIFAR-10, the gap lies above 0.05: 0.108 (0.096 to 0.120), meets the rule's threshold."
        in (paragraphs[2])
    )
    assert "The study's own gaps were 0.127 on CIFAR-10 and 0.035 on Fashion-MNIST." in text
    # One run's training time: its outcome said, and why it does not count.
    assert (
        "14x, meets the rule's threshold; shown, not counted (counted over at least 3"
        in (paragraphs[3])
    )
    assert "cited" in paragraphs[3]


def test_a_check_against_the_study_says_so():
    wide = [0.06, 0.09, 0.07, 0.08, 0.075]  # Fashion-MNIST gap well above 0.05
    v2 = _verdicts(wide)[1]
    assert v2["verdict"] == "contradicted"
    failed = next(c for c in v2["checks"] if c["outcome"] == "fails")
    sentence = check_sentence(failed)
    assert sentence.endswith("misses the rule's threshold, against the study.")
    assert f"{failed['estimate']:.3f}" in sentence


def test_the_findings_read_in_short_sentences():
    stats = sentence_stats(plain_findings(_verdicts(), 0.90).replace("**", ""))
    assert stats["median_words"] <= 20 and stats["p90_words"] <= 40


def test_the_standing_word_comes_from_the_ledger():
    text = plain_findings(_verdicts(), 0.90)
    assert f"({ledger.EXPLORATORY})" in text
