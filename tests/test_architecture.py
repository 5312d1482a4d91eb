"""The folders show the decisions: the core imports no Gradio, no import loops, at most 12 floors, small modules."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "components"
pytestmark = pytest.mark.unit


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in CORE.rglob("*.py")}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (names for annotations only: no floor at run time)."""
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    return [node for node in ast.walk(tree) if id(node) not in skipped]


@cache
def _imports(module: str) -> frozenset[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in _runtime_nodes(tree):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found.update(name for name in names if name in MODULES and name != module)
    return frozenset(found)


def _floors(module: str, path: tuple[str, ...] = ()) -> int:
    assert module not in path, "import loop: " + " → ".join((*path, module))
    below = [_floors(other, (*path, module)) for other in _imports(module)]
    return 1 + max(below, default=0)


def test_only_the_web_layer_imports_gradio():
    for module, path in MODULES.items():
        if not module.startswith("components.web"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
            assert not any(name and name.split(".")[0] == "gradio" for name in imported), module


def test_no_import_loops_and_at_most_twelve_floors():
    deepest = max(MODULES, key=_floors)
    assert _floors(deepest) <= 12, deepest


def test_every_module_stays_small():
    for path in [*CORE.rglob("*.py"), ROOT / "app.py"]:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 200, path
