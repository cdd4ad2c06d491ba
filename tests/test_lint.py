"""ruff's lint and format checks over the whole project (helpers, tests, bench, notebooks)."""

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed in this environment (it is pinned in requirements.txt)")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (
        f"ruff {' '.join(command)} failed (fix with `ruff check --fix .` and `ruff format .`):\n"
        f"{done.stdout}{done.stderr}"
    )
