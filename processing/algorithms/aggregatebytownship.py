"""wbe:aggregatebytownship — sample points → one feature per township × round, for one compound."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

import numpy as np
import pandas as pd
from qgis.core import (
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFieldConstraints,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...core.aggregate import township_round_stats
from ...core.compounds import CompoundTable
from ...core.nondetect import substitute
from ...core.pip import assign_points
from ...core.values import SOLID_MEDIA, WATER_MEDIA
from ...translate import tr
from ..base import WbeAlgorithm, nondetect_policy_parameter, read_columns, require_fields, to_float_array, write_feature
from ..io import bulk_writer, fast_read
from ..io.postgis_join import can_push_down, township_stats_in_database
from ..spatial import polygon_rings, repair_polygons

SAMPLE_FIELDS = ["round", "medium", "compound", "concentration", "detected", "lod", "unit"]
WATER, WASTEWATER, SURFACE, SOLIDS = range(4)


def media_for(choice: int) -> tuple[str, ...]:
    if choice == WASTEWATER:
        return ("sewage", "influent", "effluent")
    if choice == SURFACE:
        return ("surface_water",)
    if choice == SOLIDS:
        return SOLID_MEDIA
    return WATER_MEDIA


def medium_parameter(name: str = "MEDIUM") -> QgsProcessingParameterEnum:
    """Which sample types count: water and solids are never mixed in one statistic."""
    return QgsProcessingParameterEnum(
        name,
        tr("Sample types"),
        options=[
            tr("All water (sewage, influent, surface water)"),
            tr("Wastewater only (sewage and influent)"),
            tr("Surface water only"),
            tr("Solids (soil, sediment, sludge)"),
        ],
        defaultValue=WATER,
    )


def stat_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("round", QVariant.String, len=16))
    fields.append(QgsField("compound", QVariant.String, len=64))
    fields.append(QgsField("n_samples", QVariant.Int))
    fields.append(QgsField("n_detected", QVariant.Int))
    for name in ("mean", "median", "max"):
        fields.append(QgsField(name, QVariant.Double))
    return fields


MAX_EMPTY_LISTED = 200  # township × round cells without samples named one by one in the log; the rest are counted
WRITE_BATCH = 5000


def write_stats(sink, out_fields, township_features, stats, compound, feedback) -> None:
    """One feature per township × round, in batches (one call into QGIS per batch, not per feature)."""
    attributes = [list(f.attributes()) for f in township_features]
    geometries = [f.geometry() for f in township_features]
    t = stats["t"].to_numpy()
    rounds = stats["round"].to_numpy()
    n_samples = stats["n_samples"].to_numpy().astype(int).tolist()
    n_detected = stats["n_detected"].to_numpy().astype(int).tolist()
    values = [[None if v != v else v for v in stats[name].to_numpy(dtype=float).tolist()] for name in ("mean", "median", "max")]
    total = max(len(t), 1)
    batch = []
    for i, index in enumerate(t.tolist()):
        feature = QgsFeature()  # the sink knows the fields; a feature without them is cheaper to build
        feature.setGeometry(geometries[index])
        feature.setAttributes(
            [*attributes[index], rounds[i], compound, n_samples[i], n_detected[i], values[0][i], values[1][i], values[2][i]]
        )
        batch.append(feature)
        if len(batch) == WRITE_BATCH:
            write_features(sink, batch, tr("Township statistics"))
            batch = []
            feedback.setProgress(100.0 * (i + 1) / total)
    if batch:
        write_features(sink, batch, tr("Township statistics"))


# A GeoPackage file destination is filled in one SQLite transaction (processing/bulk_writer.py); tests switch
# it off to compare with the sink.
BULK_GEOPACKAGE = True
BULK_FIELD_TYPES = (QVariant.Int, QVariant.LongLong, QVariant.Double, QVariant.String, QVariant.Bool)


@dataclass
class BulkRows:
    columns: list  # per output field (township fields, then stat_fields()), Python values with None for NULL
    blobs: list  # GeoPackage geometry blobs, one per row (shared per township)
    boxes: np.ndarray  # (n, 4) minx, maxx, miny, maxy
    has_z: bool


def bulk_possible(out_fields: QgsFields, wkb_type) -> bool:
    """Whether the output's fields and geometry type are of the kinds bulk_writer writes exactly as the sink."""
    return (
        all(field.type() in BULK_FIELD_TYPES for field in out_fields)
        and QgsWkbTypes.flatType(wkb_type) in (QgsWkbTypes.Polygon, QgsWkbTypes.MultiPolygon)
        and not QgsWkbTypes.hasM(wkb_type)
    )


