# Señales: one target per task. `make help` lists them.
# The two you need: `make run` (the assistant on localhost) and `make test` (everything CI runs).

SHELL        := /bin/bash
.SHELLFLAGS  := -eo pipefail -c
VENV         := .venv
PY           := $(VENV)/bin/python
STAMP        := $(VENV)/.installed
RASA_ENV     := PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
RASA         := $(RASA_ENV) $(PY) -m rasa
BOOTSTRAP    := pip==24.2 setuptools==70.3.0 wheel==0.45.1
INSTANCES    ?= 2

.DEFAULT_GOAL := help
.PHONY: help install train run run-prod shell validate test test-unit test-stories test-topology benchmark-nlu benchmark-danger benchmark-offers benchmark-linear-cv benchmark-analytics benchmark-load benchmarks lock clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(PY):
	@PYTHON=$$(scripts/find-python3.10) || { \
	  echo "✘ Señales needs Python 3.10 (Rasa 3.6 does not run on 3.11 or newer) and none was found."; \
	  echo "  Install it with 'pyenv install 3.10' or 'uv python install 3.10', or point PYTHON310=/path/to/python3.10."; \
	  exit 1; }; \
	echo "▶ Creating $(VENV) with $$PYTHON"; \
	"$$PYTHON" -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(PY)
	@echo "▶ Installing the locked package set (first time: a few minutes, TensorFlow is large)…"
	@$(PY) -m pip install --quiet --disable-pip-version-check $(BOOTSTRAP)
	@$(PY) -m pip install --disable-pip-version-check --progress-bar on -r requirements.lock | { grep -v '^Requirement already satisfied' || true; }
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "✔ Packages installed"

install: $(STAMP) ## create .venv and install the locked packages (only when the lock changed)

train: $(STAMP) ## train the model if data, domain, config or trained NLU code changed
	@$(RASA_ENV) $(PY) -m bot.devtools.train

run: train ## run the assistant and the staff console on localhost (embedded default: SQLite, in-memory locks)
	@$(PY) -m bot.devtools.serve

run-prod: train ## the production topology here: $(INSTANCES) Rasa instances behind nginx on PostgreSQL, Redis, RabbitMQ (.env)
	@$(RASA_ENV) $(PY) -m bot.devtools.topology --instances $(INSTANCES)

shell: $(STAMP) ## chat in the terminal with the assistant that `make run` started
	@$(PY) -m bot.devtools.chat

validate: $(STAMP) ## check data, domain and config (warnings fail)
	@echo "▶ rasa data validate"
	@$(RASA_ENV) $(PY) -m bot.devtools.validate

test-unit: $(STAMP) ## pytest only (starts the real servers for the integration tests)
	@$(RASA_ENV) $(PY) -m pytest

test-stories: train ## Rasa conversation tests (tests/test_stories.yml)
	@echo "▶ rasa test core (conversation tests)"
	@$(RASA) test core --model models/senales.tar.gz --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out var/results --quiet

test-topology: train ## only the production-topology tests (conversation tests over 2 instances, kill -9, outages)
	@$(RASA_ENV) $(PY) -m pytest -m topology

test: validate train ## everything CI runs: validate, train if needed, pytest, conversation tests
	@$(RASA_ENV) $(PY) -m pytest
	@$(MAKE) --no-print-directory test-stories

benchmark-nlu: $(STAMP) ## per-language macro F1 on the held-out set (tests/nlu/)
	@$(RASA_ENV) $(PY) benchmarks/nlu.py

benchmark-danger: train ## danger recall, false escalations on idioms and real SMS
	@$(RASA_ENV) $(PY) benchmarks/danger.py

benchmark-linear-cv: $(STAMP) ## where the second intent opinion's C and temperature come from (cross-validation on data/)
	@$(PY) benchmarks/linear_intents_cv.py

benchmark-offers: $(STAMP) ## offer checker recall, false alarms and speed
	@$(PY) benchmarks/offers.py

benchmark-analytics: $(STAMP) ## analytics refresh (full vs incremental) and overview render, 10k and 1M events, SQLite and PostgreSQL
	@$(PY) benchmarks/analytics.py

benchmark-load: train ## simulated teens (SMS, Telegram, REST baseline) at c=1/8/32 on 1 and 2 instances: latency, throughput, memory
	@$(RASA_ENV) $(PY) benchmarks/load.py

benchmarks: benchmark-nlu benchmark-danger benchmark-offers benchmark-analytics benchmark-load ## all benchmarks

lock: $(PY) ## re-resolve the dependencies from pyproject.toml into requirements.lock
	@$(PY) -m pip install --quiet $(BOOTSTRAP) && $(PY) -m pip install --quiet -e '.[test]' && \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^senales' > requirements.lock && echo "✔ requirements.lock updated"

clean: ## remove models, results and local data (keeps .venv)
	rm -rf models var/results var/log .pytest_cache
