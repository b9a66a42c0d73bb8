"""The shape of the code, checked: no import cycle among tracker modules (function-level
imports counted), the core imports no feature package, views leave the session to the
services, and nothing reads a setting past the typed settings object."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "tracker"
FEATURES = ("intake", "aftercare", "problems", "reports", "documents", "customer",
            "escalation", "assessment")
CORE = ("models", "services", "api", "web", "jobs", "sla", "steps", "cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts}


def imports_of(name: str, source: str | None = None) -> set[str]:
    """Every tracker module `name` imports, at any depth of its code (function-level imports
    too). `from pkg import x` counts as importing pkg.x when that is a module, else pkg."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tracker"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("tracker"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    return found


def test_the_import_graph_is_read_whole():
    # The checks below are only as good as the graph: it must see the known edges,
    # function-level imports included.
    assert "tracker.services.transaction" in GRAPH["tracker.services.applications"]
    assert "tracker.aftercare.commands" in GRAPH["tracker.aftercare"]
    assert len(MODULES) > 100


def test_no_import_cycle_among_tracker_modules():
    assert cycles() == []


def test_a_function_level_import_that_closes_a_loop_is_caught():
    """The detector itself: a cycle hidden by an import inside a function is found."""
    hidden = "def later():\n    from ..services import timers\n    return timers\n"
    assert imports_of("tracker.sla.limits", hidden) == {"tracker.services.timers"}
    GRAPH["tracker.sla.limits"] = GRAPH["tracker.sla.limits"] | imports_of("tracker.sla.limits",
                                                                           hidden)
    try:
        assert any("tracker.sla.limits" in c and "tracker.services.timers" in c for c in cycles())
    finally:
        GRAPH["tracker.sla.limits"] = imports_of("tracker.sla.limits")


@pytest.mark.parametrize("core", CORE)
def test_the_core_imports_no_feature_package(core):
    offending = {
        (name, target) for name, targets in GRAPH.items()
        if name == f"tracker.{core}" or name.startswith(f"tracker.{core}.")
        for target in targets
        if any(target == f"tracker.{f}" or target.startswith(f"tracker.{f}.") for f in FEATURES)}
    assert offending == set()


def test_the_clock_library_knows_no_flask_and_no_database():
    for name, path in MODULES.items():
        if name.startswith("tracker.sla"):
            source = path.read_text()
            assert not re.search(r"^\s*(from|import) (flask|sqlalchemy)", source, re.MULTILINE), name
            assert not any(t.startswith("tracker.") and not t.startswith("tracker.sla")
                           for t in GRAPH[name]), name


VIEW_MODULES = [name for name in MODULES
                if name.startswith(("tracker.api.", "tracker.web."))
                or name.endswith((".api", ".pages"))]


@pytest.mark.parametrize("name", VIEW_MODULES)
def test_views_never_roll_back_or_expire_the_session(name):
    """A refused service has already rolled back (services/transaction.py)."""
    source = MODULES[name].read_text()
    assert not re.search(r"\.(rollback|expire_all)\(", source), name


def test_settings_are_read_from_the_settings_object():
    """No `config.get("TRACKER_…", default)`: the default lives in Config, once."""
    for name, path in MODULES.items():
        if name in ("tracker.settings", "tracker"):
            continue
        source = path.read_text()
        assert not re.search(r"config(\.get\(|\[)\s*[\"']TRACKER_", source), name


def test_one_time_zone_constant():
    """The zone is named once (tracker/localtime.py; the clock library keeps its default)."""
    named = {name for name, path in MODULES.items() if "Asia/Shanghai" in path.read_text()}
    assert named <= {"tracker.localtime", "tracker.sla.clock"}, named


def test_comments_cite_nothing_outside_the_repository():
    for path in ROOT.rglob("*"):
        if path.suffix in (".py", ".html", ".yaml", ".md", ".po") and "migrations" not in path.parts:
            text = path.read_text()
            assert not re.search(r"shared/|seeds/", text), path


def test_one_year_range():
    """The years the product accepts are named once (sla.FIRST_YEAR, sla.LAST_YEAR); the
    messages that quote them say the same years."""
    from tracker.sla import FIRST_YEAR, LAST_YEAR

    for name, path in MODULES.items():
        if name in ("tracker.sla.calendar", "tracker.sla.statutory", "tracker.sla.clock"):
            continue
        source = path.read_text()
        source = source.replace(f"({FIRST_YEAR}–{LAST_YEAR})", "")
        assert not re.search(r"\b2099\b|\b2000\s*<=|min=2000\b", source), name
