# Set-up is part of every target: `make run` and `make test` work from a fresh clone with
# only Python 3.12 and make. Set PYTHON=/path/to/python3.12 if it is not found.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

find_python = for p in $$PYTHON python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done

.PHONY: run test check-baseline check-levers benchmark calibrate sensitivity clean

run: $(STAMP)
	$(PY) run_scenarios.py

test: $(STAMP)
	$(PY) -m pytest -q --nbmake tests notebooks

check-baseline: $(STAMP)
	$(PY) -m model.experiments.check_baseline

check-levers: $(STAMP)
	$(PY) -m model.experiments.check_levers

benchmark: $(STAMP)
	$(PY) benchmarks/speed.py

$(PY):
	@py=$$($(find_python)); \
	if [ -z "$$py" ]; then echo "make: Python 3.12 not found; install it or run make PYTHON=/path/to/python3.12" >&2; exit 2; fi; \
	echo "creating $(VENV) with $$py"; $$py -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache model/__pycache__

calibrate: $(STAMP)
	$(PY) -m calibration

sensitivity: $(STAMP)
	$(PY) run_sensitivity.py --method both
