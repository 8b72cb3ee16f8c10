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
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...core import samples as sm
from ...core.aggregate import SiteTableError, site_population, township_round_stats
from ...core.compounds import CompoundTable
from ...core.nondetect import substitute
from ...core.pip import assign_points_with_overlaps
from ...core.rounds import RoundError, normalise_round, place_rounds
from ...translate import tr
from ..base import (
    WbeAlgorithm,
    is_null,
    read_columns,
    require_fields,
    to_float_array,
    township_field_or_guess,
    township_source,
    write_feature,
)
from ..compat import FIELD_BOOL, FIELD_DOUBLE, FIELD_INT, FIELD_LONG, FIELD_STRING
from ..fields import field_list
from ..io import bulk_writer, fast_read
from ..io.outputs import discard_output
from ..io.postgis_join import can_push_down, township_stats_in_database
from ..io.samples import log_media_left_out, read_sample_table, sample_refusal
from ..parameters import TownshipJoinNames, media_for, medium_parameter, nondetect_policy_parameter, unit_parameter
from ..spatial import polygon_rings, repair_polygons

SAMPLE_FIELDS = ["round", "medium", "compound", "concentration", "detected", "lod", "unit"]
REQUIRED_FIELDS = ["round", "compound", "concentration"]  # the rest are optional (core/samples.py defaults)


def stat_fields() -> QgsFields:
    """The statistics after the township fields. No declared text widths: a declared width makes some providers drop
    longer values (issue 14). unit (of mean, median and max) and mean_weighted (population-weighted, POPULATION_FIELD
    or SITES) come after the contract's fields."""
    return field_list(
        "round:string compound:string n_samples:integer n_detected:integer mean:double median:double max:double "
        "unit:string mean_weighted:double"
    )


MAX_EMPTY_LISTED = 200  # township × round cells without samples named one by one in the log; the rest are counted
WRITE_BATCH = 5000


def write_stats(sink, out_fields, township_features, stats, compound, feedback, unit="") -> None:
    """One feature per township × round, in batches (one call into QGIS per batch, not per feature)."""
    attributes = [list(f.attributes()) for f in township_features]
    geometries = [f.geometry() for f in township_features]
    t = stats["t"].to_numpy()
    rounds = stats["round"].to_numpy()
    n_samples = stats["n_samples"].to_numpy().astype(int).tolist()
    n_detected = stats["n_detected"].to_numpy().astype(int).tolist()
    values = [[None if v != v else v for v in stats[name].to_numpy(dtype=float).tolist()] for name in ("mean", "median", "max")]
    weighted = _weighted_column(stats)
    total = max(len(t), 1)
    batch = []
    for i, index in enumerate(t.tolist()):
        feature = QgsFeature()  # the sink knows the fields; a feature without them is cheaper to build
        feature.setGeometry(geometries[index])
        feature.setAttributes(
            [
                *attributes[index],
                rounds[i],
                compound,
                n_samples[i],
                n_detected[i],
                values[0][i],
                values[1][i],
                values[2][i],
                unit or None,
                weighted[i],
            ]
        )
        batch.append(feature)
        if len(batch) == WRITE_BATCH:
            if feedback.isCanceled():
                return
            write_features(sink, batch, tr("Township statistics"))
            batch = []
            feedback.setProgress(100.0 * (i + 1) / total)
    if batch:
        write_features(sink, batch, tr("Township statistics"))


def _weighted_column(stats) -> list:
    if "mean_weighted" not in stats:
        return [None] * len(stats)
    return [None if v != v else v for v in stats["mean_weighted"].to_numpy(dtype=float).tolist()]


# A GeoPackage file destination is filled in one SQLite transaction (processing/bulk_writer.py); tests switch
# it off to compare with the sink.
BULK_GEOPACKAGE = True
BULK_FIELD_TYPES = (FIELD_INT, FIELD_LONG, FIELD_DOUBLE, FIELD_STRING, FIELD_BOOL)


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
        and QgsWkbTypes.flatType(wkb_type) in (QgsWkbTypes.Type.Polygon, QgsWkbTypes.Type.MultiPolygon)
        and not QgsWkbTypes.hasM(wkb_type)
    )


