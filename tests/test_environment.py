"""environment.yml, requirements.txt and requirements-lock.txt must agree."""

import re

import yaml

from tests.conftest import PROJECT_ROOT


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip() if not line.strip().startswith("-") else line.strip()
        if not line or line.startswith("-"):
            continue
        requirement, _, marker = line.partition(";")
        name, sep, version = requirement.strip().partition("==")
        assert sep, f"unpinned requirement {line!r}: pin it with =="
        pins.setdefault(_norm(name), set()).add(version.strip())
    return pins


def requirements():
    return _pip_pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())


def conda_environment():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pins, python = {}, None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for name, versions in _pip_pins(dep["pip"]).items():
                pins.setdefault(name, set()).update(versions)
            continue
        name, _, version = dep.partition("=")
        if name == "python":
            python = version
        elif name not in ("pip", "pandoc"):  # tools, not Python requirements
            assert version, f"environment.yml: {dep!r} is not pinned"
            pins[_norm(name)] = {version}
    return pins, python


def test_environment_yml_and_requirements_pin_the_same_versions():
    conda, _ = conda_environment()
    pip = requirements()
    assert conda == pip, (
        f"only in environment.yml: {sorted(set(conda.items()) - set(pip.items()))}; "
        f"only in requirements.txt: {sorted(set(pip.items()) - set(conda.items()))}"
    )


def test_python_version_matches_pyproject():
    _, python = conda_environment()
    assert python == "3.11"
    assert ">=3.11,<3.12" in (PROJECT_ROOT / "pyproject.toml").read_text()


def test_lock_file_agrees_with_direct_pins():
    lock = _pip_pins((PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, versions in requirements().items():
        if name == "tensorflow":  # the lock is the Linux x86-64 one: tensorflow-cpu there
            continue
        assert lock.get(name) == versions, f"{name}: requirements {versions}, lock {lock.get(name)}"
