"""Hand runs that cannot corrupt a render, environment faults before any work, leftovers
cleaned, the kernel bound to its checkout, and a render that says why it re-ran."""

import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import numpy as np
import pytest
import yaml

from helpers import profiles
from helpers.report import cli, environment, execution, staleness
from helpers.report.profiles import PipelineError, list_notebooks
from helpers.report.profiles import resolve_parameters as resolve
from helpers.report.seed_check import check_seed_spread
from tests.conftest import PROJECT_ROOT, make_arrays, render_quick
from tests.test_staleness import _run

# --- 1. A hand run takes its profile's values or refuses -------------------------------


def _study():
    return profiles.read_profile("study")


def _namespace(**changes):
    """A notebook's globals as its parameters cell leaves them (the study's values)."""
    namespace = {k: v for k, v in _study().items()}
    namespace["output_dir"] = None
    namespace.update(changes)
    return namespace


def test_every_profile_file_names_its_profile():
    for name in profiles.available_profiles():
        assert profiles.read_profile(name)["profile"] == name


def test_a_profile_file_that_names_another_profile_is_refused(tmp_path):
    (tmp_path / "mine.yaml").write_text("profile: quick\nseed: 0\n")
    with pytest.raises(profiles.ProfileError, match="set `profile: mine`"):
        profiles.read_profile("mine", tmp_path)
    (tmp_path / "other.yaml").write_text("seed: 0\n")
    with pytest.raises(profiles.ProfileError, match="add the line `profile: other`"):
        profiles.read_profile("other", tmp_path)


def test_every_parameter_a_profile_sets_has_its_study_default():
    # A hand run tells "left at the default" from "set by hand" by the study value.
    study = _study()
    for name in profiles.available_profiles():
        assert set(profiles.read_profile(name)) <= set(study), name


def test_setting_profile_by_hand_takes_that_profiles_values(capsys):
    quick = profiles.read_profile("quick")
    namespace = _namespace(profile="quick")
    adopted = profiles.align_hand_run(namespace)
    assert "n_train" in adopted and "max_epochs" in adopted
    for name, value in quick.items():
        if name in namespace:
            assert namespace[name] == value, name
    assert "took the profile's values for" in capsys.readouterr().err


def test_a_hand_value_the_profile_does_not_use_is_refused_naming_both():
    namespace = _namespace(profile="quick", n_train=500)
    with pytest.raises(profiles.HandRunError) as info:
        profiles.align_hand_run(namespace)
    message = str(info.value)
    assert "n_train = 500" in message and "params/quick.yaml: 1000" in message
    assert "output_dir" in message  # the fix
    assert namespace["n_train"] == 500  # nothing changed half-way


def test_a_hand_run_into_its_own_folder_keeps_its_values(monkeypatch):
    namespace = _namespace(profile="quick", n_train=500, output_dir="/tmp/mine")
    assert profiles.align_hand_run(namespace) == []
    assert namespace["n_train"] == 500
    monkeypatch.setenv("REPORT_OUTPUT_DIR", "/tmp/mine")
    assert profiles.align_hand_run(_namespace(profile="quick", n_train=500)) == []


def test_the_study_profile_by_hand_refuses_an_edited_value():
    assert profiles.align_hand_run(_namespace()) == []
    with pytest.raises(profiles.HandRunError, match="max_epochs = 2"):
        profiles.align_hand_run(_namespace(max_epochs=2))


def _setup_cells_only(notebook, profile_line):
    """The notebook up to its set-up call, its parameters cell edited as a user would."""
    nb = nbformat.read(notebook, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace('profile: str = "study"', profile_line)
        cells.append(cell)
        if "setup_notebook(globals())" in cell.source:
            break
    cells.append(
        nbformat.v4.new_code_cell(
            "import json; print(json.dumps({'n_train': n_train, 'output_dir': str(output_dir)}))"
        )
    )
    nb.cells = cells
    return nb


@pytest.mark.slow
def test_jupyterlab_user_setting_profile_gets_that_profiles_values_and_folder():
    """The JupyterLab case, through nbclient: `profile = "quick"` typed in the cell."""
    from nbclient import NotebookClient

    nb = _setup_cells_only(PROJECT_ROOT / "notebooks" / "00_datasets.ipynb", 'profile = "quick"')
    env_before = os.environ.pop("REPORT_OUTPUT_DIR", None)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3").execute(
            cwd=str(PROJECT_ROOT / "notebooks")
        )
    finally:
        if env_before is not None:
            os.environ["REPORT_OUTPUT_DIR"] = env_before
    printed = json.loads(nb.cells[-1].outputs[-1]["text"])
    assert printed["n_train"] == profiles.read_profile("quick")["n_train"]
    assert printed["output_dir"] == str(PROJECT_ROOT / "reports" / "quick")


