# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
export TRACKER_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/tracker.db

.PHONY: run test soak install translations browser-deps test-deps pdf-deps lint bench clean

$(STAMP): setup.cfg pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/python -m tracker.i18n_build

# Browser tests drive Debian's Chromium; CJK fonts make Chinese screenshots legible. PDFs
# (tracker/documents) need Pango for WeasyPrint and the same CJK fonts; the PDF tests read the
# text back with poppler's pdftotext and render pages with pdftoppm.
DEBIAN_DEPS := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    || ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpangoft2-1.0; then \
	  echo "installing $(DEBIAN_DEPS) from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEBIAN_DEPS) >/dev/null; \
	fi

# Beyond those, the tests and `make soak` use stress (a busy machine) and faketime (libfaketime:
# a whole server process's clock moved); installed only when missing.
TEST_DEBIAN_DEPS := stress faketime
test-deps: browser-deps
	@missing=""; for tool in $(TEST_DEBIAN_DEPS); do \
	  command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing from Debian"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The same packages for a production host that prints documents (no Chromium needed there).
pdf-deps:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null

run: install
	mkdir -p instance
	TRACKER_ENV=development $(BIN)/flask --app tracker db upgrade
	TRACKER_ENV=development $(BIN)/flask --app tracker demo load >/dev/null
	@echo
	@echo "  Open http://$(HOST):$(PORT) and log in as one of the demo users (user, password, role):"
	@TRACKER_ENV=development $(BIN)/flask --app tracker demo logins
	@echo "  API: see README (tokens: TRACKER_ENV=development flask --app tracker tokens create lead)."
	@echo
	TRACKER_ENV=development TRACKER_SECRET_KEY=$${TRACKER_SECRET_KEY:-dev-only-secret-change-me} \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - wsgi:app

# The suite runs in random order (pytest-randomly prints the seed; `PYTEST_ARGS="-p no:randomly"`
# runs it in file order, `--randomly-seed=N` repeats an order), in TEST_WORKERS processes
# (pytest-xdist): every test makes its own database, server port and files, so two run side by
# side on the two cores of a CI machine (the suite took 41 min in one process under stress;
# TEST_WORKERS=0 runs it in one). `--dist worksteal`: a worker that runs out of tests takes
# some of the other's, so a slow file drawn last does not leave one core idle at the end.
TEST_WORKERS ?= 2
test: install test-deps
	$(BIN)/ruff check tracker tests benchmarks
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The proof that the suite does not flake: SOAK_RUNS (3) runs in a row, each in a new random
# order, while `stress` keeps both cores busy; prints each run's seed, result and time.
SOAK_RUNS ?= 3
soak: install test-deps
	@setsid stress --cpu 2 >/dev/null 2>&1 & load=$$!; \
	trap 'kill -- -$$load 2>/dev/null' EXIT; \
	summary=""; failed=0; \
	for run in $$(seq 1 $(SOAK_RUNS)); do \
	  seed=$$(( (RANDOM << 15) | RANDOM )); start=$$(date +%s); \
	  if $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -p randomly --randomly-seed=$$seed $(PYTEST_ARGS); then result=passed; \
	  else result=FAILED; failed=1; fi; \
	  summary="$$summary\n  run $$run (seed $$seed): $$result in $$(( $$(date +%s) - start )) s"; \
	done; \
	printf "soak, with stress --cpu 2 beside it:$$summary\n"; exit $$failed

lint: $(STAMP)
	$(BIN)/ruff check tracker tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_clock.py
	$(BIN)/python benchmarks/bench_api.py
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_watch.py
	$(BIN)/python benchmarks/bench_documents.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
