"""The one code asset every function runs: the application packages plus their dependencies.

Dependencies are installed for the Lambda platform by pip on this machine, so synthesis needs no
Docker. With bundling off the asset is the bare source tree: enough to synthesize and test
templates, not to run.
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
    IgnoreMode,
    ILocalBundling,
)
from aws_cdk import aws_lambda as lambda_

REPOSITORY_ROOT: Final = Path(__file__).resolve().parent.parent
RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE: Final = lambda_.Architecture.X86_64
# Wheel platforms for ARCHITECTURE on the runtime's Amazon Linux 2023 (glibc 2.34). pip derives
# no older tag from a newer one, so both are named: pyarrow and numpy ship manylinux_2_28
# wheels only, the other requirements manylinux2014 ones.
WHEEL_PLATFORMS: Final = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")
APPLICATION_PACKAGES: Final = ("domain", "adapters", "handlers")
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


def application_code(*, bundling: bool) -> lambda_.Code:
    if not bundling:
        return lambda_.Code.from_asset(
            str(REPOSITORY_ROOT), exclude=list(ASSET_EXCLUDES), ignore_mode=IgnoreMode.GIT
        )
    return lambda_.Code.from_asset(
        str(REPOSITORY_ROOT),
        exclude=list(ASSET_EXCLUDES),
        ignore_mode=IgnoreMode.GIT,
        bundling=BundlingOptions(
            image=RUNTIME.bundling_image,
            local=PipInstallBundling(REPOSITORY_ROOT, _python_version(RUNTIME)),
        ),
    )


# Parts of installed wheels the functions never load. pyarrow alone is about 170 MB, and one
# asset serves every function within Lambda's 250 MB unzipped limit: Flight (RPC), C++
# headers and test suites are not used to write Parquet. (libarrow_substrait stays: the core
# library links against it.)
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


def _python_version(runtime: lambda_.Runtime) -> str:
    """`python3.14` -> `3.14`: the interpreter whose wheels pip must pick."""
    return runtime.name.removeprefix("python")


@jsii.implements(ILocalBundling)
class PipInstallBundling:
    """Installs requirements.txt for the Lambda platform and copies the application packages."""

    def __init__(self, source: Path, python_version: str) -> None:
        self._source = source
        self._python_version = python_version

    def _install_command(self, output_dir: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",
            "--requirement",
            str(self._source / REQUIREMENTS_FILE),
            *(option for platform in WHEEL_PLATFORMS for option in ("--platform", platform)),
            "--implementation",
            "cp",
            "--python-version",
            self._python_version,
            "--only-binary=:all:",
            "--target",
            output_dir,
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
        for package in APPLICATION_PACKAGES:
            shutil.copytree(
                self._source / package,
                Path(output_dir) / package,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )
        return True
