# Tousu developer entry points. `make` (or `make help`) lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTEST_ARGS ?=
# `make bench` runs on servers of its own, beside any of `make test` (25432, 9092/9093).
BENCH_PG_PORT ?= 25442
BENCH_KAFKA_PORT ?= 9094
BENCH_KAFKA_CONTROLLER_PORT ?= 9095
BENCH_ARGS ?=
BENCH_ARCHIVE_ARGS ?=
BENCH_E2E_ARGS ?=
# `make chaos` kills its broker and database, so they are its own too (and wiped afterwards).
CHAOS_PG_PORT ?= 25452
CHAOS_KAFKA_PORT ?= 9096
CHAOS_KAFKA_CONTROLLER_PORT ?= 9097
CHAOS_ARGS ?=

# Where `pip install [--user] uv` puts the uv binary, in case it isn't on PATH yet (appended,
# so nothing already on PATH, e.g. pyenv's python3 shim, is shadowed).
PY_SCRIPTS := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)
export PATH := $(PATH):$(HOME)/.local/bin$(if $(PY_SCRIPTS),:$(PY_SCRIPTS))

# the bench's own PostgreSQL (fsync on) and Kafka, stopped and wiped when the bench ends
BENCH_SERVERS = export TOUSU_PG_PORT=$(BENCH_PG_PORT) TOUSU_PG_FSYNC=on TOUSU_KAFKA_PORT=$(BENCH_KAFKA_PORT) \
	  TOUSU_KAFKA_CONTROLLER_PORT=$(BENCH_KAFKA_CONTROLLER_PORT); \
	trap 'bash scripts/kafka.sh reset; bash scripts/postgres.sh stop' EXIT; \
	bash scripts/postgres.sh start && bash scripts/kafka.sh start &&

# the chaos run's own PostgreSQL and Kafka, stopped and deleted when it ends
CHAOS_SERVERS = export TOUSU_PG_PORT=$(CHAOS_PG_PORT) TOUSU_KAFKA_PORT=$(CHAOS_KAFKA_PORT) \
	  TOUSU_KAFKA_CONTROLLER_PORT=$(CHAOS_KAFKA_CONTROLLER_PORT) TOUSU_CHAOS_STARTED_AT=$$(date +%s.%N); \
	trap 'bash scripts/kafka.sh reset; bash scripts/postgres.sh reset' EXIT;

.PHONY: help venv run test chaos eval bench bench-e2e bench-archive train lint k8s-tools k8s-tools-if-possible k8s-check kafka-up kafka-down pg-up pg-down clean

help: ## Show this help
	@echo "Usage: make <target> [PYTEST_ARGS='-k foo -x']"
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-11s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

venv: ## Create/update .venv with every workspace package (installs uv if missing)
	@command -v uv >/dev/null || { echo "venv: uv not found, installing it with pip…"; \
	  python3 -m pip install --user uv || python3 -m pip install uv; }
	uv sync --all-packages

run: venv ## Start Kafka and every service with demo data; Ctrl-C stops it all
	bash scripts/run.sh

test: venv k8s-tools-if-possible ## Run pytest against a real Kafka + PostgreSQL (PYTEST_ARGS=... to pass options)
	bash scripts/test.sh $(PYTEST_ARGS)

chaos: venv ## kill -9 every service, the broker, and PostgreSQL under load: nothing lost or doubled (~5 min)
	@$(CHAOS_SERVERS) bash scripts/test.sh tests/chaos -s $(CHAOS_ARGS)

eval: venv ## Triage accuracy, confusion matrices and speed on the corpus test split (bench/, README)
	uv run python -m tousu_triage.evaluate --split test --write

bench: venv ## Every benchmark: end to end vs raw Kafka, intake, triage, SLA monitor, archive; bench/results.json, README (~25 min)
	@$(BENCH_SERVERS) \
	uv run python bench/e2e.py $(BENCH_E2E_ARGS) && uv run python bench/triage_speed.py && \
	uv run python bench/sla_monitor.py $(BENCH_ARGS) && uv run python bench/archive_query.py $(BENCH_ARCHIVE_ARGS) && \
	uv run python bench/summary.py --readme

bench-e2e: venv ## Only end to end, intake and the raw-Kafka baseline (~8 min)
	@$(BENCH_SERVERS) uv run python bench/e2e.py $(BENCH_E2E_ARGS) && uv run python bench/summary.py

bench-archive: venv ## Only the archive case list over 1,000,000 cases (~4 min)
	@$(BENCH_SERVERS) uv run python bench/archive_query.py $(BENCH_ARCHIVE_ARGS)

train: venv ## Refit triage's n-gram model on the corpus train split (after the corpus or normalising changed)
	uv run python -m tousu_triage.train

lint: venv ## ruff check, ruff format --check, mypy
	uv run --all-packages ruff check . && uv run --all-packages ruff format --check . && uv run --all-packages mypy shared services channels notifiers cli tools

k8s-tools: ## Fetch kustomize and the Strimzi and KEDA CRD schemas into .cache/k8s/ (once; needs Go, mvn, java)
	bash scripts/k8s-tools.sh

# The k8s-check tests need those tools: in CI they fail without them, elsewhere they skip.
k8s-tools-if-possible:
	@bash scripts/k8s-tools.sh --quiet || { [ "$${CI:-}" != true ] && echo "k8s-tools: not available here; tests/unit/deploy will skip"; }

k8s-check: venv k8s-tools ## Render every deploy/k8s overlay offline; validate schemas, check policies and Dockerfiles
	uv run python -m tools.k8s_check

kafka-up: ## Start the local Kafka broker (port: TOUSU_KAFKA_PORT, default 9092)
	bash scripts/kafka.sh start

kafka-down: ## Stop the local Kafka broker
	bash scripts/kafka.sh stop

pg-up: ## Start the local PostgreSQL server (port: TOUSU_PG_PORT, default 25432)
	bash scripts/postgres.sh start

pg-down: ## Stop the local PostgreSQL server
	bash scripts/postgres.sh stop

clean: ## Remove .run/ and .venv/ (keeps .cache/, i.e. the Kafka jars and data)
	rm -rf .run .venv
