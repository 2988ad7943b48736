"""The house's floors, read from the imports: the core never reaches the service, every import in
`api/` goes down (or stays on its floor), no module imports itself through a circle, and no module
outgrows one idea."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rotation", "api")
MAX_LINES = 400

#: Floors, lowest first; a module takes the floor of the longest prefix naming it.
FLOORS: dict[str, int] = {
    # The pure core.
    "rotation": 0,
    # What everything in the service stands on: settings, time, input, tables, pure feed builders.
    "api.settings": 1,
    "api.clock": 1,
    "api.database": 1,
    "api.logging_setup": 1,
    "api.problems": 1,
    "api.principals": 1,
    "api.instants": 1,
    "api.people": 1,
    "api.tables": 1,
    "api.http_headers": 1,
    "api.admission": 1,
    "api.feeds.events": 1,
    "api.feeds.render": 1,
    "api.feeds.vtimezone": 1,
    # The only code that reads and writes rows.
    "api.repositories": 2,
    "api.metrics": 2,
    # Read models, schemas and the services that change things.
    "api.schemas": 3,
    "api.published": 3,
    "api.views": 3,
    "api.explanations": 3,
    "api.planning": 3,
    "api.concurrency": 3,
    "api.adjustments": 3,
    "api.loader": 3,
    "api.presolve": 3,
    "api.members": 3,
    "api.tokens": 3,
    "api.readiness": 3,
    "api.feeds": 3,
    "api.reminders": 3,
    "api.slack": 3,
    # HTTP: dependencies, routes and pages.
    "api.auth": 4,
    "api.routes": 4,
    "api.pages": 4,
    "api.openapi": 4,
    "api.slack.routes": 4,
    "api.slack.commands": 4,
    # The application, then the command line over it.
    "api.app": 5,
    "api.cli": 6,
    # The entry points, importing the command line or the app.
    "api.launch": 7,
    "api.__main__": 7,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `path` imports, anywhere in it (imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    found.add(full)
                elif node.module in known:
                    found.add(node.module)
    return found


def floor(module: str) -> int:
    prefixes = [p for p in FLOORS if module == p or module.startswith(p + ".")]
    if not prefixes:
        raise AssertionError(f"{module} has no floor in tests/test_layering.py: give it one")
    return FLOORS[max(prefixes, key=len)]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_finder_sees_a_circle_and_a_clean_chain() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_itself_through_a_circle() -> None:
    assert cycles(graph()) == []


def test_the_core_never_imports_the_service() -> None:
    upward = {
        f"{source} -> {target}"
        for source, targets in graph().items()
        if source.startswith("rotation")
        for target in targets
        if target.startswith("api")
    }
    assert upward == set()


def test_every_import_goes_down_the_floors() -> None:
    upward = sorted(
        f"{source} (floor {floor(source)}) -> {target} (floor {floor(target)})"
        for source, targets in graph().items()
        for target in targets
        if floor(target) > floor(source)
    )
    assert upward == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_outgrows_one_idea(package: str) -> None:
    long = {
        name: lines
        for name, path in modules().items()
        if name.startswith(package) and (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


#: What reads or writes rows: a session's queries and changes, and the statements they run.
SESSION_SQL = frozenset({"add", "add_all", "get", "exec", "execute", "delete", "merge", "scalar"})
STATEMENTS = frozenset({"select", "insert", "update", "delete", "text"})
#: Below the rows: the engine and migrations (advisory locks, the revision check), the tables.
BELOW_ROWS = ("api.repositories", "api.tables", "api.database", "api.readiness")


def sql_outside_repositories(path: Path) -> list[str]:
    """Where `path` runs SQL of its own: a call of a session's query or write methods, or an
    import of a statement builder. Committing, flushing and rolling back are the caller's."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "session"
            and node.func.attr in SESSION_SQL
        ):
            found.append(f"line {node.lineno}: session.{node.func.attr}()")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "sqlmodel",
            "sqlalchemy",
        ):
            found.extend(
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in STATEMENTS
            )
    return found


def test_the_finder_sees_sql_of_its_own(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from sqlmodel import Session, select\n"
        "def f(session):\n    session.commit()\n    return session.get(1, 2)\n"
    )
    assert sql_outside_repositories(module) == ["line 1: imports select", "line 4: session.get()"]


def test_only_the_repositories_read_and_write_rows() -> None:
    found = {
        name: places
        for name, path in modules().items()
        if name.startswith("api")
        and not any(name == p or name.startswith(p + ".") for p in BELOW_ROWS)
        and (places := sql_outside_repositories(path))
    }
    assert found == {}


def test_the_service_and_the_command_line_import_no_solver_until_one_plans() -> None:
    # OR-Tools (with pandas and numpy) is a third of a second of each process's start-up, and a
    # server that only answers never plans: `rotation.solver` imports its planner on first use.
    probe = (
        "import sys, api.app, api.cli, rotation; "
        "before = 'ortools' in sys.modules; "
        "from rotation import plan; "
        "print(before, 'ortools' in sys.modules, plan.__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "True", "rotation.solver.planner"]
