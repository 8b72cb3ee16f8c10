# wbe_surveillance: the two set-up commands for a fresh Debian 12 / Ubuntu machine are `make demo` and `make test`.
# PyQGIS imports only under Debian's /usr/bin/python3, so every recipe uses it explicitly.

SHELL := /bin/bash
PY := /usr/bin/python3
VENV := .venv
VPY := $(VENV)/bin/python
PLUGIN := wbe_surveillance
APT_PACKAGES := qgis python3-qgis qgis-providers python3-numpy python3-pandas python3-scipy \
	python3-pytest python3-venv python3-pip fonts-noto-cjk pyqt5-dev-tools qttools5-dev-tools \
	poppler-utils zip postgresql-15-postgis-3 python3-psycopg2 xvfb xdotool imagemagick bc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
QM := i18n/$(PLUGIN)_zh_CN.qm
TS := i18n/$(PLUGIN)_zh_CN.ts
# The repository root is the plugin folder; these are its Python parts (for lint and format).
CODE := __init__.py plugin.py translate.py core dialogs processing storage tests bench scripts

.PHONY: deps demo test test-core screenshots typecheck package lint format i18n ts bench clean

# Install the Debian packages only when one is missing, so a prepared machine pays nothing.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	else \
	  echo "Debian packages present."; \
	fi

# Test tools live in a venv that sees Debian's numpy/pandas/scipy; pip may never replace those.
$(VENV)/.installed: requirements-test.txt | deps
	$(PY) -m venv --system-site-packages $(VENV)
	$(PY) -c "import numpy, pandas, scipy; print(f'numpy=={numpy.__version__}\npandas=={pandas.__version__}\nscipy=={scipy.__version__}')" > $(VENV)/constraints.txt
	$(VPY) -m pip install -q --disable-pip-version-check -c $(VENV)/constraints.txt -r requirements-test.txt
	touch $@

# The .qm is committed so the zip works without Qt tools; this rebuilds it from the .ts.
$(QM): $(TS)
	lrelease -silent $(TS) -qm $(QM)

i18n: deps $(QM)

# Refresh the .ts from the sources (keeps existing translations); then fill new entries and `make i18n`.
ts: deps
	$(PY) scripts/update_ts.py

demo: deps
	bash scripts/run_demo.sh

test: deps $(VENV)/.installed $(QM)
	# -P: the root (the plugin folder) must not be on sys.path, or its `processing` hides QGIS's own.
	QT_QPA_PLATFORM=offscreen $(VPY) -P -m pytest -p no:cacheprovider tests

# The QGIS-free tests (marked `core` by tests/conftest.py from their imports and fixtures), without starting QGIS.
test-core: $(VENV)/.installed
	$(VPY) -P -m pytest -p no:cacheprovider -p no:pytest_qgis --core -q tests

# mypy over core/, imported as wbe_surveillance.core from the link folder; settings in pyproject.toml [tool.mypy].
typecheck: $(VENV)/.installed
	cd "$$($(PY) scripts/plugin_link.py)" && "$(CURDIR)/$(VENV)/bin/mypy" --config-file "$(CURDIR)/pyproject.toml" -p $(PLUGIN).core

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)

format: $(VENV)/.installed
	$(VENV)/bin/ruff format $(CODE)
	$(VENV)/bin/ruff check --fix $(CODE)

package: $(QM)
	rm -f dist/$(PLUGIN).zip
	$(PY) scripts/plugin_link.py package dist/$(PLUGIN).zip

# The README's pictures, drawn on purpose from the real QGIS desktop under Xvfb by scripts/screenshots.py (English and
# Chinese: the menu dialog, the desktop after a survey, the toolbox, the modeler, the map, a report page). Tests draw none.
screenshots: deps $(QM)
	$(PY) scripts/screenshots.py docs/screenshots
	git status --short docs/screenshots

bench: deps $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(VPY) bench/bench_demo.py

clean:
	rm -rf $(VENV) dist demo-output .pytest_cache

# --- QGIS versions (issue 15) ----------------------------------------------------------------------------
.PHONY: test-versions chroots qt6-check qt6-rewrite bench-versions

# QGIS 3.40 (Debian trixie) and 3.44 (sid) in debootstrap chroots cached in /var/cache/wbe-chroots (root only);
# runs the stated subset in each and the no-pandas case (scripts/test_versions.sh says what and why).
test-versions: $(QM)
	bash scripts/test_versions.sh

chroots:
	bash scripts/chroot.sh build trixie & bash scripts/chroot.sh build sid & wait

# Qt6 / QGIS 4: list what is left to rewrite (exit 1 if anything), or rewrite it.
qt6-check:
	QT_QPA_PLATFORM=offscreen $(PY) scripts/qt6_rewrite.py --check

qt6-rewrite:
	QT_QPA_PLATFORM=offscreen $(PY) scripts/qt6_rewrite.py

# bench/bench_demo.py on QGIS 3.40 (trixie chroot).
bench-versions:
	bash scripts/chroot.sh build trixie
	bash scripts/chroot.sh run trixie bash -c "cd /repo && python bench/bench_demo.py"
