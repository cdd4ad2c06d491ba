"""The environment: pyproject.toml declares the dependencies, uv.lock pins them (the
requirements files are exported from it by scripts/lock.sh), and scripts/setup-env.sh
installs one route's file; this suite runs in what `pip install -e '.[tf,dev]'` gives.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_ROOT

PROJECT = "research-report-helpers"
REQUIRES_PYTHON = SpecifierSet(
    tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
)
# The oldest release of each Python version the lock supports.
OLDEST = ("3.11.5", "3.12.0", "3.13.0")
ROUTE_FILES = ("requirements.txt", "requirements-jax.txt", "requirements-gpu.txt")
LOCK_FILES = ("pyproject.toml", "uv.lock", *ROUTE_FILES, "scripts/lock.sh")


def _uv():
    """The locked uv (the dev extra), whatever uv is on PATH: another version may write
    another lock."""
    try:
        from uv import find_uv_bin
    except ImportError:
        pytest.fail("uv is not installed here (the dev extra has it): pip install -e '.[tf,dev]'")
    return find_uv_bin()


def _lock_check(root):
    return subprocess.run(
        ["bash", str(root / "scripts" / "lock.sh"), "--check"],
        env={**os.environ, "UV": _uv()},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lock_and_requirements_files_are_up_to_date_with_pyproject():
    """uv's own check (`uv lock --check`, offline) and a fresh export of each route."""
    run = _lock_check(PROJECT_ROOT)
    assert run.returncode == 0, run.stderr[-2000:]


def test_lock_check_fails_on_a_stale_lock_or_export(tmp_path):
    for name in LOCK_FILES:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    export = tmp_path / "requirements-jax.txt"
    export.write_text(export.read_text() + "rich==13.0.0\n")
    run = _lock_check(tmp_path)
    assert run.returncode != 0 and "requirements-jax.txt is out of date" in run.stderr
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"numpy>=', '"rich>=13",\n    "numpy>='))
    run = _lock_check(tmp_path)
    assert run.returncode != 0 and "uv.lock is out of date" in run.stderr


def _backend_extra():
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        return "tf"
    return "cuda" if os.environ.get("REPORT_ACCELERATOR") == "cuda" else "jax"


def _installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_this_environment_has_what_pyproject_declares():
    """The set-up's locked install is a `pip install -e '.[tf,dev]'` (or jax, cuda): each
    requirement of the project, its route's extra, dev and cluster (which dev names) is
    installed in a version pyproject.toml allows."""
    if _installed(PROJECT) is None:
        pytest.fail(f"{PROJECT} is not installed here: pip install -e '.[tf,dev]'")
    extras = ("", _backend_extra(), "dev", "cluster")
    wanted = [
        r
        for r in map(Requirement, metadata.requires(PROJECT) or [])
        if canonicalize_name(r.name) != PROJECT
        and any(not r.marker or r.marker.evaluate({"extra": e}) for e in extras)
    ]
    problems = [
        f"{r} (installed: {have})"
        for r in wanted
        if (have := _installed(r.name)) is None or not r.specifier.contains(have, prereleases=True)
    ]
    fix = "re-run the set-up (rm .venv/.requirements.sha256 && ./test.sh) or pip install -e '.[tf,dev]'"
    assert len(wanted) > 30, f"the installed {PROJECT} declares {len(wanted)} requirements: {fix}"
    assert not problems, f"this environment lacks what pyproject.toml declares: {problems}; {fix}"


