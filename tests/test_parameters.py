"""Every parameter's range is checked before the first notebook, naming the -p parameter."""

import math

import pytest

from helpers.parameters import ParameterError, check_parameters
from helpers.report import cli


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("cnn_folds", "1", "parameter cnn_folds: cnn_folds must be >= 2"),
        ("datasets", "[mnist]", "unknown datasets entry 'mnist'"),
        ("cs_noise_std", ".nan", "cs_noise_std must be a finite number"),
        ("cs_m_values", "[50, 5000]", "[5000] exceed N^2 = 4096"),
        ("mlp_sweep_m", "[2000]", "exceed the 784 pixels"),
        ("svd_energies", "[1.5]", "must be in (0, 1]"),
        ("n_train", "15", "too few for cnn_folds"),
        ("cs_image_file", "no/such/file.png", "does not exist"),
        ("cs_prior_m", "[50, 200]", "[200] are not in cs_m_values"),
        ("cs_table1_priors", "[magic]", "magic"),
    ],
)
def test_bad_value_is_refused_before_any_notebook(capsys, tmp_path, name, text, message):
    out = tmp_path / "out"
    assert cli.main(["--profile", "quick", "-p", name, text, "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and f"parameter {name}" in err and "Allowed:" in err
    assert not (out / "executed").exists()


def test_relative_paths_are_resolved_from_where_the_command_ran(capsys, tmp_path, monkeypatch):
    (tmp_path / "img.png").write_bytes(b"not checked here")
    monkeypatch.setenv("REPORT_INVOKED_FROM", str(tmp_path))
    from helpers.report.profiles import list_notebooks, resolve_parameters

    per_nb = resolve_parameters(
        list_notebooks(), "quick", {"cs_image_file": "img.png"}, tmp_path / "out"
    )
    values = {k: v for params in per_nb.values() for k, v in params.items()}
    assert values["cs_image_file"] == str(tmp_path / "img.png")


def test_notebook_namespace_is_checked_with_the_same_rules():
    namespace = {"cnn_folds": 3, "seed": 0, "unrelated": object(), "cs_trials": 0}
    with pytest.raises(ParameterError, match="parameter cs_trials"):
        check_parameters(namespace)
    assert check_parameters({"cnn_folds": 3, "seed": 0}) == {"cnn_folds": 3, "seed": 0}
    with pytest.raises(ParameterError, match="finite"):
        check_parameters({"cs_noise_std": math.inf})
