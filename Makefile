# The two commands a new contributor runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CDK command line pinned in package.json, which the infra tests run.
NODE_STAMP := node_modules/.installed
# `make synth` synthesizes each stage of cdk.json as a deployment would, into
# $(SYNTH_OUT)/<stage>, and has cfn-lint check the templates for the stages' regions.
STAGES_OF_CDK_JSON = $(PYTHON) -c 'import json; stages = json.load(open("cdk.json"))["context"]["sixpotify:stages"]; print(*$(1))'
STAGES = $(shell $(call STAGES_OF_CDK_JSON,stages))
STAGE_REGIONS = $(shell $(call STAGES_OF_CDK_JSON,sorted({stage["region"] for stage in stages.values()})))
SYNTH_OUT := cdk.out
# The pinned CLI, kept from installing anything, checking versions or sending telemetry: a
# synthesis reaches no network but the package registries pip installs the functions' wheels from.
CDK := NPM_CONFIG_UPDATE_NOTIFIER=false CDK_DISABLE_CLI_TELEMETRY=true \
	CDK_DISABLE_VERSION_CHECK=true npx --no -- aws-cdk

# The web chat's browser test drives Debian's Chromium, with a font that has Hangul; installed
# when missing (CI starts as root on a fresh machine).
BROWSER := /usr/bin/chromium /usr/share/fonts/truetype/nanum/NanumGothic.ttf
# apt-get needs root: a developer who is not gets asked through sudo.
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)

# jsii (behind aws-cdk-lib) prints a banner about Node.js 20's end of life on every start.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: demo test lint synth unit integration infra e2e up chaos clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(BROWSER):
	$(AS_ROOT) apt-get update -qq
	$(AS_ROOT) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/sixpotify demo

up: $(STAMP)
	$(BIN)/sixpotify local up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Bundling on (cdk.json): pip fails on a dependency without a wheel for Lambda, cdk-nag on any
# finding left unanswered, cfn-lint on any template finding, asset_sizes on code too large for
# Lambda. The staged assets stay between runs: a source tree and requirements already bundled
# are not bundled again, and pip's own cache serves the wheels it downloaded before. Each run
# first removes the templates and manifests, so that a stack no longer in the app is not checked.
synth: $(STAMP) $(NODE_STAMP)
	for stage in $(STAGES); do \
		rm -f $(SYNTH_OUT)/$$stage/*.json && \
		$(CDK) synth --quiet --no-notices -c sixpotify:stage=$$stage -o $(SYNTH_OUT)/$$stage \
		|| exit 1; \
	done
	$(BIN)/cfn-lint --config-file .cfnlintrc.yaml --regions $(STAGE_REGIONS) \
		-- $(addsuffix /*.template.json,$(addprefix $(SYNTH_OUT)/,$(STAGES)))
	$(BIN)/python -m stacks.asset_sizes $(addprefix $(SYNTH_OUT)/,$(STAGES))

# With coverage of domain, adapters and handlers ([tool.coverage] in pyproject.toml).
test: lint synth $(BROWSER)
	$(BIN)/pytest --cov

unit: $(STAMP)
	$(BIN)/pytest -m unit

integration: $(STAMP)
	$(BIN)/pytest -m integration

infra: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest -m infra

e2e: $(STAMP) $(BROWSER)
	$(BIN)/pytest -m e2e

# The reliability suite (docs/reliability.md), minutes long, so not part of `make test`:
# CHAOS_ARGS passes options, e.g. make chaos CHAOS_ARGS="--scenario load --seconds 10".
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) node_modules .sixpotify cdk.out .pytest_cache .mypy_cache .ruff_cache .coverage