def test_python_versions_agree():
    setup = (PROJECT_ROOT / "scripts" / "setup-env.sh").read_text()
    py = {k: int(v) for k, v in re.findall(r"^_PY_(MIN|MIN_MICRO|MAX)=(\d+)$", setup, re.M)}
    assert (f"3.{py['MIN']}.{py['MIN_MICRO']}", f"3.{py['MAX']}.0") == (OLDEST[0], OLDEST[-1])
    inside = (OLDEST[0], f"3.{py['MAX']}.99")
    outside = (f"3.{py['MIN']}.{py['MIN_MICRO'] - 1}", f"3.{py['MAX'] + 1}.0")
    assert all(v in REQUIRES_PYTHON for v in inside) and not any(
        v in REQUIRES_PYTHON for v in outside
    )
    # The set-up takes the newest supported Python it finds.
    assert " ".join(f"python{v[:4]}" for v in reversed(OLDEST)) in setup
    conda = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())["dependencies"]
    assert f"{[d for d in conda if str(d).startswith('python=')][0][7:]}.99" in REQUIRES_PYTHON
    assert "-e .[tf,cluster,dev]" in next(d["pip"] for d in conda if isinstance(d, dict))


@pytest.mark.resolve
@pytest.mark.parametrize("python", OLDEST)
def test_locked_versions_have_wheels_on_each_supported_python(python):
    """Each pinned version has a Linux x86-64 wheel for ``python`` (uv.lock is universal,
    but a version may lack a wheel for one Python). Needs PyPI; ~10 s a version."""
    if os.environ.get("REPORT_RESOLVE_CHECK") == "0":
        pytest.skip("REPORT_RESOLVE_CHECK=0")
    run = subprocess.run(
        [_uv(), "pip", "compile", "--quiet", "--no-header", "--only-binary", ":all:",
         "--python-version", python, "--python-platform", "x86_64-manylinux_2_28",
         "--output-file", os.devnull, "requirements.txt", "requirements-gpu.txt"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, f"the lock does not install on Python {python}:\n{run.stderr}"


def _setup(env):
    """Source scripts/setup-env.sh with ``env`` (REPORT_PYTHON set: nothing is installed);
    return (exit status, {PY, KERAS_BACKEND, XLA_FLAGS, JAX_PLATFORMS,
    JAX_COMPILATION_CACHE_DIR}, stderr)."""
    keys = ("PY", "KERAS_BACKEND", "XLA_FLAGS", "JAX_PLATFORMS", "JAX_COMPILATION_CACHE_DIR")
    script = (
        "source scripts/setup-env.sh && "
        + 'printf "%s\\n"'
        + "".join(f' "${{{k}:-}}"' for k in keys)
    )
    base = {k: v for k, v in os.environ.items() if k not in keys}
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=PROJECT_ROOT,
        env={**base, "REPORT_PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return run.returncode, dict(zip(keys, run.stdout.split("\n"))), run.stderr


def test_setup_routes_select_backend_and_gpu_settings():
    rc, out, _ = _setup({})
    assert rc == 0 and out["KERAS_BACKEND"] == "tensorflow" and not out["XLA_FLAGS"]
    assert not out["JAX_COMPILATION_CACHE_DIR"]
    rc, out, _ = _setup({"KERAS_BACKEND": "jax"})
    assert rc == 0 and out["KERAS_BACKEND"] == "jax" and not out["JAX_PLATFORMS"]
    # JAX's persistent compilation cache, in the checkout (git-ignored) unless set.
    assert out["JAX_COMPILATION_CACHE_DIR"] == str(PROJECT_ROOT / ".cache" / "jax")
    rc, out, _ = _setup({"REPORT_ACCELERATOR": "cuda", "XLA_FLAGS": "--xla_dump_to=/tmp/x"})
    assert rc == 0 and out["KERAS_BACKEND"] == "jax" and out["JAX_PLATFORMS"] == "cuda,cpu"
    assert out["XLA_FLAGS"] == "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true"
    assert out["PY"] == sys.executable
    rc, _, err = _setup({"REPORT_ACCELERATOR": "cuda", "KERAS_BACKEND": "tensorflow"})
    assert rc != 0 and "runs Keras on JAX" in err
    rc, _, err = _setup({"REPORT_ACCELERATOR": "tpu"})
    assert rc != 0 and "cpu or cuda" in err
