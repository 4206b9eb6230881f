"""The whole app synthesized as the CLI would, with the context cdk.json gives it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from aws_cdk import App, cx_api
from aws_cdk.assertions import Template

from contracts.names import Handler, ResourceNames
from stacks.application import SixpotifyStacks, build_application
from stacks.stage_config import BUNDLING_KEY, STAGE_KEY, StageConfig

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((REPOSITORY_ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass(frozen=True)
class Synthesized:
    config: StageConfig
    stacks: SixpotifyStacks
    assembly: cx_api.CloudAssembly

    @property
    def names(self) -> ResourceNames:
        return ResourceNames(self.config.name)

    def stack_of_handler(self, handler: str) -> str:
        """The name of the stack whose function runs `handler`."""
        if handler == Handler.MIGRATE_DATABASE:
            return self.names.database_stack
        if handler in (Handler.WEBHOOK, Handler.CONVERSE):
            return self.names.chat_stack
        return self.names.pipeline_stack

    def template(self, stack_name: str) -> Template:
        return Template.from_json(self.template_json(stack_name))

    def template_json(self, stack_name: str) -> Mapping[str, Any]:
        return self.templates[stack_name]

    @cached_property
    def templates(self) -> dict[str, Mapping[str, Any]]:
        """Every stack's template by stack name, read once from the assembly."""
        return {
            stack.stack_name: self.assembly.get_stack_by_name(stack.stack_name).template
            for stack in self.stacks.all()
        }

    def staged_file(self, stack_name: str, object_key: str) -> Path:
        """The assembly's copy of the file asset that the template names by S3 key."""
        manifest = json.loads(
            (Path(self.assembly.directory) / f"{stack_name}.assets.json").read_text()
        )
        for asset in manifest["files"].values():
            keys = {destination["objectKey"] for destination in asset["destinations"].values()}
            if object_key in keys:
                return Path(self.assembly.directory) / str(asset["source"]["path"])
        raise LookupError(f"{stack_name} stages no asset with key {object_key}")


def synthesize(outdir: Path, stage: str | None = None) -> Synthesized:
    """The app as `cdk synth` writes it for `stage`, cdk.json's default stage without one."""
    # Bundling off: templates are what is under test, not pip's work.
    context = {**cdk_json_context(), BUNDLING_KEY: False}
    if stage is not None:
        context[STAGE_KEY] = stage
    app = App(context=context, outdir=str(outdir))
    config = StageConfig.from_context(app.node.try_get_context)
    stacks = build_application(app, config)
    return Synthesized(config=config, stacks=stacks, assembly=app.synth())
