"""The summary opens with plain findings: one paragraph per study conclusion, the
verdict first, then each check's number and what it means (issue 34, item 6)."""

from helpers.prose.findings import check_sentence, estimand_sentence, plain_findings
from helpers.report.readability import sentence_stats
from helpers.summary import ledger
from helpers.summary.findings import gap_protocol
from helpers.summary.verdicts import conclusion_verdicts
from tests.test_summary import CLEAR, SLIGHT, _recorded


def _results(fashion=SLIGHT):
    cnn, mlp = _recorded(CLEAR, fashion)
    return {"cnn": cnn, "projection_mlp": mlp}


def _verdicts(fashion=SLIGHT):
    return conclusion_verdicts(_results(fashion), prereg=None)


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


def test_verdict_2_says_the_gap_judged_is_this_profile_s_protocol():
    results = _results()
    assert gap_protocol(results) == {"cifar10": (10000, 5), "fashion_mnist": (10000, 5)}
    paragraphs = plain_findings(_verdicts(), 0.90, gap_protocol(results)).split("\n\n")
    said = (
        "The gap judged is that of this profile's protocol (10,000 images per dataset, "
        "5 folds), not of the study's own setting."
    )
    lead, rest = paragraphs[2].split(").", 1)
    assert rest.startswith(" " + said)  # right after the verdict and its standing
    assert all(said not in p for p in paragraphs[:2] + paragraphs[3:])
    # Without the results the protocol is named, not counted.
    assert "that of this profile's protocol, not of the study's own setting." in plain_findings(
        _verdicts(), 0.90
    )
    assert gap_protocol({}) == {} and gap_protocol(None) == {}


def test_the_estimand_names_each_dataset_where_their_protocols_differ():
    said = estimand_sentence({"cifar10": (8000, 5), "fashion_mnist": (12000, 3)})
    assert "CIFAR-10 8,000 images, 5 folds; Fashion-MNIST 12,000 images, 3 folds" in said
    assert len(said.split()) <= 25
