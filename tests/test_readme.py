"""The README is the newcomer's path: the two commands and where the report lands on
its first screen, the profiles that exist, links that resolve, and the options the
docs show are the ones render.sh has."""

import os
import re
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text()
FIRST_SCREEN = "\n".join(README.splitlines()[:30])


def test_first_screen_has_the_two_commands_and_where_the_report_lands():
    assert "./render.sh --profile quick" in FIRST_SCREEN
    assert "./test.sh" in FIRST_SCREEN
    assert "reports/<profile>/report.html" in FIRST_SCREEN
    assert "reports/<profile>/report.pdf" in FIRST_SCREEN


def test_the_profile_table_lists_exactly_the_profiles_that_exist():
    listed = set(re.findall(r"^\| `(\w+)` \|", README, flags=re.M)) - {"path"}
    profiles = {p.stem for p in (PROJECT_ROOT / "params").glob("*.yaml")}
    assert profiles <= listed, f"profiles missing from the README: {profiles - listed}"
    table = README.split("| profile |", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"^\| `(\w+)` \|", table, flags=re.M)) == profiles


def test_every_docs_page_is_linked_and_every_link_resolves():
    links = set(re.findall(r"\((docs/[\w-]+\.md)\)", README))
    pages = {f"docs/{p.name}" for p in (PROJECT_ROOT / "docs").glob("*.md")}
    assert links == pages, links ^ pages
    mentioned = set(re.findall(r"\bdocs/[\w-]+\.md", README))
    assert mentioned <= pages, mentioned - pages


def _help():
    run = subprocess.run(
        ["bash", "render.sh", "--help"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REPORT_PYTHON": sys.executable},  # prepared: nothing installed
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_render_help_runs_and_the_documented_usage_matches_it():
    usage = (PROJECT_ROOT / "docs" / "rendering.md").read_text().split("```", 2)[1]
    documented = set(re.findall(r"\[(--?[\w-]+)", usage))
    synopsis = _help().split("\n\n", 1)[0]  # argparse's usage lines: one name per option
    offered = set(re.findall(r"\[(--?[\w-]+)", synopsis)) - {"-h"}
    assert documented == offered, (
        f"docs only: {documented - offered}; --help only: {offered - documented}"
    )
    for profile in (PROJECT_ROOT / "params").glob("*.yaml"):
        assert profile.stem in usage
