"""The quoted study numbers must match the study's own file, digit for digit."""

import re

import pytest

from helpers.summary import study
from tests.conftest import PROJECT_ROOT

STUDY_FILE = PROJECT_ROOT.parent / "shared" / "study-results.md"


@pytest.fixture(scope="module")
def text():
    if not STUDY_FILE.is_file():
        pytest.skip(f"{STUDY_FILE} not present")
    return STUDY_FILE.read_text()


def test_reconstruction_table_matches(text):
    rows = re.findall(r"^\| (smooth|textured) \| (\d+) \| ([\d.]+) \| ([\d.]+) \|$", text, re.M)
    assert len(rows) == 14
    for image, m, mse, mae in rows:
        assert study.RECONSTRUCTION[image][int(m)] == (float(mse), float(mae))


@pytest.mark.parametrize(
    "label, table, key",
    [
        ("CIFAR-10", study.CNN, "cifar10"),
        ("Fashion-MNIST", study.CNN, "fashion_mnist"),
        ("MCIFAR10 (projected CIFAR-10)", study.PROJECTION_MLP, "cifar10"),
        ("MFMNIST (projected Fashion-MNIST)", study.PROJECTION_MLP, "fashion_mnist"),
    ],
)
def test_accuracy_tables_match(text, label, table, key):
    m = re.search(rf"^\| {re.escape(label)} \| ([\d.]+) \| ([\d.]+) \|$", text, re.M)
    assert m, label
    assert table[key] == (float(m.group(1)), float(m.group(2)))


# What the study's file says it did not state for Experiment 3 -> how the
# summary's note (study.UNKNOWN_PROTOCOL) words it.
NOT_STATED = {
    "M for the projection": "the projection's dimension M",
    "the projection's distribution": "the projection's distribution",
    "the number of folds": "the number of cross-validation folds",
    "epochs": "the number of epochs",
    "batch size": "the batch size",
    "the subset sizes": "the training subset sizes",
}


def test_unknown_protocol_matches_what_the_study_did_not_state(text):
    stated = " ".join(re.search(r"Not stated by the study: M for.*?\n\n", text, re.S)[0].split())
    note = study.unknown_protocol_note()
    for theirs, ours in NOT_STATED.items():
        assert theirs in stated, theirs
        assert ours in note, ours
