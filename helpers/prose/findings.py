"""The summary's opening: what was found for each of the study's conclusions, in plain
sentences with their numbers (notebooks/99_report.ipynb, before the findings table and
the method). Generated from :func:`helpers.summary.verdicts.conclusion_verdicts`."""

from __future__ import annotations

from helpers.summary import study

__all__ = ["TOPICS", "check_sentence", "estimand_sentence", "plain_findings"]

# What each study conclusion is about, in a few words (the claim itself is quoted in
# the findings table).
TOPICS = {
    1: "Smooth against textured images",
    2: "The CNN against the RP-MLP, accuracy",
    3: "The RP-MLP's cost",
}
_VERDICT = {
    "supported": "the rule's checks support the study's claim",
    "contradicted": "the rule's checks contradict the study's claim",
    "inconclusive": "the rule's checks cannot decide it",
    "no evidence": "not judged: its results were not recorded",
}
_OUTCOME = {
    "holds": "meets the rule's threshold",
    "fails": "misses the rule's threshold, against the study",
    "inconclusive": "undecided",
}


def _number(value, unit):
    return f"{value:.3g}{unit}" if unit == "x" else f"{value:.3f}"


def _name(check):
    """The check's name without the dataset prefix and the bracketed qualifiers."""
    name = check["check"].split(" (", 1)[0]
    for prefix in ("fashion_mnist: ", "cifar10: ", "close in accuracy, cited from verdict 2: "):
        name = name.removeprefix(prefix)
    name = name[0].upper() + name[1:]
    return name.replace(": ", ", ", 1)


def check_sentence(check):
    """One check in one sentence: its estimate, its interval and what that means."""
    unit = check["unit"]
    value = _number(check["estimate"], unit)
    if check.get("interval", True) and check["low"] != check["high"]:
        value += f" ({_number(check['low'], unit)} to {_number(check['high'], unit)})"
    meaning = _OUTCOME[check["outcome"]]
    if check.get("uncounted"):  # its outcome is said, and why it does not count
        why = check["uncounted"].split(":")[0].split(" (")[0]
        meaning += f"; shown, not counted ({why})"
    return f"{_name(check)}: {value}, {meaning}."


def _study_gaps():
    gaps = {n: study.CNN[n][0] - study.PROJECTION_MLP[n][0] for n in study.CNN}
    return (
        f"The study's own gaps were {gaps['cifar10']:.3f} on CIFAR-10 and "
        f"{gaps['fashion_mnist']:.3f} on Fashion-MNIST."
    )


_NAMES = {"cifar10": "CIFAR-10", "fashion_mnist": "Fashion-MNIST"}


def estimand_sentence(protocol=None):
    """Whose gap verdict 2 judges: this profile's CV protocol (``protocol``: dataset ->
    (images, folds), :func:`helpers.summary.findings.gap_protocol`), not the study's."""
    settings = set((protocol or {}).values())
    if not settings:
        where = "this profile's protocol"
    elif len(settings) == 1:
        ((images, folds),) = settings
        where = f"this profile's protocol ({images:,} images per dataset, {folds} folds)"
    else:
        where = (
            "this profile's protocol ("
            + "; ".join(
                f"{_NAMES.get(n, n)} {images:,} images, {folds} folds"
                for n, (images, folds) in protocol.items()
            )
            + ")"
        )
    return f"The gap judged is that of {where}, not of the study's own setting."


def plain_findings(verdicts, level, protocol=None):
    """Markdown: one short paragraph per study conclusion, verdict first, then each
    counted check as a sentence with its numbers (``level``: the intervals' level).
    Verdict 2's lead says whose gap it judges (``protocol``: :func:`estimand_sentence`)."""
    paragraphs = [
        f"What we found, each with its {level:.0%} interval. A check meets the rule's "
        "threshold, misses it, or is undecided."
    ]
    for number, verdict in enumerate(verdicts, start=1):
        standing = verdict.get("standing", "exploratory")
        lead = f"**{number}. {TOPICS[number]}**: {_VERDICT[verdict['verdict']]} ({standing})."
        if number == 2 and verdict["verdict"] != "no evidence":
            lead += " " + estimand_sentence(protocol)
        checks = [c for c in verdict.get("checks", []) if not c.get("cited_from")]
        sentences = [check_sentence(c) for c in checks]
        if any(c.get("cited_from") for c in verdict.get("checks", [])):
            sentences.append("Its accuracy half is verdict 2's Fashion-MNIST check, cited.")
        if number == 2 and checks:
            sentences.append(_study_gaps())
        paragraphs.append(" ".join([lead, *sentences]))
    return "\n\n".join(paragraphs)
