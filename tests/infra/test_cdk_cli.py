"""The pinned CDK command line synthesizes the app offline, as an operator would run it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from aws_cdk import cx_api

from tests.infra.synthesis import REPOSITORY_ROOT, Synthesized

# No notices, telemetry or version checks (the CLI's or npm's): each would reach the network.
OFFLINE_ENVIRONMENT = {
    "NPM_CONFIG_UPDATE_NOTIFIER": "false",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "CDK_DISABLE_VERSION_CHECK": "true",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}


def test_pinned_cli_synthesizes_every_stack_of_the_app(
    synthesized: Synthesized, tmp_path: Path
) -> None:
    # Given the CLI that package.json pins, installed locally, and the app's virtual environment
    npx = shutil.which("npx")
    assert npx is not None, "Node.js is required: npx is not on PATH"
    assert (REPOSITORY_ROOT / "node_modules" / ".bin" / "cdk").exists(), "run `npm ci` (make does)"
    assert (REPOSITORY_ROOT / ".venv" / "bin" / "python").exists(), "cdk.json runs .venv/bin/python"
    output = tmp_path / "cdk.out"

    # When it synthesizes from the repository root, never installing anything
    synth = subprocess.run(
        [
            *(npx, "--no", "--", "aws-cdk", "synth", "--quiet", "--no-notices"),
            *("-c", "sixpotify:bundling=false", "-o", str(output)),
        ],
        cwd=REPOSITORY_ROOT,
        env={**os.environ, **OFFLINE_ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    # Then it succeeds and writes a template for every stack the app defines
    assert synth.returncode == 0, synth.stderr
    written = {stack.stack_name: stack for stack in cx_api.CloudAssembly(str(output)).stacks}
    expected = {stack.stack_name for stack in synthesized.assembly.stacks_recursively}
    assert set(written) == expected
    for stack in written.values():
        assert Path(stack.template_full_path).is_file()
        assert stack.template["Resources"], f"{stack.stack_name} has no resources"
