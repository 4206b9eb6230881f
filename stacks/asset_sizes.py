"""How large each function's code asset is once unzipped, in synthesized cloud assemblies.

`python -m stacks.asset_sizes cdk.out/dev cdk.out/prod` prints one line per asset, with the
functions that run it, and fails when any is larger than MAXIMUM_UNZIPPED_MB. Lambda refuses a
function whose code is larger than 250 MB unzipped; the margin leaves a dependency room to
grow before a deployment would fail.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MAXIMUM_UNZIPPED_MB: Final = 200
# Lambda's quotas count a megabyte as 2**20 bytes.
_BYTES_PER_MB: Final = 2**20
_TEMPLATE_SUFFIX: Final = ".template.json"


@dataclass(frozen=True)
class FunctionAsset:
    directory: Path
    functions: tuple[str, ...]
    unzipped_bytes: int

    @property
    def unzipped_mb(self) -> float:
        return self.unzipped_bytes / _BYTES_PER_MB

    @property
    def too_large(self) -> bool:
        return self.unzipped_mb > MAXIMUM_UNZIPPED_MB


def function_assets(assembly: Path) -> list[FunctionAsset]:
    """Every staged directory that a Lambda function of `assembly` runs, largest first."""
    functions_by_asset: dict[Path, list[str]] = defaultdict(list)
    for template_file in sorted(assembly.glob(f"*{_TEMPLATE_SUFFIX}")):
        stack = template_file.name.removesuffix(_TEMPLATE_SUFFIX)
        staged = _staged_by_object_key(assembly, stack)
        resources = json.loads(template_file.read_text()).get("Resources", {})
        for logical_id, resource in resources.items():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            properties = resource.get("Properties", {})
            object_key = properties.get("Code", {}).get("S3Key")
            if isinstance(object_key, str) and object_key in staged:
                name = properties.get("FunctionName")
                label = name if isinstance(name, str) else f"{stack}/{logical_id}"
                functions_by_asset[staged[object_key]].append(label)
    assets = [
        FunctionAsset(directory, tuple(sorted(functions)), _unzipped_bytes(directory))
        for directory, functions in functions_by_asset.items()
    ]
    return sorted(assets, key=lambda asset: (-asset.unzipped_bytes, asset.directory.name))


def _staged_by_object_key(assembly: Path, stack: str) -> dict[str, Path]:
    manifest_file = assembly / f"{stack}.assets.json"
    if not manifest_file.is_file():
        return {}
    manifest: dict[str, Any] = json.loads(manifest_file.read_text())
    return {
        destination["objectKey"]: assembly / asset["source"]["path"]
        for asset in manifest.get("files", {}).values()
        if asset["source"].get("packaging") == "zip"
        for destination in asset["destinations"].values()
    }


def _unzipped_bytes(directory: Path) -> int:
    return sum(
        (Path(root) / name).lstat().st_size
        for root, _, files in os.walk(directory)
        for name in files
    )


def report(assemblies: Sequence[Path]) -> tuple[list[str], bool]:
    """The lines to print, and whether every asset is within the limit."""
    lines = [f"Unzipped size of each function's code (limit {MAXIMUM_UNZIPPED_MB} MB):"]
    within_limit = True
    for assembly in assemblies:
        assets = function_assets(assembly)
        if not assets:
            lines.append(f"{assembly}: no function code found; was it synthesized?")
            within_limit = False
        else:
            lines.append(f"{assembly}:")
        for asset in assets:
            verdict = f"  OVER {MAXIMUM_UNZIPPED_MB} MB" if asset.too_large else ""
            lines.append(
                f"  {asset.unzipped_mb:7.1f} MB  {asset.directory.name[:18]}…  "
                f"{', '.join(asset.functions)}{verdict}"
            )
            within_limit = within_limit and not asset.too_large
    return lines, within_limit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stacks.asset_sizes", description=__doc__)
    parser.add_argument("assemblies", nargs="+", type=Path, help="cdk synth output directories")
    arguments = parser.parse_args(argv)
    lines, within_limit = report(arguments.assemblies)
    print("\n".join(lines))
    return 0 if within_limit else 1


if __name__ == "__main__":
    sys.exit(main())
