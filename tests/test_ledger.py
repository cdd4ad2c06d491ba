"""The tamper-evident ledger and the pre-registration check (issue 34, items 1-3)."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from helpers.summary import judge_source, ledger
from helpers.summary.judge_source import judge_fingerprint
from helpers.summary.preregistration import derive_seeds, load_preregistration, standing

JUDGE = """
LIMIT = {limit}


def _helper(x):
    '''{doc}'''
    return x > LIMIT  # {comment}


def {name}(x):
    return "holds" if _helper(x) else "fails"
"""


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """Write modules of a throw-away package that the fingerprint follows."""
    (tmp_path / "fakejudges").mkdir()
    (tmp_path / "fakejudges" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(judge_source, "PACKAGE", "fakejudges")
    count = iter(range(1000))

    def write(limit=1, doc="d", comment="c", name="judge"):
        module = f"judge_{next(count)}"
        text = JUDGE.format(limit=limit, doc=doc, comment=comment, name=name)
        (tmp_path / "fakejudges" / f"{module}.py").write_text(textwrap.dedent(text))
        return f"fakejudges.{module}.{name}"

    yield write
    for name in [m for m in sys.modules if m.startswith("fakejudges")]:
        del sys.modules[name]


def test_a_fingerprint_ignores_words_and_names_but_not_logic(fake_package):
    base = judge_fingerprint([fake_package()])
    assert judge_fingerprint([fake_package(doc="other words", comment="why")]) == base
    assert judge_fingerprint([fake_package(name="judge_v5")]) == base  # renamed or moved
    assert judge_fingerprint([fake_package(limit=2)]) != base  # a constant it reads


def test_a_fingerprint_follows_the_functions_a_judge_calls(fake_package):
    closure = judge_source.judge_closure([fake_package()])
    assert sorted(closure["functions"]) == ["function _helper", "function judge"]
    assert closure["constants"] == {"LIMIT": "1"}


def test_a_change_in_a_callee_or_a_constant_of_another_module_is_a_change(tmp_path, monkeypatch):
    (tmp_path / "fakejudges").mkdir()
    (tmp_path / "fakejudges" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(judge_source, "PACKAGE", "fakejudges")

    def fingerprint(margin, body, limit, version):
        for name in [m for m in sys.modules if m.startswith("fakejudges")]:
            del sys.modules[name]
        (tmp_path / "fakejudges" / f"stats{version}.py").write_text(
            f"MARGIN = {margin}\n\n\ndef interval(x):\n    return {body}\n"
        )
        (tmp_path / "fakejudges" / f"judge{version}.py").write_text(
            f"from fakejudges import stats{version} as stats\n\nLIMIT = {limit}\n\n\n"
            "def judge(x):\n    return stats.interval(x) > stats.MARGIN + LIMIT\n"
        )
        return judge_fingerprint([f"fakejudges.judge{version}.judge"])

    base = fingerprint(1, "x * 2", 0, 0)
    assert fingerprint(1, "x * 2", 0, 1) == base  # the same code in other modules
    assert fingerprint(1, "x * 3", 0, 2) != base  # a callee's body in another module
    assert fingerprint(2, "x * 2", 0, 3) != base  # a module.CONST it reads there
    assert fingerprint(1, "x * 2", 5, 4) != base  # its own constant


def test_every_judge_in_the_ledger_has_the_fingerprint_the_ledger_records():
    # Fails when a judge's code changes without a new version or a SourceChange entry.
    assert ledger.changed_judges() == []


def test_a_changed_judge_is_caught(monkeypatch):
    current = ledger.current_version(2)
    monkeypatch.setattr(ledger, "recorded_hash", lambda v: "0" * 16)
    problems = ledger.changed_judges()
    assert any(f"claim 2 v{current.label}" in p for p in problems)


def test_versions_rewritten_in_place_are_split_and_evaluated():
    labels = {(v.claim, v.label) for v in ledger.LEDGER}
    assert {(1, "5a"), (1, "5b"), (1, "5c"), (3, "7a"), (3, "7b")} <= labels
    v5a = next(v for v in ledger.LEDGER if (v.claim, v.label) == (1, "5a"))
    assert v5a.recorded_outcome.startswith("contradicted") and v5a.commit == "3a1aa97"
    # Entries whose rule was written after renders existed say so.
    assert all(v.results_seen == ledger.SEEN for v in ledger.LEDGER if v.version == 2)


def test_the_ledger_records_the_constants_that_were_outside_it():
    recorded = {}
    for claim in (1, 2, 3):
        recorded.update(ledger.current_version(claim).constants)
    assert {"MIN_POOLED_SEEDS", "ZERO_WIDTH", "C3_DATASET", "C3_LATENCY_BATCHES"} <= set(recorded)


def test_timing_words_come_from_the_ledger():
    assert ledger.TIMING_WORDS[ledger.SEEN] == ledger.POST_HOC
    assert {v.timing for v in ledger.LEDGER} <= set(ledger.TIMING_WORDS.values())


def test_seeds_derive_from_the_commit_and_are_spaced():
    seeds = derive_seeds("a" * 40, 5, spacing=1000)
    assert seeds == derive_seeds("a" * 40, 5, spacing=1000)
    assert seeds != derive_seeds("b" * 40, 5, spacing=1000)
    assert all(b - a == 1000 for a, b in zip(seeds, seeds[1:]))


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()


def _new_repo(repo):
    """An empty git repository at ``repo`` with a committer set; returns ``repo``."""
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.org")
    _git(repo, "config", "user.name", "t")
    return repo


def _prereg_text(count=2):
    claims = {
        c: {
            "rule_version": ledger.current_version(c).label,
            "judge": list(ledger.current_version(c).judge),
            "source_hash": judge_fingerprint(ledger.current_version(c).judge),
            "primary": "as in the rule",
            "sensitivity": [],
            "reason": "test",
        }
        for c in (1, 2, 3)
    }
    return yaml.safe_dump(
        {
            "stated": "2026-12-06",
            "profile": "quick",
            "precision": "float32",
            "seeds": {"count": count, "spacing": 1000, "why": "test"},
            "claims": claims,
        }
    )


@pytest.fixture
def repo(tmp_path):
    """A git repository with a commit before and a commit of the pre-registration."""
    repo = _new_repo(tmp_path / "repo")
    (repo / "README").write_text("x")
    _git(repo, "add", "README")
    before = _git(repo, "commit", "-qm", "before")
    (repo / "preregistration.yaml").write_text(_prereg_text())
    _git(repo, "add", "preregistration.yaml")
    after = _git(repo, "commit", "-qm", "pre-register")
    return repo, before, after


def _runs(prereg, commit, started=None, dirty=False, seeds=None, result="projection_mlp"):
    started = started or (prereg.committed_at + timedelta(minutes=5)).isoformat()
    return {
        f"{result} (seed run {i})": {
            "git": {"commit": commit, "dirty": dirty},
            "started_at": started,
            "parameters": {"profile": "quick", "seed": s},
            "machine": {"training_precision": "float32"},
            "keras_backend": "tensorflow",
            "devices": ["cpu:0"],
        }
        for i, s in enumerate(seeds if seeds is not None else prereg.seeds)
    }


def test_results_made_after_the_pre_registration_are_confirmatory(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    assert prereg.commit == after and prereg.unchanged and len(prereg.seeds) == 2
    judged = standing(2, _runs(prereg, after), prereg, root)
    assert judged.confirmatory and judged.label.startswith(ledger.CONFIRMATORY)
    assert f"{ledger.PREREGISTERED} at {after[:10]}" in judged.label


@pytest.mark.parametrize(
    "change, reason",
    [
        ("before", "does not descend from the pre-registration"),
        ("early", "not after the pre-registration"),
        ("dirty", "modified checkout"),
        ("seeds", "are not the pre-registered"),
        ("edited", "changed after"),
        ("judge", "judge's code changed"),
        ("code", "differs from the pre-registration's"),
        ("precision", "precision 'mixed_bfloat16', pre-registered 'float32'"),
        ("deviation", "a disclosed deviation touches it"),
        ("dropped deviation", "changed after"),
    ],
)
def test_results_made_before_it_or_judged_by_changed_code_are_exploratory(repo, change, reason):
    root, before, after = repo
    if change == "edited":
        (root / "preregistration.yaml").write_text(_prereg_text(count=3))
        _git(root, "commit", "-qam", "edit in place")
    if change == "judge":
        text = (root / "preregistration.yaml").read_text()
        data = yaml.safe_load(text)
        data["claims"][2]["source_hash"] = "0" * 16
        (root / "preregistration.yaml").write_text(yaml.safe_dump(data))
        subprocess.run(["git", "-C", str(root), "rm", "-q", "--cached", "preregistration.yaml"])
        _git(root, "commit", "-qm", "drop")
        _git(root, "add", "preregistration.yaml")
        _git(root, "commit", "-qm", "pre-register again")
    if change in ("deviation", "dropped deviation"):
        data = yaml.safe_load((root / "preregistration.yaml").read_text())
        data["deviations"] = [{"date": "2026-12-07", "claims": [2], "what": "a bug fixed"}]
        (root / "preregistration.yaml").write_text(yaml.safe_dump(data))
        _git(root, "commit", "-qam", "a deviation, disclosed")
    if change == "dropped deviation":
        data["deviations"] = []
        (root / "preregistration.yaml").write_text(yaml.safe_dump(data))
        _git(root, "commit", "-qam", "the deviation, quietly dropped")
    run_commit = prereg_commit = load_preregistration(root).commit
    if change == "code":  # code changed after the pre-registration, results made from it
        (root / "helpers").mkdir()
        (root / "helpers" / "judge.py").write_text("x = 1\n")
        _git(root, "add", "helpers")
        run_commit = _git(root, "commit", "-qm", "change a helper")
    prereg = load_preregistration(root)
    assert prereg.commit == prereg_commit
    runs = _runs(
        prereg,
        before if change == "before" else run_commit,
        started=datetime(2000, 1, 1, tzinfo=UTC).isoformat() if change == "early" else None,
        dirty=change == "dirty",
        seeds=[1, 2] if change == "seeds" else None,
    )
    if change == "precision":
        for run in runs.values():
            run["machine"]["training_precision"] = "mixed_bfloat16"
    judged = standing(2, runs, prereg, root)
    assert not judged.confirmatory and judged.label == ledger.EXPLORATORY
    assert any(reason in r for r in judged.reasons), judged.reasons


def test_no_pre_registration_is_exploratory_and_a_bad_file_is_refused(tmp_path):
    assert standing(1, {}, None).reasons == ("no pre-registration",)
    (tmp_path / "preregistration.yaml").write_text("stated: 2026-12-06\n")
    with pytest.raises(ValueError, match="no 'profile'"):
        load_preregistration(tmp_path)
    data = yaml.safe_load(_prereg_text())
    data["claims"][1]["source_hash"] = "@@C1@@"  # a placeholder left in
    (tmp_path / "preregistration.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="claim 1's source_hash is not a fingerprint"):
        load_preregistration(tmp_path)


def test_verdict_1_reads_the_first_seed_only_and_no_run_is_no_confirmation(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    first, second = prereg.seeds
    assert standing(1, _runs(prereg, after, seeds=[first]), prereg, root).confirmatory
    chosen = standing(1, _runs(prereg, after, seeds=[second]), prereg, root)
    assert not chosen.confirmatory and "are not the pre-registered" in chosen.reasons[0]
    assert "no result of it was recorded" in standing(2, {}, prereg, root).reasons


def test_a_seed_pooled_twice_is_not_the_pre_registered_seeds(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    first, second = prereg.seeds
    judged = standing(2, _runs(prereg, after, seeds=[first, first, second]), prereg, root)
    assert not judged.confirmatory
    assert any("are not the pre-registered" in r for r in judged.reasons), judged.reasons


def test_verdict_3_stands_no_better_than_the_verdict_2_check_it_cites(repo):
    root, _, after = repo
    data = yaml.safe_load((root / "preregistration.yaml").read_text())
    data["deviations"] = [{"date": "2026-12-07", "claims": [2], "what": "verdict 2's bug"}]
    (root / "preregistration.yaml").write_text(yaml.safe_dump(data))
    _git(root, "commit", "-qam", "a deviation of claim 2 only")
    prereg = load_preregistration(root)
    runs = {**_runs(prereg, after, result="cnn"), **_runs(prereg, after)}
    judged = standing(3, runs, prereg, root)
    assert not judged.confirmatory
    assert "it cites verdict 2: a disclosed deviation touches it" in judged.reasons


def test_a_seed_whose_classifier_chapters_ran_on_two_cpus_is_exploratory_for_costs(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    cnn, mlp = _runs(prereg, after, result="cnn"), _runs(prereg, after)
    for run in cnn.values():
        run["machine"]["cpu"] = "AMD EPYC"
    for run in mlp.values():
        run["machine"]["cpu"] = "AMD EPYC"
    assert standing(3, {**cnn, **mlp}, prereg, root).confirmatory
    next(iter(mlp.values()))["machine"]["cpu"] = "Intel Xeon"
    judged = standing(3, {**cnn, **mlp}, prereg, root)
    assert not judged.confirmatory
    assert any("ran on different CPUs (AMD EPYC, Intel Xeon)" in r for r in judged.reasons)


def test_an_untracked_module_beside_the_code_makes_it_differ(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    assert standing(2, _runs(prereg, after), prereg, root).confirmatory
    (root / "helpers").mkdir()
    (root / "helpers" / "new_module.py").write_text("x = 1\n")  # not committed
    judged = standing(2, _runs(prereg, after), prereg, root)
    assert not judged.confirmatory
    assert "the code judging it differs from the pre-registration's" in judged.reasons


def test_verdict_3_reads_the_svd_chapter_from_the_first_seed_and_the_classifiers_from_all(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    first, second = prereg.seeds
    pooled = {**_runs(prereg, after, result="cnn"), **_runs(prereg, after)}
    svd = _runs(prereg, after, seeds=[first], result="svd_compression")
    assert standing(3, {**pooled, **svd}, prereg, root).confirmatory
    other = _runs(prereg, after, seeds=[second], result="svd_compression")
    judged = standing(3, {**pooled, **other}, prereg, root)
    assert not judged.confirmatory
    assert any(r.startswith("svd_compression: seeds") for r in judged.reasons), judged.reasons


def _withdraw(root, why="a bug in the standing check"):
    data = yaml.safe_load((root / "preregistration.yaml").read_text())
    data["deviations"] = [
        {"date": "2026-12-06", "claims": "all", "what": why, "superseded_by": "second.yaml"}
    ]
    (root / "preregistration.yaml").write_text(yaml.safe_dump(data))
    (root / "second.yaml").write_text(_prereg_text())
    _git(root, "add", "second.yaml")
    return _git(root, "commit", "-qam", "withdraw and replace")


def test_a_withdrawn_pre_registration_gives_way_to_the_one_replacing_it(repo):
    root, _, first_commit = repo
    second_commit = _withdraw(root)
    prereg = load_preregistration(root)
    assert prereg.path.name == "second.yaml" and prereg.commit == second_commit
    assert prereg.seeds == derive_seeds(second_commit, 2) != derive_seeds(first_commit, 2)
    assert prereg.withdrawn == (
        ("preregistration.yaml", first_commit, "a bug in the standing check"),
    )
    judged = standing(2, _runs(prereg, second_commit), prereg, root)
    assert judged.confirmatory
    assert f"replaces {first_commit[:10]}, {ledger.WITHDRAWN}" in judged.label
    # The first registration's seeds, run before the replacement, confirm nothing.
    first = load_preregistration(root)
    early = _runs(first, first_commit, seeds=derive_seeds(first_commit, 2))
    assert not standing(2, early, prereg, root).confirmatory


def test_a_withdrawal_must_touch_every_claim_and_name_a_file_beside_it(tmp_path):
    data = yaml.safe_load(_prereg_text())
    data["deviations"] = [
        {"date": "2026-12-06", "claims": [2], "what": "x", "superseded_by": "second.yaml"}
    ]
    (tmp_path / "preregistration.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="withdraws the file"):
        load_preregistration(tmp_path)


def test_seed_runs_contribute_only_their_classifier_chapters(repo):
    """A seed run's results carry the report's own results beside its classifiers (as
    load_seed_runs gives them): those are read once, from this run."""
    from helpers.summary.preregistration import verdict_runs

    root, _, after = repo
    prereg = load_preregistration(root)
    first, second = prereg.seeds
    (mine,) = _runs(prereg, after, seeds=[first]).values()
    (other,) = _runs(prereg, after, seeds=[second]).values()
    this_run = {n: {"_run": mine} for n in ("cnn", "projection_mlp", "svd_compression")}
    seed_run = {**this_run, "cnn": {"_run": other}, "projection_mlp": {"_run": other}}
    runs = verdict_runs(3, this_run, [seed_run])
    assert sorted(runs) == [
        "cnn (seed run 1)",
        "cnn (this run)",
        "projection_mlp (seed run 1)",
        "projection_mlp (this run)",
        "svd_compression (this run)",
    ]
    assert standing(3, runs, prereg, root).confirmatory
    assert list(verdict_runs(1, {"reconstruction": {"_run": mine}}, [seed_run])) == [
        "reconstruction (this run)"
    ]


def test_a_chapter_without_keras_is_held_to_the_precision_only(repo):
    root, _, after = repo
    prereg = load_preregistration(root)
    runs = _runs(prereg, after, seeds=[prereg.seeds[0]], result="reconstruction")
    for run in runs.values():
        del run["keras_backend"], run["devices"]
    assert standing(1, runs, prereg, root).confirmatory
    for run in runs.values():
        run["machine"]["training_precision"] = "mixed_bfloat16"
    assert not standing(1, runs, prereg, root).confirmatory


def test_a_chain_of_withdrawals_is_followed_and_a_broken_one_refused(repo):
    root, _, first_commit = repo
    _withdraw(root)
    data = yaml.safe_load((root / "second.yaml").read_text())
    data["deviations"] = [
        {"date": "2026-12-07", "claims": "all", "what": "again", "superseded_by": "third.yaml"}
    ]
    (root / "second.yaml").write_text(yaml.safe_dump(data))
    (root / "third.yaml").write_text(_prereg_text())
    _git(root, "add", "third.yaml")
    third_commit = _git(root, "commit", "-qam", "withdraw the second too")
    prereg = load_preregistration(root)
    assert prereg.path.name == "third.yaml" and prereg.commit == third_commit
    assert [w[0] for w in prereg.withdrawn] == ["preregistration.yaml", "second.yaml"]
    # A successor that is not there, and a chain that returns to itself, are refused.
    data["deviations"][0]["superseded_by"] = "missing.yaml"
    (root / "second.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="missing.yaml, which is not in"):
        load_preregistration(root)
    data["deviations"][0]["superseded_by"] = "preregistration.yaml"
    (root / "second.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ValueError, match="returns to itself"):
        load_preregistration(root)
