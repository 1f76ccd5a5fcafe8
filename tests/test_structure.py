"""The shape of the code, read from its imports (plain ``ast``: nothing is imported or run).

- The SLA package knows only the clocks: no module of ``slakit.sla`` imports the escalation, survey,
  batch, command-line, testing or demo code, nor the whole policy file that holds them.
- A private module (``_name.py``) or private name belongs to its package: only modules inside that
  package (or its subpackages) import it.
- The packages' import graph has no circle (each top-level module and subpackage of ``slakit`` is one
  node; imports made only for type checking count too).
- Values are built one way: every dataclass is frozen and slotted (but the few working objects named in
  ``NOT_VALUES``), no code assigns ``__class__``, and no module keeps a cache keyed by ``id()``.

docs/design.md draws the layers these keep.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
SLA_MUST_NOT_IMPORT = (
    "slakit.escalation",
    "slakit.survey",
    "slakit.batch",
    "slakit.cli",
    "slakit.testing",
    "slakit.demo",
    "slakit.policy",
    "slakit.presets",
)

NOT_VALUES = {
    "slakit.batch.reading.Source": "an open input file and how far it has been read",
}


class Tree:
    """The modules of the ``slakit`` package under ``src`` and their imports of one another."""

    def __init__(self, src: Path) -> None:
        self.src = src
        self.modules = {self._name(path): path for path in sorted((src / "slakit").rglob("*.py"))}

    def _name(self, path: Path) -> str:
        parts = path.relative_to(self.src).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def is_package(self, name: str) -> bool:
        return (self.src / Path(*name.split(".")) / "__init__.py").exists()

    def imports(self, name: str) -> Iterator[tuple[str, str | None, int]]:
        """``(module, imported name or None, line)`` for each import of a slakit module in module ``name``."""
        tree = ast.parse(self.modules[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("slakit"):
                        yield alias.name, None, node.lineno
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("slakit"):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if submodule in self.modules:
                        yield submodule, None, node.lineno
                    else:
                        yield node.module, alias.name, node.lineno

    def package(self, name: str) -> str:
        """A module's package: itself for a package (its ``__init__``), else its parent."""
        return name if self.is_package(name) else name.rpartition(".")[0]

    def sla_violations(self) -> list[str]:
        return [
            f"{name}:{line} imports {module}"
            for name in self.modules
            if _inside(name, "slakit.sla")
            for module, _, line in self.imports(name)
            if any(_inside(module, forbidden) for forbidden in SLA_MUST_NOT_IMPORT)
        ]

    def private_violations(self) -> list[str]:
        found = []
        for name in self.modules:
            for module, imported, line in self.imports(name):
                last = module.rpartition(".")[2]
                if last.startswith("_") and last != "__init__" and not _inside(name, module.rpartition(".")[0]):
                    found.append(f"{name}:{line} imports {module}, private to {module.rpartition('.')[0]}")
                if imported is not None and imported.startswith("_") and not _inside(name, self.package(module)):
                    found.append(f"{name}:{line} imports {imported} from {module}, private to {self.package(module)}")
        return found

    def trees(self) -> Iterator[tuple[str, ast.Module]]:
        for name, path in self.modules.items():
            yield name, ast.parse(path.read_text(encoding="utf-8"))

    def unfrozen_dataclasses(self) -> list[str]:
        found = []
        for name, tree in self.trees():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and f"{name}.{node.name}" not in NOT_VALUES:
                    for decorator in node.decorator_list:
                        if _dataclass_options(decorator) not in (None, {"frozen", "slots"}):
                            found.append(f"{name}.{node.name}:{node.lineno} is not a frozen, slotted dataclass")
        return found

    def class_swaps(self) -> list[str]:
        return [
            f"{name}:{node.lineno} assigns __class__"
            for name, tree in self.trees()
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Attribute) and target.attr == "__class__"
        ]

    def identity_caches(self) -> list[str]:
        found = []
        for name, tree in self.trees():
            module_names = {
                target.id
                for statement in tree.body
                if isinstance(statement, ast.Assign | ast.AnnAssign)
                for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                holder = None
                if isinstance(node, ast.Subscript) and _is_id_call(node.slice):
                    holder = node.value
                elif _is_lookup_by_id(node):
                    holder = node.func.value  # type: ignore[attr-defined]  # an attribute call, as checked
                if isinstance(holder, ast.Name) and holder.id in module_names:
                    found.append(f"{name}:{node.lineno} keys the module's {holder.id} by id()")
        return found

    def circles(self) -> list[str]:
        edges: dict[str, set[str]] = {}
        for name in self.modules:
            for module, _, _ in self.imports(name):
                source, target = _node(name), _node(module)
                if source != target:
                    edges.setdefault(source, set()).add(target)
        found: list[str] = []
        state: dict[str, str] = {}

        def visit(node: str, path: list[str]) -> None:
            state[node] = "open"
            for target in sorted(edges.get(node, ())):
                if state.get(target) == "open":
                    found.append(" -> ".join([*path[path.index(target) :], target]))
                elif target not in state:
                    visit(target, [*path, target])
            state[node] = "done"

        for node in sorted(edges):
            if node not in state:
                visit(node, [node])
        return found


def _dataclass_options(decorator: ast.expr) -> set[str] | None:
    """The true keyword options of a ``@dataclass`` decorator (None when it is something else)."""
    if isinstance(decorator, ast.Name) and decorator.id == "dataclass":
        return set()
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name) and decorator.func.id == "dataclass":
        return {
            keyword.arg
            for keyword in decorator.keywords
            if keyword.arg in ("frozen", "slots")
            and isinstance(keyword.value, ast.Constant)
            and keyword.value.value is True
        }
    return None


