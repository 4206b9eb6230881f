"""Which layer may import which: the contracts at the bottom import nothing of the product and
nothing outside the standard library, the stacks no adapter, and no module imports one that
imports it back, for its types or its code."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("contracts", "domain", "adapters", "handlers", "stacks", "local")


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in PRODUCT_PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }


def _loaded_imports(path: Path) -> Iterator[str]:
    """What the module imports at its top: when it is loaded, or for its types
    (`if TYPE_CHECKING:`); function bodies import later, when called."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        nested = isinstance(node, ast.If | ast.Try)
        for statement in [node, *(ast.walk(node) if nested else ())]:
            if isinstance(statement, ast.Import):
                yield from (alias.name for alias in statement.names)
            elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                yield statement.module


MODULES = _modules()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("contracts")))
def test_the_contracts_import_only_the_standard_library(module: str) -> None:
    # Given a contracts module / When its imports are read
    imported = {name.partition(".")[0] for name in _loaded_imports(MODULES[module])}
    # Then each is a standard library module
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("stacks")))
def test_the_stacks_import_no_adapter(module: str) -> None:
    # Given a stacks module / When its imports are read / Then none is an adapter
    assert not [name for name in _loaded_imports(MODULES[module]) if name.startswith("adapters")]


def test_no_module_imports_one_that_imports_it_back() -> None:
    # Given what each product module imports when it is loaded
    graph = {
        module: {name for name in _loaded_imports(path) if name in MODULES}
        for module, path in MODULES.items()
    }

    # When the imports are followed from each module
    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        waiting = list(graph[start])
        while waiting:
            module = waiting.pop()
            if module not in seen:
                seen.add(module)
                waiting.extend(graph[module])
        return seen

    # Then none leads back to where it started
    assert [module for module in graph if module in reaches(module)] == []
