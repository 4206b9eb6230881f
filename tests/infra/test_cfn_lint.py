"""cfn-lint finds no error and no warning in any template of the app."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.infra.synthesis import REPOSITORY_ROOT, Synthesized

# The one place where rules are ignored, each with its reason.
CFN_LINT_CONFIG = REPOSITORY_ROOT / ".cfnlintrc.yaml"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def test_every_template_passes_cfn_lint(synthesized: Synthesized) -> None:
    # Given every stack's template, whichever stacks the app defines, grouped by their region
    templates_by_region: dict[str, list[str]] = defaultdict(list)
    for stack in synthesized.assembly.stacks_recursively:
        templates_by_region[stack.environment.region].append(stack.template_full_path)
    assert templates_by_region, "the app synthesized no stack"

    # When cfn-lint checks them against their own region's resource specifications
    findings = {
        region: subprocess.run(
            [
                *(str(CFN_LINT), "--config-file", str(CFN_LINT_CONFIG)),
                *("--regions", region, "--format", "parseable", "--", *templates),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        for region, templates in templates_by_region.items()
    }

    # Then it reports nothing: exit code 0 means no error, warning or informational finding
    assert {
        region: (run.returncode, run.stdout + run.stderr) for region, run in findings.items()
    } == {region: (0, "") for region in findings}
