"""The apps' import graph: arrows point one way, and no two packages import each other.

Layers, highest first: the project package (`fdsportal`: settings, URLs, API root, routing,
launcher, demo set-up) may import every app; `customers` (the customer page) reads `cases`,
`alerts` and `smishing.selectors`; `cases` builds on `alerts`; `alerts` reads `smishing`
only through `smishing.selectors`; the shared lower layers (`model_registry`, `access`, `realtime`)
know no app; `audit` is at the bottom. Every import counts, including imports inside functions:
an import deferred to dodge a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Rank per top-level package: a package may import only packages of a lower rank.
RANK = {
    "fdsportal": 6,
    "customers": 5,
    "cases": 4,
    # Detection builds on alerts' models; scoring reaches its rules through alerts.rule_hooks.
    "detection": 3.5,
    "alerts": 3,
    "smishing": 2,
    "model_registry": 1,
    "access": 1,
    "realtime": 1,
    "audit": 0,
    # Input handling (linear-time patterns, plausible values): below everything, imports no app.
    "untrusted": -1,
}
# The only modules a package may import from a given lower package, where that is restricted.
NARROW = {
    ("alerts", "smishing"): {"smishing.selectors"},
    ("customers", "smishing"): {"smishing.selectors"},
}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, *, module: str, known: set[str]) -> set[str]:
    """Every project module `source` imports, anywhere in the file (function bodies included)."""
    package = module.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level] + ([base] if base else []))
            # `from pkg import sub` imports the submodule pkg.sub when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            if target.split(".")[0] in RANK:
                found.add(target)
    return found


def project_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """module → the project modules it imports, for every module of the ranked packages."""
    files = {
        _module_name(path, root): path
        for package in RANK
        for path in (root / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    known = set(files)
    return {name: imports_of(path.read_text(), module=name, known=known) for name, path in files.items()}


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point up or sideways, or past a narrow entry point."""
    found = []
    for module, targets in sorted(graph.items()):
        source = module.split(".")[0]
        for target in sorted(targets):
            dest = target.split(".")[0]
            if dest == source:
                continue
            if RANK[dest] >= RANK[source]:
                found.append(f"{module} imports {target}: {source} may not import {dest}")
            elif (source, dest) in NARROW and not any(
                target == allowed or target.startswith(allowed + ".") for allowed in NARROW[(source, dest)]
            ):
                found.append(
                    f"{module} imports {target}: {source} reads {dest} only via {NARROW[(source, dest)]}"
                )
    return found


def package_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles between top-level packages (each reported once, as the packages along it)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            a, b = module.split(".")[0], target.split(".")[0]
            if a != b:
                edges[a].add(b)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append([*cycle, nxt])
            else:
                walk(nxt, [*path, nxt])

    for start in sorted(edges):
        walk(start, [start])
    return cycles


def test_every_package_of_the_project_is_ranked():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests"} == set(RANK), "rank the new package in RANK (and in the README picture)"


def test_no_app_imports_a_higher_or_sibling_app():
    assert violations(project_graph()) == []


def test_no_cycle_between_packages():
    assert package_cycles(project_graph()) == []


# The checks themselves, on made-up graphs: each catches what it exists for.


def test_an_upward_import_is_reported_even_inside_a_function(tmp_path: Path):
    for package in RANK:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "cases" / "services.py").write_text("")
    (tmp_path / "alerts" / "services.py").write_text(
        "def attach():\n    from cases.services import case_open\n    return case_open\n"
    )
    graph = project_graph(tmp_path)
    assert violations(graph) == ["alerts.services imports cases.services: alerts may not import cases"]


def test_alerts_may_read_smishing_only_through_its_selectors():
    known = {"smishing.selectors", "smishing.models"}
    ok = {
        "alerts.services": imports_of("from smishing import selectors", module="alerts.services", known=known)
    }
    bad = {"alerts.services": imports_of("import smishing.models", module="alerts.services", known=known)}
    assert violations(ok) == []
    assert violations(bad) == [
        "alerts.services imports smishing.models: alerts reads smishing only via {'smishing.selectors'}"
    ]


def test_a_cycle_hidden_by_a_lazy_import_is_found():
    graph = {"alerts.services": {"cases.models"}, "cases.services": {"alerts.models"}}
    assert package_cycles(graph) == [["alerts", "cases", "alerts"]]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from . import push", {"alerts.push"}),
        ("from .models import Alert", {"alerts.models"}),
        ("import audit.services", {"audit.services"}),
        ("import numpy", set()),
    ],
)
def test_relative_and_absolute_imports_are_resolved(source, expected):
    known = {"alerts.push", "alerts.models", "audit.services"}
    assert imports_of(source, module="alerts.services", known=known) == expected


def test_the_qa_overturned_value_alerts_reads_is_the_cases_value() -> None:
    from alerts.labels import QA_OVERTURNED
    from cases.models import QaReview

    assert QaReview.Outcome.DISAGREE.value == QA_OVERTURNED
