"""Township join: PostGIS (ST_Contains over a GiST index, aggregated in SQL) vs the in-memory path, and
qgis:joinbylocationsummary as QGIS's own peer, measured in the same run.

    .venv/bin/python bench/bench_postgis_join.py [--townships 10000 --samples 200000] [--repeats 3] [--no-peer]

The data come from bench/make_national.py (Voronoi townships, lognormal samples, 12 rounds). The job:
for one compound, per township × round, n_samples, n_detected, mean, median and max, non-detects at LOD/2.

Paths measured:
1. in memory, arrays: core.pip.assign_points + core.aggregate.township_round_stats (data already read);
2. in memory, end to end: wbe:aggregatebytownship on the GeoPackage layers (reading, joining, writing a
   memory layer); 2b. the same writing a GeoPackage file (bulk-filled by processing/bulk_writer.py);
3. wbe:aggregatebytownship reading the same layers from PostGIS;
4. PostGIS pushdown: one SQL statement (ST_Contains with the GiST index, GROUP BY township, round), the
   results fetched into Python;
5. qgis:joinbylocationsummary (count, max, mean, median of concentration per township, all rounds at once:
   less than our job, which splits by round and writes one feature per township × round), once;
6. qgis:joinbylocationsummary doing our job: once per round (a subset per round; QGIS has no group-by), once.
   It still reads concentration as stored (no LOD/2 for non-detects), so it does slightly less than ours.

Path 2 reads a GeoPackage samples layer in columns through GDAL's Arrow stream (processing/fast_read.py);
the QGIS feature path is used for selections, filters, subsets and databases.
Peak memory is this process's peak RSS per step; the PostgreSQL server's own memory is not included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from national_common import TestServer, measure, start_qgis

PUSHDOWN_SQL = """
SELECT t.fid, s.round, count(*) AS n_samples, count(*) FILTER (WHERE s.detected) AS n_detected,
       avg(v.v) AS mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY v.v) AS median, max(v.v) AS max
