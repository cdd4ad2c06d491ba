"""Chapter 01's parameter defaults are the study profile, and every profile names real ones."""

import json

import pytest
import yaml

from tests.conftest import PROJECT_ROOT


def _notebook_defaults():
    nb = json.loads((PROJECT_ROOT / "notebooks" / "01_reconstruction.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    namespace = {}
    exec("".join(cell["source"]), namespace)
    return {k: v for k, v in namespace.items() if k.startswith("cs_")}


def _profile(name):
    params = yaml.safe_load((PROJECT_ROOT / "params" / f"{name}.yaml").read_text())
    return {k: v for k, v in params.items() if k.startswith("cs_")}


def test_study_profile_equals_the_notebook_defaults():
    defaults = _notebook_defaults()
    study = _profile("study")
    assert study, "params/study.yaml names no chapter-01 parameter"
    assert {k: defaults.get(k, "<missing>") for k in study} == study


@pytest.mark.parametrize("profile", ["quick", "study", "full"])
def test_profiles_name_only_existing_parameters(profile):
    unknown = set(_profile(profile)) - set(_notebook_defaults())
    assert not unknown, f"params/{profile}.yaml: no such chapter-01 parameter {sorted(unknown)}"
