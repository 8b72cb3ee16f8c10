#!/usr/bin/env bash
# The main job on the bundled demo data, through qgis_process: lab table + townships → styled severity
# GeoPackage + PDF and PNG maps under demo-output/.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${DEMO_OUTPUT:-$repo/demo-output}"
mkdir -p "$out"
source "$repo/scripts/qgis_env.sh"

demo="$repo/resources/demo"
rm -f "$out/severity.gpkg"
start=$(date +%s.%N)
qgis_process_wbe run wbe:surveymap -- \
  LAB_RESULTS="$demo/lab_results_2024.csv" \
  TOWNSHIPS="$demo/townships.gpkg|layername=townships" \
  TOWNSHIP_FIELD=name \
  COMPOUND=methamphetamine \
  METHOD=0 \
  OUTPUT="$out/severity.gpkg" \
  MAP="$out/severity_map.pdf" \
  REJECTED="$out/rejected_rows.csv" \
  UNMATCHED="$out/unmatched_samples.gpkg"
qgis_process_wbe run wbe:exportmap -- \
  INPUT="$out/severity.gpkg" \
  LABEL_FIELD=name \
  OUTPUT="$out/severity_map.png" >/dev/null
end=$(date +%s.%N)
echo
echo "Demo written to $out:"
ls -1 "$out"
printf 'Wall time (two qgis_process runs, QGIS start-up included): %.1f s\n' "$(echo "$end - $start" | bc)"
