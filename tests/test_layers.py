"""fpnlab's modules import only downwards: the layer table of fpnlab/README.md ("Where each concept
lives") as data, checked against every import statement in the package (module level and inside
functions)."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "fpnlab" / "src" / "fpnlab"

# Layer of each top-level module or package (fpnlab/README.md); lower numbers are lower layers.
LAYERS = {
    "errors": 1, "i18n": 1, "arguments": 1,
    "levels": 2, "blocks": 2, "coco": 2,
    "data": 3, "datastats": 3, "backbones": 3, "necks": 3,
    "heads": 4, "detector": 4, "metrics": 4,
    "receptive": 5, "preflight": 5, "ablation": 5,
    "design": 6,
    "viz": 7, "widgets": 7,
    "__main__": 8,
}


def _top(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    return rel.parts[0]


def _imports(path: Path):
    """(imported top-level fpnlab module, line) for every import of an fpnlab module in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = list(path.relative_to(PKG).parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                parts = base + (node.module.split(".") if node.module else [])
                if not parts:  # `from . import x` at the top of the package
                    parts = [alias.name for alias in node.names][:1]
            elif node.module and node.module.split(".")[0] == "fpnlab":
                parts = node.module.split(".")[1:] or [alias.name for alias in node.names][:1]
            else:
                continue
            yield parts[0], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "fpnlab" and len(parts) > 1:
                    yield parts[1], node.lineno


MODULES = sorted(p for p in PKG.rglob("*.py") if p.name != "__init__.py" or p.parent != PKG)


def test_the_layer_table_covers_every_module():
    tops = {_top(p) for p in MODULES}
    assert tops == set(LAYERS), f"add {sorted(tops - set(LAYERS))} to LAYERS (and to fpnlab/README.md), remove {sorted(set(LAYERS) - tops)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_only_flow_downwards(path):
    here = _top(path)
    upward = [f"line {line}: {here} (layer {LAYERS[here]}) imports {target} (layer {LAYERS[target]})"
              for target, line in _imports(path) if target in LAYERS and LAYERS[target] > LAYERS[here]]
    assert not upward, "\n".join(upward)


def test_no_import_cycles_between_top_level_modules():
    graph = {name: set() for name in LAYERS}
    for path in MODULES:
        for target, _ in _imports(path):
            if target in LAYERS and target != _top(path):
                graph[_top(path)].add(target)
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " → ".join(stack[stack.index(node):] + [node]))
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for name in sorted(graph):
        visit(name)
