"""How a function's code asset is put together: which pinned requirements it installs, what
it trims, and that a failed install fails the synthesis."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_

from contracts.names import Handler
from stacks.function_requirements import (
    RequirementsError,
    pinned_lines,
    requirements_of,
)
from stacks.lambda_code import (
    ARCHITECTURE,
    RUNTIME,
    application_code,
    drop_runtime_distributions,
    trim_unused_files,
)
from tests.infra.synthesis import REPOSITORY_ROOT

REQUIREMENTS = (REPOSITORY_ROOT / "requirements.txt").read_text()


def test_the_ingest_step_installs_pyarrow_and_the_composition_root_at_their_pins() -> None:
    # Given requirements.txt and the ingest step's needs
    lines_of_the_file = set(REQUIREMENTS.splitlines())

    # When its lines are picked
    picked = pinned_lines(requirements_of(Handler.FETCH_ARTISTS), REQUIREMENTS)

    # Then they are lines of the file, one per distribution, pyarrow among them and NumPy not
    assert set(picked) <= lines_of_the_file
    assert [line.split("==")[0] for line in picked] == [
        "aws-lambda-powertools",
        "aws-xray-sdk",
        "certifi",
        "psycopg2-binary",
        "pyarrow",
        "pydantic",
        "pydantic-settings",
        "requests",
        "spotipy",
    ]


def test_names_match_requirement_lines_as_pip_matches_them() -> None:
    # Given a requirements file with a comment, a blank line, markers and mixed spellings
    requirements = (
        "# pins\n\n"
        "Pydantic_Settings==2.16.3  # settings\n"
        "zope.interface==8.0 ; os_name == 'posix'\n"
    )

    # When names spelled otherwise are picked
    picked = pinned_lines(["pydantic-settings", "Zope-Interface"], requirements)

    # Then each finds its line, without the comment
    assert picked == ("Pydantic_Settings==2.16.3", "zope.interface==8.0 ; os_name == 'posix'")


def test_a_distribution_requirements_txt_does_not_pin_is_refused() -> None:
    # Given a misspelt distribution beside a pinned one
    names = ["pydantic", "numpyy"]

    # When their lines are picked from requirements.txt
    with pytest.raises(RequirementsError) as refused:
        pinned_lines(names, REQUIREMENTS)

    # Then the error names the one requirements.txt lacks
    assert str(refused.value) == "requirements.txt does not pin numpyy"


def test_a_handler_without_requirements_is_refused() -> None:
    # Given a handler the mapping does not know
    handler = "handlers.unknown.handle"

    # When its requirements are asked for
    with pytest.raises(RequirementsError) as refused:
        requirements_of(handler)

    # Then the error names it
    assert str(refused.value) == "handlers.unknown.handle has no entry in HANDLER_REQUIREMENTS"


def test_a_requirement_without_a_wheel_for_lambda_fails_the_synthesis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a package index that holds a distribution as source only
    index = tmp_path / "index"
    index.mkdir()
    with tarfile.open(index / "wheelless-1.0.tar.gz", "w:gz") as sdist:
        setup = tmp_path / "setup.py"
        setup.write_text("from setuptools import setup\nsetup(name='wheelless', version='1.0')\n")
        sdist.add(setup, arcname="wheelless-1.0/setup.py")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    stack = Stack(App(outdir=str(tmp_path / "cdk.out")), "Bundled")

    # When a function's code that requires it is bundled
    with pytest.raises(RuntimeError) as failed:
        lambda_.Function(
            stack,
            "Function",
            code=application_code(["wheelless==1.0"], bundling=True),
            handler=Handler.PLAN_BATCHES,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            timeout=Duration.seconds(3),
        )

    # Then pip's failure stops the synthesis instead of leaving the function without it
    assert "Failed to bundle asset Bundled/Function/Code" in str(failed.value)
    assert "returned non-zero exit status" in str(failed.value)


def test_bundling_drops_the_parts_of_pyarrow_no_function_loads(tmp_path: Path) -> None:
    # Given an install target holding pyarrow with its optional parts, boto3, and numpy with the
    # OpenBLAS it links against
    kept = [
        "pyarrow/__init__.py",
        "pyarrow/parquet/core.py",
        "pyarrow/libparquet.so.2600",
        "pyarrow/_parquet.cpython-314-x86_64-linux-gnu.so",
        "boto3/__init__.py",
        "numpy/__init__.py",
        "numpy/_core/_multiarray_umath.cpython-314-x86_64-linux-gnu.so",
        "numpy.libs/libscipy_openblas64_-32a4b2a6.so",
        # The core library links against it.
        "pyarrow/libarrow_substrait.so.2600",
    ]
    dropped = [
        "pyarrow/include/arrow/api.h",
        "pyarrow/tests/test_io.py",
        "pyarrow/libarrow_flight.so.2600",
        "pyarrow/_flight.cpython-314-x86_64-linux-gnu.so",
        "pyarrow/flight.py",
    ]
    for name in kept + dropped:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    # When it is trimmed
    trim_unused_files(tmp_path)
    # Then what writes Parquet, and numpy, stay and the rest is gone
    assert all((tmp_path / name).exists() for name in kept)
    assert not any((tmp_path / name).exists() for name in dropped)
    assert not (tmp_path / "pyarrow" / "include").exists()


def _installed(target: Path, distribution: str, files: list[str]) -> None:
    """A distribution as pip leaves it under a target: its files and a RECORD listing them."""
    dist_info = f"{distribution}.dist-info"
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("x")
    (target / dist_info).mkdir()
    record = [f"{name},sha256=x,1" for name in files] + [f"{dist_info}/RECORD,,"]
    (target / dist_info / "RECORD").write_text("\n".join(record) + "\n")


def test_what_the_runtime_has_is_dropped_from_the_bundle_and_urllib3_kept(
    tmp_path: Path,
) -> None:
    # Given an install target where X-Ray's SDK pulled in botocore, and requests urllib3
    _installed(tmp_path, "aws_xray_sdk-2.15.0", ["aws_xray_sdk/__init__.py"])
    _installed(tmp_path, "botocore-1.44.8", ["botocore/__init__.py", "botocore/data/s3.json"])
    _installed(tmp_path, "six-1.17.0", ["six.py"])
    _installed(tmp_path / "target", "jmespath-1.1.0", ["jmespath/__init__.py", "../bin/jp.py"])
    beside_the_target = tmp_path / "bin" / "jp.py"
    _installed(tmp_path, "urllib3-2.8.0", ["urllib3/__init__.py"])
    # When the runtime's distributions are dropped, there and in a target with a script
    dropped = drop_runtime_distributions(tmp_path)
    dropped_in_target = drop_runtime_distributions(tmp_path / "target")
    # Then botocore, six and jmespath are gone, files and metadata, the rest stays, and
    # nothing outside a target is touched
    assert (dropped, dropped_in_target) == (["botocore", "six"], ["jmespath"])
    assert list((tmp_path / "target").iterdir()) == []
    assert beside_the_target.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "aws_xray_sdk",
        "aws_xray_sdk-2.15.0.dist-info",
        "bin",
        "target",
        "urllib3",
        "urllib3-2.8.0.dist-info",
    ]
