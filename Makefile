# The two commands of the README: `make test` and `make demo`.
# Both create .venv when missing and install the pinned CPU set into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REQS := requirements/cpu.txt requirements/tests.txt requirements/docs.txt \
	requirements/runtime.txt requirements/service.txt \
	requirements/deploy.txt setup.py
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: install test demo lint bench docs clean-venv

install: $(STAMP)

$(STAMP): $(REQS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/cpu.txt \
		-r requirements/tests.txt -r requirements/docs.txt
	$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .
	touch $(STAMP)

test: install
	$(PY) -m pytest tests $(PYTEST_ARGS)

demo: install
	$(PY) demo/synthetic_demo.py

# flake8 + isort with the settings of setup.cfg (also part of `make test`).
lint: install
	$(PY) -m pytest tests/test_lint.py -p no:xdist

# The documentation site; warnings are errors.
docs: install
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs/en docs/en/_build/html

bench: install
	$(PY) benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)
