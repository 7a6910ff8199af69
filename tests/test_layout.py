"""Data flows one way through the package: no import cycles, nothing reaches back up the stage order."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "report_builder"
#: The pipeline in order; a module may import its own stage and earlier ones. Top-level modules not
#: named here (errors, resources, ...) are the foundation every stage may use, and import no stage.
STAGES = ("inputs", "analysis", "theme", "charts", "builders", "output", "build", "cli", "__main__")


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package modules it imports, counting imports at any depth (in functions, under
    TYPE_CHECKING): a cycle through a function-level import is a cycle all the same."""
    modules = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)

    def known(name: str) -> str:
        while name not in modules:  # "package.module.function" names the module
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        here = name if is_package else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" for alias in node.names]  # a submodule, or a name in base
            else:
                continue
            imported |= {known(t) for t in targets if t.split(".")[0] == package.name}
        graph[name] = imported - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def stage(module: str) -> int:
    """The module's place in STAGES; -1 for the foundation."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else -1


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_no_module_imports_a_later_stage():
    """inputs -> analysis -> theme -> charts -> builders -> output -> build -> cli, never back up."""
    backwards = [f"{module} imports {other}" for module, imported in sorted(import_graph().items())
                 for other in sorted(imported) if stage(other) > stage(module)]
    assert backwards == []


def test_each_output_format_is_self_contained():
    crossing = [f"{module} imports {other}" for module, imported in sorted(import_graph().items())
                for other in sorted(imported)
                for mine, theirs in (("pdf", "pptx"), ("pptx", "pdf"))
                if module.startswith(f"report_builder.builders.{mine}")
                and other.startswith(f"report_builder.builders.{theirs}")]
    assert crossing == []


def test_the_checks_see_imports_in_functions_and_under_type_checking(tmp_path):
    package = tmp_path / "report_builder"
    for name, text in {
        "__init__.py": "",
        "errors.py": "",
        "inputs/__init__.py": "",
        "inputs/reader.py": "def read():\n    from report_builder.analysis import stats\n",
        "analysis/__init__.py": "",
        "analysis/stats.py": "from report_builder.inputs.reader import read\nfrom report_builder.errors import Problem\n",
        "analysis/model.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import charts\n",
        "charts/__init__.py": "from . import draw\n",
        "charts/draw.py": "",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    graph = import_graph(package)
    assert graph["report_builder.analysis.stats"] == {"report_builder.inputs.reader", "report_builder.errors"}
    assert graph["report_builder.analysis.model"] == {"report_builder.charts"}
    assert graph["report_builder.charts"] == {"report_builder.charts.draw"}
    assert cycles(graph) == [["report_builder.analysis.stats", "report_builder.inputs.reader"]]
    assert stage("report_builder.charts") > stage("report_builder.analysis.model") > stage("report_builder.errors")