FROM bench.samples s
JOIN bench.townships t ON ST_Contains(t.geom, s.geom)
CROSS JOIN LATERAL (SELECT CASE WHEN s.detected THEN s.concentration ELSE s.lod / 2 END AS v) v
WHERE s.compound = %s AND s.medium IN ('sewage', 'influent', 'effluent', 'surface_water')
GROUP BY t.fid, s.round
"""


def load_into_postgis(server: TestServer, gpkg: str) -> float:
    import psycopg2
    from osgeo import gdal

    gdal.UseExceptions()
    conn = psycopg2.connect(server.dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis; DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench")
    start = time.perf_counter()
    gdal.SetConfigOption("PG_USE_COPY", "YES")
    pg = "PG:" + server.dsn()
    for layer in ("townships", "samples"):
        gdal.VectorTranslate(
            pg,
            gpkg,
            format="PostgreSQL",
            layers=[layer],
            layerName=f"bench.{layer}",
            options=["-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST"],
        )
    with conn.cursor() as cur:
        cur.execute("CREATE INDEX ON bench.samples (compound); ANALYZE bench.townships; ANALYZE bench.samples")
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="PostGIS vs in-memory township join")
    parser.add_argument("--townships", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="", help="an existing national.gpkg to reuse")
    parser.add_argument("--no-peer", action="store_true", help="skip qgis:joinbylocationsummary (about 2 minutes at 10,000 × 200,000)")
    args = parser.parse_args()

    app, plugin = start_qgis()
    import psycopg2
    from make_national import generate
    from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer

    import processing
    from wbe_surveillance.core.aggregate import township_round_stats
    from wbe_surveillance.core.pip import assign_points
    from wbe_surveillance.processing.spatial import polygon_rings

    gpkg = args.data or generate(tempfile.mkdtemp(prefix="wbe-join-"), args.townships, args.samples, args.rounds)
    townships_uri = gpkg + "|layername=townships"
    samples_uri = gpkg + "|layername=samples"
    compound = "methamphetamine"
    print(f"Township join, {args.townships} townships × {args.samples} sample rows ({compound}: about half), {args.rounds} rounds")

    def run(alg, params):
        return processing.run(alg, params, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())

    # Arrays for path 1, read once outside the timing.
    towns = QgsVectorLayer(townships_uri, "t", "ogr")
    rings = [polygon_rings(f.geometry()) for f in towns.getFeatures()]
    samples = QgsVectorLayer(samples_uri, "s", "ogr")
    request = QgsFeatureRequest().setFilterExpression(f"\"compound\" = '{compound}'")
    px, py, rounds, values, detected = [], [], [], [], []
    for f in samples.getFeatures(request):
        p = f.geometry().asPoint()
        px.append(p.x())
        py.append(p.y())
        rounds.append(f["round"])
        d = bool(f["detected"])
        detected.append(d)
        values.append(float(f["concentration"]) if d else float(f["lod"]) / 2)
    px, py, values, detected = np.array(px), np.array(py), np.array(values), np.array(detected)
    rounds = np.array(rounds, dtype=object)
    n_towns = len(rings)
    del towns, samples

    def in_memory_arrays():
        index = assign_points(px, py, rings)
        return township_round_stats(index, rounds, values, detected, n_towns)

    params = {"TOWNSHIP_FIELD": "code", "COMPOUND": compound, "OUTPUT": "memory:", "UNMATCHED": "memory:"}
    results = {}
    results["arrays"] = measure("1. in memory, arrays (assign_points + stats)", in_memory_arrays, args.repeats)
    results["alg_gpkg"] = measure(
        "2. wbe:aggregatebytownship, GeoPackage layers",
        lambda: run("wbe:aggregatebytownship", {**params, "SAMPLES": samples_uri, "TOWNSHIPS": townships_uri}),
        args.repeats,
    )
    # 2b. The same, written to a GeoPackage file: filled in one SQLite transaction with a packed R*Tree
    # (processing/bulk_writer.py), where a memory layer is built feature by feature through QGIS.
    out_dir = tempfile.mkdtemp(prefix="wbe-join-out-")
    written = [0]

    def alg_to_file():
        written[0] += 1
        out = os.path.join(out_dir, f"stats{written[0]}.gpkg")
        return run("wbe:aggregatebytownship", {**params, "SAMPLES": samples_uri, "TOWNSHIPS": townships_uri, "OUTPUT": out})

    results["alg_file"] = measure("2b. wbe:aggregatebytownship, GeoPackage layers → GeoPackage file", alg_to_file, args.repeats)
    shutil.rmtree(out_dir, ignore_errors=True)
    reference = results["arrays"][2]

    with TestServer() as server:
        load = load_into_postgis(server, gpkg)
        print(f"  (loading both layers into PostGIS with GiST indexes: {load:.1f} s, not counted)")
        base = (
            f"dbname='{server.info['WBE_PG_DB']}' host={server.info['WBE_PG_HOST']} port={server.info['WBE_PG_PORT']} "
            f"user='{server.info['WBE_PG_USER']}' sslmode=disable key='fid'"
        )
        pg_towns = f'{base} srid=32649 type=MultiPolygon table="bench"."townships" (geom)'
        pg_samples = f'{base} srid=32649 type=Point table="bench"."samples" (geom)'

        def alg_postgis():
            t = QgsVectorLayer(pg_towns, "t", "postgres")
            s = QgsVectorLayer(pg_samples, "s", "postgres")
            out = run("wbe:aggregatebytownship", {**params, "SAMPLES": s, "TOWNSHIPS": t})
            del t, s
            return out

        results["alg_pg"] = measure("3. wbe:aggregatebytownship, PostGIS layers", alg_postgis, args.repeats)
        conn = psycopg2.connect(server.dsn())

        def pushdown():
            with conn.cursor() as cur:
                cur.execute(PUSHDOWN_SQL, (compound,))
                rows = cur.fetchall()
            conn.rollback()
            return rows

        results["sql"] = measure("4. PostGIS pushdown (ST_Contains + GiST, GROUP BY in SQL)", pushdown, args.repeats)
        rows = results["sql"][2]
        conn.close()

    # The two paths agree: same counts and means per township × round (fid = index + 1).
    ref = reference[reference["n_samples"] > 0]
    got = {(int(r[0]) - 1, r[1]): (int(r[2]), int(r[3]), float(r[4]), float(r[5]), float(r[6])) for r in rows}
    want = {
        (int(r.t), r.round): (int(r.n_samples), int(r.n_detected), float(r.mean), float(r.median), float(r.max))
        for r in ref.itertuples(index=False)
    }
    same_keys = got.keys() == want.keys()
    worst = max((max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got[k][2:], want[k][2:])) for k in want if k in got), default=0.0)
    counts_equal = all(got[k][:2] == want[k][:2] for k in want if k in got)
    print(f"  agreement: same township × round cells {same_keys}, counts equal {counts_equal}, worst relative difference {worst:.1e}")

    if not args.no_peer:
        results["peer"] = measure(
            "5. qgis:joinbylocationsummary (all rounds together), once",
            lambda: run(
                "qgis:joinbylocationsummary",
                {
                    "INPUT": townships_uri,
                    "JOIN": samples_uri + f"|subset=\"compound\" = '{compound}'",
                    "PREDICATE": [1],  # contains
                    "JOIN_FIELDS": ["concentration"],
                    "SUMMARIES": [0, 3, 6, 7],  # count, max, mean, median
                    "DISCARD_NONMATCHING": False,
                    "OUTPUT": "memory:",
                },
            ),
            1,
        )

        # The same job as ours: one run per round (QGIS has no group-by), values with non-detects at LOD/2
        # (an expression field in the subset layer is not possible, so the concentration field as stored).
        rounds_present = sorted(set(rounds.tolist()))

        def peer_per_round():
            for r in rounds_present:
                run(
                    "qgis:joinbylocationsummary",
                    {
                        "INPUT": townships_uri,
                        "JOIN": samples_uri + f"|subset=\"compound\" = '{compound}' AND \"round\" = '{r}'",
                        "PREDICATE": [1],
                        "JOIN_FIELDS": ["concentration"],
                        "SUMMARIES": [0, 3, 6, 7],
                        "DISCARD_NONMATCHING": False,
                        "OUTPUT": "memory:",
                    },
                )

        results["peer_rounds"] = measure(f"6. qgis:joinbylocationsummary once per round ({len(rounds_present)} runs)", peer_per_round, 1)

    print("Ratios (time of the slower ÷ time of the faster):")
    sql, arrays, alg, alg_pg = results["sql"][0], results["arrays"][0], results["alg_gpkg"][0], results["alg_pg"][0]
    print(f"  PostGIS pushdown vs in-memory arrays: {sql / arrays:.2f} (>1: in memory is faster)")
    print(f"  PostGIS pushdown vs wbe:aggregatebytownship on PostGIS layers: {alg_pg / sql:.2f} (>1: pushdown is faster)")
    print(f"  wbe:aggregatebytownship GeoPackage vs PostGIS layers: {alg_pg / alg:.2f} (>1: GeoPackage is faster)")
    if "peer" in results:
        peer = results["peer"][0]
        print(f"  qgis:joinbylocationsummary (all rounds at once) ÷ wbe:aggregatebytownship (GeoPackage): {peer / alg:.1f}× (target 20×)")
        per_round = results["peer_rounds"][0]
        print(f"  qgis:joinbylocationsummary once per round (the same job) ÷ wbe:aggregatebytownship (GeoPackage): {per_round / alg:.1f}×")
        alg_file = results["alg_file"][0]
        print(
            f"  qgis:joinbylocationsummary once per round (the same job, memory output) ÷ wbe:aggregatebytownship "
            f"(GeoPackage → GeoPackage file): {per_round / alg_file:.1f}× (target 20×)"
        )
    del app, plugin


if __name__ == "__main__":
    main()
