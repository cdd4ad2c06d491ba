"""When is an executed notebook out of date? A fingerprint of exactly what it depends on.

A notebook's fingerprint covers: the notebook file, its parameters, the
``helpers`` modules it imports (followed through their own imports; the
build tool in ``helpers/report`` is not among them), the results files of the
notebooks it reads from (``metadata.report.depends_on``), the dataset files it
loads, the Keras backend, and the versions of the packages that change
numbers. Editing a help text of ``render.sh`` therefore re-runs nothing, while
a changed ``cnn_epochs`` re-runs the CNN chapter and everything that reads it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path

from helpers.report.profiles import PROJECT_ROOT
from helpers.runtime import package_versions, training_precision

__all__ = [
    "NUMERIC_PACKAGES",
    "notebook_metadata",
    "records_of",
    "imported_helpers_modules",
    "module_closure",
    "dataset_files",
    "fingerprint",
    "portable",
    "change_reasons",
    "output_hashes",
    "output_reasons",
]

# Packages whose version can change a number in the report.
NUMERIC_PACKAGES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "scikit-image",
    "keras",
    "tensorflow",
    "tensorflow-cpu",
    "jax",
    "jaxlib",
    "jax-cuda12-plugin",  # a GPU run computes other numbers than a CPU one
    "torch",
    "PyWavelets",
    "spgl1",
    "pandas",
)
_FINGERPRINT_VERSION = "2"


def notebook_metadata(notebook):
    """``metadata.report`` of a notebook (``depends_on``, ``records``)."""
    return json.loads(Path(notebook).read_text()).get("metadata", {}).get("report", {})


def records_of(notebook):
    """Names of the results files a notebook records (``metadata.report.records``)."""
    return list(notebook_metadata(notebook).get("records", []))


def _code_cells(notebook):
    cells = json.loads(Path(notebook).read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython magics and shell escapes are not Python.
            yield "\n".join(
                "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
            )


def _module_file(name, root=PROJECT_ROOT):
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports_in(source, package="helpers", current=None, root=PROJECT_ROOT):
    """``helpers.*`` modules imported anywhere in ``source`` (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative import inside helpers
                parts = current.split(".")[: -node.level] if current else []
                module = ".".join(parts + ([module] if module else []))
            if module.split(".")[0] != package:
                continue
            found.add(module)
            for alias in node.names:  # `from helpers.cs import sensing` imports a module
                if _module_file(f"{module}.{alias.name}", root) is not None:
                    found.add(f"{module}.{alias.name}")
    return found


def imported_helpers_modules(notebook, root=PROJECT_ROOT):
    """The ``helpers`` modules a notebook imports directly."""
    found = set()
    for source in _code_cells(notebook):
        try:
            found |= _imports_in(source, root=root)
        except SyntaxError:
            continue
    return found


def module_closure(modules, root=PROJECT_ROOT):
    """``modules`` with every ``helpers`` module they import, and their packages."""
    seen, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # packages run __init__
        path = _module_file(name, root)
        if path is not None:
            todo += sorted(_imports_in(path.read_text(), current=name, root=root) - seen)
    return {name: _module_file(name, root) for name in sorted(seen) if _module_file(name, root)}


def dataset_files(parameters, declared):
    """``{dataset: path or None}`` of the archives a notebook with these parameters loads."""
    if "datasets" not in declared:
        return {}
    from helpers.data import find_dataset_file

    names = parameters.get("datasets")
    if names is None:
        names = ast.literal_eval(declared["datasets"]["default"])
    data_dir = parameters.get("data_dir")
    return {name: find_dataset_file(name, data_dir) for name in names}


class FileHashes:
    """SHA-256 of files, remembered by (path, size, mtime) in a small JSON cache."""

    def __init__(self, cache_path):
        self.cache_path = Path(cache_path)
        try:
            self.known = json.loads(self.cache_path.read_text())
        except (OSError, ValueError):
            self.known = {}

    def __call__(self, path):
        path = Path(path).resolve()
        stat = path.stat()
        key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
        if key not in self.known:
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            self.known[key] = digest.hexdigest()
            from helpers.files import atomic_write_json

            atomic_write_json(self.cache_path, self.known)
        return self.known[key]


def seed_run_results(parameters):
    """Results files of other output folders a notebook reads (its ``seed_runs`` and
    ``effect_runs``)."""
    from helpers.summary.seeds import SEED_RESULTS

    return [
        Path(folder) / "results" / f"{name}.json"
        for key in ("seed_runs", "effect_runs")
        for folder in parameters.get(key) or []
        for name in SEED_RESULTS
    ]


def portable(value, output_dir, root=PROJECT_ROOT):
    """``value`` with absolute paths inside ``output_dir`` or the checkout ``root`` made
    relative to it (``<output_dir>/results``, ``<repo>/reports/quick-seed10``), so an
    output folder moved or copied elsewhere keeps its fingerprints. Lists are mapped."""
    if isinstance(value, list):
        return [portable(v, output_dir, root) for v in value]
    if not isinstance(value, str) or not os.path.isabs(value):
        return value
    path = Path(os.path.normpath(value))
    for base, label in ((output_dir, "<output_dir>"), (root, "<repo>")):
        if base is not None and path.is_relative_to(Path(os.path.normpath(base))):
            rest = path.relative_to(Path(os.path.normpath(base))).as_posix()
            return label if rest == "." else f"{label}/{rest}"
    return value


# Parameters whose values are paths (helpers.report.profiles.PATH_PARAMETERS, and the
# output folder the pipeline sets).
_PATH_VALUES = ("output_dir", "data_dir", "cs_image_file", "seed_runs", "effect_runs")


def _portable_parameters(parameters, root):
    output_dir = parameters.get("output_dir")
    return {
        k: portable(v, output_dir, root) if k in _PATH_VALUES else v for k, v in parameters.items()
    }


def fingerprint(
    notebook, parameters, declared, upstream_results, file_hashes, root=PROJECT_ROOT, legacy=False
):
    """Hex SHA-256 over everything the executed ``notebook`` depends on.

    Parameters
    ----------
    notebook : Path
    parameters : dict
        The values the pipeline passes (profile, overrides).
    declared : dict
        The notebook's declared parameters (defaults fill in what is not passed).
    upstream_results : list of Path
        Results files of the notebooks it reads from (absent ones count as absent).
    file_hashes : callable(Path) -> str
    root : Path
        The checkout whose ``helpers`` the kernel imports.
    legacy : bool
        Fingerprint paths as stamps before issue 37 did (absolute), so that those
        stamps stay valid where the folder has not moved.

    Returns
    -------
    fingerprint : str
    parts : dict
        What went in, for the stamp file (lets a user see why a notebook re-ran).
        Paths in the output folder or the checkout are relative to it
        (:func:`portable`): moving either changes no fingerprint.
    """
    modules = module_closure(imported_helpers_modules(notebook, root), root)
    parts = {
        "version": _FINGERPRINT_VERSION,
        "notebook": file_hashes(notebook),
        "parameters": parameters if legacy else _portable_parameters(parameters, root),
        "code": {name: file_hashes(path) for name, path in modules.items()},
        "upstream": {
            p.name: (file_hashes(p) if p.is_file() else None) for p in sorted(upstream_results)
        },
        "data": {
            name: (file_hashes(path) if path is not None else "keras-download")
            for name, path in dataset_files(parameters, declared).items()
        },
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "precision": training_precision(),
        "packages": package_versions(NUMERIC_PACKAGES),
    }
    seed_runs = seed_run_results(parameters)
    if seed_runs:  # other output folders the summary reads (only then: old stamps stay valid)
        output_dir = None if legacy else parameters.get("output_dir")
        parts["seed_runs"] = {
            (str(p) if legacy else portable(str(p), output_dir, root)): (
                file_hashes(p) if p.is_file() else None
            )
            for p in sorted(seed_runs)
        }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest(), parts


def _changed_keys(old, new):
    old, new = old or {}, new or {}
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _relative_parts(parts):
    """A stamp's ``inputs`` with the absolute paths of stamps before issue 37 made
    relative as :func:`fingerprint` makes them now (so they compare)."""
    parameters = parts.get("parameters") or {}
    output_dir = parameters.get("output_dir")
    if not (isinstance(output_dir, str) and os.path.isabs(output_dir)):
        return parts
    relative = {**parts, "parameters": _portable_parameters(parameters, PROJECT_ROOT)}
    if "seed_runs" in parts:
        relative["seed_runs"] = {
            portable(k, output_dir): v for k, v in (parts["seed_runs"] or {}).items()
        }
    return relative


def change_reasons(old_parts, new_parts):
    """Why a notebook's fingerprint changed: short phrases naming what changed.

    Parameters
    ----------
    old_parts : dict or None
        The ``inputs`` of the notebook's last stamp (None: it never ran here).
    new_parts : dict
        The ``parts`` :func:`fingerprint` returns now.

    Returns
    -------
    list of str
        E.g. ``["parameters changed: max_epochs", "helpers changed: helpers.nets.training"]``;
        empty when nothing differs.
    """
    if not old_parts:
        return ["it has not run in this folder"]
    if old_parts.get("version") != new_parts.get("version"):
        return ["the pipeline's fingerprint format changed"]
    old_parts = _relative_parts(old_parts)
    reasons = []
    if old_parts.get("notebook") != new_parts.get("notebook"):
        reasons.append("the notebook changed")
    labelled = (
        ("parameters", "parameters changed"),
        ("code", "helpers changed"),
        ("upstream", "upstream results changed"),
        ("data", "data files changed"),
        ("packages", "package versions changed"),
        ("seed_runs", "seed or effect runs' results changed"),
    )
    for key, label in labelled:
        changed = _changed_keys(old_parts.get(key), new_parts.get(key))
        if changed:
            reasons.append(f"{label}: {', '.join(changed)}")
    for key, label in (("keras_backend", "Keras backend"), ("precision", "training precision")):
        if old_parts.get(key) != new_parts.get(key):
            reasons.append(f"{label} {old_parts.get(key)} -> {new_parts.get(key)}")
    return reasons


def output_hashes(notebook, output_dir, file_hashes):
    """``{results file name: SHA-256 or None}`` of the results ``notebook`` records."""
    out = {}
    for name in records_of(notebook):
        path = Path(output_dir) / "results" / f"{name}.json"
        out[f"{name}.json"] = file_hashes(path) if path.is_file() else None
    return out


def output_reasons(recorded, current):
    """Why results files no longer are what the pipeline wrote (hand runs, deletions)."""
    if recorded is None:
        return []  # a stamp from before outputs were recorded: trust it
    reasons = []
    for name, digest in sorted(current.items()):
        if digest is None:
            reasons.append(f"results/{name} is missing")
        elif recorded.get(name) != digest:
            reasons.append(f"results/{name} was written outside render.sh (a hand run?)")
    return reasons
