#!/usr/bin/env bash
# `make test-versions`: the plugin's tests on QGIS 3.40 (Debian trixie) and 3.44 (Debian sid), each in a
# debootstrap chroot cached under /var/cache/wbe-chroots (scripts/chroot.sh), then the no-pandas case on 3.40.
#
# The subset (VERSION_TESTS) covers every algorithm, the provider and its registration, both shipped models,
# the main job through qgis_process (surveymap, exportmap, classifyseverity, importlabresults), the
# compatibility module and the Qt6 checks. Left out, with the reason:
#   test_hotspots_*, test_emerging, test_weights, test_interpolate*  the PyPI esda/libpysal/pykrige references
#                                    are not pinned for Python 3.13 and the permutation tests run for minutes;
#                                    hotspots, emerginghotspots, interpolate and surfacebytownship still run
#                                    through test_plugin (registration) and test_versions;
#   test_postgis, test_import_store_postgis  need a PostgreSQL server (make test starts one on 3.22);
#   test_i18n*, test_dialog, test_*bulk, test_fast_read, hypothesis property tests  version-independent or
#                                    desktop-only, covered by `make test` on 3.22.
set -uo pipefail
cd "$(dirname "$0")/.."

SUITES="${WBE_SUITES:-trixie sid}"
VERSION_TESTS="${VERSION_TESTS:-tests/test_versions.py tests/test_qt6_ready.py tests/test_plugin.py tests/test_models.py \
tests/test_qgis_process.py tests/test_import_algorithm.py tests/test_aggregate.py tests/test_classify.py tests/test_survey.py \
tests/test_report.py tests/test_backcalc.py tests/test_backcalc_summary.py tests/test_comparecases.py tests/test_trend.py \
tests/test_searchzones.py tests/test_tracesource.py tests/test_charts.py tests/test_signals.py tests/test_store.py \
tests/test_surface_by_township.py}"
PYTEST="python -P -m pytest -p no:cacheprovider -q -o qgis_gui_enabled=false"

t0=$(date +%s)
# Build the chroots in parallel (mostly download and unpack); a built one costs nothing.
pids=()
for suite in $SUITES; do
  bash scripts/chroot.sh build "$suite" >"/tmp/wbe-chroot-build-$suite.log" 2>&1 &
  pids+=($!)
done
i=0
for suite in $SUITES; do
  if ! wait "${pids[$i]}"; then
    echo "chroot $suite: build failed:"
    tail -n 30 "/tmp/wbe-chroot-build-$suite.log"
    exit 1
  fi
  tail -n 2 "/tmp/wbe-chroot-build-$suite.log"
  i=$((i + 1))
done
echo "chroots ready after $(($(date +%s) - t0)) s"

status=0
for suite in $SUITES; do
  t1=$(date +%s)
  version=$(chroot "$(bash scripts/chroot.sh path "$suite")" dpkg-query -W -f='${Version}' qgis)
  echo "=== QGIS $version ($suite): $VERSION_TESTS"
  # shellcheck disable=SC2086
  bash scripts/chroot.sh run "$suite" bash -c "cd /repo && $PYTEST $VERSION_TESTS" || status=1
  echo "=== QGIS $version ($suite): $(($(date +%s) - t1)) s"
done

first=${SUITES%% *}
echo "=== QGIS without pandas ($first, pandas hidden)"
bash scripts/chroot.sh run-nopandas "$first" bash -c \
  "cd /repo && WBE_REAL_NO_PANDAS=1 $PYTEST tests/test_versions.py -k without_pandas" || status=1
echo "test-versions: $(($(date +%s) - t0)) s in all, exit $status"
exit $status
