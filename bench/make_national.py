"""Synthetic national survey: township polygons from a Voronoi partition, 12 rounds, lognormal values.

    .venv/bin/python bench/make_national.py --out /tmp/national [--townships 40000 --samples 1000000 --rounds 12]

Writes ``national.gpkg`` with two layers, in EPSG:32649 (metres):
- ``townships``: a Voronoi partition of a 2,400 km × 1,600 km rectangle (no gap, no overlap), seeds
  clustered like China's settlement pattern (dense east, sparse west); fields code, name, population;
- ``samples``: the fields of wbe:importlabresults (site_id, sample_date, round, medium, compound,
  concentration, detected, lod, raw_value, unit, lab_township, source_row), one row per sample × compound.

Values: per compound a lognormal whose log-mean is a smooth regional field (a few hot regions) + a
township effect + a common trend over the rounds; σ of the log ≈ 1.0 (wastewater concentrations spread
over about two orders of magnitude). A value below the compound's LOD is a non-detect (detected false,
concentration NULL, raw_value "<LOD"), as labs report them. Sites are placed uniformly, so every
township gets sites roughly in proportion to its area, and some townships have none in a round.

The generator uses GEOS through QGIS for the Voronoi cells and GDAL for writing (fast, in C). Same seed,
same data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

CRS = "EPSG:32649"
WIDTH, HEIGHT = 2_400_000.0, 1_600_000.0
X0, Y0 = 200_000.0, 2_300_000.0
COMPOUNDS = {  # compound: (median ng/L, LOD ng/L)
    "methamphetamine": (25.0, 0.5),
    "ketamine": (6.0, 0.5),
}


def rounds_list(n: int, first_year: int = 2022) -> list[str]:
    return [f"{first_year + q // 4}Q{q % 4 + 1}" for q in range(n)]


def seeds(n: int, rng: np.random.Generator) -> np.ndarray:
    """n seed points: 70% in Gaussian clusters (denser towards the east), 30% uniform."""
    n_cluster = int(n * 0.7)
    centres = np.column_stack([rng.beta(3.0, 1.6, 60) * WIDTH, rng.random(60) * HEIGHT])
    pick = rng.integers(0, len(centres), n_cluster)
    spread = rng.uniform(30_000, 150_000, len(centres))[pick]
    clustered = centres[pick] + rng.normal(size=(n_cluster, 2)) * spread[:, None]
    uniform = rng.random((n - n_cluster, 2)) * [WIDTH, HEIGHT]
    xy = np.vstack([clustered, uniform])
    xy[:, 0] = np.clip(xy[:, 0], 1.0, WIDTH - 1.0)
    xy[:, 1] = np.clip(xy[:, 1], 1.0, HEIGHT - 1.0)
    xy += [X0, Y0]
    # Distinct seeds only (a repeated seed would give an empty cell).
    _, first = np.unique(np.round(xy, 1), axis=0, return_index=True)
    xy = xy[np.sort(first)]
    while len(xy) < n:
        extra = rng.random((n - len(xy), 2)) * [WIDTH, HEIGHT] + [X0, Y0]
        xy = np.vstack([xy, extra])
    return xy[:n]


def voronoi_cells(xy: np.ndarray) -> list:
    """The Voronoi cells of ``xy`` clipped to the rectangle, ordered like the seeds (QgsGeometry polygons)."""
    from qgis.core import QgsGeometry, QgsPointXY, QgsRectangle

    rect = QgsRectangle(X0, Y0, X0 + WIDTH, Y0 + HEIGHT)
    frame = QgsGeometry.fromRect(rect)
    diagram = QgsGeometry.fromMultiPointXY([QgsPointXY(float(x), float(y)) for x, y in xy]).voronoiDiagram(frame)
    cells = [QgsGeometry(part.clone()) for part in diagram.constGet()]
    # GEOS returns cells in its own order: match each to the seed it contains (one seed per cell).
    from wbe_surveillance.core.pip import assign_points, parse_wkb_polygons

    clipped = [cell.intersection(frame) for cell in cells]
    rings = [parse_wkb_polygons(bytes(c.asWkb())) for c in clipped]
    owner = assign_points(xy[:, 0], xy[:, 1], rings)
    if (owner < 0).any() or len(set(owner.tolist())) != len(xy):
        raise RuntimeError("Voronoi cells do not match the seeds one to one")
    return [clipped[i] for i in owner]


def regional_field(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n_hot: int = 8) -> np.ndarray:
    """A smooth field (sum of Gaussian bumps) in log units, about 0…1.5."""
    field = np.zeros_like(x)
    for _ in range(n_hot):
        cx, cy = X0 + rng.random() * WIDTH, Y0 + rng.random() * HEIGHT
        r = rng.uniform(80_000, 300_000)
        field += rng.uniform(0.5, 1.5) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))
    return field


def sample_table(n_rows: int, n_rounds: int, township_xy: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """n_rows sample × compound rows (one row per compound per site visit), with x, y."""
    rounds = rounds_list(n_rounds)
    n_comp = len(COMPOUNDS)
    n_sites = max(1, -(-n_rows // (n_rounds * n_comp)))
    site_x = X0 + rng.random(n_sites) * WIDTH
    site_y = Y0 + rng.random(n_sites) * HEIGHT
    site_field = regional_field(site_x, site_y, np.random.default_rng(7))
    site_effect = rng.normal(0.0, 0.4, n_sites)
    visits = n_sites * n_rounds
    site = np.repeat(np.arange(n_sites), n_rounds)
    rnd = np.tile(np.arange(n_rounds), n_sites)
    frames = []
    for c, (compound, (median, lod)) in enumerate(COMPOUNDS.items()):
        trend = 0.03 * rnd * (1 if c == 0 else -1)
        log_mean = np.log(median) + site_field[site] + site_effect[site] + trend
        value = np.exp(log_mean + rng.normal(0.0, 1.0, visits))
        detected = value >= lod
        frames.append(
            pd.DataFrame(
                {
                    "site": site,
                    "rnd": rnd,
                    "compound": compound,
                    "concentration": np.where(detected, np.round(value, 3), np.nan),
                    "detected": detected,
                    "lod": lod,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).sort_values(["rnd", "site", "compound"], kind="stable").reset_index(drop=True)
    table = table.iloc[:n_rows]
    quarter_start = pd.to_datetime([f"{r[:4]}-{(int(r[5]) - 1) * 3 + 1:02d}-01" for r in rounds])
    day = pd.to_timedelta(10 + table["site"].to_numpy() % 60, unit="D")
    out = pd.DataFrame(
        {
            "site_id": np.char.add("S", table["site"].to_numpy().astype("U7")),
            "sample_date": (quarter_start[table["rnd"].to_numpy()] + day).strftime("%Y-%m-%d"),
            "round": np.array(rounds, dtype=object)[table["rnd"].to_numpy()],
            "medium": "sewage",
            "compound": table["compound"].to_numpy(),
            "concentration": table["concentration"].to_numpy(),
            "detected": table["detected"].to_numpy(),
            "lod": table["lod"].to_numpy(),
        }
    )
    out["raw_value"] = np.where(out["detected"], out["concentration"].map("{:g}".format), "<LOD")
    out["unit"] = "ng/L"
    out["lab_township"] = ""
    out["source_row"] = np.arange(len(out)) + 2
    out["x"] = site_x[table["site"].to_numpy()]
    out["y"] = site_y[table["site"].to_numpy()]
    return out


def write_gpkg(path: str, cells: list, populations: np.ndarray, samples: pd.DataFrame) -> None:
    from osgeo import gdal, ogr, osr

    gdal.UseExceptions()
    ogr.UseExceptions()
    if os.path.exists(path):
        os.remove(path)
    srs = osr.SpatialReference()
    srs.SetFromUserInput(CRS)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("townships", srs, ogr.wkbMultiPolygon, options=["SPATIAL_INDEX=YES"])
    layer.CreateField(ogr.FieldDefn("code", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    layer.CreateField(ogr.FieldDefn("population", ogr.OFTInteger))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for i, (cell, pop) in enumerate(zip(cells, populations)):
        feature = ogr.Feature(definition)
        feature.SetField(0, f"T{i:06d}")
        feature.SetField(1, f"Township {i}")
        feature.SetField(2, int(pop))
        geometry = ogr.CreateGeometryFromWkb(bytes(cell.asWkb()))
        feature.SetGeometryDirectly(ogr.ForceToMultiPolygon(geometry))
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    ds = None
    # Samples: a CSV (pandas, fast) translated by GDAL with declared field types.
    folder = tempfile.mkdtemp(prefix="national-")
    csv_path = os.path.join(folder, "samples.csv")
    samples.to_csv(csv_path, index=False, float_format="%.6f")
    with open(csv_path + "t", "w") as handle:  # .csvt: the field types
        handle.write(
            '"String","Date","String","String","String","Real","Integer(Boolean)","Real","String","String","String","Integer","Real","Real"\n'
        )
    source = gdal.OpenEx(csv_path, gdal.OF_VECTOR, open_options=["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y", "KEEP_GEOM_COLUMNS=NO"])
    gdal.VectorTranslate(
        path,
        source,
        format="GPKG",
        accessMode="update",
        layerName="samples",
        dstSRS=CRS,
        srcSRS=CRS,
        geometryType="POINT",
        options=["-lco", "SPATIAL_INDEX=YES"],
    )
    source = None
    os.remove(csv_path)
    os.remove(csv_path + "t")
    os.rmdir(folder)


def generate(out_dir: str, n_townships: int, n_samples: int, n_rounds: int, seed: int = 20240101, quiet: bool = False) -> str:
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "national.gpkg")
    start = time.perf_counter()
    xy = seeds(n_townships, rng)
    cells = voronoi_cells(xy)
    populations = np.round(rng.lognormal(np.log(25_000), 0.6, n_townships)).astype(int)
    samples = sample_table(n_samples, n_rounds, xy, rng)
    write_gpkg(path, cells, populations, samples)
    if not quiet:
        print(f"{path}: {n_townships} townships, {len(samples)} sample rows, {n_rounds} rounds in {time.perf_counter() - start:.1f} s")
    return path


def _qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "wbe-national"))
    parser.add_argument("--townships", type=int, default=40_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
    __import__("plugin_link").make_importable()
    app = _qgis()
    generate(args.out, args.townships, args.samples, args.rounds, args.seed)
    del app


if __name__ == "__main__":
    main()
