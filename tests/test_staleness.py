"""Which notebooks re-run, and which inputs count (no kernel is started: execution is faked)."""

import re

import nbformat
import yaml

from helpers.report import execution, staleness
from helpers.report.profiles import PARAMS_DIR, declared_parameters, list_notebooks
from helpers.report.profiles import resolve_parameters as resolve
from tests.conftest import PROJECT_ROOT


def _run(tmp_path, overrides=None, **kwargs):
    per_nb = resolve(list_notebooks(), "quick", overrides or {}, tmp_path)
    summary, failures = execution.run_notebooks(
        per_nb, tmp_path, on_progress=lambda m: None, **kwargs
    )
    assert not failures
    return sorted(nb.stem for nb, status, _ in summary if status.startswith("executed"))


def test_changed_cnn_parameter_reruns_the_cnn_chapter_and_its_readers(
    fake_execution, data_env, tmp_path
):
    out = tmp_path / "out"
    assert len(_run(out)) == len(list_notebooks())
    fake_execution.clear()
    assert _run(out) == []
    assert _run(out, {"cnn_batch_size": 32}) == [
        "02_cnn",
        "03_projection_mlp",
        "04_svd_compression",
        "99_report",
    ]


def test_changed_dataset_file_reruns_the_notebooks_that_read_it(
    fake_execution, data_env, write_archive, tmp_path
):
    out = tmp_path / "out"
    _run(out)
    from tests.conftest import make_arrays

    write_archive("cifar10", arrays=make_arrays("cifar10", seed=5), directory=data_env)
    rerun = _run(out)
    assert rerun[:4] == ["00_datasets", "02_cnn", "03_projection_mlp", "04_svd_compression"]
    assert "01_reconstruction" not in rerun


def test_build_tool_code_is_not_part_of_any_fingerprint(data_env, tmp_path):
    hashes = staleness.FileHashes(tmp_path / "h.json")
    for nb in list_notebooks():
        modules = staleness.module_closure(staleness.imported_helpers_modules(nb))
        assert not [m for m in modules if m.startswith("helpers.report")], nb.stem
        fp, parts = staleness.fingerprint(nb, {}, declared_parameters(nb), [], hashes)
        assert parts["code"], nb.stem
    # The modules a chapter really runs are in: e.g. the CNN chapter's training code.
    cnn = staleness.module_closure(
        staleness.imported_helpers_modules(PROJECT_ROOT / "notebooks" / "02_cnn.ipynb")
    )
    assert "helpers.nets.training" in cnn and "helpers.cs.experiments" not in cnn


def test_force_reruns_everything(fake_execution, data_env, tmp_path):
    out = tmp_path / "out"
    _run(out)
    assert len(_run(out, force=True)) == len(list_notebooks())


def test_every_results_read_is_declared():
    """A notebook that reads another's results must declare it in depends_on."""
    notebooks = list_notebooks()
    recorder = {name: nb.stem for nb in notebooks for name in staleness.records_of(nb)}
    for nb in notebooks:
        source = "\n".join(
            c.source for c in nbformat.read(str(nb), as_version=4).cells if c.cell_type == "code"
        )
        for name in staleness.records_of(nb):
            assert re.search(rf'record_results\(\s*"{name}"', source), (nb.stem, name)
        reads = set(re.findall(r'read_results\(\s*\w+\s*,\s*"(\w+)"', source))
        deps = execution.notebook_dependencies(nb, [n.stem for n in notebooks])
        for name in reads:
            assert recorder[name] in deps, f"{nb.stem} reads {name} without depends_on"
        if "load_all(" in source:
            assert set(deps) == {n.stem for n in notebooks} - {nb.stem}


def test_notebook_defaults_equal_the_study_profile():
    study = yaml.safe_load((PARAMS_DIR / "study.yaml").read_text())
    import ast

    for nb in list_notebooks():
        for name, info in declared_parameters(nb).items():
            if name in study:
                assert ast.literal_eval(info["default"]) == study[name], (nb.stem, name)


def test_an_output_folder_moved_or_copied_stays_up_to_date(fake_execution, data_env, tmp_path):
    import shutil

    out = tmp_path / "out"
    _run(out)
    fake_execution.clear()
    copied = tmp_path / "elsewhere" / "copied"
    shutil.copytree(out, copied, copy_function=shutil.copy)  # new mtimes too
    moved = tmp_path / "moved"
    out.rename(moved)
    for folder in (copied, moved):
        assert _run(folder) == [], folder.name
    assert fake_execution == []
    stamp = (moved / "executed" / "02_cnn.stamp.json").read_text()
    assert str(tmp_path) not in stamp and '"output_dir": "<output_dir>"' in stamp


def test_a_stamp_with_absolute_paths_stays_valid_and_is_upgraded(
    fake_execution, data_env, tmp_path
):
    """Stamps written before paths were relative must not re-run a study render."""
    import json
    import shutil

    out = tmp_path / "out"
    per_nb = resolve(list_notebooks(), "quick", {}, out)
    _run(out)
    fake_execution.clear()
    hashes = staleness.FileHashes(tmp_path / "h.json")
    for nb, values in per_nb.items():
        stamp_file = out / "executed" / f"{nb.stem}.stamp.json"
        stamp = json.loads(stamp_file.read_text())
        upstream = [
            out / "results" / f"{name}.json"
            for dep in execution.notebook_dependencies(nb, [n.stem for n in per_nb])
            for name in staleness.records_of(PROJECT_ROOT / "notebooks" / f"{dep}.ipynb")
        ]
        old_fp, old_parts = staleness.fingerprint(
            nb, values, declared_parameters(nb), upstream, hashes, legacy=True
        )
        assert old_fp != stamp["fingerprint"]
        stamp_file.write_text(json.dumps({**stamp, "fingerprint": old_fp, "inputs": old_parts}))
    moved = tmp_path / "moved"  # a copy with the old stamps, elsewhere: re-runs, saying why
    shutil.copytree(out, moved)
    per_moved = resolve(list_notebooks(["00_datasets"]), "quick", {}, moved)
    summary, _ = execution.run_notebooks(per_moved, moved, on_progress=print, dry_run=True)
    assert summary[0][1] == (
        f"would run because the folder moved from {out} (its stamp predates relative paths)"
    )
    assert _run(out) == [] and fake_execution == []
    stamp = json.loads((out / "executed" / "00_datasets.stamp.json").read_text())
    assert stamp["inputs"]["parameters"]["output_dir"] == "<output_dir>"
