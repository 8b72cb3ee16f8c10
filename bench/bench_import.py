"""Bench: importing 1,000,000 long-format lab rows, against plain pandas.read_csv of the same file.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_import.py [--rows 1000000] [--repeats 3]

Each measurement runs in its own child process, so its peak memory (ru_maxrss) is its own:
- peer: ``pandas.read_csv(path)`` with default options (type inference, no validation);
- core: the import's read (table_reader.read_table) + core/labtable.import_table (every parser,
  validation, datum conversion, duplicates) — the part the issue's 200,000 rows/s target is about;
- end to end: ``processing.run("wbe:importlabresults")`` writing the points to a GeoPackage (the common case,
  filled in bulk by processing/bulk_writer.py) and to a memory layer (QGIS's features);
- for reference, one run of the GeoPackage written the old way, through QGIS's feature sink
  (``BULK_GEOPACKAGE = False``; skip it with ``--no-sink``).
The issue's target (200,000 rows/s, peak < 2 GB) is for the end-to-end GeoPackage run.
The file imitates a county lab sheet: UTF-8, Chinese headers, 1,000 sites, 12 compounds, weekly dates (every key unique),
about 8% non-detects in three spellings and 0.1% bad cells.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_file(path: str, rows: int, seed: int = 7) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_sites = 1000
    sites = np.array([f"S{i:04d}" for i in range(n_sites)])
    lon = 113.5 + rng.random(n_sites) * 0.8
    lat = 22.8 + rng.random(n_sites) * 0.6
    compounds = np.array(
        ["甲基苯丙胺", "苯丙胺", "氯胺酮", "去甲氯胺酮", "MDMA", "吗啡", "可待因", "6-MAM", "BE", "可卡因", "美沙酮", "可替宁"]
    )
    n_dates = -(-rows // (n_sites * len(compounds)))
    dates = pd.date_range("2023-01-05", periods=n_dates, freq="7D").strftime("%Y-%m-%d").to_numpy()
    # Row i: compound i mod 12 of sample i div 12; samples run through sites, then dates: every key unique.
    sample = np.arange(rows) // len(compounds)
    site_idx = sample % n_sites
    date_idx = sample // n_sites
    values = np.round(rng.lognormal(2.0, 1.2, rows), 3).astype(str)
    nd = rng.random(rows)
    values = np.where(nd < 0.03, "<LOD", np.where(nd < 0.06, "未检出", np.where(nd < 0.08, "<0.5", values)))
    values = np.where(rng.random(rows) < 0.001, "待测", values)
    frame = pd.DataFrame(
        {
            "采样点": sites[site_idx],
            "经度": np.round(lon[site_idx], 6),
            "纬度": np.round(lat[site_idx], 6),
            "采样日期": dates[date_idx],
            "样品类型": "污水",
            "目标物": compounds[np.arange(rows) % len(compounds)],
            "浓度": values,
            "单位": np.where(rng.random(rows) < 0.5, "ng/L", "μg/L"),
            "检出限": "0.5",
        }
    )
    frame.to_csv(path, index=False, encoding="utf-8")


def _child(stage: str, path: str) -> dict:
    if stage == "pandas":
        import pandas as pd

        start = time.perf_counter()
        frame = pd.read_csv(path)
        elapsed = time.perf_counter() - start
        rows = len(frame)
        extra = {}
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        sys.path.insert(0, os.path.join(REPO, "scripts"))
        __import__("plugin_link").make_importable()
        from qgis.core import QgsApplication

        app = QgsApplication([], False)
        app.initQgis()
        if stage == "core":
            from wbe_surveillance.core.compounds import CompoundTable
            from wbe_surveillance.core.labtable import import_table
            from wbe_surveillance.processing.io.table_reader import read_table

            start = time.perf_counter()
            header, frame, _described = read_table(path)
            read_done = time.perf_counter()
            result = import_table(header, frame, CompoundTable.load())
            elapsed = time.perf_counter() - start
            rows = result.rows_read
            extra = {"read_s": read_done - start, "imported": len(result.samples), "rejected": len(result.rejected)}
        else:
            sys.path.append("/usr/share/qgis/python/plugins")
            from processing.core.Processing import Processing

            Processing.initialize()
            import processing
            import wbe_surveillance

            plugin = wbe_surveillance.classFactory(None)
            plugin.initProcessing()
            with tempfile.TemporaryDirectory() as tmp:
                if stage == "sink":
                    from wbe_surveillance.processing.algorithms import importlabresults as import_lab_results

                    import_lab_results.BULK_GEOPACKAGE = False
                output = "memory:" if stage == "memory" else os.path.join(tmp, "samples.gpkg")
                start = time.perf_counter()
                result = processing.run("wbe:importlabresults", {"INPUT": path, "OUTPUT": output, "REJECTED": "memory:"})
                elapsed = time.perf_counter() - start
                rows = result["ROWS_READ"]
                extra = {"imported": result["ROWS_IMPORTED"], "rejected": result["ROWS_REJECTED"]}
                if stage != "memory":  # the file holds every imported row (checked after the clock stops)
                    import sqlite3

                    with sqlite3.connect(output) as con:
                        (table,) = con.execute("SELECT table_name FROM gpkg_contents").fetchone()
                        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == result["ROWS_IMPORTED"]
                del result
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"stage": stage, "seconds": elapsed, "rows": rows, "peak_mb": peak_mb, **extra}


def measure(stage: str, path: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", stage, "--file", path], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-sink", action="store_true", help="skip the reference run through QGIS's GeoPackage sink")
    parser.add_argument("--child")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.file)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lab.csv")
        make_file(path, args.rows)
        print(f"file: {args.rows:,} rows, {os.path.getsize(path) / 1e6:.0f} MB")
        results: dict[str, list[dict]] = {}
        for _ in range(args.repeats):
            for stage in ("pandas", "core", "gpkg", "memory"):
                results.setdefault(stage, []).append(measure(stage, path))
        if not args.no_sink:
            results["sink"] = [measure("sink", path)]
        summary = {}
        for stage, runs in results.items():
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            rate = runs[0]["rows"] / seconds
            summary[stage] = rate
            extra = ""
            if "imported" in runs[0]:
                extra = f"  imported {runs[0]['imported']:,}, rejected {runs[0]['rejected']:,}"
            if "read_s" in runs[0]:
                extra += f"  (reading {statistics.median(r['read_s'] for r in runs):.2f} s)"
            print(f"{stage:>7}: median {seconds:6.2f} s over {len(runs)} run(s)  {rate:>10,.0f} rows/s  peak {peak:,.0f} MB{extra}")
        print(f"core import / pandas.read_csv speed ratio: {summary['core'] / summary['pandas']:.2f}")
        print(f"end to end (memory) / pandas.read_csv: {summary['memory'] / summary['pandas']:.2f}")
        print(f"end to end (GeoPackage) / pandas.read_csv: {summary['gpkg'] / summary['pandas']:.2f}")
        if "sink" in summary:
            print(f"GeoPackage in bulk / through QGIS's sink: {summary['gpkg'] / summary['sink']:.2f}")
        print("target: end to end (GeoPackage) ≥ 200,000 rows/s, peak < 2,048 MB")


if __name__ == "__main__":
    main()
