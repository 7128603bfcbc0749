# `make dev` runs the whole system locally; `make test` runs every test.
# Both build their own virtualenvs from the pinned requirement files on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# checkov pins an old boto3, so it lives in its own virtualenv (tests/infra call it from there).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cat requirements-checkov.txt | cksum | cut -d' ' -f1)
STAGE ?= dev

.PHONY: dev aws test lint format clean package

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --disable-pip-version-check -q -r requirements-checkov.txt
	@rm -f $(CHECKOV_VENV)/.installed-* && touch $@

package: $(STAMP) ## Terraform root module for STAGE (default dev) in build/terraform
	$(BIN)/python -m infra.build --stage $(STAGE) --out build/terraform

# FRESH=1 starts from empty; otherwise the data of the last run (.local-state/) comes back.
dev: $(STAMP) ## Embedded AWS + local runtime + API on 127.0.0.1:8000, until Ctrl-C
	LOCAL_FRESH=$(FRESH) $(BIN)/python -m local_runtime up

aws: $(STAMP) ## Only the embedded AWS (127.0.0.1:4566) with tables, for `chalice local --stage local`
	LOCAL_FRESH=$(FRESH) $(BIN)/python -m local_runtime aws

test: $(STAMP) $(CHECKOV_STAMP) lint ## Every test
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build .pytest_cache
