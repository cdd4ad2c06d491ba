"""scripts/preregistered-run.sh (helpers/report/preregistered.py): the renders a
pre-registration asks for, in order, resumable, with the time left (issue 34, item 4)."""

import json
from pathlib import Path

import pytest

from helpers.report import preregistered

PREREGISTRATION = """
stated: 2026-12-06
profile: quick
precision: float32
seeds: {count: 3, spacing: 1000, why: "a rehearsal of the machinery"}
claims:
  2:
    rule_version: "6"
    judge: [helpers.summary.cnn_vs_mlp.judge_claim_2]
    source_hash: "0000000000000000"
    primary: "random-effects interval over seeds"
    sensitivity: []
    reason: "test"
"""


@pytest.fixture
def prereg_file(tmp_path):
    path = tmp_path / "preregistration.yaml"
    path.write_text(PREREGISTRATION)
    return path


@pytest.fixture
def committed_repo(tmp_path):
    """A git repository whose one commit adds PREREGISTRATION."""
    from tests.test_ledger import _git, _new_repo

    repo = _new_repo(tmp_path / "repo")
    (repo / "preregistration.yaml").write_text(PREREGISTRATION)
    _git(repo, "add", "preregistration.yaml")
    _git(repo, "commit", "-qm", "pre-register")
    return repo


def _args(prereg_file, tmp_path, *extra):
    return ["--preregistration", str(prereg_file), "--output-dir", str(tmp_path / "out"), *extra]


def test_the_dry_run_lists_every_seed_s_render_and_what_it_would_run(prereg_file, tmp_path, capsys):
    assert preregistered.main(_args(prereg_file, tmp_path, "--dry-run")) == 0
    err = capsys.readouterr().err
    assert "NOT committed" in err
    seeds = [line.split(":")[0].split()[-1] for line in err.splitlines() if "  seed " in line]
    assert len(seeds) == 3
    assert "02_cnn, 03_projection_mlp; not run to the end yet" in err
    assert "time left unknown until one render finishes" in err


def test_a_run_renders_each_seed_then_the_report_and_resumes_after_a_failure(
    prereg_file, tmp_path, capsys
):
    calls = []

    def failing_second(args):  # the first seed's render stamps its two chapters, 60 s each
        calls.append(args)
        if len(calls) == 1:
            executed = Path(args[args.index("--output-dir") + 1]) / "executed"
            executed.mkdir(parents=True)
            for stem in ("02_cnn", "03_projection_mlp"):
                (executed / f"{stem}.stamp.json").write_text('{"seconds": 60}')
        return 1 if len(calls) == 2 else 0

    assert preregistered.main(_args(prereg_file, tmp_path), render=failing_second) == 1
    err = capsys.readouterr().err
    assert "run the same command again to resume" in err
    assert "[1 of 3] seed" in err and "time left unknown until one render finishes" in err
    # The second seed's chapters take what the first's took; the report's other three
    # chapters are not timed yet.
    assert "[2 of 3]" in err and "about 4 min left (+3 chapter(s) not timed yet)" in err
    calls.clear()
    assert (
        preregistered.main(_args(prereg_file, tmp_path), render=lambda a: calls.append(a) or 0) == 0
    )
    seed_folders = [a[a.index("--output-dir") + 1] for a in calls[:2]]
    report = calls[2]
    assert all("-seed" in f for f in seed_folders)
    assert report[report.index("seed_runs") + 1] == f"[{','.join(seed_folders)}]"
    assert "--only" in calls[0] and "--only" not in report
    # The report's own seed is the first pre-registered one, not the profile's.
    main_seed = report[report.index("seed") + 1]
    assert main_seed not in "".join(seed_folders)


def test_a_pre_registered_run_refuses_parameter_overrides(prereg_file, tmp_path, capsys):
    code = preregistered.main(_args(prereg_file, tmp_path, "--", "-p", "cnn_folds", "2"))
    assert code == 2 and "takes its profile and seeds from the file" in capsys.readouterr().err


def test_a_missing_or_bad_pre_registration_is_refused(tmp_path, capsys):
    missing = tmp_path / "none.yaml"
    assert preregistered.main(["--preregistration", str(missing), "--dry-run"]) == 2
    assert "no pre-registration" in capsys.readouterr().err
    missing.write_text("profile: quick\n")
    assert preregistered.main(["--preregistration", str(missing), "--dry-run"]) == 2
    assert "no 'stated'" in capsys.readouterr().err


def test_a_finished_seed_is_kept_for_committing_and_a_kept_seed_is_not_rendered_again(
    committed_repo, tmp_path, monkeypatch, capsys
):
    from tests.test_ledger import _git

    repo = committed_repo
    monkeypatch.setattr(preregistered, "PROJECT_ROOT", repo)
    out = tmp_path / "out"

    def fake_render(args):  # writes what chapters 02-03 record
        folder = Path(args[args.index("--output-dir") + 1])
        for name in ("cnn", "projection_mlp"):
            (folder / "results").mkdir(parents=True, exist_ok=True)
            (folder / "results" / f"{name}.json").write_text('{"x": 1}')
        (folder / "executed").mkdir(exist_ok=True)
        (folder / "executed" / "02_cnn.stamp.json").write_text("{}")
        calls.append(args)
        return 0

    calls = []
    args = ["--preregistration", str(repo / "preregistration.yaml"), "--output-dir", str(out)]
    assert preregistered.main(args, render=fake_render) == 0
    kept = sorted((repo / "confirmatory").glob("*-seed*"))
    assert len(kept) == 2 and all((k / "results" / "cnn.json").is_file() for k in kept)
    # Every start and every render of the attempt is logged, one file per event.
    logs = sorted((repo / "confirmatory" / "attempts").iterdir())
    events = [json.loads(p.read_text()) for p in logs]
    assert [e["event"] for e in events] == ["start", "render", "render", "render"]
    assert events[0]["preregistration"] == _git(repo, "rev-parse", "HEAD").strip()
    assert [e["exit_code"] for e in events[1:]] == [0, 0, 0]
    assert (kept[0] / "executed" / "02_cnn.stamp.json").is_file()
    assert "commit it, and the run resumes from it in a fresh clone" in capsys.readouterr().err
    # Run again (a fresh clone with the kept folders committed): only the report renders,
    # reading the kept seeds.
    calls.clear()
    assert preregistered.main(args, render=fake_render) == 0
    (report,) = calls
    assert report[report.index("seed_runs") + 1] == "[" + ",".join(map(str, kept)) + "]"
    assert "(kept in confirmatory/): done" in capsys.readouterr().err
    # The second attempt logged beside the first; no log was rewritten.
    assert len(list((repo / "confirmatory" / "attempts").iterdir())) == len(logs) + 2
    assert [json.loads(p.read_text()) for p in logs] == events


def test_an_attempt_log_is_written_once(tmp_path):
    preregistered.log_attempt("study-x", 0, {"event": "start"}, root=tmp_path)
    with pytest.raises(FileExistsError, match="written once"):
        preregistered.log_attempt("study-x", 0, {"event": "start"}, root=tmp_path)


def test_a_committed_pre_registration_refuses_side_by_side_renders(committed_repo, capsys):
    repo = committed_repo
    args = ["--preregistration", str(repo / "preregistration.yaml"), "--dry-run"]
    for option in (["--jobs", "2"], ["--scheduler=tcp://x:8786"]):
        assert preregistered.main([*args, "--", *option]) == 2
        assert "runs one seed at a time" in capsys.readouterr().err
