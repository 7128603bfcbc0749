# `make dev` runs the whole system locally; `make test` runs every test.
# Both build their own virtualenvs from the pinned requirement files on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# checkov pins an old boto3, so it lives in its own virtualenv (tests/infra call it from there).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cat requirements-checkov.txt | cksum | cut -d' ' -f1)
# MiniStack (the rehearsal's emulator) pins botocore exactly, so it too lives in its own virtualenv.
REHEARSE_VENV := .venv-rehearse
REHEARSE_STAMP := $(REHEARSE_VENV)/.installed-$(shell cat requirements-rehearse.txt | cksum | cut -d' ' -f1)
STAGE ?= dev
# Test files run in parallel (pytest-xdist); a file's tests share one worker, so a module's stack starts once.
TEST_WORKERS ?= 3
# The console's browser test drives Debian's Chromium through Playwright: installed from Debian when
# missing (we run as root; CI too), never Playwright's own browser download.
CHROMIUM := /usr/bin/chromium
# The embedded AWS's port, as `make dev` uses it (local_runtime reads the same variable).
LOCAL_AWS_PORT ?= 4566

.PHONY: dev aws test lint format clean package bench redrive-payments rehearse

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

$(REHEARSE_STAMP): requirements-rehearse.txt
	@test -x $(REHEARSE_VENV)/bin/python || $(PYTHON) -m venv $(REHEARSE_VENV)
	$(REHEARSE_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-rehearse.txt
	@rm -f $(REHEARSE_VENV)/.installed-* && touch $@

$(CHROMIUM):
	apt-get update -q && apt-get install -y -q chromium

package: $(STAMP) ## Terraform root module for STAGE (default dev) in build/terraform; BACKEND=s3 for remote state
	$(BIN)/python -m infra.build --stage $(STAGE) --out build/terraform $(if $(BACKEND),--backend $(BACKEND))

rehearse: $(STAMP) $(REHEARSE_STAMP) ## Apply the module for STAGE to MiniStack on loopback, smoke-test, destroy
	$(BIN)/python -m infra.rehearsal --stage $(STAGE)

# FRESH=1 starts from empty; otherwise the data of the last run (.local-state/) comes back.
dev: $(STAMP) ## Embedded AWS + local runtime + API on 127.0.0.1:8000 (console at /_console), until Ctrl-C
	LOCAL_FRESH=$(FRESH) $(BIN)/python -m local_runtime up

aws: $(STAMP) ## Only the embedded AWS (127.0.0.1:4566) with tables, for `chalice local --stage local`
	LOCAL_FRESH=$(FRESH) $(BIN)/python -m local_runtime aws

redrive-payments: $(STAMP) ## Run the local stack's FAILED payments again (payments DLQ -> topic); AWS: see README
	AWS_ENDPOINT_URL=http://127.0.0.1:$(LOCAL_AWS_PORT) $(BIN)/python -m ops.redrive_payments --stage local

test: $(STAMP) $(CHECKOV_STAMP) $(CHROMIUM) lint ## Every test
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP) ## Event-flow benchmark: 100 orders at 10/s, then 30/s for 60 s; each ends with a JSON line
	$(BIN)/python bench/event_flow.py --rate 10 --orders 100
	$(BIN)/python bench/event_flow.py --rate 30 --duration 60

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build .pytest_cache
