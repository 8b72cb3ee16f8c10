"""The survey store on a GeoPackage (core/store.py's SurveyStore), written through GDAL/OGR.

One point layer, ``samples``, holds every imported sample with the import's fields plus
``source_file`` and ``imported_at``; a table, ``imports``, holds one row per import (the file, when, and
the rows offered, added, unchanged and changed), also for an import that added nothing. The file and
tables are created on first use (``imports`` also in a store made before it existed); later imports
append inside one transaction, so a failed import leaves the store as it was, samples and record alike.
"""

from __future__ import annotations

import datetime as _dt
import gc
import os
import sys
import traceback
from collections.abc import Sequence

import numpy as np
import pandas as pd
from osgeo import gdal, ogr, osr

from ..core.store import KEY, VALUE, ImportRecord, SurveyStore

LAYER = "samples"
_FIELDS = (
    ("site_id", ogr.OFTString),
    ("sample_date", ogr.OFTDate),
    ("round", ogr.OFTString),
    ("medium", ogr.OFTString),
    ("compound", ogr.OFTString),
    ("concentration", ogr.OFTReal),
    ("detected", ogr.OFTInteger),
    ("lod", ogr.OFTReal),
    ("raw_value", ogr.OFTString),
    ("unit", ogr.OFTString),
    ("lab_township", ogr.OFTString),
    ("source_row", ogr.OFTInteger),
    ("source_file", ogr.OFTString),
    ("imported_at", ogr.OFTString),
)
IMPORTS = "imports"
# The record of each import, named as in the PostGIS store's wbe.imports.
_IMPORT_FIELDS = (
    ("source_file", ogr.OFTString),
    ("imported_at", ogr.OFTString),
    ("rows_offered", ogr.OFTInteger),
    ("rows_inserted", ogr.OFTInteger),
    ("rows_unchanged", ogr.OFTInteger),
    ("rows_changed", ogr.OFTInteger),
)


class StoreError(RuntimeError):
    """The store cannot be opened or written; ``code`` says why (see messages.store_error_text)."""

    def __init__(self, code: str, path: str, detail: str = ""):
        super().__init__(f"{code}: {path} {detail}")
        self.code = code
        self.path = path
        self.detail = detail


class StoreCanceledError(RuntimeError):
    """The caller canceled during insert(); the transaction was rolled back and the store is unchanged."""


CANCEL_CHECK = 5000  # features between cancel checks during insert()


