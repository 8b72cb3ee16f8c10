"""The demo survey through qgis_process, QGIS start-up included, against the hand-chained core tools.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_demo.py [repeats]

Ours: one `wbe:surveymap` run (import → join → classify → styled GeoPackage + PDF map).
Peer, measured in the same run: what an analyst chains by hand with QGIS's core algorithms to reach the
township table — points from the CSV, text concentrations to numbers, the compound and round picked out,
the township join summary, and a severity field from fixed breaks — each a qgis_process call, without
the map (so the peer does less than ours). Prints the median wall time of each, the ratio and the peak
resident memory of the child processes.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from plugin_link import plugins_folder  # noqa: E402

DEMO = REPO / "resources" / "demo"
QP = "/usr/bin/qgis_process.bin"


def environment(profile: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins_folder()), QGIS_CUSTOM_CONFIG_PATH=profile)
    subprocess.run([QP, "plugins", "enable", "wbe_surveillance"], env=env, capture_output=True, check=True)
    return env


def run(env: dict, *args: str) -> None:
    done = subprocess.run([QP, "run", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}")


def ours(env: dict, out: Path) -> None:
    run(
        env,
        "wbe:surveymap",
        "--",
        f"LAB_RESULTS={DEMO / 'lab_results_2024.csv'}",
        f"TOWNSHIPS={DEMO / 'townships.gpkg'}|layername=townships",
        "TOWNSHIP_FIELD=name",
        "ROUND=2024Q4",
        f"OUTPUT={out / 'severity.gpkg'}",
        f"MAP={out / 'map.pdf'}",
    )


def peer(env: dict, out: Path) -> None:
    points = out / "points.gpkg"
    run(
        env,
        "native:createpointslayerfromtable",
        "--",
        f"INPUT={DEMO / 'lab_results_2024.csv'}",
        "XFIELD=经度",
        "YFIELD=纬度",
        "TARGET_CRS=EPSG:4326",
        f"OUTPUT={points}",
    )
    numeric = out / "numeric.gpkg"
    run(
        env,
        "native:fieldcalculator",
        "--",
        f"INPUT={points}",
        "FIELD_NAME=value",
        "FIELD_TYPE=0",
        'FORMULA=CASE WHEN regexp_match("浓度", \'^[0-9.]+$\') THEN to_real("浓度") END',
        f"OUTPUT={numeric}",
    )
    picked = out / "picked.gpkg"
    run(
        env,
        "native:extractbyexpression",
        "--",
        f"INPUT={numeric}",
        "EXPRESSION=\"目标物\" = '甲基苯丙胺' AND \"采样日期\" >= '2024-10-01'",
        f"OUTPUT={picked}",
    )
    joined = out / "joined.gpkg"
    run(
        env,
        "qgis:joinbylocationsummary",
        "--",
        f"INPUT={DEMO / 'townships.gpkg'}|layername=townships",
        f"JOIN={picked}",
        "PREDICATE=0",
        "JOIN_FIELDS=value",
        "SUMMARIES=6",
        f"OUTPUT={joined}",
    )
    run(
        env,
        "native:fieldcalculator",
        "--",
        f"INPUT={joined}",
        "FIELD_NAME=severity",
        "FIELD_TYPE=1",
        'FORMULA=CASE WHEN "value_mean" <= 50 THEN 1 WHEN "value_mean" <= 200 THEN 2 ELSE 3 END',
        f"OUTPUT={out / 'severity.gpkg'}",
    )


def timed(function, env: dict, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            function(env, Path(folder))
            times.append(time.perf_counter() - start)
    return times


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as profile:
        env = environment(profile)
        ours(env, Path(profile))  # warm the disk cache once for both
        our_times = timed(ours, env, repeats)
        peer_times = timed(peer, env, repeats)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    ours_median = statistics.median(our_times)
    peer_median = statistics.median(peer_times)
    print(f"demo survey, {repeats} repeats, qgis_process wall time incl. QGIS start-up")
    print(f"  ours  wbe:surveymap (+PDF map)         median {ours_median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in our_times)})")
    print(f"  peer  5 chained core algorithms (no map) median {peer_median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in peer_times)})")
    print(f"  ratio peer/ours {peer_median / ours_median:.2f}x; peak child RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