# --- 1. ... and the pipeline re-runs a chapter whose results it did not write ----------


def test_results_written_outside_the_pipeline_rerun_their_chapter(
    fake_execution, data_env, tmp_path
):
    out = tmp_path / "out"
    _run(out)
    fake_execution.clear()
    (out / "results" / "datasets.json").write_text('{"written": "by hand"}')
    per_nb = resolve(list_notebooks(), "quick", {}, out)
    summary, _ = execution.run_notebooks(per_nb, out, on_progress=lambda m: None)
    status = {nb.stem: s for nb, s, _ in summary}
    assert status["00_datasets"] == (
        "executed because results/datasets.json was written outside render.sh (a hand run?)"
    )
    assert status["02_cnn"] == "up to date, skipped"
    # The re-run wrote what the summary read before (the fake writes its parameters).
    assert status["99_report"] == "up to date, skipped"
    assert fake_execution == ["00_datasets"]


def test_an_executed_copy_the_pipeline_did_not_write_is_rerun(fake_execution, data_env, tmp_path):
    """Issue 37: a papermill run (another profile) written over executed/00_datasets.ipynb
    was called up to date and published under this profile's caption."""
    out = tmp_path / "out"
    _run(out)
    fake_execution.clear()
    (out / "executed" / "00_datasets.ipynb").write_text('{"cells": ["a quick run"]}')
    per_nb = resolve(list_notebooks(), "quick", {}, out)
    summary, _ = execution.run_notebooks(per_nb, out, on_progress=lambda m: None)
    status = {nb.stem: s for nb, s, _ in summary}
    assert status["00_datasets"] == (
        "executed because executed/00_datasets.ipynb is not the copy render.sh wrote (a hand run?)"
    )
    assert fake_execution == ["00_datasets"]
    assert (out / "executed" / "00_datasets.ipynb").read_text() == "{}"  # the pipeline's


def test_a_foreign_executed_copy_of_a_chapter_not_run_is_not_published(
    fake_execution, data_env, tmp_path, monkeypatch, capsys
):
    published = []
    monkeypatch.setattr(
        cli, "build_report", lambda out, notebooks, **kw: published.extend(notebooks) or []
    )
    out = tmp_path / "out"
    args = ["--profile", "quick", "--output-dir", str(out)]
    assert cli.main(args) == 0 and len(published) == len(list_notebooks())
    (out / "executed" / "00_datasets.ipynb").write_text('{"cells": ["a quick run"]}')
    published.clear()
    assert cli.main([*args, "--only", "02_cnn"]) == 0
    assert "00_datasets" not in [nb.stem for nb in published] and len(published) == 5
    assert (
        "[render] left out of the report: executed/00_datasets.ipynb is not a copy render.sh "
        f"wrote; run ./render.sh --profile quick --output-dir {out} --only 00_datasets"
    ) in capsys.readouterr().err


def test_a_starting_chapter_says_how_long_it_took_last_time_here(
    fake_execution, data_env, tmp_path, capsys
):
    out = tmp_path / "out"
    args = ["--profile", "quick", "--output-dir", str(out), "--no-report", "--only", "02_cnn"]
    assert cli.main(args) == 0
    assert "started; last time" not in capsys.readouterr().err  # never ran here
    stamp_file = out / "executed" / "02_cnn.stamp.json"
    stamp = json.loads(stamp_file.read_text())
    stamp["seconds"] = 482.4
    stamp_file.write_text(json.dumps(stamp))
    assert cli.main([*args, "--force"]) == 0
    assert "[render] 02_cnn: started; last time 482 s on this machine\n" in capsys.readouterr().err
    stamp = json.loads(stamp_file.read_text())
    stamp["machine"] = "elsewhere, Some CPU, 64 CPUs"
    stamp_file.write_text(json.dumps(stamp))
    assert cli.main([*args, "--force"]) == 0
    err = capsys.readouterr().err
    assert "02_cnn: started; last time 0 s on another machine (elsewhere, Some CPU, 64 CPUs)" in err