class GeoPackageStore(SurveyStore):
    def __init__(self, path: str, crs_wkt: str, source_file: str = ""):
        ogr.UseExceptions()
        self.path = path
        self.canceled = None  # optional callable: insert() rolls back and raises StoreCanceledError when it returns True
        self.source_file = source_file
        self._srs = osr.SpatialReference()
        self._srs.ImportFromWkt(crs_wkt)
        self._srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        if os.path.isdir(path):
            raise StoreError("is_folder", path)
        try:
            if os.path.exists(path):
                self._ds = ogr.Open(path, 1)
            else:
                self._ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
        except RuntimeError as error:
            raise StoreError("cannot_open", path, str(error)) from error
        if self._ds is None:
            raise StoreError("cannot_open", path)
        layer = self._ds.GetLayerByName(LAYER)
        if layer is None:
            layer = self._ds.CreateLayer(LAYER, self._srs, ogr.wkbPoint, options=["SPATIAL_INDEX=YES"])
            for name, kind in _FIELDS:
                definition = ogr.FieldDefn(name, kind)
                if name == "detected":
                    definition.SetSubType(ogr.OFSTBoolean)
                layer.CreateField(definition)
        names = {layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())}
        lacking = [name for name, _kind in _FIELDS if name not in names]
        if lacking:
            raise StoreError("not_a_store", path, ", ".join(lacking))
        self._layer = layer
        self._imports = self._ds.GetLayerByName(IMPORTS) or self._create_imports_table()
        stored_srs = layer.GetSpatialRef()
        self._transform = None
        if stored_srs is not None and not stored_srs.IsSame(self._srs):
            stored_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
            self._transform = osr.CoordinateTransformation(self._srs, stored_srs)

    def _create_imports_table(self):
        table = self._ds.CreateLayer(IMPORTS, None, ogr.wkbNone)
        for name, kind in _IMPORT_FIELDS:
            table.CreateField(ogr.FieldDefn(name, kind))
        return table

    def rounds(self) -> list[str]:
        sql = self._ds.ExecuteSQL(f'SELECT DISTINCT "round" FROM "{LAYER}"')
        try:
            return sorted(str(f.GetField(0)) for f in sql if f.GetField(0) is not None)
        finally:
            self._ds.ReleaseResultSet(sql)

    def fetch(self, rounds: Sequence[str]) -> pd.DataFrame:
        layer = self._layer
        quoted = ",".join("'" + str(r).replace("'", "''") + "'" for r in rounds)
        layer.SetAttributeFilter(f'"round" IN ({quoted})' if quoted else None)
        columns: dict[str, list] = {c: [] for c in (*KEY, *VALUE)}
        try:
            layer.ResetReading()
            for feature in layer:
                for name in columns:
                    if feature.IsFieldSetAndNotNull(name):
                        value = feature.GetField(name)
                        if name == "sample_date":
                            value = str(value).replace("/", "-")
                        columns[name].append(value)
                    else:
                        columns[name].append(np.nan if name in ("concentration", "lod") else (False if name == "detected" else ""))
        finally:
            layer.SetAttributeFilter(None)
        frame = pd.DataFrame(columns)
        frame["detected"] = frame["detected"].astype(bool)
        return frame

    def insert(self, samples: pd.DataFrame, record: ImportRecord) -> int:
        layer = self._layer
        definition = layer.GetLayerDefn()
        x = samples["x"].to_numpy(dtype=float)
        y = samples["y"].to_numpy(dtype=float)
        if self._transform is not None and len(x):
            points = self._transform.TransformPoints(list(zip(x.tolist(), y.tolist())))
            x = np.array([p[0] for p in points])
            y = np.array([p[1] for p in points])
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        index = {name: definition.GetFieldIndex(name) for name, _kind in _FIELDS}
        layer.StartTransaction()
        canceled = self.canceled or (lambda: False)
        try:
            for i, (row, px, py) in enumerate(zip(samples.itertuples(index=False), x, y)):
                if i % CANCEL_CHECK == 0 and i and canceled():
                    raise StoreCanceledError(self.path)
                feature = ogr.Feature(definition)
                feature.SetField(index["site_id"], str(row.site_id))
                if row.sample_date:
                    year, month, day = (int(p) for p in str(row.sample_date).split("-"))
                    feature.SetField(index["sample_date"], year, month, day, 0, 0, 0, 0)
                feature.SetField(index["round"], str(row.round))
                feature.SetField(index["medium"], str(row.medium))
                feature.SetField(index["compound"], str(row.compound))
                if row.concentration == row.concentration:
                    feature.SetField(index["concentration"], float(row.concentration))
                feature.SetField(index["detected"], int(bool(row.detected)))
                if row.lod == row.lod:
                    feature.SetField(index["lod"], float(row.lod))
                feature.SetField(index["raw_value"], str(row.raw_value))
                feature.SetField(index["unit"], str(row.unit))
                if row.lab_township:
                    feature.SetField(index["lab_township"], str(row.lab_township))
                feature.SetField(index["source_row"], int(row.source_row))
                feature.SetField(index["source_file"], self.source_file)
                feature.SetField(index["imported_at"], stamp)
                point = ogr.Geometry(ogr.wkbPoint)
                point.AddPoint_2D(float(px), float(py))
                feature.SetGeometryDirectly(point)
                layer.CreateFeature(feature)
            if canceled():
                raise StoreCanceledError(self.path)
            self._record(record, len(samples), stamp)
            layer.CommitTransaction()
        except BaseException as error:
            # Drop every reference to the dataset (this frame's, and the finished frames the traceback keeps),
            # so that _abandon really closes it.
            feature = point = layer = definition = None
            self._imports = None
            traceback.clear_frames(error.__traceback__)
            self._abandon()
            if isinstance(error, StoreCanceledError):
                raise
            # The store's own error (a full disk, a locked file), not whatever the rollback says after SQLite
            # has already rolled back ("cannot rollback - no transaction is active").
            raise StoreError("cannot_write", self.path, str(error)) from error
        return len(samples)

    def _record(self, record: ImportRecord, inserted: int, stamp: str) -> None:
        """The import's row in ``imports``, inside the samples' transaction (one GeoPackage, one SQLite
        transaction): written with the samples or not at all."""
        row = ogr.Feature(self._imports.GetLayerDefn())
        values = (self.source_file, stamp, record.offered, inserted, record.unchanged, record.changed)
        for (name, _kind), value in zip(_IMPORT_FIELDS, values):
            row.SetField(name, value)
        self._imports.CreateFeature(row)

    def _abandon(self) -> None:
        """After a failed or canceled insert: roll back if a transaction is still open, close the file and put
        the feature count OGR keeps in gpkg_ogr_contents back to the rows the table holds."""
        try:
            self._layer.RollbackTransaction()
        except RuntimeError:
            pass  # SQLite rolled back already (a full disk ends the transaction itself)
        # Closing then makes OGR try the rollback again ("no transaction is active"): the transaction is gone
        # either way, so what the close reports is not the store's error.
        self._close_dataset()
        repair_feature_count(self.path)
        repair_feature_count(self.path, IMPORTS)

    def close(self) -> None:
        """Close the file. OGR writes what it still holds (a new layer's tables, its counts) when it closes a
        dataset; a failure there (a full disk) is raised as StoreError instead of vanishing in a destructor."""
        if self._ds is None:
            return
        errors = self._close_dataset()
        if errors:
            raise StoreError("cannot_write", self.path, "; ".join(errors))

    def _close_dataset(self) -> list[str]:
        """Release the dataset with GDAL's errors collected (not raised from a destructor, where Python can
        only print them); the error messages."""
        errors: list[str] = []

        def collect(category, _number, message):
            if category >= gdal.CE_Failure:
                errors.append(str(message))

        def unraisable(report):  # OGR in exception mode raises from the destructor: Python can only hand it here
            errors.append(str(report.exc_value))

        previous = sys.unraisablehook
        sys.unraisablehook = unraisable
        gdal.PushErrorHandler(collect)
        try:
            self._layer = self._imports = None
            self._ds = None
            gc.collect()
        finally:
            gdal.PopErrorHandler()
            sys.unraisablehook = previous
        return errors


def repair_feature_count(path: str, table: str = LAYER) -> None:
    """gpkg_ogr_contents.feature_count set to the rows ``table`` really holds (OGR writes its cached count on close,
    which counts features a rolled-back transaction never kept). NULL, which makes OGR count, when it cannot be set."""
    import sqlite3

    try:
        con = sqlite3.connect(path, timeout=10)
        try:
            with con:
                con.execute(
                    f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM "{table}") WHERE lower(table_name) = lower(?)',
                    (table,),
                )
        finally:
            con.close()
    except sqlite3.Error:
        pass
