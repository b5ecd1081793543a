"""The package's import rules (docs/topics/design.rst): each module imports only from
its own layer or the layers below, nothing imports in a loop, and nothing below the
transports imports asyncio or websockets."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "domsync"

# Bottom to top. A module may import modules of its own layer and the layers below.
LAYERS = {
    "protocol": ["protocol", "exceptions", "logs", "encoding"],
    "encoders": ["encode_html", "encode_js", "encode_json"],
    "model": ["csp", "names", "event_names", "flags", "files", "routes", "selectors", "html", "styles", "traversal", "attributes",
              "forms", "listeners", "element", "recorder", "batches", "inbound", "actions", "document",
              "threadsafe", "components", "core", "morph", "patch"],
    "session": ["mirror", "client", "handlers", "resume", "session"],
    "hub": ["hub", "shared", "replica", "downloads", "web", "assets", "page", "prerender"],
    "transports": ["runner", "backplane", "server_core", "asgi", "ws_transport", "domsync_server", "memory", "background", "demo",
                   "proxy_config", "workers", "__main__", "__init__"],
    # domsync.testing: the browserless client and its pytest plugin, above everything.
    "testing": ["testing.dom", "testing.tab", "testing.locator", "testing.assertions", "testing.context",
                "testing.chromium", "testing.plugin", "testing.__init__"],
}
LAYER_OF = {module: index for index, modules in enumerate(LAYERS.values()) for module in modules}
# Libraries only the transports may use: the event loop and the network.
IO_LIBRARIES = {"asyncio", "websockets", "socket", "selectors", "ssl", "starlette", "uvicorn", "redis"}


def modules() -> list[str]:
    return sorted([path.stem for path in PACKAGE.glob("*.py")]
                  + [f"testing.{path.stem}" for path in (PACKAGE / "testing").glob("*.py")])


def _source(module: str) -> Path:
    return PACKAGE / (module.replace(".", "/") + ".py")


def imports(module: str) -> tuple[set[str], set[str]]:
    """The package modules and the outside top-level packages ``module`` imports when it
    runs (function-level imports included; ``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(_source(module).read_text(encoding="utf-8"))
    inside, outside = set(), set()
    # Relative imports: "." is the module's own package, ".." the one above.
    own = "testing." if module.startswith("testing.") else ""

    def relative(level: int, name: str) -> str:
        return (own if level == 1 else "") + name

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top == "domsync":
                    parts = alias.name.split(".")
                    inside.add(".".join(parts[1:3]) if parts[1:2] == ["testing"] else parts[1] if len(parts) > 1
                               else "__init__")
                else:
                    outside.add(top)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x / from .x import y
                if node.module:
                    inside.add(relative(node.level, node.module.split(".")[0]))
                else:
                    inside.update(relative(node.level, alias.name) for alias in node.names)
            elif node.module and node.module.split(".")[0] == "domsync":
                inside.add(node.module.split(".")[1] if "." in node.module else "__init__")
            elif node.module:
                outside.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    inside.discard(module)
    return inside, outside


def test_every_module_has_a_layer():
    assert set(modules()) - set(LAYER_OF) == set(), "add the new module to LAYERS (and to design.rst)"
    assert set(LAYER_OF) - set(modules()) == set(), "a module in LAYERS no longer exists"


@pytest.mark.parametrize("module", modules())
def test_a_module_imports_only_from_its_layer_and_below(module):
    inside, _ = imports(module)
    upward = sorted(other for other in inside if LAYER_OF[other] > LAYER_OF[module])
    assert upward == [], f"{module} ({list(LAYERS)[LAYER_OF[module]]}) imports from a higher layer: {upward}"


@pytest.mark.parametrize("module", [m for m in modules() if LAYER_OF[m] < LAYER_OF["server_core"]])
def test_nothing_below_the_transports_imports_asyncio_or_websockets(module):
    _, outside = imports(module)
    assert outside & IO_LIBRARIES == set(), f"{module} imports {sorted(outside & IO_LIBRARIES)}"


def test_no_module_imports_another_in_a_loop():
    graph = {module: imports(module)[0] for module in modules()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                cycle = path[path.index(other):] + [other]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, path + [other])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])


def test_the_import_rules_can_fail():
    """The checker sees what it must: a TYPE_CHECKING import is left out, a
    function-level one is not."""
    source = PACKAGE / "_probe_for_test_layers.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .hub import Hub\n"
                      "def f():\n    import asyncio\n    from .session import Session\n")
    try:
        inside, outside = imports("_probe_for_test_layers")
    finally:
        source.unlink()
    assert inside == {"session"} and "asyncio" in outside
