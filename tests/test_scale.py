"""The synthetic national dataset (bench/make_national.py) at a small size: a true partition, the samples
the import would write, and values of the documented distribution. (Speed at 40,000 townships lives in
bench/bench_national.py, not here.)

References: GEOS (QGIS geometry) areas, unions and validity; the generator's own documented parameters.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from conftest import REPO

from wbe_surveillance.storage.postgis import COLUMNS


def _generator():
    spec = importlib.util.spec_from_file_location("make_national", REPO / "bench" / "make_national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def national(tmp_path_factory, qgis_app):
    gen = _generator()
    path = gen.generate(str(tmp_path_factory.mktemp("national")), 600, 14_400, 12, seed=11, quiet=True)
    return gen, path


def test_townships_are_a_voronoi_partition_of_the_rectangle(national):
    from qgis.core import QgsGeometry, QgsVectorLayer

    gen, path = national
    layer = QgsVectorLayer(path + "|layername=townships", "t", "ogr")
    assert layer.featureCount() == 600
    assert layer.crs().authid() == gen.CRS
    geometries = [f.geometry() for f in layer.getFeatures()]
    assert all(g.isGeosValid() and not g.isEmpty() for g in geometries)
    total = sum(g.area() for g in geometries)
    rectangle = gen.WIDTH * gen.HEIGHT
    assert total == pytest.approx(rectangle, rel=1e-9)  # no gap, no overlap (with the union below)
    union = QgsGeometry.unaryUnion(geometries)
    assert union.area() == pytest.approx(rectangle, rel=1e-9)
    codes = [f["code"] for f in layer.getFeatures()]
    assert len(set(codes)) == 600
    # Voronoi: each cell holds its own seed and is nearer to it than to any other seed.
    rng = np.random.default_rng(11)
    seeds = gen.seeds(600, rng)
    for i in (0, 299, 599):
        centroid = geometries[i].centroid().asPoint()
        d = np.hypot(seeds[:, 0] - centroid.x(), seeds[:, 1] - centroid.y())
        assert int(np.argmin(d)) == i
    del layer


def test_samples_have_the_import_fields_rounds_and_values(national):
    from qgis.core import QgsVectorLayer

    gen, path = national
    layer = QgsVectorLayer(path + "|layername=samples", "s", "ogr")
    names = [f.name() for f in layer.fields()]
    # Every field the survey store takes from an import (storage/postgis.py's COLUMNS, the import's order).
    assert [field for field in names if field in COLUMNS] == list(COLUMNS)
    assert layer.featureCount() == 14_400
    rows = [
        (f["round"], f["compound"], f["concentration"], f["detected"], f["lod"], f["raw_value"], f.geometry()) for f in layer.getFeatures()
    ]
    rounds = sorted({r[0] for r in rows})
    assert rounds == gen.rounds_list(12) == sorted(gen.rounds_list(12))
    assert rounds[0] == "2022Q1" and rounds[-1] == "2024Q4"
    assert all(r[6] is not None and not r[6].isEmpty() for r in rows)
    nd = [r for r in rows if not r[3]]
    assert nd and all((r[2] is None or r[2] != r[2] or (hasattr(r[2], "isNull") and r[2].isNull())) and r[5] == "<LOD" for r in nd)
    for compound, (median, lod) in gen.COMPOUNDS.items():
        values = np.array([float(r[2]) for r in rows if r[1] == compound and r[3]])
        assert (values >= lod).all()
        logs = np.log(values)
        # Log-mean ≈ ln(median) + the regional field's mean; the log spread ≈ √(1 + 0.4² + var(field)).
        assert 0.9 < logs.std() < 1.5
        assert math.log(median) - 0.2 < np.median(logs) < math.log(median) + 1.2
    del layer
