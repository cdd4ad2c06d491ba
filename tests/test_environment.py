"""The pins agree across files, and resolve on every Python version the set-up accepts.

requirements.txt (TensorFlow), requirements-jax.txt (JAX, CPU) and requirements-gpu.txt
(JAX, CUDA 12) each include requirements-common.txt; environment.yml and
environment-gpu.yml say the same for conda; requirements-lock.txt pins everything they
pull in on Python 3.11, 3.12 and 3.13.
"""

import json
import os
import re
import socket
import subprocess
import sys

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

# Python versions scripts/setup-env.sh and pyproject.toml accept. 3.11 is the tested one
# (CI installs it and renders); the others are resolve-checked below.
SUPPORTED = ("3.11", "3.12", "3.13")
# The oldest release of each the pins accept (soupsieve 4.1.3 needs 3.11.5).
OLDEST = {"3.11": "3.11.5", "3.12": "3.12.0", "3.13": "3.13.0"}
REQUIREMENT_SETS = ("requirements.txt", "requirements-jax.txt", "requirements-gpu.txt")


def _norm(name):
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0].strip()).lower()


def _pip_pins(lines, base=PROJECT_ROOT):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip() if not line.strip().startswith("-") else line.strip()
        if line.startswith("-r "):  # an included requirements file
            included = (base / line[3:].strip()).read_text().splitlines()
            for name, versions in _pip_pins(included, base).items():
                pins.setdefault(name, set()).update(versions)
            continue
        if not line or line.startswith("-"):
            continue
        requirement, _, marker = line.partition(";")
        name, sep, version = requirement.strip().partition("==")
        assert sep, f"unpinned requirement {line!r}: pin it with =="
        pins.setdefault(_norm(name), set()).add(version.strip())
    return pins


def requirements(name="requirements.txt"):
    return _pip_pins((PROJECT_ROOT / name).read_text().splitlines())


def conda_environment(name="environment.yml"):
    env = yaml.safe_load((PROJECT_ROOT / name).read_text())
    pins, python = {}, None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_name, versions in _pip_pins(dep["pip"]).items():
                pins.setdefault(pip_name, set()).update(versions)
            continue
        dep_name, _, version = dep.partition("=")
        if dep_name == "python":
            python = version
        elif dep_name not in ("pip", "pandoc"):  # tools, not Python requirements
            assert version, f"{name}: {dep!r} is not pinned"
            pins[_norm(dep_name)] = {version}
    return pins, python


@pytest.mark.parametrize(
    "conda_file, pip_file",
    [("environment.yml", "requirements.txt"), ("environment-gpu.yml", "requirements-gpu.txt")],
)
def test_environment_yml_and_requirements_pin_the_same_versions(conda_file, pip_file):
    conda, _ = conda_environment(conda_file)
    pip = requirements(pip_file)
    assert conda == pip, (
        f"only in {conda_file}: {sorted(set(conda.items()) - set(pip.items()))}; "
        f"only in {pip_file}: {sorted(set(pip.items()) - set(conda.items()))}"
    )


def test_every_set_shares_the_common_pins_and_names_one_backend():
    common = requirements("requirements-common.txt")
    assert not {"tensorflow", "tensorflow-cpu", "jax", "jaxlib"} & set(common)
    for name in REQUIREMENT_SETS:
        pins = requirements(name)
        assert {k: pins[k] for k in common} == common, name
    assert {"tensorflow", "tensorflow-cpu"} <= set(requirements()) and "jax" not in requirements()
    for name in ("requirements-jax.txt", "requirements-gpu.txt"):
        assert "tensorflow" not in requirements(name) and "tensorflow-cpu" not in requirements(name)
        assert requirements(name)["jax"] == requirements(name)["jaxlib"], name
    assert "jax-cuda12-plugin" in requirements("requirements-gpu.txt")


