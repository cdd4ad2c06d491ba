"""Every third-party import is declared in pyproject.toml, and no import reaches into
another package's private modules or names (a leading underscore).

The scan reads the imports of helpers/, notebooks/ (code cells), bench/, scripts/ and
tests/ with ast, and maps each imported module to the distributions that install it
here (importlib.metadata.packages_distributions()).
"""

import ast
import json
import sys
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import PROJECT_ROOT

PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
FIRST_PARTY = {"helpers", "tests"}
# Imported where present, never installed by the set-up: bench/plain_torch_cnn.py's
# PyTorch comparison runs only when a torch is installed (docs/performance.md).
OPTIONAL = {"torch"}


def _declared(*extras):
    requirements = PROJECT["dependencies"] + [
        r for extra in extras for r in PROJECT["optional-dependencies"][extra]
    ]
    return {canonicalize_name(Requirement(r).name) for r in requirements}


# The code may use the runtime and the routes' extras; the tests the dev extra as well.
RUNTIME = _declared("tf", "jax", "cuda", "cluster")
FOLDERS = {
    "helpers": RUNTIME,
    "notebooks": RUNTIME,
    "bench": RUNTIME,
    "scripts": RUNTIME,
    "tests": RUNTIME | _declared("dev"),
}


def _sources(folder):
    """(path, Python source) of each module under ``folder`` and of each notebook's code."""
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        yield path, path.read_text()
    for path in sorted((PROJECT_ROOT / folder).rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        lines = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        # IPython's magics and shell escapes are not Python.
        python = [s for s in lines.splitlines() if not s.lstrip().startswith(("%", "!"))]
        yield path, "\n".join(python)


def _foreign_imports(path, source):
    """(module, imported names) of each absolute import of another package (not the
    standard library's, not this project's, not a module beside ``path``)."""
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found = [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found = [(node.module, tuple(alias.name for alias in node.names))]
        else:
            continue
        for module, names in found:
            top = module.split(".")[0]
            if top in FIRST_PARTY or (path.parent / f"{top}.py").exists():
                continue
            yield module, names


def _undeclared(path, source, declared, distributions):
    """The imports in ``source`` that no declared distribution installs."""
    missing = []
    for module, _ in _foreign_imports(path, source):
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top in OPTIONAL:
            continue
        # The distributions that install it here; its own name when none does.
        installers = {canonicalize_name(d) for d in distributions.get(top, [top])}
        if not installers & declared:
            missing.append(f"{top} ({' or '.join(sorted(installers))})")
    return missing


def test_every_third_party_import_is_declared():
    distributions = metadata.packages_distributions()
    undeclared, seen = [], set()
    for folder, declared in FOLDERS.items():
        for path, source in _sources(folder):
            seen |= {m.split(".")[0] for m, _ in _foreign_imports(path, source)}
            for missing in _undeclared(path, source, declared, distributions):
                undeclared.append(f"{path.relative_to(PROJECT_ROOT)}: {missing}")
    # The scan sees the code: these arrive through other packages unless declared.
    assert {"numpy", "mistune", "jupyter_client", "IPython", "jinja2", "matplotlib_inline"} <= seen
    assert not undeclared, (
        "imported but not declared in pyproject.toml (add the distribution to "
        "[project.dependencies], to a route's extra for a backend, or to the dev extra for "
        "tests; then scripts/lock.sh):\n" + "\n".join(sorted(set(undeclared)))
    )


def test_the_scan_flags_an_undeclared_import():
    source = "import numpy\nimport mistune.renderers\nfrom requests_oauthlib import OAuth2Session\n"
    path = PROJECT_ROOT / "helpers" / "example.py"
    found = _undeclared(path, source, RUNTIME, metadata.packages_distributions())
    assert found == ["requests_oauthlib (requests-oauthlib)"]


def _private_parts(module, names):
    """The parts of an import that are private: a leading underscore, not a dunder."""
    return [
        part
        for part in [*module.split("."), *names]
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
    ]


def test_no_private_api_of_other_packages():
    """A private module or name can change in any release (SciPy's product operator,
    once imported by helpers/cs/operators.py, now helpers/cs/bounded.py's own)."""
    found = []
    for folder in FOLDERS:
        for path, source in _sources(folder):
            for module, names in _foreign_imports(path, source):
                if private := _private_parts(module, names):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}: {module} {private}")
    assert _private_parts("scipy.sparse.linalg._interface", ("_ProductLinearOperator",))
    assert not _private_parts("__future__", ("annotations",))
    assert not found, (
        "imports of other packages' private modules or names (use their public API, or "
        "write the piece here):\n" + "\n".join(found)
    )
