"""Every function's code carries what its handler loads, and nothing the handler never loads.

A handler is imported in a fresh interpreter whose path holds only what its asset would: the
application packages, the distributions stacks/function_requirements.py names for it with their
dependencies, and the Lambda runtime's own; no site-packages. The modules that the composition
root imports only while building the ports the handler uses are imported too. The interpreter is
this environment's, so are the distributions' versions and the markers of their dependencies.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from contracts.names import Handler
from stacks.function_requirements import (
    HANDLER_REQUIREMENTS,
    RUNTIME_DISTRIBUTIONS,
    canonical_name,
    requirements_of,
)
from stacks.lambda_code import APPLICATION_PACKAGES
from tests.infra.synthesis import REPOSITORY_ROOT, Synthesized
from tests.infra.template_queries import resources_of_type

COMPOSITION_ROOT = REPOSITORY_ROOT / "handlers" / "composition.py"

# Run with nothing but the standard library and the bundle on the path (-I -S), writing no
# bytecode into the repository's packages (-B). Prints the top-level modules loaded from the
# bundle, and any loaded from neither the bundle nor the standard library.
PROBE = """
import importlib, json, sys, sysconfig
bundle, *modules = sys.argv[1:]
sys.path.insert(0, bundle)
for module in modules:
    importlib.import_module(module)
standard = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")})
files = {name: getattr(module, "__file__", None) or "" for name, module in sys.modules.items()}
bundled = {name.split(".")[0] for name, file in files.items() if file.startswith(bundle)}
elsewhere = [name for name, file in files.items() if file and not file.startswith(bundle)]
elsewhere = [name for name in elsewhere if not files[name].startswith(standard)]
print(json.dumps({"bundled": sorted(bundled), "elsewhere": sorted(elsewhere)}))
"""


def test_every_deployed_handler_has_its_requirements_and_shares_code_with_its_like(
    synthesized: Synthesized,
) -> None:
    # Given the code of every function of the app that runs an application handler
    code_by_stack: dict[str, dict[str, str]] = defaultdict(dict)
    for stack_name, template in synthesized.templates.items():
        for function in resources_of_type(template, "AWS::Lambda::Function").values():
            handler = function["Properties"]["Handler"]
            if handler.split(".")[0] in APPLICATION_PACKAGES:
                code_by_stack[stack_name][handler] = function["Properties"]["Code"]["S3Key"]

    # When each stack's functions are grouped by the requirements of their handlers
    assets_by_requirements = {
        stack_name: _grouped_by_requirements(code) for stack_name, code in code_by_stack.items()
    }

    # Then every handler is deployed and has requirements, and within a stack the functions
    # that need the same distributions run one asset, and no others share it
    deployed = {handler for code in code_by_stack.values() for handler in code}
    assert deployed == set(HANDLER_REQUIREMENTS)
    for stack_name, groups in assets_by_requirements.items():
        assert all(len(keys) == 1 for keys in groups.values()), stack_name
        assert len({key for keys in groups.values() for key in keys}) == len(groups), stack_name


@pytest.mark.parametrize("handler", sorted(HANDLER_REQUIREMENTS))
def test_handler_loads_with_its_bundle_alone_and_uses_every_requirement(
    handler: str, tmp_path: Path
) -> None:
    # Given a path holding what the handler's asset holds, and the runtime's distributions
    requirements = {canonical_name(name) for name in requirements_of(handler)}
    owners = _bundle(tmp_path, _with_dependencies(requirements | RUNTIME_DISTRIBUTIONS))
    module = handler.rsplit(".", 1)[0]

    # When the handler is imported there, with what its ports import once built
    probe = _probe(tmp_path, [module, *sorted(_deferred_imports(module))])

    # Then it loads, from the bundle and the standard library only, and loads every
    # distribution its asset carries for it
    assert probe.returncode == 0, probe.stderr
    loaded = json.loads(probe.stdout)
    assert loaded["elsewhere"] == []
    assert requirements <= {owners[name] for name in loaded["bundled"] if name in owners}


def test_a_handler_without_its_requirements_fails_to_load(tmp_path: Path) -> None:
    # Given a similarity handler and the bundle of a function that needs pydantic alone
    _bundle(tmp_path, _with_dependencies(requirements_of(Handler.PLAN_BATCHES)))

    # When the handler is imported with that bundle
    probe = _probe(tmp_path, [Handler.RECOMPUTE_SIMILARITY.rsplit(".", 1)[0]])

    # Then it fails for want of NumPy
    assert probe.returncode != 0
    assert "No module named 'numpy'" in probe.stderr


def test_only_the_composition_root_imports_inside_functions() -> None:
    # Given every module of the application packages
    modules = [
        path
        for package in APPLICATION_PACKAGES
        for path in (REPOSITORY_ROOT / package).rglob("*.py")
    ]

    # When the imports inside their functions are collected
    deferring = {
        path.relative_to(REPOSITORY_ROOT).as_posix()
        for path in modules
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }

    # Then the composition root is the only module with any: the one the probe above reads
    assert deferring == {COMPOSITION_ROOT.relative_to(REPOSITORY_ROOT).as_posix()}


def _grouped_by_requirements(code: dict[str, str]) -> dict[frozenset[str], set[str]]:
    """The S3 keys of `code` (handler -> key), by the requirements of their handlers."""
    groups: dict[frozenset[str], set[str]] = defaultdict(set)
    for handler, object_key in code.items():
        groups[requirements_of(handler)].add(object_key)
    return groups


def _with_dependencies(names: Iterable[str]) -> set[str]:
    """`names` and everything they require, as installed here, extras aside."""
    found: set[str] = set()
    pending = [canonical_name(name) for name in names]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for line in metadata.requires(name) or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonical_name(requirement.name))
    return found


def _bundle(directory: Path, distributions: Iterable[str]) -> dict[str, str]:
    """Links the application packages and the distributions' files into `directory`, laid out
    as pip's --target lays them out; returns the distribution of each top-level name."""
    for package in APPLICATION_PACKAGES:
        (directory / package).symlink_to(REPOSITORY_ROOT / package)
    owners: dict[str, str] = {}
    for name in distributions:
        distribution = metadata.distribution(name)
        tops = {file.parts[0] for file in distribution.files or ()}
        for top in tops - {"..", "__pycache__"}:
            link = directory / top
            if not link.is_symlink():
                link.symlink_to(Path(str(distribution.locate_file(top))))
            owners[top.split(".")[0]] = name
    return owners


def _probe(bundle: Path, modules: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, str(bundle), *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _deferred_imports(handler_module: str) -> set[str]:
    """The modules the composition root imports inside the members of its dependency classes
    that `handler_module` uses, following the members those use in turn."""
    members: dict[str, list[ast.FunctionDef]] = defaultdict(list)
    for statement in ast.parse(COMPOSITION_ROOT.read_text()).body:
        if isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, ast.FunctionDef):
                    members[member.name].append(member)
    handler_file = (REPOSITORY_ROOT / Path(*handler_module.split("."))).with_suffix(".py")
    pending = [
        node.attr
        for node in ast.walk(ast.parse(handler_file.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in members
    ]
    used: list[ast.FunctionDef] = []
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        used += members[name]
        pending += [
            node.attr
            for function in members[name]
            for node in ast.walk(function)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and node.attr in members
        ]
    imported: set[str] = set()
    for node in (node for function in used for node in ast.walk(function)):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    return imported