@pytest.mark.slow
def test_readme_papermill_line_then_render_gives_the_profiles_report(
    quick_report, data_dir, tmp_path
):
    """A hand run of chapter 00 into a rendered folder, with another n_train: render.sh
    re-runs the chapter (saying why) and the results are the profile's again."""
    from jupyter_client.kernelspec import find_kernel_specs

    # The shared render's own folder (a copy would change output_dir, a parameter of
    # every chapter); the render below restores what the hand run changed.
    folder = quick_report
    kernel = "research-report" if "research-report" in find_kernel_specs() else "python3"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "notebooks/00_datasets.ipynb",
            str(tmp_path / "out.ipynb"),
        ]
        + ["-f", "params/quick.yaml", "-k", kernel, "-p", "output_dir", str(folder)]
        + ["-p", "data_dir", str(data_dir), "-p", "n_train", "500"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    hand = json.loads((folder / "results" / "datasets.json").read_text())
    assert hand["_run"]["parameters"]["n_train"] == 500
    assert hand["_run"]["run_reason"] == "run by hand (not by render.sh)"
    result = render_quick("--no-report", data_dir=data_dir, output_dir=folder)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        "[render] 00_datasets: running because results/datasets.json was written outside "
        "render.sh" in result.stderr
    )
    assert "[render] 02_cnn: up to date, skipped" in result.stderr
    assert "[render] 99_report: running because upstream results changed: datasets.json" in (
        result.stderr
    )
    redone = json.loads((folder / "results" / "datasets.json").read_text())
    assert redone["_run"]["parameters"]["n_train"] == profiles.read_profile("quick")["n_train"]
    assert redone["_run"]["run_reason"].startswith("results/datasets.json was written outside")


def test_the_documented_papermill_line_writes_where_git_ignores_it():
    """Issue 37: the hand-run example left out.ipynb untracked in the repository root."""
    import re
    import shlex

    text = " ".join((PROJECT_ROOT / "docs" / "rendering.md").read_text().split())
    (line,) = re.findall(r"`((?:mkdir -p \S+ && )?papermill notebooks/[^`]+)`", text)
    words = shlex.split(line)
    output = words[words.index("papermill") + 2]
    if "mkdir" in words:  # papermill does not create the copy's folder
        assert output.startswith(words[words.index("-p") + 1].rstrip("/") + "/")
    assert "/executed/" not in output  # render.sh's copies, fingerprinted by their stamps
    ignored = subprocess.run(["git", "check-ignore", "-q", output], cwd=PROJECT_ROOT)
    assert ignored.returncode == 0, f"{output} is not ignored by git"


def test_pipeline_parameters_cannot_be_overridden():
    with pytest.raises(PipelineError, match="use --profile"):
        resolve(list_notebooks(["00_datasets"]), "quick", {"profile": "study"}, "/tmp/x")


