# Set-up is part of every target: `make run` and `make test` work from a fresh clone with
# only Python 3.12 and make. Set PYTHON=/path/to/python3.12 if it is not found.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The dashboard (Solara) runs offline: its front-end packages are fetched once from the npm
# registry into the folder Solara serves them from (its default, in the venv), telemetry is
# off, and a file missing from that folder fails here rather than being fetched from a CDN.
ASSETS := $(VENV)/share/solara/cdn
ASSETS_STAMP := $(ASSETS)/.installed
SOLARA_PACKAGES := @widgetti/solara-vuetify-app@10.1.1 requirejs@2.3.6 font-awesome@4.5.0 mermaid@10.8.0 katex@0.16.9 \
	vega@5 vega-lite@5 vega-embed@6 @widgetti/vue-grid-layout@2.3.13-alpha.2
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False
export SOLARA_ASSETS_PROXY := True
export SOLARA_ASSETS_CDN := http://127.0.0.1:9/npm/
CHROMIUM := /usr/bin/chromium
DASHBOARD_PORT ?= 8765

find_python = for p in $$PYTHON python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) /usr/local/bin/python3.12 /usr/bin/python3.12; do \
	if $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then echo $$p; break; fi; done

.PHONY: run test check-baseline check-levers benchmark calibrate sensitivity clean dashboard browser

run: $(STAMP)
	$(PY) run_scenarios.py

test: $(STAMP) browser
	@$(MAKE) --no-print-directory $(ASSETS_STAMP) || echo "make: the dashboard's front-end packages could not be fetched; its browser test will be skipped"
	$(PY) -m pytest -q --nbmake tests notebooks

dashboard: $(STAMP) $(ASSETS_STAMP)
	@echo "dashboard: http://127.0.0.1:$(DASHBOARD_PORT)/ (Ctrl-C stops it)"
	$(PY) -m solara run model.experiments.app --host 127.0.0.1 --port $(DASHBOARD_PORT) --production --no-open

# Debian's Chromium for the dashboard's browser test, installed where this machine allows it
# (as root with apt-get); otherwise that test is skipped and says what is missing.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian's chromium for the dashboard's browser test"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
				|| echo "make: could not install chromium; the dashboard's browser test will be skipped"; \
		else echo "make: no $(CHROMIUM) and no root to install it; the dashboard's browser test will be skipped"; fi; \
	fi

$(ASSETS_STAMP): Makefile | $(STAMP)
	@command -v npm >/dev/null || { echo "make: npm not found: needed once to fetch the dashboard's front-end packages" >&2; exit 2; }
	@mkdir -p $(ASSETS); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for spec in $(SOLARA_PACKAGES); do \
		dest="$(ASSETS)/$$spec"; [ -f "$$dest/package.json" ] && continue; \
		tgz=$$(cd "$$tmp" && npm pack "$$spec" --silent | tail -1) && mkdir -p "$$dest" \
			&& tar xzf "$$tmp/$$tgz" -C "$$dest" --strip-components=1 || exit 2; \
	done
	touch $(ASSETS_STAMP)

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
