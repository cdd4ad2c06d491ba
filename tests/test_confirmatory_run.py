"""The committed confirmatory run (issue 35): its verdicts follow from its committed
results, and the README states them as the report does.

The pre-registered run keeps each extra seed's results under ``confirmatory/`` and the
first seed's whole render (every chapter's results and stamps, and the summary that judged
them all) under ``confirmatory/study-report/``. These tests judge the verdicts again from
those files with today's judges and compare them with what the render recorded; until the
run is committed they are skipped.
"""

import json
import re

import pytest

from helpers.report.preregistered import _is_kept, kept_folder
from helpers.results import read_results
from helpers.summary.preregistration import load_preregistration
from helpers.summary.seeds import SEED_RESULTS, load_seed_runs
from helpers.summary.verdicts import conclusion_verdicts, load_all
from tests.conftest import PROJECT_ROOT

REPORT = PROJECT_ROOT / "confirmatory" / "study-report"
WITHDRAWN_SEED = PROJECT_ROOT / "confirmatory" / "withdrawn-aa19799" / "study-seed668156"
# What a verdict is, as opposed to its standing, which depends on the checkout judging it
# (a clone after the run's commit labels every verdict exploratory: its code moved on).
JUDGED = ("claim", "verdict", "halves", "decisions", "checks", "versions")


def rejudged(output_dir, seed_folders=()):
    """The verdicts of the render in ``output_dir`` judged again from its recorded results
    and those of ``seed_folders`` (the other seeds, in the order the render read them),
    as the summary records them: each verdict's :data:`JUDGED` entries."""
    results = load_all(output_dir)
    seeds = load_seed_runs(results, seed_folders, output_dir) if seed_folders else {}
    verdicts = conclusion_verdicts(results, list(seeds.values())[1:], prereg=None)
    # Through JSON, as recorded: tuples become lists, keys strings.
    return [{k: v[k] for k in JUDGED} for v in json.loads(json.dumps(verdicts))]


def recorded_verdicts(output_dir):
    """The summary's verdicts in ``output_dir``, cut to :data:`JUDGED`."""
    return [{k: v[k] for k in JUDGED} for v in read_results(output_dir, "summary")["verdicts"]]


committed = pytest.mark.skipif(
    not (REPORT / "results" / "summary.json").is_file(),
    reason="the confirmatory report is not committed yet (issue 35)",
)


def _readme_section():
    text = (PROJECT_ROOT / "README.md").read_text()
    start = text.index("## The confirmatory study")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _outcome_line(section, number):
    """The README section's line stating conclusion ``number``'s outcome (None if none)."""
    line = re.search(rf"^- Conclusion {number}\b.*$", section, re.M)
    return line and line.group(0)


def _seeds():
    """The pre-registered seeds, the first one's (the report's) first, and the kept
    folders of the others, in the order the run read them."""
    prereg = load_preregistration(PROJECT_ROOT)
    return prereg.seeds, [kept_folder(prereg, seed) for seed in prereg.seeds[1:]]


@committed
def test_the_committed_report_is_the_pre_registered_first_seed_and_pools_every_other():
    seeds, folders = _seeds()
    results = load_all(REPORT)
    assert {r["_run"]["parameters"]["seed"] for r in results.values() if "_run" in r} == {seeds[0]}
    assert all(_is_kept(folder) for folder in folders), folders
    pooled = {row["seed"] for row in read_results(REPORT, "summary")["seed_runs"]}
    assert pooled == set(seeds)


@committed
def test_the_committed_verdicts_follow_from_the_committed_results():
    _, folders = _seeds()
    assert rejudged(REPORT, folders) == recorded_verdicts(REPORT)


@committed
def test_the_readme_states_each_conclusion_s_outcome_as_the_report_does():
    section = _readme_section()
    for number, verdict in enumerate(read_results(REPORT, "summary")["verdicts"], start=1):
        line = _outcome_line(section, number)
        assert line, f"the README states no outcome for conclusion {number}"
        assert f"**{verdict['verdict']}**" in line, (line, verdict["verdict"])
        word = verdict["standing"].split()[0]  # confirmatory or exploratory
        assert word in line, (line, verdict["standing"])


@committed
def test_the_readme_states_the_withdrawn_seed_s_own_verdicts_as_exploratory():
    """The withdrawn registration's one seed, judged alone on verdicts 2 and 3 (a seed
    moves only those), is reported beside the confirmatory run, as exploratory."""
    results = {n: read_results(WITHDRAWN_SEED, n) for n in SEED_RESULTS}
    verdicts = conclusion_verdicts(results, (), prereg=None)
    line = re.search(r"^- Withdrawn seed 668156\b.*$", _readme_section(), re.M)
    assert line and "exploratory" in line.group(0)
    for number in (2, 3):
        stated = f"conclusion {number} **{verdicts[number - 1]['verdict']}**"
        assert stated in line.group(0), (line.group(0), stated)


def _stated(value, line):
    """Whether ``line`` states ``value`` as one of its numbers, rounded to that number's
    own decimals (+0.240 does not state 0.2395; +0.239 does)."""
    tokens = re.findall(r"[+-]?\d+\.\d+", line)
    return any(abs(float(t) - round(value, len(t.split(".")[1]))) < 1e-9 for t in tokens)


@committed
def test_the_readme_states_each_judged_estimate_and_interval_as_recorded():
    """Every interval check of verdicts 2 and 3 (estimate and both ends) and verdict 1's
    rank correlations appear in the README's line for that conclusion as recorded (a
    check cited from another verdict is stated on that verdict's line)."""
    section = _readme_section()
    for number, verdict in enumerate(read_results(REPORT, "summary")["verdicts"], start=1):
        line = _outcome_line(section, number)
        assert line, f"the README states no outcome for conclusion {number}"
        for check in verdict["checks"]:
            if check.get("cited_from"):  # another verdict's check, stated on its line
                continue
            values = [check["estimate"]]
            if number > 1:  # verdict 1's interval is rho less the null's points, not stated
                values += [check["low"], check["high"]]
            missing = [v for v in values if not _stated(v, line)]
            assert not missing, (number, check["check"], missing)
