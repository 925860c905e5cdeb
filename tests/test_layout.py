"""The package's shape, as rules a change cannot quietly break: stages import downwards
only, every third-party library has one home, and there are no circles."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "daemon" / "devlogd"

# Each layer may import itself and the layers below it (shared at the bottom).
LAYERS = ["shared", "pipeline", "story", "app", "server", "cli", "__main__"]
SHARED = {"models", "errors", "config", "config_messages", "paths", "statefiles", "patterns", "protocol",
          "handoff", "counts", "__init__"}
# Two stages see only part of the stage below them. story reads beats, never git: of the
# pipeline it may use only the pure text filters listed (privacy — what goes out is redacted
# again —, noise classes, reasons, line scores, names, a subject's cleaning), so both stages
# judge text the same way. cli starts the daemon only in `devlog daemon run`.
FENCED = {("story", "pipeline"), ("cli", "server")}
EXCEPTIONS = {("story", f"pipeline.{name}") for name in ("redact", "noise", "reasons", "excerpts", "extract", "beats")}
EXCEPTIONS |= {("cli", "server.daemon"), ("cli", "server.lsp")}
THIRD_PARTY_HOMES = {
    "pygit2": {"pipeline.gitread"},
    "anthropic": {"story.narrators.claude"},
    "watchdog": {"server.watcher"},
    "pygls": {"server.lsp"},
    "jinja2": {"story.narrators.offline.template"},
    "markupsafe": {"story.narrators.offline.template"},
    "re2": {"patterns"},
    "tree_sitter_language_pack": {"pipeline.code"},
    "tree_sitter": {"pipeline.code"},
    "lsprotocol": {"server.lsp"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts)] = path
    return found


def _layer(module: str) -> str:
    head = module.split(".")[0]
    return "shared" if head in SHARED or module in SHARED else head


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "devlogd":
                names.update(f"devlogd.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _module_of(name: str, modules: dict[str, Path]) -> str:
    """The package module an import names (``devlogd.x.y`` may be an attribute of ``x``)."""
    target = name.removeprefix("devlogd.")
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or "__init__"


def test_every_import_points_down_the_stages() -> None:
    modules = _modules()
    wrong = []
    for module, path in modules.items():
        mine = LAYERS.index(_layer(module))
        for name in _imports(path):
            if not name.startswith("devlogd."):
                continue
            target = _module_of(name, modules)
            if LAYERS.index(_layer(target)) < mine and (_layer(module), _layer(target)) not in FENCED:
                continue
            if LAYERS.index(_layer(target)) == mine or _excepted(module, target):
                continue
            wrong.append(f"{module} -> {target}")
    assert wrong == []


def _excepted(module: str, target: str) -> bool:
    return any(_layer(module) == layer and (target == prefix or target.startswith(prefix + "."))
               for layer, prefix in EXCEPTIONS)


def test_every_exception_is_used() -> None:
    """An exception no import needs is a door left open: emptying EXCEPTIONS must fail the
    rule above, and each one names an import that exists."""
    modules = _modules()
    used = {(layer, prefix) for module, path in modules.items() for name in _imports(path)
            if name.startswith("devlogd.") for layer, prefix in EXCEPTIONS
            if _layer(module) == layer and _module_of(name, modules) == prefix}
    assert used == EXCEPTIONS


def test_story_and_pipeline_stay_apart_from_the_use_cases() -> None:
    """The pure stages never reach up into app, server or cli (even lazily)."""
    for module, path in _modules().items():
        if _layer(module) in ("pipeline", "story"):
            upward = {n for n in _imports(path) if n.split(".")[0] == "devlogd" and n.split(".")[1:2]
                      and n.split(".")[1] in ("app", "server", "cli")}
            assert not upward, f"{module} imports {upward}"


def test_each_third_party_library_has_one_home() -> None:
    for module, path in _modules().items():
        for name in _imports(path):
            root = name.split(".")[0]
            if root in THIRD_PARTY_HOMES:
                assert module in THIRD_PARTY_HOMES[root], f"{module} imports {root}"


def test_no_module_imports_form_a_circle() -> None:
    modules = _modules()
    graph = {m: {_module_of(n, modules) for n in _imports(p) if n.startswith("devlogd.")} - {m}
             for m, p in modules.items()}
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in done:
            return
        assert node not in visiting, " -> ".join(trail + [node])
        visiting.add(node)
        for nxt in graph[node]:
            visit(nxt, trail + [node])
        visiting.discard(node)
        done.add(node)

    for module in graph:
        visit(module, [])


def test_no_module_is_over_four_hundred_lines() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > 420}
    assert long == {}
