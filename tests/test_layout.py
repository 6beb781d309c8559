"""The package's layout stays what docs/design.md says: layers, one whoosh package, no cycles.

Read from the source (AST), every import counts, including those inside functions
(deferred imports still tie modules at run time); `if TYPE_CHECKING:` blocks do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "newsctl"

#: Lower numbers are lower layers: a module may import only its own unit or lower layers.
LAYERS: dict[str, int] = {
    "errors": 0,
    "config": 1, "dates": 1, "fsutil": 1, "records": 1, "text": 1,
    "state": 2, "lock": 2, "query": 2, "posts": 2,
    "engine": 3,
    "sync": 4, "search": 4,
    "follow": 5,
    "archive": 6,
    "render": 7, "batch": 7,
    "cli": 8,
    "server": 9,
    "__init__": 10, "__main__": 10,
}
#: Imports against the layers, each with its reason.
EXCEPTIONS = {
    ("cli", "server"): "`newsctl server start|stop|status` drives the warm server, which runs the CLI",
}
#: Third-party packages that only some units may import.
ONLY_IN = {
    "whoosh": {"engine"},
    "typer": {"cli"},
    "rich": {"render", "cli"},
    "rjieba": {"text"},
    "selectolax": {"posts", "render"},  # HTML to text, and raw HTML blocks shown by `show`
    "frontmatter": {"posts"},  # posts/frontmatter_handler.py and the writer in posts/naming.py
    "yaml": {"posts"},  # python-frontmatter's YAML engine, driven by the handler
    "tomlkit": {"follow"},  # editing the [watches] table of a config a person also edits
}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import outside TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    is_pkg = path.name == "__init__.py"
    package = name.split(".") if is_pkg else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:  # `from . import x` imports the module x
                full = f"{mod}.{a.name}"
                found.append((full if full in MODULES else mod, node.lineno))
    return found


MODULES = _modules()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    assert {_unit(m) for m in MODULES} <= set(LAYERS), sorted({_unit(m) for m in MODULES} - set(LAYERS))


def test_modules_import_only_lower_layers_or_their_own_unit():
    bad = []
    for name, path in MODULES.items():
        unit = _unit(name)
        for target, line in _imports(name, path):
            if not target.startswith("newsctl.") or target == "newsctl":
                continue
            other = _unit(target)
            if other != unit and LAYERS[other] >= LAYERS[unit] and (unit, other) not in EXCEPTIONS:
                bad.append(f"{path.relative_to(PKG.parent)}:{line}: {unit} (layer {LAYERS[unit]}) imports {target} (layer {LAYERS[other]})")
    assert not bad, "\n".join(bad)


def test_third_party_packages_stay_in_their_units():
    bad = []
    for name, path in MODULES.items():
        for target, line in _imports(name, path):
            top = target.split(".")[0]
            if top in ONLY_IN and _unit(name) not in ONLY_IN[top]:
                bad.append(f"{path.relative_to(PKG.parent)}:{line}: imports {target}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = {
        name: {t for t, _ in _imports(name, path) if t in MODULES and t != name
               and not (path.name == "__init__.py" and t.startswith(name + "."))}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_no_module_is_too_long():
    long = {str(p.relative_to(PKG.parent)): n for p in PKG.rglob("*.py") if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_LINES}
    assert not long, long


def test_the_checker_sees_a_violation(tmp_path):
    """The rules can fail: a lower layer importing archive is caught."""
    probe = PKG / "posts" / "_layout_probe.py"
    name = "newsctl.posts._layout_probe"
    try:
        probe.write_text("from ..archive import Archive\n", encoding="utf-8")
        assert ("newsctl.archive", 1) in _imports(name, probe)
        assert LAYERS[_unit("newsctl.archive")] >= LAYERS["posts"]
    finally:
        probe.unlink()