def bulk_rows(township_features, township_fields: QgsFields, wkb_type, srs_id: int, stats, compound) -> BulkRows | None:
    """The output's rows as bulk_writer takes them, or None when a township's fields or geometry are of a kind
    only the sink writes exactly (dates, curves, M, empty or mixed geometries…). Each township's geometry is
    turned into a blob once and shared by its rounds."""
    if not bulk_possible(township_fields, wkb_type):
        return None
    township_blobs, township_boxes = [], []
    has_z = QgsWkbTypes.hasZ(wkb_type)
    for feature in township_features:
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty() or geometry.wkbType() != wkb_type:
            return None
        wkb = bytes(geometry.asWkb())
        if has_z:
            envelope = bulk_writer.wkb_envelope(wkb)  # the blob's envelope carries the z range too
        else:
            # The same min/max over the vertices as wkb_envelope, computed by QGIS in C++ (10× faster).
            box = geometry.boundingBox()
            envelope = (box.xMinimum(), box.xMaximum(), box.yMinimum(), box.yMaximum())
            if wkb[:1] != b"\x01" or not all(math.isfinite(v) for v in envelope):
                envelope = None
        if envelope is None:
            return None
        township_blobs.append(bulk_writer.geometry_blob(wkb, envelope, srs_id))
        township_boxes.append(envelope[:4])
    width = len(township_fields)
    attributes = [[] for _ in range(width)]
    for feature in township_features:
        values = feature.attributes()
        if len(values) != width:
            return None
        for j, value in enumerate(values):
            if isinstance(value, QVariant):
                if not value.isNull():
                    return None
                value = None
            attributes[j].append(value)
    t = stats["t"].to_numpy().astype(np.int64)
    rows = t.tolist()
    n = len(rows)
    columns = [[values[i] for i in rows] for values in attributes]
    columns.append([str(r) for r in stats["round"].tolist()])
    columns.append([compound] * n)
    columns.append(stats["n_samples"].to_numpy().astype(int).tolist())
    columns.append(stats["n_detected"].to_numpy().astype(int).tolist())
    for name in ("mean", "median", "max"):
        columns.append([None if v != v else v for v in stats[name].to_numpy(dtype=float).tolist()])
    blobs = [township_blobs[i] for i in rows]
    boxes = np.asarray(township_boxes, dtype=np.float64).reshape(-1, 4)[t]
    return BulkRows(columns, blobs, boxes, QgsWkbTypes.hasZ(wkb_type))


def write_features(sink, features, output_label: str) -> None:
    """Add a batch of features, or stop naming the output (nothing is lost silently)."""
    if not sink.addFeatures(features, QgsFeatureSink.FastInsert):
        error = sink.lastError() if hasattr(sink, "lastError") else ""
        raise QgsProcessingException(tr("Could not write a feature to “{output}”. {error}").format(output=output_label, error=error))


@dataclass
class Joined:
    stats: pd.DataFrame  # core.aggregate.township_round_stats's frame
    unmatched_ids: list
    n_used: int  # samples of the compound, media and round
    n_all: int  # samples in the layer
    without_limit: int