# --- 2. Environment and file checks before the first notebook --------------------------


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"KERAS_BACKEND": "bogus"}, "KERAS_BACKEND='bogus' is not a Keras backend"),
        ({"REPORT_PRECISION": "bogus"}, "REPORT_PRECISION='bogus' is not a training precision"),
        ({"REPORT_ACCELERATOR": "tpu"}, "REPORT_ACCELERATOR='tpu'"),
        ({"REPORT_ACCELERATOR": "cuda", "KERAS_BACKEND": "tensorflow"}, "runs Keras on JAX"),
    ],
)
def test_environment_faults_are_one_line_errors_before_any_work(
    variables,
    message,
    monkeypatch,
    capsys,
    fake_execution,
    data_env,
    tmp_path,
):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    start = time.perf_counter()
    code = cli.main(["--profile", "quick", "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and fake_execution == []
    assert err.startswith("render.sh: error: ") and message in err and "Traceback" not in err
    assert time.perf_counter() - start < 60


def test_a_backend_whose_package_is_missing_is_named(monkeypatch):
    monkeypatch.setattr(environment.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PipelineError, match="no jax package"):
        environment.check_backend({"KERAS_BACKEND": "jax"})


def test_unwritable_output_folder_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(PipelineError, match="is not writable.*--output-dir"):
        environment.check_output_dir(blocker / "out")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        with pytest.raises(PipelineError, match="is not writable"):
            environment.check_output_dir(locked)


def test_a_run_refused_by_its_checks_leaves_no_output_folder(fake_execution, tmp_path, capsys):
    """Issue 37: a failed data check left an empty output folder behind."""
    empty = tmp_path / "no-data"
    empty.mkdir()
    out = tmp_path / "new" / "out"
    assert cli.main(["--profile", "quick", "--output-dir", str(out), "--data-dir", str(empty)]) == 2
    assert "dataset file" in capsys.readouterr().err and fake_execution == []
    assert not (tmp_path / "new").exists()


def _per_notebook(data_dir, **values):
    return resolve(
        list_notebooks(["00_datasets"]), "quick", {"data_dir": str(data_dir), **values}, "/tmp/x"
    )


def _broken_archives():
    arrays = make_arrays("fashion_mnist")
    return {
        "not a zip archive": b"not a zip archive",
        "truncated": "truncated",
        "holds Python objects": {**arrays, "x_train": np.array([{"a": 1}] * 3, dtype=object)},
        "dtype float32, expected uint8": {
            **arrays,
            "x_train": arrays["x_train"].astype(np.float32),
        },
        "expected (n, 28, 28)": {**arrays, "x_train": arrays["x_train"][:, :20]},
        "missing array(s) ['y_test']": {k: v for k, v in arrays.items() if k != "y_test"},
        "40 images but y_train has 39": {**arrays, "y_train": arrays["y_train"][:-1]},
    }


@pytest.mark.parametrize("fault", list(_broken_archives()))
def test_broken_dataset_files_are_refused_from_their_headers(fault, tmp_path, write_archive):
    content = _broken_archives()[fault]
    directory = tmp_path / "data"
    write_archive("cifar10", directory=directory)
    target = directory / "fashion_mnist.npz"
    if isinstance(content, bytes):
        target.write_bytes(content)
    elif content == "truncated":
        write_archive("fashion_mnist", directory=directory)
        target.write_bytes(target.read_bytes()[:-200])
    else:
        np.savez(target, **content)
    with pytest.raises(PipelineError) as info:
        environment.check_data(_per_notebook(directory))
    assert "fashion_mnist.npz" in str(info.value)
    assert ("holds Python objects" if "objects" in fault else fault.split(",")[0]) in str(
        info.value
    ) or fault in ("not a zip archive", "truncated")


def test_missing_dataset_is_an_error_not_a_download_unless_asked(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("REPORT_DATA_DIR", str(empty))
    monkeypatch.setattr("helpers.data.REPO_DATA_DIR", empty)
    per_nb = resolve(list_notebooks(["00_datasets"]), "quick", {}, "/tmp/x")
    with pytest.raises(PipelineError, match="not found.*--download"):
        environment.check_data(per_nb)
    environment.check_data(per_nb, download=True)  # asked for: left to Keras


def test_cs_image_file_must_decode(tmp_path, data_env):
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"not an image")
    per_nb = resolve(
        list_notebooks(["01_reconstruction"]), "quick", {"cs_image_file": str(bad)}, "/tmp/x"
    )
    with pytest.raises(PipelineError, match="cs_image_file: .*photo.png is not a readable image"):
        environment.check_data(per_nb)


def test_real_datasets_pass_the_header_check_in_seconds(data_dir):
    start = time.perf_counter()
    environment.check_data(_per_notebook(data_dir))
    assert time.perf_counter() - start < 30


# --- 3. seed-spread.sh checks before it trains ------------------------------------------


def test_seed_spread_refuses_close_seeds_before_training(data_env, tmp_path):
    out = str(tmp_path / "quick")
    with pytest.raises(PipelineError, match="at least 2 apart.*profile's own seed is 0"):
        check_seed_spread("quick", out, [1])
    with pytest.raises(PipelineError, match="at least 2 apart"):
        check_seed_spread("quick", out, [4, 5])
    with pytest.raises(PipelineError, match="unknown profile"):
        check_seed_spread("nope", out, [4])
    check_seed_spread("quick", out, [4, 8])


def test_seed_spread_script_stops_in_seconds(data_env, tmp_path):
    start = time.perf_counter()
    done = subprocess.run(
        ["bash", "scripts/seed-spread.sh", "quick", "1", "--", "--output-dir", str(tmp_path / "q")],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REPORT_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "seed-spread.sh: error: seed 1" in done.stderr
    assert not (tmp_path / "q-seed1" / "executed").exists()
    assert time.perf_counter() - start < 60


def _compared_run(folder, planned, **changes):
    """An output folder of chapters 02 and 03 as the summary reads it: their results
    with ``planned``'s ``_run`` block, parameters changed by ``changes``."""
    (folder / "results").mkdir(parents=True)
    for name, payload in planned.items():
        payload = json.loads(json.dumps(payload))
        payload["_run"]["parameters"].update(changes)
        (folder / "results" / f"{name}.json").write_text(json.dumps(payload))
    return folder


@pytest.mark.parametrize(
    "key, changes, message",
    [
        ("seed_runs", {"seed": 8, "max_epochs": 9}, "cnn ran with other parameters"),
        ("seed_runs", {"seed": 1}, "at least 2 apart"),
        ("effect_runs", {}, "nothing differs from this run"),
        ("effect_runs", {"seed": 8, "mlp_stack_folds": False}, "not the seed"),
    ],
)
def test_seed_and_effect_runs_are_refused_before_any_training(
    key, changes, message, fake_execution, data_env, tmp_path, capsys
):
    """Issue 37: a mismatched seed or effect run was refused only by chapter 99, after
    all the training, leaving summary.json older than cnn.json."""
    from helpers.report.compared_runs import planned_results

    out = tmp_path / "out"
    planned = planned_results("quick", {}, out)
    other = _compared_run(tmp_path / "other", planned, **changes)
    start = time.perf_counter()
    args = ["--profile", "quick", "--output-dir", str(out), "-p", key, f"[{other}]"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert fake_execution == [] and not out.exists()
    assert err.startswith(f"render.sh: error: -p {key}: ") and message in err
    assert str(other) in err and "Traceback" not in err
    assert time.perf_counter() - start < 30


def test_a_matching_seed_run_passes_the_check_and_is_fingerprinted(
    fake_execution, data_env, tmp_path
):
    from helpers.report.compared_runs import planned_results

    out = tmp_path / "out"
    other = _compared_run(tmp_path / "other", planned_results("quick", {}, out), seed=8)
    effect = _compared_run(
        tmp_path / "effect", planned_results("quick", {}, out), mlp_stack_folds=False
    )
    args = ["--profile", "quick", "--output-dir", str(out), "--no-report"]
    assert (
        cli.main([*args, "-p", "seed_runs", f"[{other}]", "-p", "effect_runs", f"[{effect}]"]) == 0
    )
    assert "99_report" in fake_execution


# --- 4. Leftovers of interrupted runs ---------------------------------------------------


def test_leftovers_of_an_interrupted_render_are_removed(fake_execution, data_env, tmp_path, capsys):
    from helpers.files import atomic_path

    out = tmp_path / "out"
    left = [
        out / "executed" / ".00_datasets.k3j2.tmp.ipynb",
        out / "executed" / ".00_datasets.stamp.x1.tmp.json",
        out / ".report.a8f.tmp.html",
        out / "results" / ".cnn.abcd1234.tmp.json",
        out / "models" / ".cnn_fashion_mnist.q9.tmp.keras",
        out / "cache" / "cnn" / ".fold_0.77.tmp.json",
    ]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("partial")
    kept = out / "results" / "cnn.json"
    kept.write_text("{}")
    # A hand run writing beside the render: its temporary file is held, so it stays.
    with atomic_path(out / "results" / "datasets.json") as live:
        live.write_text("{}")
        assert cli.main(["--profile", "quick", "--output-dir", str(out), "--dry-run"]) == 0
        assert live.exists()
    assert not any(p.exists() for p in left) and kept.exists()
    err = capsys.readouterr().err
    assert "removed .report.a8f.tmp.html, left by an interrupted run" in err
    assert "removed models/.cnn_fashion_mnist.q9.tmp.keras, left by an interrupted run" in err


# --- 5. The kernel is this checkout's -----------------------------------------------------


def _fake_clone(root):
    """A checkout with its own venv that can run ipykernel (borrowing this one's packages)."""
    (root / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "scripts" / "setup-env.sh", root / "scripts")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    site = next((root / ".venv" / "lib").glob("python3*/site-packages"))
    import sysconfig

    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root


def test_setting_up_a_second_clone_leaves_the_first_ones_kernel(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    clones = [_fake_clone(tmp_path / name) for name in ("first", "second")]
    for clone in clones:  # the set-up, in an active venv that has the project
        env = {
            **os.environ,
            "HOME": str(home),
            "VIRTUAL_ENV": str(clone / ".venv"),
            "PATH": f"{clone / '.venv' / 'bin'}:{os.environ['PATH']}",
            # The borrowed site-packages' .pth files are not read: the project by path.
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        env.pop("REPORT_PYTHON", None)
        env.pop("JUPYTER_DATA_DIR", None)
        done = subprocess.run(
            ["bash", "-c", "source scripts/setup-env.sh && echo $PY"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    for clone in clones:
        listing = subprocess.run(
            [
                str(clone / ".venv" / "bin" / "python"),
                "-m",
                "jupyter_client.kernelspecapp",  # what `jupyter kernelspec` runs
                "list",
                "--json",
            ],
            env={**os.environ, "HOME": str(home)},
            capture_output=True,
            text=True,
            check=True,
        )
        spec = json.loads(listing.stdout)["kernelspecs"]["research-report"]
        assert spec["spec"]["argv"][0] == str(clone / ".venv" / "bin" / "python")
    assert not (home / ".local" / "share" / "jupyter" / "kernels" / "research-report").exists()


# --- 6. Why each chapter runs -------------------------------------------------------------


def test_change_reasons_name_what_changed():
    old = {
        "version": "2",
        "notebook": "a",
        "parameters": {"max_epochs": 3, "seed": 0},
        "code": {"helpers.nets.training": "x", "helpers.data": "y"},
        "upstream": {"cnn.json": "u"},
        "data": {"fashion_mnist": "d"},
        "keras_backend": "tensorflow",
        "precision": "float32",
        "packages": {"keras": "3.15.1"},
    }
    new = json.loads(json.dumps(old))
    assert staleness.change_reasons(old, new) == []
    new["parameters"]["max_epochs"] = 5
    new["code"]["helpers.nets.training"] = "z"
    new["upstream"]["cnn.json"] = None
    new["precision"] = "mixed_bfloat16"
    assert staleness.change_reasons(old, new) == [
        "parameters changed: max_epochs",
        "helpers changed: helpers.nets.training",
        "upstream results changed: cnn.json",
        "training precision float32 -> mixed_bfloat16",
    ]
    assert staleness.change_reasons(None, new) == ["it has not run in this folder"]


def test_console_and_dry_run_say_why_each_chapter_runs(fake_execution, data_env, tmp_path, capsys):
    out = tmp_path / "out"
    _run(out)
    fake_execution.clear()
    args = ["--profile", "quick", "--output-dir", str(out), "-p", "max_epochs", "4"]
    assert cli.main([*args, "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert fake_execution == []  # nothing ran
    assert "[render] 00_datasets: up to date, skipped" in err
    assert "[render] 02_cnn: would run because parameters changed: max_epochs" in err
    assert (
        "[render] 99_report: would run because it reads the results of 02_cnn, "
        "03_projection_mlp, 04_svd_compression, which run first" in err
    )
    assert cli.main([*args, "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "[render] 02_cnn: running because parameters changed: max_epochs" in err
    assert cli.main([*args, "--no-report", "--force"]) == 0
    assert "[render] 00_datasets: running because forced (--force)" in capsys.readouterr().err
    stamp = json.loads((out / "executed" / "02_cnn.stamp.json").read_text())
    assert stamp["reason"] == "forced (--force)"
    assert set(stamp["outputs"]) == {"cnn.json"}


def test_the_report_profile_yaml_loads_as_before():
    quick = yaml.safe_load((PROJECT_ROOT / "params" / "quick.yaml").read_text())
    assert quick["profile"] == "quick" and quick["n_train"] == 1000
