"""The survey store: core/store.py's merge rules and the GeoPackage backend (processing/store_gpkg.py).

References: frames written by hand, and the GeoPackage read back through OGR and QGIS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from osgeo import ogr, osr

from wbe_surveillance.core import store as core_store
from wbe_surveillance.storage.gpkg import GeoPackageStore, StoreError


def samples(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "site_id": ["A", "A", "B"],
            "sample_date": ["2024-03-05", "2024-03-05", ""],
            "round": ["2024Q1", "2024Q1", "2024Q2"],
            "medium": ["sewage", "sewage", "soil"],
            "compound": ["methamphetamine", "ketamine", "MDMA"],
            "concentration": [12.5, np.nan, 3.0],
            "detected": [True, False, True],
            "lod": [0.5, 0.3, np.nan],
            "raw_value": ["12.5", "ND", "3"],
            "unit": ["ng/L", "ng/L", "ng/g"],
            "lab_township": ["城关镇", "", ""],
            "source_row": [2, 3, 4],
            "x": [113.9, 113.9, 113.8],
            "y": [23.2, 23.2, 23.1],
        }
    )
    for column, (index, value) in changes.items():
        frame.loc[index, column] = value
    return frame


class MemoryStore(core_store.SurveyStore):
    """A plain in-memory backend: the interface is small enough for a test double to implement in full."""

    def __init__(self):
        self.frame = pd.DataFrame(columns=[*core_store.KEY, *core_store.VALUE])
        self.records: list[tuple[int, int, int, int]] = []  # (offered, added, unchanged, changed) per import

    def rounds(self):
        return sorted(set(self.frame["round"]))

    def fetch(self, rounds):
        return self.frame[self.frame["round"].isin(list(rounds))]

    def insert(self, new, record):
        self.frame = pd.concat([self.frame, new[[*core_store.KEY, *core_store.VALUE]]], ignore_index=True)
        self.records.append((record.offered, len(new), record.unchanged, record.changed))
        return len(new)


def test_plan_against_empty_store():
    plan = core_store.plan_append(pd.DataFrame(), samples())
    assert len(plan.new) == 3 and plan.unchanged == 0 and plan.changed.empty


def test_append_twice_adds_nothing_and_changes_are_reported_not_written():
    store = MemoryStore()
    first = core_store.append(store, samples())
    assert (first.added, first.unchanged, len(first.changed)) == (3, 0, 0)
    again = core_store.append(store, samples())
    assert (again.added, again.unchanged, len(again.changed)) == (0, 3, 0)
    edited = samples(concentration=(0, 13.0), raw_value=(0, "13.0"))
    third = core_store.append(store, edited)
    assert (third.added, third.unchanged, len(third.changed)) == (0, 2, 1)
    row = third.changed.iloc[0]
    assert (row["site_id"], row["compound"], row["stored_concentration"], row["new_concentration"]) == ("A", "methamphetamine", 12.5, 13.0)
    assert store.frame["concentration"].iloc[0] == 12.5  # not overwritten
    assert store.rounds() == ["2024Q1", "2024Q2"]
    # Every import is recorded, also the second and third, which added nothing (issue 14).
    assert store.records == [(3, 3, 0, 0), (3, 0, 3, 0), (3, 0, 2, 1)]


def test_non_detect_becoming_detect_is_a_change_and_float_noise_is_not():
    stored = samples()
    plan = core_store.plan_append(stored, samples(detected=(1, True), concentration=(1, 0.4), raw_value=(1, "0.4")))
    assert len(plan.changed) == 1 and plan.changed.iloc[0]["compound"] == "ketamine"
    noisy = samples(concentration=(0, 12.5 * (1 + 1e-12)))
    assert core_store.plan_append(stored, noisy).unchanged == 3


def test_a_new_date_or_medium_is_a_new_sample():
    plan = core_store.plan_append(samples(), samples(sample_date=(0, "2024-03-06"), medium=(2, "sediment")))
    assert sorted(plan.new["compound"]) == ["MDMA", "methamphetamine"] and plan.unchanged == 1


def wgs84_wkt() -> str:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def test_geopackage_store_round_trip(tmp_path):
    path = str(tmp_path / "survey.gpkg")
    store = GeoPackageStore(path, wgs84_wkt(), source_file="lab.csv")
    report = core_store.append(store, samples())
    assert report.added == 3
    fetched = store.fetch(["2024Q1"])
    assert sorted(fetched["compound"]) == ["ketamine", "methamphetamine"]
    assert not bool(fetched.set_index("compound").loc["ketamine", "detected"])
    store.close()
    reopened = GeoPackageStore(path, wgs84_wkt())
    assert core_store.append(reopened, samples()).added == 0
    assert reopened.rounds() == ["2024Q1", "2024Q2"]
    reopened.close()
    ds = ogr.Open(path)
    layer = ds.GetLayerByName("samples")
    assert layer.GetFeatureCount() == 3
    feature = next(iter(layer))
    assert feature.GetField("source_file") == "lab.csv" and feature.GetField("unit") == "ng/L"
    assert feature.GetGeometryRef().GetX() == pytest.approx(113.9)


def test_geopackage_store_transforms_to_its_own_crs(tmp_path):
    path = str(tmp_path / "survey.gpkg")
    store = GeoPackageStore(path, wgs84_wkt())
    core_store.append(store, samples().iloc[:1])
    store.close()
    mercator = osr.SpatialReference()
    mercator.ImportFromEPSG(3857)
    moved = samples().iloc[1:2].copy()
    moved[["x", "y"]] = [[12_679_000.0, 2_657_000.0]]
    store = GeoPackageStore(path, mercator.ExportToWkt())
    core_store.append(store, moved)
    store.close()
    ds = ogr.Open(path)
    xs = sorted(f.GetGeometryRef().GetX() for f in ds.GetLayerByName("samples"))
    # 12,679,000 m east in Web Mercator is 12679000 / 6378137 rad = 113.897…°.
    assert xs[0] == pytest.approx(np.degrees(12_679_000.0 / 6_378_137.0), abs=1e-9)


def test_a_geopackage_that_is_not_a_store_is_refused(tmp_path):
    path = str(tmp_path / "other.gpkg")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("samples", None, ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    ds = None
    with pytest.raises(StoreError) as error:
        GeoPackageStore(path, wgs84_wkt())
    assert error.value.code == "not_a_store" and "site_id" in error.value.detail


def import_records(path) -> list[tuple]:
    """The GeoPackage store's ``imports`` table read with sqlite3 (not OGR), in the order written."""
    import sqlite3

    with sqlite3.connect(path) as con:
        return con.execute(
            "SELECT source_file, rows_offered, rows_inserted, rows_unchanged, rows_changed FROM imports ORDER BY fid"
        ).fetchall()


