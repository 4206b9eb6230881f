"""The functions' code assets: the application packages plus the distributions a function needs.

A function's asset carries the requirements its handler loads (stacks/function_requirements.py),
installed for the Lambda platform by pip on this machine, so synthesis needs no Docker. A stack's
functions that need the same distributions share one asset. With bundling off an asset is the
bare source tree: enough to synthesize and test templates, not to run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import jsii
from aws_cdk import (
    BundlingFileAccess,
    BundlingOptions,
    BundlingOutput,
    DockerImage,
    DockerVolume,
    FileSystem,
    IgnoreMode,
    ILocalBundling,
)
from aws_cdk import aws_lambda as lambda_

from stacks.function_requirements import (
    UNBUNDLED_DISTRIBUTIONS,
    canonical_name,
    pinned_lines,
    requirements_of,
)

REPOSITORY_ROOT: Final = Path(__file__).resolve().parent.parent
RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE: Final = lambda_.Architecture.X86_64
# Wheel platforms for ARCHITECTURE on the runtime's Amazon Linux 2023 (glibc 2.34). pip derives
# no older tag from a newer one, so both are named: pyarrow and numpy ship manylinux_2_28
# wheels only, the other requirements manylinux2014 ones.
WHEEL_PLATFORMS: Final = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")
APPLICATION_PACKAGES: Final = ("contracts", "domain", "adapters", "handlers")
REQUIREMENTS_FILE: Final = "requirements.txt"

# Git-ignore syntax, read as an allow list: every top-level entry (tests, .venv, node_modules,
# cdk.out, local, docs, ...) stays out unless it is one of the packages the handlers import.
ASSET_EXCLUDES: Final = (
    "/*",
    *(f"!/{package}/" for package in APPLICATION_PACKAGES),
    f"!/{REQUIREMENTS_FILE}",
    "__pycache__/",
    "*.pyc",
)


class FunctionCode:
    """One stack's code assets, one for each set of requirements its functions need.

    Each stack keeps its own: a Code object binds to the first stack that uses it.
    """

    def __init__(self, *, bundling: bool) -> None:
        self._bundling = bundling
        self._requirements = (REPOSITORY_ROOT / REQUIREMENTS_FILE).read_text()
        self._assets: dict[tuple[str, ...], lambda_.Code] = {}

    def for_handler(self, handler: str) -> lambda_.Code:
        lines = pinned_lines(requirements_of(handler), self._requirements)
        if lines not in self._assets:
            self._assets[lines] = application_code(lines, bundling=self._bundling)
        return self._assets[lines]


def application_code(requirements: Sequence[str], *, bundling: bool) -> lambda_.Code:
    """The application packages with `requirements`, pinned lines of requirements.txt."""
    bundler = PipInstallBundling(REPOSITORY_ROOT, requirements, _python_version(RUNTIME))
    # CDK's own hash of a bundled asset covers the source tree but not what a local bundler
    # does; the recipe joins it, so that each set of requirements is an asset of its own and a
    # changed recipe bundles anew. Bundling off keeps the same assets, unbundled.
    asset_hash = FileSystem.fingerprint(
        str(REPOSITORY_ROOT),
        exclude=list(ASSET_EXCLUDES),
        ignore_mode=IgnoreMode.GIT,
        extra_hash=bundler.recipe,
    )
    return lambda_.Code.from_asset(
        str(REPOSITORY_ROOT),
        exclude=list(ASSET_EXCLUDES),
        ignore_mode=IgnoreMode.GIT,
        asset_hash=asset_hash,
        bundling=(
            BundlingOptions(image=RUNTIME.bundling_image, local=bundler) if bundling else None
        ),
    )


# Parts of installed wheels the functions never load: Flight (RPC), C++ headers and test suites
# are not used to write Parquet. They are about 43 MB of pyarrow's 168; without them the
# fetch-artists asset is 149 MB rather than 192, well inside stacks/asset_sizes.py's limit.
# (libarrow_substrait stays: the core library links against it.)
UNUSED_FILES: Final = (
    "pyarrow/include",
    "pyarrow/tests",
    "pyarrow/libarrow_flight.so*",
    "pyarrow/libarrow_python_flight.so*",
    "pyarrow/_flight*.so",
    "pyarrow/flight.py",
)


def trim_unused_files(installed: Path) -> list[Path]:
    """Delete UNUSED_FILES under an install target; returns what was deleted."""
    removed = [path for pattern in UNUSED_FILES for path in sorted(installed.glob(pattern))]
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed


def drop_runtime_distributions(installed: Path) -> list[str]:
    """Delete the UNBUNDLED_DISTRIBUTIONS a requirement pulled in under an install target,
    every file their RECORD lists and the folders left empty; returns their names."""
    dropped: list[str] = []
    for dist_info in sorted(installed.glob("*.dist-info")):
        name = canonical_name(dist_info.name.split("-", 1)[0])
        if name not in UNBUNDLED_DISTRIBUTIONS:
            continue
        listed = [line.split(",", 1)[0] for line in (dist_info / "RECORD").read_text().splitlines()]
        # A script's entry points out of the target ("../../bin/jp.py"): never followed there.
        inside = [entry for entry in listed if entry and not entry.startswith(("..", "/"))]
        for top_level in sorted({entry.split("/", 1)[0] for entry in inside}):
            path = installed / top_level
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        dropped.append(name)
    return dropped


def _python_version(runtime: lambda_.Runtime) -> str:
    """`python3.14` -> `3.14`: the interpreter whose wheels pip must pick."""
    return runtime.name.removeprefix("python")


@jsii.implements(ILocalBundling)
class PipInstallBundling:
    """Installs requirements, with their dependencies, for the Lambda platform and copies the
    application packages."""

    def __init__(self, source: Path, requirements: Sequence[str], python_version: str) -> None:
        self._source = source
        self._requirements = tuple(requirements)
        self._python_version = python_version

    @property
    def recipe(self) -> str:
        """Everything that decides what this bundler writes, besides the source tree."""
        return "\n".join(
            (*self._requirements, *WHEEL_PLATFORMS, self._python_version, *UNUSED_FILES)
        )

    def _install_command(self, output_dir: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            # Dependencies that requirements.txt pins get its versions too.
            "--constraint",
            str(self._source / REQUIREMENTS_FILE),
            *(option for platform in WHEEL_PLATFORMS for option in ("--platform", platform)),
            "--implementation",
            "cp",
            "--python-version",
            self._python_version,
            # A distribution without a wheel for the platform fails the install, and synthesis.
            "--only-binary=:all:",
            "--target",
            output_dir,
            *self._requirements,
        ]

    def try_bundle(
        self,
        output_dir: str,
        *,
        image: DockerImage,
        bundling_file_access: BundlingFileAccess | None = None,
        command: Sequence[str] | None = None,
        entrypoint: Sequence[str] | None = None,
        environment: Mapping[str, str] | None = None,
        local: ILocalBundling | None = None,
        network: str | None = None,
        output_type: BundlingOutput | None = None,
        platform: str | None = None,
        security_opt: str | None = None,
        user: str | None = None,
        volumes: Sequence[DockerVolume | dict[str, Any]] | None = None,
        volumes_from: Sequence[str] | None = None,
        working_directory: str | None = None,
    ) -> bool:
        # A failure raises rather than returning False: False would fall back to Docker.
        subprocess.run(self._install_command(output_dir), check=True)  # noqa: S603  # fixed argv
        trim_unused_files(Path(output_dir))
        drop_runtime_distributions(Path(output_dir))
        for package in APPLICATION_PACKAGES:
            shutil.copytree(
                self._source / package,
                Path(output_dir) / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )
        return True