def bulk_rows(township_features, township_fields: QgsFields, wkb_type, srs_id: int, stats, compound, unit="") -> BulkRows | None:
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
    columns.append([unit or None] * n)
    columns.append(_weighted_column(stats))
    blobs = [township_blobs[i] for i in rows]
    boxes = np.asarray(township_boxes, dtype=np.float64).reshape(-1, 4)[t]
    return BulkRows(columns, blobs, boxes, QgsWkbTypes.hasZ(wkb_type))


def write_features(sink, features, output_label: str) -> None:
    """Add a batch of features, or stop naming the output (nothing is lost silently)."""
    if not sink.addFeatures(features, QgsFeatureSink.Flag.FastInsert):
        error = sink.lastError() if hasattr(sink, "lastError") else ""
        raise QgsProcessingException(tr("Could not write a feature to “{output}”. {error}").format(output=output_label, error=error))


def in_time_order(stats: pd.DataFrame, layer: str) -> pd.DataFrame:
    """The statistics with rounds in time order (positions, core/rounds.py), never text order."""
    try:
        axis = place_rounds(stats["round"].tolist())
    except RoundError as error:
        raise sample_refusal(
            sm.SampleError("bad_rounds" if error.reason == "unparsed" else "mixed_rounds", "round", error.values), layer
        ) from None
    rank = {label: i for i, label in enumerate(axis.labels)}
    order = np.lexsort((stats["round"].map(rank).to_numpy(), stats["t"].to_numpy()))
    return stats.iloc[order].reset_index(drop=True)


@dataclass
class Joined:
    stats: pd.DataFrame  # core.aggregate.township_round_stats's frame
    unmatched_ids: list
    n_used: int  # samples of the compound, media and round
    n_all: int  # samples in the layer
    without_limit: int
    unit: str = ""


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


@dataclass
class Choice:
    compound: str
    wanted_round: str
    media: tuple
    policy: int
    name_field: str


def log_empty_cells(stats: pd.DataFrame, township_features, name_field: str, feedback) -> None:
    """Name the township × round cells with no sample (NULL statistics), the first MAX_EMPTY_LISTED one by one."""
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


def log_overlaps(overlaps, township_features, name_field: str, feedback) -> None:
    """Warn where townships overlap and samples lie in more than one (each counts for the township listed first)."""
    if not overlaps.n_points:
        return

    def name(index):
        return township_features[int(index)][name_field] if name_field else township_features[int(index)].id()

    pairs = sorted(overlaps.pairs.items(), key=lambda item: (-item[1], item[0]))
    listed = "; ".join(
        tr("“{first}” and “{other}”: {n}").format(first=name(first), other=name(other), n=count) for (first, other), count in pairs[:50]
    )
    feedback.pushWarning(
        tr(
            "Townships overlap: {n} samples lie in more than one township ({pairs}). Each such sample counts once, for the "
            "township listed first in the township layer (the first named in each pair); the other gets none of them. "
            "Correct the township boundaries so that they do not overlap."
        ).format(n=overlaps.n_points, pairs=listed)
    )


def read_site_table(algorithm, parameters, context, samples, feedback):
    """The SITES table as (site ids, populations), or None when no table is given. The site id field defaults to
    site_id, the population field to population; the samples need a site_id field to be joined to it."""
    source = algorithm.parameterAsSource(parameters, algorithm.SITES, context)
    if source is None:
        return None
    if algorithm._population_field:
        raise QgsProcessingException(tr("Give the population either as POPULATION_FIELD of the samples or as a SITES table, not both."))
    if samples.fields().lookupField("site_id") < 0:
        raise QgsProcessingException(
            tr("The samples “{layer}” have no field “site_id”: they cannot be joined to the sites table “{sites}”.").format(
                layer=samples.sourceName(), sites=source.sourceName()
            )
        )
    names = source.fields().names()
    id_field = algorithm.parameterAsString(parameters, algorithm.SITES_ID_FIELD, context) or "site_id"
    population_field = algorithm.parameterAsString(parameters, algorithm.SITES_POPULATION_FIELD, context) or "population"
    for field, parameter in ((id_field, algorithm.SITES_ID_FIELD), (population_field, algorithm.SITES_POPULATION_FIELD)):
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(
                tr("The sites table “{sites}” has no field “{field}” ({parameter}). Fields: {fields}.").format(
                    sites=source.sourceName(), field=field, parameter=parameter, fields=", ".join(names)
                )
            )
    columns, _geometries, _ids = read_columns(source, [id_field, population_field], feedback)
    ids = ["" if is_null(v) else str(v) for v in columns[id_field]]
    feedback.pushInfo(
        tr("Population served: “{field}” of the sites table “{sites}”, joined by site id (“{id_field}”).").format(
            field=population_field, sites=source.sourceName(), id_field=id_field
        )
    )
    return ids, to_float_array(columns[population_field]), source.sourceName()