def test_geopackage_store_records_every_import_also_one_that_adds_nothing(tmp_path):
    path = str(tmp_path / "survey.gpkg")
    store = GeoPackageStore(path, wgs84_wkt(), source_file="lab_a.csv")
    core_store.append(store, samples())
    store.close()
    # A second lab sends the same three samples, one of them with another value: nothing is added.
    store = GeoPackageStore(path, wgs84_wkt(), source_file="lab_b.csv")
    report = core_store.append(store, samples(concentration=(0, 13.0), raw_value=(0, "13.0")))
    store.close()
    assert (report.added, report.unchanged, len(report.changed)) == (0, 2, 1)
    assert import_records(path) == [("lab_a.csv", 3, 3, 0, 0), ("lab_b.csv", 3, 0, 2, 1)]
    ds = ogr.Open(path)
    assert ds.GetLayerByName("samples").GetFeatureCount() == 3 and ds.GetLayerByName("imports").GetFeatureCount() == 2
    ds = None


def test_geopackage_store_made_before_the_imports_table_gets_one(tmp_path):
    path = str(tmp_path / "old.gpkg")
    GeoPackageStore(path, wgs84_wkt(), source_file="a.csv").close()
    ds = ogr.Open(path, 1)
    ds.DeleteLayer(next(i for i in range(ds.GetLayerCount()) if ds.GetLayer(i).GetName() == "imports"))
    ds = None
    store = GeoPackageStore(path, wgs84_wkt(), source_file="b.csv")
    core_store.append(store, samples())
    store.close()
    assert import_records(path) == [("b.csv", 3, 3, 0, 0)]


def test_canceled_or_failed_geopackage_append_records_nothing(tmp_path):
    from wbe_surveillance.storage.gpkg import StoreCanceledError

    path = str(tmp_path / "survey.gpkg")
    store = GeoPackageStore(path, wgs84_wkt(), source_file="a.csv")
    core_store.append(store, samples().iloc[:1])
    store.close()
    store = GeoPackageStore(path, wgs84_wkt(), source_file="b.csv")
    store.canceled = lambda: True
    with pytest.raises(StoreCanceledError):
        core_store.append(store, samples())
    assert import_records(path) == [("a.csv", 1, 1, 0, 0)]

    class FailsAfterRecording(GeoPackageStore):
        def _record(self, *args):
            super()._record(*args)
            raise RuntimeError("disk full")  # after the record was written, before the commit

    store = FailsAfterRecording(path, wgs84_wkt(), source_file="c.csv")
    with pytest.raises(StoreError):
        core_store.append(store, samples())
    # Samples and record are one transaction: neither stayed.
    assert import_records(path) == [("a.csv", 1, 1, 0, 0)]
    ds = ogr.Open(path)
    assert ds.GetLayerByName("samples").GetFeatureCount() == 1 and ds.GetLayerByName("imports").GetFeatureCount() == 1
    ds = None
