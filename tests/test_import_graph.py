"""The helpers package has no import circles, counting imports inside functions too
(a deferred import hides a circle from Python, not from a reader)."""

import ast

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
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
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