def site_population_of(sites, sample_sites, feedback) -> np.ndarray:
    """The population served by each sample, from the site table (core.aggregate.site_population), with the
    samples whose site is not in the table named in the log."""
    ids, population, name = sites
    try:
        weights, unknown = site_population(sample_sites, ids, population)
    except SiteTableError as error:
        raise QgsProcessingException(
            tr("The sites table “{sites}” lists these sites more than once with different populations: {values}.").format(
                sites=name, values=", ".join(error.values[:50])
            )
        ) from None
    if unknown:
        feedback.pushWarning(
            tr(
                "{n} sites of the samples are not in the sites table “{sites}”: {values}. Their samples are left out of mean_weighted."
            ).format(n=len(unknown), sites=name, values=", ".join(unknown[:50]))
        )
    return weights


def numeric_field(name: str, label: str, parent: str) -> QgsProcessingParameterField:
    """An optional numeric field of the layer given in ``parent``."""
    return QgsProcessingParameterField(
        name, label, parentLayerParameterName=parent, type=QgsProcessingParameterField.DataType.Numeric, optional=True
    )


def site_table_parameters(algorithm) -> list:
    """SITES (a table or layer of sites), SITES_ID_FIELD and SITES_POPULATION_FIELD: the population served by each
    site, joined to the samples by site_id, for population-weighted means (the other route is POPULATION_FIELD)."""
    sites = QgsProcessingParameterFeatureSource(
        algorithm.SITES,
        tr("Sites table with the population served (for population-weighted means)"),
        [QgsProcessing.SourceType.TypeVector],
        optional=True,
    )
    sites.setHelp(
        tr(
            "A table or layer with one row per sampling site: its site id and the population its catchment serves. "
            "The samples are joined to it by site_id; mean_weighted is then Σ population × value ÷ Σ population. "
            "Use it or POPULATION_FIELD, not both."
        )
    )
    id_field = QgsProcessingParameterField(
        algorithm.SITES_ID_FIELD,
        tr("Site id field of the sites table (empty: site_id)"),
        parentLayerParameterName=algorithm.SITES,
        optional=True,
    )
    population = numeric_field(
        algorithm.SITES_POPULATION_FIELD, tr("Population field of the sites table (empty: population)"), algorithm.SITES
    )
    for parameter in (sites, id_field, population):
        parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
    return [sites, id_field, population]


