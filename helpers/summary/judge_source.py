"""The source fingerprint of a verdict judge: the code and constants it runs.

The ledger (:mod:`helpers.summary.ledger`) records each rule version's fingerprint,
and a pre-registration records the fingerprints of the judges it fixes, so a judge
whose logic changes without a new ledger entry fails a test, and a verdict judged by
changed code cannot be called confirmatory.

What is hashed: starting from the judge's entry points, every function and class of
the ``helpers`` package they reach by name (module globals, imports inside functions,
``module.attribute``), each as its syntax tree without docstrings (so a comment, a
docstring or a reformatting does not count as a change; a changed expression, branch,
message or default does), without its own name or module, so a function moved to another module
or renamed keeps the hash (a call to it by another name is a change of the caller). Module-level UPPER_CASE constants they read enter by
value. Third-party code is not hashed: its versions are in each result's ``_run``.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib
import inspect
import textwrap
import types

__all__ = ["judge_closure", "judge_fingerprint", "resolve"]

PACKAGE = "helpers"


def resolve(dotted):
    """The object at ``"package.module.name"`` (a function, class or constant)."""
    module_name, _, attribute = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise LookupError(
            f"{dotted!r} names no object: a judge in the ledger or pre-registration was "
            "renamed or moved; point the entry at its new name"
        ) from error


def _is_ours(obj):
    module = getattr(obj, "__module__", None) or ""
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _tree(obj):
    """The object's syntax tree without docstrings, as a stable string."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    # Its own name is left out, so a renamed function (``judge_claim_1`` kept as
    # ``judge_claim_1_v5``) keeps its fingerprint; its callers' references do not.
    tree.body[0].name = ""
    return tree


class _DropImports(ast.NodeTransformer):
    """Imports inside a function only bind names (followed anyway): where a name is
    imported from is not part of what the judge computes."""

    def visit_Import(self, node):
        return None

    visit_ImportFrom = visit_Import


def _dump(tree):
    tree = _DropImports().visit(copy.deepcopy(tree))
    for node in ast.walk(tree):
        if isinstance(getattr(node, "body", None), list) and not node.body:
            node.body = [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def _local_imports(tree):
    """Names bound by ``from X import Y`` / ``import X`` anywhere in ``tree``."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                try:
                    module = importlib.import_module(node.module)
                except ImportError:
                    continue
                value = getattr(module, alias.name, None)
                if value is None:
                    try:
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        continue
                found[alias.asname or alias.name] = value
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found[alias.asname] = importlib.import_module(alias.name)
    return found


def _referenced(obj, tree):
    """(name, value) of every global the object's source reads, ``module.attr`` resolved."""
    module = importlib.import_module(obj.__module__)
    namespace = {**vars(module), **_local_imports(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in namespace:
            yield node.id, namespace[node.id]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and isinstance(namespace.get(node.value.id), types.ModuleType)
        ):
            target = namespace[node.value.id]
            if hasattr(target, node.attr):
                yield node.attr, getattr(target, node.attr)


def _constant(name, value):
    return name.isupper() and not callable(value) and not isinstance(value, types.ModuleType)


def _canonical(value):
    """A repr that does not depend on hash order (sets are unordered)."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_canonical(k)}: {_canonical(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_canonical(v) for v in value) + ")"
    return repr(value)


def judge_closure(entry_points):
    """Everything a judge runs: ``{"functions": {key: tree}, "constants": {name: repr}}``.

    ``entry_points``: functions (or dotted names) where the judge starts.
    """
    functions, constants = {}, {}
    pending = [resolve(e) if isinstance(e, str) else e for e in entry_points]
    seen = set()
    while pending:
        obj = pending.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        tree = _tree(obj)
        kind = "class" if inspect.isclass(obj) else "function"
        key, dump = f"{kind} {obj.__qualname__}", _dump(tree)
        if functions.get(key, dump) != dump:  # two different objects of one name
            key += " #" + hashlib.sha256(dump.encode()).hexdigest()[:8]
        functions[key] = dump
        for name, value in _referenced(obj, tree):
            if (inspect.isfunction(value) or inspect.isclass(value)) and _is_ours(value):
                pending.append(value)
            elif _constant(name, value):
                text = _canonical(value)
                if constants.get(name, text) != text:  # two constants of one name
                    name += " #" + hashlib.sha256(text.encode()).hexdigest()[:8]
                constants[name] = text
    return {"functions": functions, "constants": constants}


def judge_fingerprint(entry_points):
    """A short SHA-256 of :func:`judge_closure` (16 hex digits), stable across moves."""
    closure = judge_closure(entry_points)
    parts = sorted(closure["functions"].values())
    parts += [f"const {k} = {v}" for k, v in sorted(closure["constants"].items())]
    return hashlib.sha256("\n\n".join(parts).encode()).hexdigest()[:16]