def _is_lookup_by_id(node: ast.AST) -> bool:
    """``x.get(id(...))`` (or ``setdefault``, ``pop``)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "setdefault", "pop")
        and bool(node.args)
        and _is_id_call(node.args[0])
    )


def _is_id_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "id"


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _node(name: str) -> str:
    """A module's node in the package graph: ``slakit.<first part>`` (the root package is ``slakit``)."""
    return ".".join(name.split(".")[:2])


TREE = Tree(SRC)


def test_the_modules_are_found():
    assert {"slakit.sla.clocks", "slakit.escalation.firing", "slakit.policy", "slakit.instants"} <= set(TREE.modules)


def test_the_sla_package_imports_only_what_the_clocks_need():
    assert TREE.sla_violations() == []


def test_private_modules_and_names_stay_in_their_package():
    assert TREE.private_violations() == []


def test_the_package_graph_has_no_circle():
    assert TREE.circles() == []


def test_values_are_frozen_and_slotted_dataclasses():
    assert TREE.unfrozen_dataclasses() == []


def test_no_value_is_made_by_swapping_its_class():
    assert TREE.class_swaps() == []


def test_no_module_keeps_a_cache_keyed_by_identity():
    assert TREE.identity_caches() == []


def test_the_guards_fail_on_code_that_breaks_them(tmp_path):
    files = {
        "slakit/__init__.py": "",
        "slakit/sla/__init__.py": "from slakit.escalation import rules\n",
        "slakit/escalation/__init__.py": "from slakit.survey._numbers import x\nfrom slakit.sla import y\n",
        "slakit/escalation/rules.py": "",
        "slakit/survey/__init__.py": "",
        "slakit/survey/_numbers.py": "x = 1\n",
        "slakit/batch/__init__.py": "from slakit.escalation.rules import _compile\n",
        "slakit/batch/values.py": (
            "from dataclasses import dataclass\n"
            "_CACHE = {}\n"
            "@dataclass(frozen=True)\n"
            "class Half:\n    x: int\n"
            "def make(key):\n    d = object.__new__(Half)\n    d.__class__ = Half\n    return _CACHE.get(id(key))\n"
        ),
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    broken = Tree(tmp_path)
    assert broken.sla_violations() == ["slakit.sla:1 imports slakit.escalation.rules"]
    assert broken.private_violations() == [
        "slakit.batch:1 imports _compile from slakit.escalation.rules, private to slakit.escalation",
        "slakit.escalation:1 imports slakit.survey._numbers, private to slakit.survey",
    ]
    assert broken.circles() == ["slakit.escalation -> slakit.sla -> slakit.escalation"]
    assert broken.unfrozen_dataclasses() == ["slakit.batch.values.Half:4 is not a frozen, slotted dataclass"]
    assert broken.class_swaps() == ["slakit.batch.values:8 assigns __class__"]
    assert broken.identity_caches() == ["slakit.batch.values:9 keys the module's _CACHE by id()"]
