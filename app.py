"""CDK entry point: `npx cdk synth` runs this through the repository's virtual environment."""

from __future__ import annotations

from aws_cdk import App

from stacks.application import build_application
from stacks.stage_config import StageConfig


def main() -> None:
    app = App()
    build_application(app, StageConfig.from_context(app.node.try_get_context))
    app.synth()


if __name__ == "__main__":
    main()
