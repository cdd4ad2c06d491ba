"""scripts/preregistered-run.sh (helpers/report/preregistered.py): the renders a
pre-registration asks for, in order, resumable, with the time left (issue 34, item 4)."""

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

    def failing_second(args):
        calls.append(args)
        return 1 if len(calls) == 2 else 0

    assert preregistered.main(_args(prereg_file, tmp_path), render=failing_second) == 1
    err = capsys.readouterr().err
    assert "run the same command again to resume" in err
    assert "[2 of 3]" in err and "s left" in err  # the pace of the first render
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