class AggregateByTownship(TownshipJoinNames, WbeAlgorithm):
    ALG_ID = "aggregatebytownship"
    GROUP_ID = "survey"
    ICON = "township.svg"

    SAMPLES = "SAMPLES"
    UNIT = "UNIT"
    FIXED_PANEL = "FIXED_PANEL"
    POPULATION_FIELD = "POPULATION_FIELD"
    SITES = "SITES"
    SITES_ID_FIELD = "SITES_ID_FIELD"
    SITES_POPULATION_FIELD = "SITES_POPULATION_FIELD"
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
            "and the others are counted in the log. By default only untreated wastewater (sewage and influent) counts: effluent is "
            "treated water and rivers are the environment, and neither is averaged into a sewage mean.\n\n"
            "One unit per analysis: samples of the compound in several units (ng/L with mg/day/1000 or ng/g) are refused, naming the "
            "units; the output's unit field says which unit mean, median and max are in. Rounds are placed in time (a year 2022, a "
            "quarter 2022Q3 or a month 2022-07, in any spelling the import accepts) and written in time order; years mixed with "
            "quarters are refused.\n\n"
            "A samples table loaded by a laboratory system needs only round, compound and concentration (and site_id for the panel "
            "check): without detected every value present counts as detected, without lod non-detects have no limit, without unit "
            "the values are in UNIT (default ng/L), without medium every sample counts as the chosen type. The log says which "
            "defaults applied.\n\n"
            "Changing sites: where the set of sites behind a township changes between rounds the log warns, since the township's "
            "change then mixes a change of sites with a change of values; FIXED_PANEL keeps only the sites sampled in every round. "
            "POPULATION_FIELD (the population served by each sample) adds mean_weighted, the population-weighted mean, and the log "
            "gives the county figure both ways; instead of a samples field, SITES gives the population per site in a table of its own "
            "(SITES_ID_FIELD, default site_id; SITES_POPULATION_FIELD, default population), joined to the samples by site_id.\n\n"
            "TOWNSHIP_FIELD left empty: the first text field that looks like a township name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, "
            "township, town…), named in the log.\n\n"
            "A point exactly on the boundary between two townships is counted in one of them, never in both. Where townships overlap, "
            "a sample in the overlap counts once, for the township listed first in the township layer, and the log warns, naming the "
            "townships and how many samples lie in more than one. Points in no township go to UNMATCHED "
            "and are counted in the log. Samples are reprojected to the townships' CRS when the two differ.\n\n"
            "A sewage sample stands for its upstream catchment, not only for the spot where it was taken."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.SAMPLES, tr("Samples"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.SourceType.TypeVectorPolygon])
        )
        township_field = QgsProcessingParameterField(
            self.TOWNSHIP_FIELD, tr("Township name field"), parentLayerParameterName=self.TOWNSHIPS, optional=True
        )
        township_field.setHelp(
            tr(
                "The field of the township layer that holds the township names. Empty: the first text field that looks like a "
                "name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town), as the log says."
            )
        )
        self.addParameter(township_field)
        self.addParameter(
            QgsProcessingParameterString(
                self.COMPOUND, tr("Compound (name or abbreviation, in Chinese or English)"), defaultValue="methamphetamine"
            )
        )
        self.addParameter(QgsProcessingParameterString(self.ROUND, tr("Round (empty: every round)"), optional=True))
        self.addParameter(medium_parameter(self.MEDIUM))
        self.addParameter(nondetect_policy_parameter(self.ND_POLICY))
        self.addParameter(unit_parameter(self.UNIT))
        panel = QgsProcessingParameterBoolean(self.FIXED_PANEL, tr("Fixed panel: only sites sampled in every round"), defaultValue=False)
        panel.setHelp(
            tr(
                "A township's mean over a changing set of sites can rise or fall only because sites came or went. With this option "
                "only the sites (site_id) sampled in every round count; the log names the sites left out."
            )
        )
        self.addParameter(panel)
        population = numeric_field(
            self.POPULATION_FIELD, tr("Population served field of the samples (for population-weighted means)"), self.SAMPLES
        )
        population.setHelp(
            tr(
                "With a population served per sample (its catchment), mean_weighted holds Σ population × value ÷ Σ population per "
                "township and round, and the log gives the county figure both ways: a large plant and a village drain count alike "
                "in the plain mean."
            )
        )
        self.addParameter(population)
        for parameter in site_table_parameters(self):
            self.addParameter(parameter)
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Township statistics"), QgsProcessing.SourceType.TypeVectorPolygon)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.UNMATCHED, tr("Samples in no township"), QgsProcessing.SourceType.TypeVectorPoint, optional=True, createByDefault=True
            )
        )
        self.addOutput(QgsProcessingOutputNumber("N_SAMPLES", tr("Samples used")))
        self.addOutput(QgsProcessingOutputNumber("N_UNMATCHED", tr("Samples in no township")))

    def processAlgorithm(self, parameters, context, feedback):
        samples, townships = self._sources(parameters, context)
        choice = self._read_choices(parameters, context, samples, townships, feedback)
        township_features = list(townships.getFeatures(QgsFeatureRequest()))
        joined = self._join(parameters, context, samples, townships, township_features, choice, feedback)
        if joined is None:
            return {}
        if joined.without_limit:
            feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=joined.without_limit))
        stats = in_time_order(joined.stats, samples.sourceName())
        dest_id = self._write_township_rows(
            parameters, context, townships, township_features, stats, choice.compound, joined.unit, feedback
        )
        if dest_id is None:
            return {}
        results = {self.OUTPUT: dest_id, "N_SAMPLES": joined.n_used, "N_UNMATCHED": len(joined.unmatched_ids)}
        results.update(self._write_unmatched(parameters, context, samples, joined.unmatched_ids, feedback))
        log_empty_cells(stats, township_features, choice.name_field, feedback)
        feedback.pushInfo(
            tr("{used} of {total} samples used ({compound}); {townships} townships × {rounds} rounds written.").format(
                used=joined.n_used - len(joined.unmatched_ids),
                total=joined.n_all,
                compound=choice.compound,
                townships=len(township_features),
                rounds=stats["round"].nunique(),
            )
        )
        return results

    # ---- reading the parameters -----------------------------------------------------------------------
    def _sources(self, parameters, context):
        """The samples and the township polygons, or a worded error."""
        samples = self.parameterAsSource(parameters, self.SAMPLES, context)
        if samples is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.SAMPLES))
        townships = township_source(self, parameters, self.TOWNSHIPS, context)
        require_fields(samples, REQUIRED_FIELDS, samples.sourceName())
        return samples, townships

    def _read_choices(self, parameters, context, samples, townships, feedback) -> Choice:
        """What to aggregate: the township name field (guessed when left empty), compound, round, sample type,
        non-detect policy, default unit, fixed panel and the population weights (a samples field or a site table)."""
        name_field = township_field_or_guess(self, parameters, self.TOWNSHIP_FIELD, self.TOWNSHIPS, context, feedback)
        compound, _known = CompoundTable.load().resolve(self.parameterAsString(parameters, self.COMPOUND, context).strip())
        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        self._name_field = name_field
        self._default_unit = (self.parameterAsString(parameters, self.UNIT, context) or "").strip()
        self._fixed_panel = self.parameterAsBoolean(parameters, self.FIXED_PANEL, context)
        self._population_field = self.parameterAsString(parameters, self.POPULATION_FIELD, context) or ""
        if self._population_field and samples.fields().lookupField(self._population_field) < 0:
            raise QgsProcessingException(
                tr("The samples layer “{layer}” has no field “{field}”.").format(layer=samples.sourceName(), field=self._population_field)
            )
        self._sites = read_site_table(self, parameters, context, samples, feedback)
        return Choice(
            compound=compound,
            wanted_round=normalise_round(wanted_round) or wanted_round,
            media=media_for(self.parameterAsEnum(parameters, self.MEDIUM, context)),
            policy=self.parameterAsEnum(parameters, self.ND_POLICY, context),
            name_field=name_field,
        )

    # ---- the join -------------------------------------------------------------------------------------
    def _join(self, parameters, context, samples, townships, township_features, choice, feedback):
        """The statistics, from the database when both layers are tables of one PostGIS database, else in memory."""
        args = (choice.compound, choice.media, choice.wanted_round, choice.policy)
        if self._can_push_down(parameters, context) and self._plain_for_database(samples):
            feedback.setProgressText(tr("Joining samples to townships in the database…"))
            joined = self._join_in_database(parameters, context, *args, township_features, feedback)
            if joined is not None:
                feedback.pushInfo(
                    tr("Both layers are tables of one PostGIS database: the join ran there (ST_Intersects with the spatial index).")
                )
                return joined
        return self._join_in_memory(samples, townships, township_features, *args, parameters, context, feedback)

    # ---- the outputs ----------------------------------------------------------------------------------
    def _write_township_rows(self, parameters, context, townships, township_features, stats, compound, unit, feedback):
        """One feature per township × round: a GeoPackage file in one transaction (processing/io/bulk_writer.py),
        anything else (or a bulk write that could not be done) through the sink. None when cancelled."""
        out_fields = QgsProcessingUtils.combineFields(carried_township_fields(townships.fields()), stat_fields())
        rows = (township_features, stats, compound, unit)
        if not (BULK_GEOPACKAGE and len(stats) and bulk_possible(out_fields, townships.wkbType())):
            return self._write_through_sink(parameters, context, out_fields, townships, rows, feedback)
        opened = list(self._township_sink(parameters, context, out_fields, townships))  # [sink, dest_id]
        dest_id = opened[1]
        target_path, target_layer = bulk_writer.file_destination(dest_id)
        if not target_path.lower().endswith(".gpkg"):
            return self._write_through_sink(parameters, context, out_fields, townships, rows, feedback, opened)
        # QGIS created the empty layer; close it (the list held the only reference) and fill it in one transaction.
        opened.clear()
        outcome = self._write_stats_bulk(
            target_path, target_layer, out_fields, township_features, stats, compound, townships, feedback, unit
        )
        if outcome == "canceled":
            return None
        if outcome == "written":
            return dest_id
        # not a layer bulk_writer fills, or filling it failed (and it was removed)
        return self._write_through_sink(parameters, context, out_fields, townships, rows, feedback)

    def _township_sink(self, parameters, context, out_fields, townships):
        # Each township repeats once per round: its primary key (a GeoPackage fid, a PostGIS id) cannot be the output's.
        sink, dest_id = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            out_fields,
            townships.wkbType(),
            townships.sourceCrs(),
            QgsFeatureSink.SinkFlag.RegeneratePrimaryKey,
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        return sink, dest_id

    def _write_through_sink(self, parameters, context, out_fields, townships, rows, feedback, opened=None):
        """The township rows through QGIS's sink (every write checked); a cancelled run leaves no output. ``opened``
        is a list [sink, dest_id] the caller already made; the sink is taken out of it, so that deleting it here closes
        the file."""
        if opened is None:
            opened = list(self._township_sink(parameters, context, out_fields, townships))
        sink, dest_id = opened.pop(0), opened[0]
        township_features, stats, compound, unit = rows
        write_stats(sink, out_fields, township_features, stats, compound, feedback, unit)
        if feedback.isCanceled():
            del sink
            discard_output(dest_id, context)
            return None
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink
        return dest_id

    def _write_unmatched(self, parameters, context, samples, unmatched_ids, feedback) -> dict:
        """The samples in no township, to UNMATCHED (when asked for) and counted in the log."""
        results = {}
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
        return results

    def _write_stats_bulk(self, path, layer, out_fields, township_features, stats, compound, townships, feedback, unit="") -> str:
        """Returns "written", "canceled" (the layer removed), "unsuitable" or "failed" (the layer removed, a
        warning logged): in the last two the caller writes through the sink."""
        target = bulk_writer.find_target(path, layer, out_fields.names(), ("POLYGON", "MULTIPOLYGON"), allow_z=True)
        if target is None:
            return "unsuitable"
        rows = bulk_rows(township_features, townships.fields(), townships.wkbType(), target.srs_id, stats, compound, unit)
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

    def _join_in_memory(self, samples, townships, township_features, compound, media, wanted_round, policy, parameters, context, feedback):
        """Read the samples into the sample model (core/samples.py), keep the compound, media and round, check
        one unit and rounds in time, substitute non-detects, and join in core.pip."""
        feedback.setProgressText(tr("Reading samples…"))
        transform = QgsCoordinateTransform(samples.sourceCrs(), townships.sourceCrs(), context.transformContext())
        read = read_sample_table(
            samples,
            feedback,
            default_unit=getattr(self, "_default_unit", ""),
            extra=(self._population_field,),
            points=transform,
            fast=fast_read.plain_ogr_file(self, parameters, self.SAMPLES, context),
        )
        if feedback.isCanceled():
            return None
        # source_row as the position in what was read (it indexes the points and the feature ids)
        frame, points, ids = read.frame.assign(source_row=np.arange(len(read.ids))), read.points, np.asarray(read.ids, dtype=np.int64)
        layer = samples.sourceName()
        n_all = len(ids)
        for name in ("detected", "lod", "unit", "medium"):
            if samples.fields().lookupField(name) < 0:
                feedback.pushInfo(self._default_text(name))
        try:
            frame = sm.select_compound(frame, compound)
        except sm.SampleError as error:
            raise sample_refusal(error, layer) from None
        chosen = np.isin(frame["medium"].to_numpy(dtype=object), list(media)) | (frame["medium"].to_numpy(dtype=object) == "")
        left = frame.loc[~chosen, "medium"].value_counts()
        log_media_left_out({str(k): int(v) for k, v in left.items()}, feedback)
        n_unknown = int((frame["medium"].to_numpy(dtype=object)[chosen] == "").sum())
        if n_unknown and samples.fields().lookupField("medium") >= 0:
            feedback.pushWarning(tr("{n} samples have no sample type: they are counted as the chosen type.").format(n=n_unknown))
        frame = frame[chosen]
        if frame.empty:
            raise QgsProcessingException(tr("No sample of “{compound}” is of the chosen sample type.").format(compound=compound))
        if wanted_round:
            present = sorted(set(frame["round"]))
            if wanted_round not in present:
                raise QgsProcessingException(
                    tr("No sample of “{compound}” in round “{round}”. Rounds present: {present}.").format(
                        compound=compound, round=wanted_round, present=", ".join(present) or "—"
                    )
                )
            frame = frame[frame["round"].to_numpy(dtype=object) == wanted_round]
        try:
            sm.place_in_time(frame)
            unit = sm.require_one_unit(frame)
        except sm.SampleError as error:
            raise sample_refusal(error, layer) from None
        if frame["round_pos"].isna().any():
            n_no_round = int(frame["round_pos"].isna().sum())
            feedback.pushWarning(tr("{n} samples have no round and are left out.").format(n=n_no_round))
            frame = frame[frame["round_pos"].notna()]

        selected = frame["source_row"].to_numpy(dtype=np.int64)
        feedback.setProgressText(tr("Joining samples to townships…"))
        polygons, repaired = repair_polygons([f.geometry() for f in township_features])
        if repaired:
            feedback.pushWarning(tr("{n} township polygons were invalid and were repaired before the join.").format(n=repaired))
        rings = [polygon_rings(p) for p in polygons]
        township_index, overlaps = assign_points_with_overlaps(
            points[selected, 0], points[selected, 1], rings, cancelled=feedback.isCanceled
        )
        if feedback.isCanceled():
            return None
        log_overlaps(overlaps, township_features, getattr(self, "_name_field", ""), feedback)
        frame = frame.assign(township=township_index)
        if getattr(self, "_sites", None) is not None:
            frame = frame.assign(population=site_population_of(self._sites, frame["site"].to_numpy(dtype=object), feedback))
        elif self._population_field:
            population = to_float_array(list(read.extra[self._population_field]))
            frame = frame.assign(population=population[frame["source_row"].to_numpy(dtype=np.int64)])
        all_rounds = sm.rounds_in_time(frame)
        frame = self._panel(frame, township_features, feedback)
        substituted = substitute(frame["concentration"].to_numpy(), frame["detected"].to_numpy(dtype=bool), frame["lod"].to_numpy(), policy)
        stats = township_round_stats(
            frame["township"].to_numpy(),
            frame["round"].to_numpy(dtype=object),
            substituted.values,
            frame["detected"].to_numpy(dtype=bool),
            len(township_features),
            all_rounds,
            frame["population"].to_numpy() if "population" in frame else None,
        )
        if "population" in frame:
            self._log_weighted(frame, substituted.values, feedback)
        in_none = frame["township"].to_numpy() < 0
        unmatched_ids = [int(i) for i in ids[frame["source_row"].to_numpy(dtype=np.int64)[in_none]]]
        return Joined(stats, unmatched_ids, int(len(frame)), n_all, substituted.without_limit, unit)

    def _log_weighted(self, frame, values, feedback) -> None:
        """The county figure per round, plain and population-weighted, and the samples without a population."""
        population = frame["population"].to_numpy(dtype=float)
        missing = int((~(population > 0)).sum())
        if missing:
            feedback.pushWarning(
                tr("{n} samples have no population served (or one ≤ 0): they are left out of mean_weighted.").format(n=missing)
            )
        table = pd.DataFrame({"round": frame["round"].to_numpy(dtype=object), "v": values, "w": population})
        for label in sm.rounds_in_time(frame):
            part = table[(table["round"] == label) & table["v"].notna()]
            use = part[part["w"] > 0]
            weighted = float((use["v"] * use["w"]).sum() / use["w"].sum()) if len(use) else float("nan")
            feedback.pushInfo(
                tr("County, round {round}: mean {plain:.4g}; population-weighted mean {weighted:.4g}.").format(
                    round=label, plain=float(part["v"].mean()) if len(part) else float("nan"), weighted=weighted
                )
            )

    def _default_text(self, name: str) -> str:
        return {
            "detected": tr("The samples have no field “detected”: every value present counts as detected."),
            "lod": tr("The samples have no field “lod”: non-detects have no detection limit."),
            "unit": tr("The samples have no field “unit”: every value is taken to be in the UNIT given ({unit}).").format(
                unit=getattr(self, "_default_unit", "") or "—"
            ),
            "medium": tr("The samples have no field “medium”: every sample counts as the chosen sample type."),
        }[name]

    def _panel(self, frame, township_features, feedback):
        """Warn where the set of sites behind a township changes between rounds; with FIXED_PANEL keep only the
        sites present in every round."""
        if frame["site"].isna().all():
            return frame
        if getattr(self, "_fixed_panel", False):
            frame, left = sm.fixed_panel(frame)
            feedback.pushInfo(
                tr("Fixed panel: {n} sites are sampled in every round and count; {m} sites left out: {sites}.").format(
                    n=int(frame["site"].nunique()), m=len(left), sites=", ".join(left[:50]) or "—"
                )
            )
            return frame
        changes = sm.panel_changes(frame[frame["township"] >= 0], "township")
        for township, round_label, added, dropped in changes[:MAX_EMPTY_LISTED]:
            feedback.pushWarning(
                tr(
                    "The sites behind township “{name}” change in round {round} (added: {added}; dropped: {dropped}): its change "
                    "between rounds mixes a change of sites with a change of values. Use the fixed panel option to compare the same sites."
                ).format(
                    name=self._township_name(township_features, township),
                    round=round_label,
                    added=", ".join(added) or "—",
                    dropped=", ".join(dropped) or "—",
                )
            )
        return frame

    def _township_name(self, township_features, index):
        field = getattr(self, "_name_field", None)
        feature = township_features[int(index)]
        return feature[field] if field else feature.id()

    def _plain_for_database(self, samples) -> bool:
        """The database join handles the import's full field set and one unit; anything else goes in memory,
        where the sample model's guards word the refusal."""
        if self._fixed_panel or self._population_field or getattr(self, "_sites", None) is not None:
            return False
        fields = samples.fields()
        if any(fields.lookupField(n) < 0 for n in SAMPLE_FIELDS):
            return False
        if fields.field("detected").type() != FIELD_BOOL:  # text flags (yes, 是…) are the sample model's to read
            return False
        units = {u for u in samples.uniqueValues(fields.lookupField("unit")) if u is not None and not (hasattr(u, "isNull") and u.isNull())}
        return len(units) <= 1

    def _can_push_down(self, parameters, context) -> bool:
        """Both layers whole PostGIS tables of one database (no selection, filter or limit on either)."""
        if not (fast_read.whole_layer(parameters, self.SAMPLES) and fast_read.whole_layer(parameters, self.TOWNSHIPS)):
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
        units = [u for u in samples.uniqueValues(samples.fields().lookupField("unit")) if isinstance(u, str)]
        return Joined(
            result.stats, result.unmatched_fids, result.n_selected, samples.featureCount(), result.without_limit, units[0] if units else ""
        )