def carried_township_fields(fields: QgsFields) -> QgsFields:
    """The township fields as carried into the output. A GeoPackage's `fid` is carried as `township_fid`:
    the output holds one feature per township and round, so the township's fid repeats and cannot be the
    output's own primary key."""
    carried = QgsFields()
    for field in fields:
        if field.name().lower() == "fid":
            field = QgsField(field)
            field.setName("township_fid")
            # Without the key's NOT NULL/UNIQUE constraints: a PostGIS destination would otherwise make the
            # repeating township_fid its primary key and refuse every round but one (silently, in 3.22).
            field.setConstraints(QgsFieldConstraints())
        carried.append(field)
    return carried


class AggregateByTownship(WbeAlgorithm):
    ALG_ID = "aggregatebytownship"
    GROUP_ID = "survey"
    ICON = "township.svg"

    SAMPLES = "SAMPLES"
    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    COMPOUND = "COMPOUND"
    ROUND = "ROUND"
    MEDIUM = "MEDIUM"
    ND_POLICY = "ND_POLICY"
    OUTPUT = "OUTPUT"
    UNMATCHED = "UNMATCHED"

    def displayName(self) -> str:
        return tr("Aggregate samples by township")

    def shortHelpString(self) -> str:
        return tr(
            "Joins sample points (as written by “Import lab results”) to township polygons and computes, for one compound, "
            "n_samples, n_detected, mean, median and max per township and round.\n\n"
            "Every township appears once for every round in the samples; a township with no sample in a round gets n_samples = 0 "
            "and NULL statistics, so it shows as “no data” rather than as a low value. The output keeps the township layer's fields "
            "and adds round, compound and the statistics after them (a GeoPackage fid is carried as township_fid, since each township repeats once per round).\n\n"
            "Non-detects enter the statistics through one substitution policy (default LOD/2); n_samples counts every sample, "
            "and n_detected the detected ones. Water and solids are never mixed: the sample type parameter chooses which samples count, "
            "and the others are counted in the log.\n\n"
            "A point exactly on the boundary between two townships is counted in one of them, never in both; where townships overlap, the one listed first wins. Points in no township go to UNMATCHED "
            "and are counted in the log. Samples are reprojected to the townships' CRS when the two differ.\n\n"
            "A sewage sample stands for its upstream catchment, not only for the spot where it was taken."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.SAMPLES, tr("Samples"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(
            QgsProcessingParameterField(self.TOWNSHIP_FIELD, tr("Township name field"), parentLayerParameterName=self.TOWNSHIPS)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.COMPOUND, tr("Compound (name or abbreviation, in Chinese or English)"), defaultValue="methamphetamine"
            )
        )
        self.addParameter(QgsProcessingParameterString(self.ROUND, tr("Round (empty: every round)"), optional=True))
        self.addParameter(medium_parameter(self.MEDIUM))
        self.addParameter(nondetect_policy_parameter(self.ND_POLICY))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Township statistics"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.UNMATCHED, tr("Samples in no township"), QgsProcessing.TypeVectorPoint, optional=True, createByDefault=True
            )
        )
        self.addOutput(QgsProcessingOutputNumber("N_SAMPLES", tr("Samples used")))
        self.addOutput(QgsProcessingOutputNumber("N_UNMATCHED", tr("Samples in no township")))

    def processAlgorithm(self, parameters, context, feedback):
        samples = self.parameterAsSource(parameters, self.SAMPLES, context)
        townships = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        if samples is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.SAMPLES))
        if townships is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.TOWNSHIPS))
        if QgsWkbTypes.geometryType(townships.wkbType()) != QgsWkbTypes.PolygonGeometry:
            raise QgsProcessingException(tr("The township layer “{layer}” is not a polygon layer.").format(layer=townships.sourceName()))
        name_field = self.parameterAsString(parameters, self.TOWNSHIP_FIELD, context)
        if townships.fields().lookupField(name_field) < 0:
            raise QgsProcessingException(
                tr("The township layer “{layer}” has no field “{field}”.").format(layer=townships.sourceName(), field=name_field)
            )
        require_fields(samples, SAMPLE_FIELDS, samples.sourceName())
        wanted = self.parameterAsString(parameters, self.COMPOUND, context).strip()
        compound, _known = CompoundTable.load().resolve(wanted)
        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        media = media_for(self.parameterAsEnum(parameters, self.MEDIUM, context))
        policy = self.parameterAsEnum(parameters, self.ND_POLICY, context)

        township_features = list(townships.getFeatures(QgsFeatureRequest()))
        joined = None
        if self._can_push_down(parameters, context):
            feedback.setProgressText(tr("Joining samples to townships in the database…"))
            joined = self._join_in_database(parameters, context, compound, media, wanted_round, policy, township_features, feedback)
            if joined is not None:
                feedback.pushInfo(
                    tr("Both layers are tables of one PostGIS database: the join ran there (ST_Intersects with the spatial index).")
                )
        if joined is None:
            joined = self._join_in_memory(
                samples, townships, township_features, compound, media, wanted_round, policy, parameters, context, feedback
            )
        if joined is None:
            return {}
        if joined.without_limit:
            feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=joined.without_limit))
        stats, unmatched_ids, n_used, n_all = joined.stats, joined.unmatched_ids, joined.n_used, joined.n_all

        out_fields = QgsProcessingUtils.combineFields(carried_township_fields(townships.fields()), stat_fields())
        # Each township repeats once per round: its primary key (a GeoPackage fid, a PostGIS id) cannot be the output's.
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, out_fields, townships.wkbType(), townships.sourceCrs(), QgsFeatureSink.RegeneratePrimaryKey
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        target_path, target_layer = bulk_writer.file_destination(dest_id)
        if BULK_GEOPACKAGE and target_path.lower().endswith(".gpkg") and len(stats) and bulk_possible(out_fields, townships.wkbType()):
            # QGIS created the empty layer; close it and fill it in one transaction (processing/bulk_writer.py).
            sink = None  # the only reference: the writer closes the file here
            outcome = self._write_stats_bulk(target_path, target_layer, out_fields, township_features, stats, compound, townships, feedback)
            if outcome == "canceled":
                return {}
            if outcome != "written":  # not a layer bulk_writer fills, or filling it failed (and it was removed)
                sink, dest_id = self.parameterAsSink(
                    parameters,
                    self.OUTPUT,
                    context,
                    out_fields,
                    townships.wkbType(),
                    townships.sourceCrs(),
                    QgsFeatureSink.RegeneratePrimaryKey,
                )
                if sink is None:
                    raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        if sink is not None:
            write_stats(sink, out_fields, township_features, stats, compound, feedback)
            del sink

        results = {self.OUTPUT: dest_id, "N_SAMPLES": n_used, "N_UNMATCHED": len(unmatched_ids)}
        unmatched_sink, unmatched_id = self.parameterAsSink(
            parameters, self.UNMATCHED, context, samples.fields(), samples.wkbType(), samples.sourceCrs()
        )
        if unmatched_sink is not None:
            if unmatched_ids:
                for feature in samples.getFeatures(QgsFeatureRequest().setFilterFids(unmatched_ids)):
                    write_feature(unmatched_sink, feature, tr("Samples in no township"))
            results[self.UNMATCHED] = unmatched_id
        if unmatched_ids:
            feedback.pushWarning(
                tr("{n} samples lie in no township; they are in the “Samples in no township” output.").format(n=len(unmatched_ids))
            )
        empty = stats[stats["n_samples"] == 0]
        for row in empty.head(MAX_EMPTY_LISTED).itertuples(index=False):
            feedback.pushInfo(
                tr("Township “{name}” has no sample in round {round}: its statistics are NULL.").format(
                    name=township_features[row.t][name_field], round=row.round
                )
            )
        if len(empty) > MAX_EMPTY_LISTED:
            feedback.pushInfo(
                tr("… and {n} more township × round cells with no sample (NULL statistics, n_samples = 0).").format(
                    n=len(empty) - MAX_EMPTY_LISTED
                )
            )
        feedback.pushInfo(
            tr("{used} of {total} samples used ({compound}); {townships} townships × {rounds} rounds written.").format(
                used=n_used - len(unmatched_ids),
                total=n_all,
                compound=compound,
                townships=len(township_features),
                rounds=stats["round"].nunique(),
            )
        )
        return results

    def _write_stats_bulk(self, path, layer, out_fields, township_features, stats, compound, townships, feedback) -> str:
        """Returns "written", "canceled" (the layer removed), "unsuitable" or "failed" (the layer removed, a
        warning logged): in the last two the caller writes through the sink."""
        target = bulk_writer.find_target(path, layer, out_fields.names(), ("POLYGON", "MULTIPOLYGON"), allow_z=True)
        if target is None:
            return "unsuitable"
        rows = bulk_rows(township_features, townships.fields(), townships.wkbType(), target.srs_id, stats, compound)
        if rows is None or bool(target.z) != rows.has_z:
            return "unsuitable"
        try:
            bulk_writer.write_geometries(
                target,
                rows.columns,
                rows.blobs,
                rows.boxes,
                progress=lambda fraction: feedback.setProgress(100.0 * fraction),
                canceled=feedback.isCanceled,
            )
        except bulk_writer.BulkCanceledError:
            bulk_writer.discard_layer(target)
            return "canceled"
        except (sqlite3.Error, OSError, MemoryError) as error:
            bulk_writer.discard_layer(target)
            feedback.pushWarning(
                tr(
                    "Writing the township statistics to “{path}” in one go failed ({error}); writing them feature by feature instead."
                ).format(path=path, error=error)
            )
            return "failed"
        return "written"

    def _read_samples(self, samples, transform, parameters, context, feedback):
        """The sample columns as arrays: (compound, medium, round, detected, concentration, lod, points, ids).

        A whole GeoPackage or Shapefile layer is read in columns by GDAL (processing/fast_read.py, about
        20× faster); anything else (a selection, a filter, a subset, a database, edits) feature by feature
        through QGIS. Both give the same values (tests/test_fast_read.py)."""
        if transform is not None and (not transform.isValid() or transform.isShortCircuited()):
            transform = None
        plain = fast_read.plain_ogr_file(self, parameters, self.SAMPLES, context)
        if plain is not None and plain[2] == samples.featureCount():
            got = fast_read.read_point_columns(plain[0], plain[1], SAMPLE_FIELDS, plain[2], transform)
            if got is not None:
                c = got.columns
                return (
                    fast_read.text(c["compound"]),
                    fast_read.text(c["medium"]),
                    fast_read.text(c["round"]),
                    fast_read.truthy(c["detected"]),
                    fast_read.floats(c["concentration"]),
                    fast_read.floats(c["lod"]),
                    got.points,
                    got.ids,
                )
        columns, points, ids = read_columns(samples, SAMPLE_FIELDS, feedback, point_transform=transform if transform is not None else True)
        if feedback.isCanceled():
            return None

        def text(name):
            return np.array([v if isinstance(v, str) else "" for v in columns[name]], dtype=object)

        # A boolean field reads back as bool from GeoPackage and memory layers, as 0/1 or text from CSV.
        detected = np.array([v in (True, 1, "1", "true", "True") for v in columns["detected"]], dtype=bool)
        return (
            text("compound"),
            text("medium"),
            text("round"),
            detected,
            to_float_array(columns["concentration"]),
            to_float_array(columns["lod"]),
            points,
            np.asarray(ids, dtype=np.int64),
        )

    def _join_in_memory(self, samples, townships, township_features, compound, media, wanted_round, policy, parameters, context, feedback):
        """Read the samples, pick the compound, media and round, substitute non-detects, and join in core.pip."""
        feedback.setProgressText(tr("Reading samples…"))
        transform = QgsCoordinateTransform(samples.sourceCrs(), townships.sourceCrs(), context.transformContext())
        read = self._read_samples(samples, transform, parameters, context, feedback)
        if read is None:
            return None
        compound_column, medium, rounds, detected_all, concentration_all, lod_all, points, ids = read
        n_all = len(ids)
        compounds_seen = sorted(set(compound_column) - {""})
        is_compound = compound_column == compound
        if not is_compound.any():
            raise QgsProcessingException(
                tr("The samples layer “{layer}” has no sample of “{compound}”. Compounds present: {present}.").format(
                    layer=samples.sourceName(), compound=compound, present=", ".join(compounds_seen) or "—"
                )
            )
        in_media = np.isin(medium, media)
        use = is_compound & in_media
        if wanted_round:
            present = sorted(set(rounds[use]))
            if wanted_round not in present:
                raise QgsProcessingException(
                    tr("No sample of “{compound}” in round “{round}”. Rounds present: {present}.").format(
                        compound=compound, round=wanted_round, present=", ".join(present) or "—"
                    )
                )
            use &= rounds == wanted_round
        other_media = int((is_compound & ~in_media).sum())
        if other_media:
            feedback.pushInfo(
                tr("{n} samples of {compound} are of another sample type and are left out: water and solids are never mixed.").format(
                    n=other_media, compound=compound
                )
            )
        if not use.any():
            raise QgsProcessingException(tr("No sample of “{compound}” is of the chosen sample type.").format(compound=compound))

        selected = np.flatnonzero(use)
        detected = detected_all[selected]
        concentration = concentration_all[selected]
        lod = lod_all[selected]
        substituted = substitute(concentration, detected, lod, policy)

        feedback.setProgressText(tr("Joining samples to townships…"))
        polygons, repaired = repair_polygons([f.geometry() for f in township_features])
        if repaired:
            feedback.pushWarning(tr("{n} township polygons were invalid and were repaired before the join.").format(n=repaired))
        rings = [polygon_rings(p) for p in polygons]
        township_index = assign_points(points[selected, 0], points[selected, 1], rings, cancelled=feedback.isCanceled)
        if feedback.isCanceled():
            return None
        stats = township_round_stats(township_index, rounds[selected], substituted.values, detected, len(township_features))
        unmatched_ids = [int(i) for i in ids[selected[township_index < 0]]]
        return Joined(stats, unmatched_ids, int(len(selected)), n_all, substituted.without_limit)

    def _can_push_down(self, parameters, context) -> bool:
        """Both layers whole PostGIS tables of one database (no selection, filter or limit on either)."""
        for name in (self.SAMPLES, self.TOWNSHIPS):
            definition = parameters.get(name)
            if isinstance(definition, QgsProcessingFeatureSourceDefinition):
                if definition.selectedFeaturesOnly or getattr(definition, "featureLimit", -1) != -1:
                    return False
                if getattr(definition, "filterExpression", ""):
                    return False
        samples = self.parameterAsVectorLayer(parameters, self.SAMPLES, context)
        townships = self.parameterAsVectorLayer(parameters, self.TOWNSHIPS, context)
        return can_push_down(samples, townships)

    def _join_in_database(self, parameters, context, compound, media, wanted_round, policy, township_features, feedback=None):
        """The same statistics by one SQL statement (processing/postgis_join.py, measured in
        bench/bench_postgis_join.py); None when it selects nothing, so the in-memory path words the error."""
        samples = self.parameterAsVectorLayer(parameters, self.SAMPLES, context)
        townships = self.parameterAsVectorLayer(parameters, self.TOWNSHIPS, context)
        result = township_stats_in_database(
            samples, townships, compound, media, wanted_round, policy, [f.id() for f in township_features], feedback=feedback
        )
        if result.n_selected == 0:
            return None
        return Joined(result.stats, result.unmatched_fids, result.n_selected, samples.featureCount(), result.without_limit)
