"""The house: no module of the package imports, directly or through others, a
module that imports it back (imports for type annotations only, under
``if TYPE_CHECKING:``, do not count: they never run); and every import of the
package says ``migsim`` (the source folder is ``sim/``, the import name is not)."""

import ast
from pathlib import Path

import migsim

PACKAGE = Path(migsim.__file__).parent


def module_name(path: Path) -> str:
    parts = ("migsim", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules this tree imports, at any depth but outside ``if TYPE_CHECKING:``."""
    found = set()

    def visit(node):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "migsim":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "migsim")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {m: imports(ast.parse(p.read_text(encoding="utf-8")), modules) - {m} for m, p in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every module that can reach itself, with one path back."""
    found = []
    for start in sorted(graph):
        stack, seen = [(start, [start])], {start}
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    found.append([*path, start])
                    stack = []
                    break
                if nxt not in seen and nxt in graph:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_no_import_circles():
    graph = import_graph()
    assert len(graph) > 40 and sum(len(v) for v in graph.values()) > 60  # the graph was read
    assert not circles(graph), "\n".join(" -> ".join(c) for c in circles(graph))


def test_the_check_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c", "a"],
        ["b", "c", "a", "b"],
        ["c", "a", "b", "c"],
    ]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from migsim.model import M\ndef f():\n    from migsim.x import y\n"
    )
    assert imports(tree, {"migsim.model", "migsim.x"}) == {"migsim.x"}


def test_every_import_of_the_package_says_migsim():
    """``import sim`` would load the source folder a second time, as another package."""
    root = PACKAGE.parent
    stray = []
    for path in [*PACKAGE.rglob("*.py"), *(root / "tests").glob("*.py"), *(root / "experiments").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in getattr(node, "names", [])]
            if isinstance(node, (ast.Import, ast.ImportFrom)) and any(n == "sim" or n.startswith("sim.") for n in names):
                stray.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not stray, stray
