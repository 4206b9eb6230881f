"""`python -m stacks.asset_sizes` reports each function asset's unzipped size and fails `make
synth` when one is larger than the limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.asset_sizes import MAXIMUM_UNZIPPED_MB, function_assets, main

MB = 2**20


def _assembly(directory: Path, sizes_in_mb: dict[str, float], code: dict[str, str]) -> Path:
    """A cloud assembly of one stack: staged asset directories of the given sizes, and a
    function per entry of `code` (function name -> asset) running that asset."""
    directory.mkdir()
    for asset, size in sizes_in_mb.items():
        (directory / asset / "pkg").mkdir(parents=True)
        # Sparse: the size counts, not the disk it would take.
        with (directory / asset / "pkg" / "lib.so").open("wb") as library:
            library.truncate(int(size * MB) - 100)
        (directory / asset / "handler.py").write_bytes(b"x" * 100)
    resources = {
        f"Function{index}": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": name,
                "Code": {"S3Bucket": "b", "S3Key": f"{asset}.zip"},
            },
        }
        for index, (name, asset) in enumerate(code.items())
    }
    resources["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    (directory / "app-stack.template.json").write_text(json.dumps({"Resources": resources}))
    files = {
        asset: {
            "source": {"path": asset, "packaging": "zip"},
            "destinations": {"current": {"objectKey": f"{asset}.zip"}},
        }
        for asset in sizes_in_mb
    }
    (directory / "app-stack.assets.json").write_text(json.dumps({"files": files}))
    return directory


def test_each_asset_is_measured_once_with_every_function_that_runs_it(tmp_path: Path) -> None:
    # Given two functions sharing one asset and a third with its own
    assembly = _assembly(
        tmp_path / "cdk.out",
        {"asset.small": 3, "asset.large": 120},
        {"chat": "asset.small", "converse": "asset.small", "fetch": "asset.large"},
    )

    # When the assembly's function assets are listed
    assets = function_assets(assembly)

    # Then each appears once, largest first, with its exact unzipped size and its functions
    assert [(asset.directory.name, asset.functions) for asset in assets] == [
        ("asset.large", ("fetch",)),
        ("asset.small", ("chat", "converse")),
    ]
    assert [asset.unzipped_bytes for asset in assets] == [120 * MB, 3 * MB]


def test_an_asset_over_the_limit_fails_the_command_and_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given one stage within the limit and one with an asset just over it
    within = _assembly(tmp_path / "dev", {"asset.fits": 50}, {"dev-fetch": "asset.fits"})
    over = _assembly(
        tmp_path / "prod", {"asset.huge": MAXIMUM_UNZIPPED_MB + 0.5}, {"prod-fetch": "asset.huge"}
    )

    # When the command measures both
    status = main([str(within), str(over)])

    # Then it fails, after printing every asset with its size and marking the one too large
    printed = capsys.readouterr().out
    assert status == 1
    assert "50.0 MB  asset.fits…  dev-fetch\n" in printed
    assert f"200.5 MB  asset.huge…  prod-fetch  OVER {MAXIMUM_UNZIPPED_MB} MB" in printed


def test_assets_within_the_limit_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an assembly whose largest asset is exactly the limit
    assembly = _assembly(
        tmp_path / "cdk.out", {"asset.edge": MAXIMUM_UNZIPPED_MB}, {"fetch": "asset.edge"}
    )

    # When the command measures it
    status = main([str(assembly)])

    # Then it succeeds
    assert status == 0
    assert "OVER" not in capsys.readouterr().out


def test_an_assembly_without_function_code_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an output directory that a synthesis never wrote
    empty = tmp_path / "cdk.out"
    empty.mkdir()

    # When the command measures it
    status = main([str(empty)])

    # Then it fails rather than report nothing as a success
    assert status == 1
    assert "no function code found" in capsys.readouterr().out
