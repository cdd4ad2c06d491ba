"""The helpers package has no import circles and no import that runs up a layer, counting
imports inside functions too (a deferred import hides a circle from Python, not from a
reader). The layers are :data:`helpers.LAYERS`."""

import ast
import re

from helpers import LAYERS
from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "helpers"


def _module_name(path):
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph():
    """helpers module -> the helpers modules it imports (anywhere in its source)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # ``from package import module`` depends on the module (and on the
                # package's __init__, which is counted where it is the package imported).
                submodules = [f"{node.module}.{a.name}" for a in node.names]
                targets = [s for s in submodules if s in modules]
                if len(targets) < len(submodules):
                    targets.append(node.module)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def find_cycle(graph):
    """One import circle as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, stack)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def test_helpers_has_no_import_circles():
    graph = import_graph()
    assert "helpers.nets.training" in graph and graph["helpers.nets.training"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def layer_of(module, layers=LAYERS):
    """Index (bottom-up) of the layer holding ``module``: the layer that lists its longest
    dotted prefix; -1 for the package root (it holds only ``__version__`` and the layers),
    None when no layer holds it."""
    best, found = -1, None
    for index, (_, names) in enumerate(layers):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), index
    if found is None and "." not in module:
        return -1
    return found


def upward_imports(graph, layers=LAYERS):
    """Every import ``(importer, imported)`` whose target lies in a higher layer."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if layer_of(target, layers) > layer_of(module, layers)
    )


def test_every_module_lies_in_a_layer_and_every_listed_one_exists():
    graph = import_graph()
    unplaced = sorted(m for m in graph if layer_of(m) is None)
    assert not unplaced, f"modules in no layer of helpers.LAYERS (add them): {unplaced}"
    listed = [name for _, names in LAYERS for name in names]
    assert len(listed) == len(set(listed)), "a module is listed in two layers"
    missing = sorted(name for name in listed if name not in graph)
    assert not missing, f"helpers.LAYERS lists modules that do not exist: {missing}"


def test_no_module_imports_a_layer_above_its_own():
    graph = import_graph()
    assert layer_of("helpers.stats.intervals") == 0
    assert layer_of("helpers.summary.study") < layer_of("helpers.cs.experiments")
    names = [name for name, _ in LAYERS]
    upward = [
        f"{m} ({names[layer_of(m)]}) imports {t} ({names[layer_of(t)]})"
        for m, t in upward_imports(graph)
    ]
    assert not upward, "imports that run up a layer:\n" + "\n".join(upward)


def test_the_statistics_import_nothing_else_of_helpers():
    graph = import_graph()
    stats = [m for m in graph if m == "helpers.stats" or m.startswith("helpers.stats.")]
    assert len(stats) >= 4
    outside = {m: sorted(t for t in graph[m] if not t.startswith("helpers.stats")) for m in stats}
    assert not any(outside.values()), outside


def test_the_layer_check_finds_an_upward_import():
    layers = (("low", ("p.a",)), ("high", ("p.b", "p.a.top")))
    graph = {"p.a": {"p.b"}, "p.b": {"p.a"}, "p.a.top": {"p.a"}, "p.a.x": {"p.a.top"}}
    assert layer_of("p.a.top.y", layers) == 1 and layer_of("p.a.x", layers) == 0
    assert layer_of("q.z", layers) is None
    assert upward_imports(graph, layers) == [("p.a", "p.b"), ("p.a.x", "p.a.top")]


def test_the_docstring_names_the_layers_bottom_up():
    import helpers

    written = re.findall(r"^(\w+) -- ", helpers.__doc__, flags=re.MULTILINE)
    assert written == [name for name, _ in LAYERS]


MAX_MODULE_LINES = 450


def test_modules_are_short_or_say_why_not():
    """A module over ~450 lines must say in its docstring why one concept needs more."""
    import ast

    long = []
    for path in sorted((PROJECT_ROOT / "helpers").rglob("*.py")):
        text = path.read_text()
        if len(text.splitlines()) <= MAX_MODULE_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "Length:" not in doc:
            long.append(f"{path.relative_to(PROJECT_ROOT)} ({len(text.splitlines())} lines)")
    assert not long, f"over {MAX_MODULE_LINES} lines without a 'Length:' reason: {long}"