def test_python_versions_agree():
    for conda_file in ("environment.yml", "environment-gpu.yml"):
        _, python = conda_environment(conda_file)
        assert python in SUPPORTED, conda_file
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert f'requires-python = ">={SUPPORTED[0]},<3.{int(SUPPORTED[-1][2:]) + 1}"' in pyproject
    setup = (PROJECT_ROOT / "scripts" / "setup-env.sh").read_text()
    assert f"_PY_MIN={SUPPORTED[0][2:]}" in setup and f"_PY_MIN_MICRO={OLDEST['3.11'][5:]}" in setup
    assert f"_PY_MAX={SUPPORTED[-1][2:]}" in setup
    # Newest first: the set-up prefers the newest supported Python it finds.
    newest_first = " ".join(f"python{v}" for v in reversed(SUPPORTED))
    assert newest_first in setup


def test_lock_file_agrees_with_direct_pins():
    lock = _pip_pins((PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines())
    for set_name in REQUIREMENT_SETS:
        for name, versions in requirements(set_name).items():
            if name == "tensorflow":  # the lock is the Linux x86-64 one: tensorflow-cpu there
                continue
            assert lock.get(name) == versions, (
                f"{set_name}: {name}: requirements {versions}, lock {lock.get(name)}"
            )


def _pypi_reachable():
    if os.environ.get("REPORT_RESOLVE_CHECK") == "0":
        return False
    try:
        socket.create_connection(("pypi.org", 443), timeout=3).close()
        return True
    except OSError:
        return False


# Linux x86-64 wheels: every manylinux tag up to glibc 2.28 (pip takes --platform literally).
_PLATFORMS = [f"manylinux_2_{n}_x86_64" for n in range(28, 4, -1)] + ["manylinux2014_x86_64"]


@pytest.mark.resolve
@pytest.mark.parametrize("python", SUPPORTED)
def test_pins_resolve_on_each_supported_python(python, tmp_path):
    """pip resolves requirements.txt and requirements-gpu.txt (the JAX CPU set is a subset)
    against the lock for Linux x86-64 wheels of ``python``, without installing, and every
    package it would install is pinned by the lock: the lock is complete on that version.

    Needs PyPI (skipped without it, or with REPORT_RESOLVE_CHECK=0); about 30 s a version.
    """
    if not _pypi_reachable():
        pytest.skip("PyPI is not reachable (or REPORT_RESOLVE_CHECK=0)")
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    cmd += ["--report", str(report), "--python-version", OLDEST[python], "--only-binary=:all:"]
    cmd += [arg for p in _PLATFORMS for arg in ("--platform", p)]
    cmd += ["--target", str(tmp_path / "target"), "-c", str(PROJECT_ROOT / "requirements-lock.txt")]
    cmd += ["-r", str(PROJECT_ROOT / "requirements.txt")]
    cmd += ["-r", str(PROJECT_ROOT / "requirements-gpu.txt")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"pins do not resolve on Python {python}:\n{run.stderr[-3000:]}"
    lock = _pip_pins((PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines())
    installed = {
        _norm(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    unpinned = {n: v for n, v in installed.items() if n not in lock}
    assert not unpinned, f"Python {python}: not pinned by requirements-lock.txt: {unpinned}"
    assert all(lock[n] == {v} for n, v in installed.items()), python


def _setup(env):
    """Source scripts/setup-env.sh with ``env`` (REPORT_PYTHON set: nothing is installed);
    return (exit status, {PY, KERAS_BACKEND, XLA_FLAGS, JAX_PLATFORMS,
    JAX_COMPILATION_CACHE_DIR}, stderr)."""
    script = (
        "source scripts/setup-env.sh && "
        'printf "%s\\n" "$PY" "$KERAS_BACKEND" "${XLA_FLAGS:-}" "${JAX_PLATFORMS:-}" '
        '"${JAX_COMPILATION_CACHE_DIR:-}"'
    )
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "XLA_FLAGS")}
    base.pop("JAX_PLATFORMS", None)
    base.pop("JAX_COMPILATION_CACHE_DIR", None)
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=PROJECT_ROOT,
        env={**base, "REPORT_PYTHON": sys.executable, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    keys = ("PY", "KERAS_BACKEND", "XLA_FLAGS", "JAX_PLATFORMS", "JAX_COMPILATION_CACHE_DIR")
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
