"""wbe:plansampling — where to sample next round: the panel, even coverage of each township, and follow-up
points that cut the suspected stretch above each hot sample into equal parts."""

from __future__ import annotations

import csv
import html
import math
import os

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsLineString,
    QgsMarkerSymbol,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsRectangle,
    QgsRendererCategory,
    QgsSpatialIndex,
    QgsWkbTypes,
)

from ...core import datum
from ...core import network as net
from ...core import planning as pl
from ...translate import tr
from ..base import WbeAlgorithm, is_null, read_columns, to_float_array, write_feature
from ..compat import FIELD_DOUBLE, FIELD_STRING
from ..io.samples import sample_mask, subset
from ..parameters import direction_parameters
from ..spatial import centre_lonlat, metric_crs, point_xy, polygon_of, repair_polygons, reproject, transformer
from ..styling import format_value, store_style
from .tracesource import TraceSource, line_parts

PANEL, COVERAGE, FOLLOW_UP = "panel", "coverage", "follow_up"
REASON_STYLE = {
    PANEL: ("#1f78b4", "square", "3.2"),
    COVERAGE: ("#33a02c", "circle", "3.2"),
    FOLLOW_UP: ("#e31a1c", "triangle", "4.0"),
}
_GRID_CELLS = 1500  # candidate places per township without a network


def plan_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("township", FIELD_STRING, len=120))
    fields.append(QgsField("reason", FIELD_STRING, len=20))
    fields.append(QgsField("site_id", FIELD_STRING, len=120))
    fields.append(QgsField("hot_site", FIELD_STRING, len=120))
    fields.append(QgsField("upstream_length_m", FIELD_DOUBLE))
    fields.append(QgsField("upstream_population", FIELD_DOUBLE))
    fields.append(QgsField("lon", FIELD_DOUBLE))
    fields.append(QgsField("lat", FIELD_DOUBLE))
    fields.append(QgsField("lon_gcj02", FIELD_DOUBLE))
    fields.append(QgsField("lat_gcj02", FIELD_DOUBLE))
    return fields


def reason_label(reason: str) -> str:
    return {PANEL: tr("Panel (sampled every round)"), COVERAGE: tr("Coverage"), FOLLOW_UP: tr("Follow-up of a hot sample")}[reason]


def plan_renderer() -> QgsCategorizedSymbolRenderer:
    categories = []
    for reason, (colour, shape, size) in REASON_STYLE.items():
        symbol = QgsMarkerSymbol.createSimple({"name": shape, "color": colour, "outline_color": "#222222", "size": size})
        categories.append(QgsRendererCategory(reason, symbol, reason_label(reason)))
    return QgsCategorizedSymbolRenderer("reason", categories)


class PlanSampling(WbeAlgorithm):
    ALG_ID = "plansampling"
    GROUP_ID = "fieldwork"
    ICON = "wbe.svg"

    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    NETWORK = "NETWORK"
    DIRECTION_FIELD = "DIRECTION_FIELD"
    VALUE_FORWARD = "VALUE_FORWARD"
    VALUE_BACKWARD = "VALUE_BACKWARD"
    VALUE_BOTH = "VALUE_BOTH"
    DEFAULT_DIRECTION = "DEFAULT_DIRECTION"
    TOLERANCE = "TOLERANCE"
    SAMPLES = "SAMPLES"
    VALUE_FIELD = "VALUE_FIELD"
    SITE_FIELD = "SITE_FIELD"
    COMPOUND = "COMPOUND"
    THRESHOLD = "THRESHOLD"
    POINTS_PER_TOWNSHIP = "POINTS_PER_TOWNSHIP"
    KEEP_PANEL = "KEEP_PANEL"
    FOLLOW_UP = "FOLLOW_UP"
    POPULATION = "POPULATION"
    POPULATION_FIELD = "POPULATION_FIELD"
    POPULATION_RASTER = "POPULATION_RASTER"
    MEASURE = "MEASURE"
    SNAP_DISTANCE = "SNAP_DISTANCE"
    RADIUS = "RADIUS"
    OUTPUT = "OUTPUT"
    FIELD_SHEET = "FIELD_SHEET"

    def flags(self):
        # the PDF field sheet is laid out by Qt's text document on the main thread
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def displayName(self) -> str:
        return tr("Plan the next sampling round")

    def shortHelpString(self) -> str:
        return tr(
            "Proposes where to sample next round, so that trends stay comparable, every township is covered evenly, and the search "
            "for a source narrows round by round. Each proposed point has a reason:\n\n"
            "• panel: a site sampled in every earlier round (SAMPLES with the field “round”; without it, every site). KEEP_PANEL keeps "
            "them at their own place, so that the trend of a site compares like with like.\n"
            "• coverage: each township is filled up to POINTS_PER_TOWNSHIP (panel points count). With a NETWORK the points cover the "
            "township's lines: first as much of them as possible lies upstream of some point, then the stretches between the points are "
            "made as equal in length (or in population, MEASURE) as possible. Without a network, or in a township with no lines, the points "
            "are spread over the township's area (or its population) by weighted k-means, and the covered share is the area (or "
            "population) within RADIUS metres of a point. The log gives each township's covered share.\n"
            "• follow_up: a sample is hot when its value ≥ THRESHOLD in its latest round (the highest value of the site in that round; choose COMPOUND when the layer holds several). Above each hot sample with no hot sample "
            "upstream, the suspected stretch is the network draining to it, minus every branch draining to a clean sample. FOLLOW_UP points "
            "are placed on it (snapped to the lines) so that they cut it into parts of equal length (or population): whatever the results, "
            "the stretch that can still hold the source shrinks to the largest part, a third with 2 points where the shape of the network "
            "allows it (the log gives the share). No point lands downstream of the hot sample or in a branch shown clean. Follow-up points "
            "come on top of the township's budget. A hot sample farther than SNAP_DISTANCE from every line, or with no line upstream, gets "
            "its follow-up points on a half circle of RADIUS metres facing away from the nearest clean sample, and the log says so.\n\n"
            "Network: lines with directions as in “Trace the source along the drainage network” (digitising direction, or DIRECTION_FIELD "
            "with forward, backward or both). A network where every line is “both” has no direction: the plan then falls back to area "
            "coverage and distance follow-up, and the log says that tracing needs a network with directions.\n\n"
            "POPULATION: points with a count (POPULATION_FIELD) or a raster of people per cell; each person is counted on the nearest line.\n\n"
            "OUTPUT: points with township, reason, site_id, hot_site (for follow-up points), upstream_length_m (all network upstream of "
            "the point), upstream_population, lon and lat (WGS84) and lon_gcj02 and lat_gcj02 (GCJ-02, for the field team's phone maps: "
            "Amap/Gaode and Tencent maps use it). FIELD_SHEET (optional): the points by township and reason, as a .csv (opens in Excel) "
            "or a printable .pdf."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.SourceType.TypeVectorPolygon])
        )
        self.addParameter(
            QgsProcessingParameterField(self.TOWNSHIP_FIELD, tr("Township name field"), parentLayerParameterName=self.TOWNSHIPS)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.NETWORK, tr("Drainage network (optional)"), [QgsProcessing.SourceType.TypeVectorLine], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(self.DIRECTION_FIELD, tr("Direction field"), parentLayerParameterName=self.NETWORK, optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.SAMPLES, tr("Samples of the last rounds (optional)"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.VALUE_FIELD,
                tr("Value field"),
                parentLayerParameterName=self.SAMPLES,
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.SITE_FIELD, tr("Site name field"), parentLayerParameterName=self.SAMPLES, defaultValue="site_id", optional=True
            )
        )
        self.addParameter(QgsProcessingParameterString(self.COMPOUND, tr("Compound (empty: the layer holds one)"), optional=True))
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD,
                tr("Threshold: a sample is hot when its value is ≥ this"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=100.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.POINTS_PER_TOWNSHIP, tr("Points per township"), QgsProcessingParameterNumber.Type.Integer, defaultValue=5, minValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.KEEP_PANEL, tr("Keep the sites sampled in every round (panel)"), defaultValue=True)
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.FOLLOW_UP,
                tr("Follow-up points for each suspected stretch"),
                QgsProcessingParameterNumber.Type.Integer,
                defaultValue=2,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.POPULATION, tr("Population points (optional)"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.POPULATION_FIELD,
                tr("Population count field"),
                parentLayerParameterName=self.POPULATION,
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterRasterLayer(self.POPULATION_RASTER, tr("Population raster (optional)"), optional=True))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.MEASURE, tr("Split and cover by"), options=[tr("Network length (or area)"), tr("Population")], defaultValue=0
            )
        )
        advanced = [
            QgsProcessingParameterNumber(
                self.SNAP_DISTANCE,
                tr("Snapping distance (metres)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=50.0,
                minValue=0.0,
            ),
            QgsProcessingParameterNumber(
                self.RADIUS,
                tr("Radius a point stands for without a network (metres)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=1000.0,
                minValue=1.0,
            ),
            *direction_parameters(),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Sampling plan"), QgsProcessing.SourceType.TypeVectorPoint))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.FIELD_SHEET, tr("Field sheet (.csv or .pdf)"), "CSV (*.csv);;PDF (*.pdf)", optional=True, createByDefault=False
            )
        )
        self.addOutput(QgsProcessingOutputNumber("N_PANEL", tr("Panel points")))
        self.addOutput(QgsProcessingOutputNumber("N_COVERAGE", tr("Coverage points")))
        self.addOutput(QgsProcessingOutputNumber("N_FOLLOW_UP", tr("Follow-up points")))
        self.addOutput(QgsProcessingOutputNumber("COVERED_SHARE", tr("Covered share of all townships")))

    # -- reading ------------------------------------------------------------------------------------

    def _townships(self, parameters, context, work_crs, feedback):
        source = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        field = self.parameterAsString(parameters, self.TOWNSHIP_FIELD, context)
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=field))
        columns, geometries, _ids = read_columns(source, [field], feedback, with_geometry=True)
        to_work = transformer(source.sourceCrs(), work_crs, context)
        geometries, _repaired = repair_polygons([reproject(g, to_work) for g in geometries])
        names = ["" if is_null(v) else str(v) for v in columns[field]]
        if not names:
            raise QgsProcessingException(tr("The layer “{layer}” has no townships.").format(layer=source.sourceName()))
        return names, geometries

    def _population(self, parameters, context, work_crs, feedback) -> np.ndarray:
        """(n, 3): x, y, people, in the working CRS, from the points or the raster given."""
        out = []
        source = self.parameterAsSource(parameters, self.POPULATION, context)
        if source is not None:
            field = self.parameterAsString(parameters, self.POPULATION_FIELD, context)
            if not field or source.fields().lookupField(field) < 0:
                raise QgsProcessingException(
                    tr("Population points need a count field (POPULATION_FIELD) of the layer “{layer}”.").format(layer=source.sourceName())
                )
            transform = transformer(source.sourceCrs(), work_crs, context)
            columns, xy, _ids = read_columns(source, [field], feedback, point_transform=transform if transform is not None else True)
            counts = to_float_array(columns[field])
            good = np.isfinite(counts) & np.isfinite(xy).all(axis=1) & (counts > 0)
            if (~good).sum():
                feedback.pushInfo(
                    tr("{n} population points with no count, a count ≤ 0 or no point are left out.").format(n=int((~good).sum()))
                )
            out.append(np.column_stack([xy[good], counts[good]]))
        raster = self.parameterAsRasterLayer(parameters, self.POPULATION_RASTER, context)
        if raster is not None:
            provider = raster.dataProvider()
            extent = raster.extent()
            width, height = raster.width(), raster.height()
            scale = max(1.0, math.sqrt(width * height / 250_000))  # read at most about 250,000 cells
            w, h = max(1, int(width / scale)), max(1, int(height / scale))
            if scale > 1.0:
                feedback.pushInfo(
                    tr(
                        "The population raster is read at {w} × {h} cells: each coarser cell takes the value of one finer cell, "
                        "times the number of finer cells it spans."
                    ).format(w=w, h=h)
                )
            block = provider.block(1, extent, w, h)
            values = _block_array(block, w, h)
            values *= (width / w) * (height / h)  # people per cell of the coarser reading
            xs = extent.xMinimum() + (np.arange(w) + 0.5) * extent.width() / w
            ys = extent.yMaximum() - (np.arange(h) + 0.5) * extent.height() / h
            gx, gy = np.meshgrid(xs, ys)
            keep = np.isfinite(values) & (values > 0)
            to_work = transformer(raster.crs(), work_crs, context)
            rows = []
            for x, y, v in zip(gx[keep], gy[keep], values[keep]):
                point = QgsPointXY(x, y)
                if to_work is not None:
                    point = to_work.transform(point)
                rows.append((point.x(), point.y(), v))
            out.append(np.array(rows, dtype=float).reshape(-1, 3))
        if not out:
            return np.zeros((0, 3))
        return np.vstack(out)

    def _samples(self, parameters, context, work_crs, feedback):
        """Sites: name → dict(point, rounds, latest value)."""
        source = self.parameterAsSource(parameters, self.SAMPLES, context)
        if source is None:
            return {}, [], None
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context)
        site_field = self.parameterAsString(parameters, self.SITE_FIELD, context)
        if site_field == "site_id" and source.fields().lookupField(site_field) < 0:
            feedback.pushInfo(tr("The samples have no field “site_id”: sites are told apart by their coordinates."))
            site_field = ""
        for name in [value_field, site_field]:
            if name and source.fields().lookupField(name) < 0:
                raise QgsProcessingException(
                    tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=name)
                )
        names = [n for n in (value_field, site_field) if n]
        for extra in ("compound", "round"):
            if source.fields().lookupField(extra) >= 0 and extra not in names:
                names.append(extra)
        columns, geometries, _ids = read_columns(source, names, feedback, with_geometry=True)
        keep = sample_mask(columns, self.parameterAsString(parameters, self.COMPOUND, context).strip(), "", source.sourceName(), feedback)
        columns, geometries = subset(columns, geometries, keep)
        to_work = transformer(source.sourceCrs(), work_crs, context)
        values = to_float_array(columns[value_field]) if value_field else np.full(len(geometries), np.nan)
        rounds = columns.get("round")
        sites: dict[str, dict] = {}
        no_point = 0
        for i, geometry in enumerate(geometries):
            point = point_xy(reproject(geometry, to_work)) if geometry is not None else None
            if point is None:
                no_point += 1
                continue
            name = "" if not site_field or is_null(columns[site_field][i]) else str(columns[site_field][i]).strip()
            if not name:
                name = f"{point.x():.0f},{point.y():.0f}"
            the_round = "" if rounds is None or is_null(rounds[i]) else str(rounds[i])
            site = sites.setdefault(name, {"point": point, "rounds": {}, "name": name})
            site["rounds"].setdefault(the_round, []).append(values[i])
        if no_point:
            feedback.pushWarning(tr("{n} samples have no point and are left out.").format(n=no_point))
        all_rounds = sorted({r for s in sites.values() for r in s["rounds"]}, key=_round_key)
        for site in sites.values():
            latest = max(site["rounds"], key=_round_key)
            finite = [v for v in site["rounds"][latest] if not math.isnan(v)]
            site["latest"] = latest
            site["value"] = max(finite) if finite else math.nan
        return sites, all_rounds, value_field

    # -- the network ---------------------------------------------------------------------------------

    def _network(self, parameters, context, source, work_crs, names, polygons, site_points, snap, feedback):
        """Lines cut at township boundaries and at the snapped sites → pieces, a flow graph and each site's node."""
        directions, default = TraceSource._directions(self, parameters, context, source, feedback)
        to_work = transformer(source.sourceCrs(), work_crs, context)
        tolerance = self.parameterAsDouble(parameters, self.TOLERANCE, context)
        parts: list[QgsLineString] = []
        part_direction: list[int] = []
        for k, feature in enumerate(source.getFeatures()):
            lines = line_parts(reproject(feature.geometry(), to_work))
            parts.extend(lines)
            part_direction.extend([directions[k] if directions else default] * len(lines))
        if not parts:
            raise _FallbackError(tr("The network “{layer}” has no lines.").format(layer=source.sourceName()))
        if all(d == net.BOTH for d in part_direction):
            raise _FallbackError(
                tr(
                    "Every line of the network “{layer}” has the direction “both”: the network has no direction. Tracing needs a network "
                    "with directions; this plan falls back to coverage by area and follow-up by distance."
                ).format(layer=source.sourceName())
            )
        part_geometries = [QgsGeometry(p.clone()) for p in parts]
        index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
        for k, geometry in enumerate(part_geometries):
            feature = QgsFeature(k)
            feature.setGeometry(geometry)
            index.addFeature(feature)
        # cuts at township boundaries
        cuts: dict[int, list[tuple[float, str | None]]] = {}
        boundaries = [
            g.convertToType(QgsWkbTypes.GeometryType.LineGeometry, True) if g is not None and not g.isEmpty() else None for g in polygons
        ]
        for boundary in boundaries:
            if boundary is None or boundary.isNull():
                continue
            for k in index.intersects(boundary.boundingBox()):
                crossing = part_geometries[k].intersection(boundary)
                if crossing.isEmpty():
                    continue
                for vertex in crossing.vertices():
                    position = part_geometries[k].lineLocatePoint(QgsGeometry.fromPointXY(QgsPointXY(vertex.x(), vertex.y())))
                    cuts.setdefault(k, []).append((position, None))
        # cuts at the sites
        site_distance = {}
        for name, point in site_points.items():
            geometry = QgsGeometry.fromPointXY(point)
            candidates = index.nearestNeighbor(point, 3)
            if not candidates:
                continue
            best = min(candidates, key=lambda k: part_geometries[k].distance(geometry))
            distance = part_geometries[best].distance(geometry)
            site_distance[name] = distance
            if distance <= snap:
                cuts.setdefault(best, []).append((part_geometries[best].lineLocatePoint(geometry), name))
        node_of: dict[tuple, int] = {}
        node_count = [0]

        def node_at(x: float, y: float) -> int:
            key = (round(x / tolerance), round(y / tolerance)) if tolerance > 0 else (round(x, 6), round(y, 6))
            node = node_of.get(key)
            if node is None:
                node = node_count[0]
                node_of[key] = node
                node_count[0] += 1
            return node

        start, end, direction, pieces, lengths = [], [], [], [], []
        site_node: dict[str, int] = {}
        for k, part in enumerate(parts):
            length = part.length()
            first = node_at(part.xAt(0), part.yAt(0))
            last = node_at(part.xAt(part.numPoints() - 1), part.yAt(part.numPoints() - 1))
            stops = [(0.0, first)]
            for position, name in sorted(cuts.get(k, []), key=lambda c: c[0]):
                if position <= 1e-6:
                    node = first
                elif position >= length - 1e-6:
                    node = last
                elif position - stops[-1][0] <= 1e-6 and len(stops) > 1:
                    node = stops[-1][1]
                else:
                    node = node_count[0]
                    node_count[0] += 1
                    stops.append((position, node))
                if name is not None:
                    site_node[name] = node
            stops.append((length, last))
            for (a, na), (b, nb) in zip(stops[:-1], stops[1:]):
                if b - a <= 1e-6:
                    continue
                start.append(na)
                end.append(nb)
                direction.append(part_direction[k])
                pieces.append(QgsGeometry(part.curveSubstring(a, b)) if (a > 0 or b < length) else QgsGeometry(part.clone()))
                lengths.append(b - a)
        graph = net.orient(start, end, direction)
        midpoints = [p.interpolate(p.length() / 2).asPoint() for p in pieces]
        township = np.array(polygon_of([QgsPointXY(m) for m in midpoints], polygons), dtype=np.int64)
        return graph, np.array(lengths), pieces, np.array(direction), township, site_node, site_distance

    # -- the run -------------------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        townships = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        if townships is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.TOWNSHIPS))
        network = self.parameterAsSource(parameters, self.NETWORK, context)
        budget = self.parameterAsInt(parameters, self.POINTS_PER_TOWNSHIP, context)
        keep_panel = self.parameterAsBool(parameters, self.KEEP_PANEL, context)
        n_follow = self.parameterAsInt(parameters, self.FOLLOW_UP, context)
        threshold = self.parameterAsDouble(parameters, self.THRESHOLD, context)
        snap = self.parameterAsDouble(parameters, self.SNAP_DISTANCE, context)
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        by_population = self.parameterAsEnum(parameters, self.MEASURE, context) == 1
        sheet_path = self.parameterAsFileOutput(parameters, self.FIELD_SHEET, context)

        work_crs = metric_crs(townships.sourceCrs(), centre_lonlat(townships.sourceCrs(), townships.sourceExtent(), context))
        names, polygons = self._townships(parameters, context, work_crs, feedback)
        population = self._population(parameters, context, work_crs, feedback)
        if by_population and population.shape[0] == 0:
            raise QgsProcessingException(tr("MEASURE is population, but no POPULATION points or raster with people were given."))
        sites, all_rounds, value_field = self._samples(parameters, context, work_crs, feedback)

        # Panel: the sites sampled in every round.
        panel = []
        if keep_panel and sites:
            panel = [name for name, s in sites.items() if set(all_rounds) <= set(s["rounds"])]
            if all_rounds != [""]:
                feedback.pushInfo(
                    tr("{n} of {total} sites were sampled in every round ({rounds}): they form the panel.").format(
                        n=len(panel), total=len(sites), rounds=", ".join(all_rounds)
                    )
                )
            else:
                feedback.pushInfo(
                    tr("The samples have no field “round”: every one of the {n} sites is kept as panel.").format(n=len(panel))
                )
        hot, clean = [], []
        if sites and value_field:
            for name, s in sites.items():
                if math.isnan(s["value"]):
                    continue
                (hot if s["value"] >= threshold else clean).append(name)
            feedback.pushInfo(
                tr("{hot} sites are hot (latest value ≥ {threshold}) and {clean} clean.").format(
                    hot=len(hot), clean=len(clean), threshold=format_value(threshold)
                )
            )
        elif sites and n_follow > 0:
            feedback.pushWarning(tr("No VALUE_FIELD is given: no sample can be hot, and no follow-up point is planned."))

        # The network, or the fallback without it.
        graph = None
        if network is not None:
            try:
                graph, lengths, pieces, directions, piece_town, site_node, site_distance = self._network(
                    parameters, context, network, work_crs, names, polygons, {n: s["point"] for n, s in sites.items()}, snap, feedback
                )
            except _FallbackError as fallback:
                feedback.pushWarning(str(fallback))
                graph = None
        else:
            feedback.pushInfo(
                tr("No network is given: coverage is by area (or population) and follow-up by distance. Tracing a source needs a network.")
            )

        plan: list[dict] = []  # each: xy (working CRS), reason, site_id, hot_site, edge/t or node, township index
        site_town = polygon_of([sites[n]["point"] for n in sites], polygons) if sites else []
        town_of_site = dict(zip(sites, site_town))
        for name in panel:
            plan.append({"xy": sites[name]["point"], "reason": PANEL, "site": name, "hot": None, "node": None, "town": town_of_site[name]})
            if town_of_site[name] < 0:
                feedback.pushWarning(tr("The panel site {site} lies in no township; it is kept, with no township.").format(site=name))

        density = None
        if graph is not None:
            for item in plan:
                item["node"] = site_node.get(item["site"])
            if population.shape[0]:
                people = self._people_on_pieces(pieces, population)
                pop_density = people / np.maximum(lengths, 1e-9)
            else:
                pop_density = None
            density = pop_density if by_population else None
            all_bits = pl.drain_bits(graph, np.arange(lengths.size))

        # Follow-up.
        fallback_hot = []
        if hot and n_follow > 0:
            feedback.setProgressText(tr("Placing follow-up points…"))
            if graph is not None:
                on_net = [h for h in hot if h in site_node]
                for h in hot:
                    if h not in site_node:
                        feedback.pushWarning(
                            tr(
                                "The hot sample {site} lies {d} m from the nearest line, farther than SNAP_DISTANCE ({snap} m): its "
                                "follow-up points are placed by distance around it. Check its coordinates, or raise SNAP_DISTANCE."
                            ).format(site=h, d=format_value(site_distance.get(h, math.inf)), snap=format_value(snap))
                        )
                        fallback_hot.append(h)
                clean_nodes = [site_node[c] for c in clean if c in site_node]
                stretches = pl.suspected_stretches(graph, [site_node[h] for h in on_net], clean_nodes)
                fixed = [("node", item["node"]) for item in plan if item["node"] is not None]
                for stretch in stretches:
                    h = on_net[stretch.hot]
                    explained = [on_net[k] for k in stretch.explains]
                    if explained:
                        feedback.pushInfo(
                            tr("The hot sample {site} explains the hot result downstream at {down}.").format(
                                site=h, down=", ".join(explained)
                            )
                        )
                    if stretch.edges.size == 0 or lengths[stretch.edges].sum() <= 1.0:
                        feedback.pushWarning(
                            tr(
                                "No line that is not shown clean drains to the hot sample {site}: the source lies at the sample itself or "
                                "the network upstream is missing. Its follow-up points are placed by distance around it."
                            ).format(site=h)
                        )
                        fallback_hot.append(h)
                        continue
                    stretch_density = density[stretch.edges] if density is not None else None
                    if stretch_density is not None and stretch_density.sum() <= 0:
                        feedback.pushWarning(tr("Nobody lives along the stretch above {site}: it is cut by length.").format(site=h))
                        stretch_density = None
                    placement = pl.place_points(graph, lengths, stretch.edges, n_follow, fixed=fixed, density=stretch_density)
                    for k, (e, t) in enumerate(placement.points):
                        plan.append(
                            {
                                "xy": self._at(pieces[e], directions[e], t),
                                "reason": FOLLOW_UP,
                                "site": f"{h}-F{k + 1}",
                                "hot": h,
                                "edge": (e, t),
                            }
                        )
                    feedback.pushInfo(
                        tr(
                            "Stretch above {site}: {length} m of line can hold the source; {n} follow-up points cut it so that at most "
                            "{share}% of it is left after the next results."
                        ).format(
                            site=h,
                            length=format_value(float(lengths[stretch.edges].sum())),
                            n=len(placement.points),
                            share=format_value(100.0 * placement.cells.max() / placement.total),
                        )
                    )
            else:
                fallback_hot = list(hot)
            for h in fallback_hot:
                centre = sites[h]["point"]
                nearest_clean = None
                if clean:
                    nearest_clean = min((sites[c]["point"] for c in clean), key=lambda p: p.sqrDist(centre))
                ring = pl.ring_points(
                    (centre.x(), centre.y()),
                    n_follow,
                    radius,
                    away_from=None if nearest_clean is None else (nearest_clean.x(), nearest_clean.y()),
                )
                for k, (x, y) in enumerate(ring):
                    plan.append({"xy": QgsPointXY(x, y), "reason": FOLLOW_UP, "site": f"{h}-F{k + 1}", "hot": h})
            if graph is None and hot:
                feedback.pushInfo(
                    tr(
                        "Follow-up points are placed {d} m around each hot sample: tracing the source upstream needs a network with directions."
                    ).format(d=format_value(radius))
                )
        follow_towns = polygon_of([item["xy"] for item in plan if item["reason"] == FOLLOW_UP], polygons)
        for item, town in zip([i for i in plan if i["reason"] == FOLLOW_UP], follow_towns):
            item["town"] = town
            if town < 0:
                feedback.pushWarning(
                    tr("The follow-up point {site} lies outside every township; it is kept, with no township.").format(site=item["site"])
                )

        # Coverage.
        feedback.setProgressText(tr("Covering the townships…"))
        covered_total, measure_total = 0.0, 0.0
        for t, name in enumerate(names):
            if feedback.isCanceled():
                return {}
            in_town = [item for item in plan if item.get("town") == t]
            n_panel = sum(1 for item in in_town if item["reason"] == PANEL)
            room = budget - n_panel
            if room < 0:
                feedback.pushWarning(
                    tr(
                        "Township {town}: {n} panel sites, more than the budget of {budget} points. All panel sites are kept (trends stay "
                        "comparable) and no coverage point is added; raise POINTS_PER_TOWNSHIP or untick KEEP_PANEL to choose."
                    ).format(town=name, n=n_panel, budget=budget)
                )
                room = 0
            members = np.flatnonzero(piece_town == t) if graph is not None else np.zeros(0, dtype=np.int64)
            if graph is not None and members.size == 0:
                feedback.pushWarning(
                    tr("Township {town} has no line of the network: its points are spread over its area (or population).").format(town=name)
                )
            if graph is not None and members.size:
                fixed = [("node", item["node"]) for item in in_town if item.get("node") is not None]
                fixed += [item["edge"] for item in in_town if "edge" in item]
                town_density = density[members] if density is not None else None
                if town_density is not None and town_density.sum() <= 0:
                    feedback.pushWarning(tr("Township {town}: nobody lives along its lines; it is covered by length.").format(town=name))
                    town_density = None
                placement = pl.place_points(graph, lengths, members, room, fixed=fixed, density=town_density, cover_first=True)
                for k, (e, off) in enumerate(placement.points):
                    plan.append(
                        {
                            "xy": self._at(pieces[e], directions[e], off),
                            "reason": COVERAGE,
                            "site": f"{name}-C{k + 1}",
                            "hot": None,
                            "edge": (e, off),
                            "town": t,
                        }
                    )
                share = 1.0 - placement.uncovered / placement.total if placement.total > 0 else 0.0
                unit = tr("of the population along its lines") if town_density is not None else tr("of its network length")
                total = placement.total
            else:
                xy, weight = self._grid(polygons[t], population if by_population else None)
                if xy.shape[0] == 0:
                    feedback.pushWarning(tr("Township {town} has no area: no coverage point.").format(town=name))
                    continue
                fixed = np.array([[item["xy"].x(), item["xy"].y()] for item in in_town]).reshape(-1, 2)
                new = pl.spread_points(xy, weight, room, fixed=fixed)
                for k, (x, y) in enumerate(new):
                    plan.append({"xy": QgsPointXY(x, y), "reason": COVERAGE, "site": f"{name}-C{k + 1}", "hot": None, "town": t})
                share = pl.covered_share(xy, weight, np.vstack([fixed, new]) if len(new) else fixed, radius)
                unit = (
                    tr("of its population within {d} m of a point") if by_population else tr("of its area within {d} m of a point")
                ).format(d=format_value(radius))
                total = float(weight.sum())
            covered_total += share * total
            measure_total += total
            feedback.pushInfo(
                tr("Township {town}: {n} points ({panel} panel, {cov} coverage); {share}% {unit} is covered.").format(
                    town=name,
                    n=sum(1 for item in plan if item.get("town") == t and item["reason"] != FOLLOW_UP),
                    panel=n_panel,
                    cov=sum(1 for item in plan if item.get("town") == t and item["reason"] == COVERAGE),
                    share=format_value(100.0 * share),
                    unit=unit,
                )
            )

        if not plan:
            raise QgsProcessingException(tr("The plan is empty: POINTS_PER_TOWNSHIP is 0 and there is no panel site or hot sample."))

        # Output.
        out_fields = plan_fields()
        out_crs = townships.sourceCrs()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, QgsWkbTypes.Type.Point, out_crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        to_out = transformer(work_crs, out_crs, context)
        to_wgs = transformer(work_crs, QgsCoordinateReferenceSystem("EPSG:4326"), context)
        order = sorted(
            range(len(plan)),
            key=lambda i: (
                names[plan[i]["town"]] if plan[i].get("town", -1) >= 0 else "\uffff",
                ["panel", "coverage", "follow_up"].index(plan[i]["reason"]),
                plan[i]["site"],
            ),
        )
        rows = []
        for i in order:
            item = plan[i]
            wgs = to_wgs.transform(item["xy"]) if to_wgs is not None else item["xy"]
            g_lon, g_lat = datum.wgs84_to_gcj02(wgs.x(), wgs.y())
            up_len = up_pop = None
            if graph is not None:
                where = item.get("edge")
                if where is None and item.get("node") is not None:
                    up_len = float(lengths[pl.bits_to_bool(all_bits[item["node"]], lengths.size)].sum())
                    if pop_density is not None:
                        up_pop = float((pop_density * lengths)[pl.bits_to_bool(all_bits[item["node"]], lengths.size)].sum())
                elif where is not None:
                    e, off = where
                    fraction = float(off / lengths[e]) if lengths[e] > 0 else 0.0
                    up_len = pl.upstream_measure(graph, all_bits, lengths, e, fraction)
                    if pop_density is not None:
                        up_pop = pl.upstream_measure(graph, all_bits, pop_density * lengths, e, fraction)
            town = names[item["town"]] if item.get("town", -1) >= 0 else None
            feature = QgsFeature(out_fields)
            feature.setGeometry(reproject(QgsGeometry.fromPointXY(item["xy"]), to_out))
            values = [town, item["reason"], item["site"], item.get("hot"), up_len, up_pop, wgs.x(), wgs.y(), float(g_lon), float(g_lat)]
            feature.setAttributes(values)
            write_feature(sink, feature, tr("Sampling plan"))
            rows.append(values)
        del sink
        store_style(dest_id, context, plan_renderer(), tr("Sampling plan"))
        counts = {r: sum(1 for item in plan if item["reason"] == r) for r in (PANEL, COVERAGE, FOLLOW_UP)}
        results = {
            self.OUTPUT: dest_id,
            "N_PANEL": counts[PANEL],
            "N_COVERAGE": counts[COVERAGE],
            "N_FOLLOW_UP": counts[FOLLOW_UP],
            "COVERED_SHARE": covered_total / measure_total if measure_total > 0 else 0.0,
        }
        if sheet_path:
            self._field_sheet(sheet_path, rows)
            results[self.FIELD_SHEET] = sheet_path
            feedback.pushInfo(tr("Field sheet written: {path}").format(path=sheet_path))
        return results

    # -- helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _at(piece: QgsGeometry, direction: int, t: float) -> QgsPointXY:
        """The point ``t`` metres below the upstream end of a piece (digitised backward: from its end)."""
        length = piece.length()
        offset = length - t if direction == net.BACKWARD else t
        return QgsPointXY(piece.interpolate(min(max(offset, 0.0), length)).asPoint())

    @staticmethod
    def _people_on_pieces(pieces, population: np.ndarray) -> np.ndarray:
        index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
        geometries = pieces
        for k, geometry in enumerate(geometries):
            feature = QgsFeature(k)
            feature.setGeometry(geometry)
            index.addFeature(feature)
        people = np.zeros(len(pieces))
        for x, y, count in population:
            point = QgsPointXY(x, y)
            candidates = index.nearestNeighbor(point, 3)
            if candidates:
                g = QgsGeometry.fromPointXY(point)
                people[min(candidates, key=lambda k: geometries[k].distance(g))] += count
        return people

    @staticmethod
    def _grid(polygon: QgsGeometry, population):
        """Candidate places inside a township (cell centres) and their weight: area, or people."""
        if polygon is None or polygon.isEmpty():
            return np.zeros((0, 2)), np.zeros(0)
        box: QgsRectangle = polygon.boundingBox()
        step = math.sqrt(max(polygon.area(), 1e-9) / _GRID_CELLS)
        xs = np.arange(box.xMinimum() + step / 2, box.xMaximum(), step)
        ys = np.arange(box.yMinimum() + step / 2, box.yMaximum(), step)
        engine = QgsGeometry.createGeometryEngine(polygon.constGet())
        engine.prepareGeometry()

        def contains(x: float, y: float) -> bool:
            point = QgsGeometry.fromPointXY(QgsPointXY(x, y))  # kept alive while the engine reads it
            return engine.contains(point.constGet())

        cells = [(x, y) for y in ys for x in xs if contains(x, y)]
        if not cells:
            centre = polygon.pointOnSurface().asPoint()
            cells = [(centre.x(), centre.y())]
        xy = np.array(cells, dtype=float)
        if population is None or population.shape[0] == 0:
            return xy, np.ones(len(xy))
        weight = np.zeros(len(xy))
        for x, y, count in population:
            if contains(x, y):
                weight[((xy - (x, y)) ** 2).sum(axis=1).argmin()] += count
        if weight.sum() <= 0:
            return xy, np.ones(len(xy))
        return xy, weight

    def _field_sheet(self, path: str, rows: list) -> None:
        headers = [
            tr("Township"),
            tr("Reason"),
            tr("Site"),
            tr("Follows hot sample"),
            tr("Upstream line (m)"),
            tr("Upstream population"),
            tr("Longitude (WGS84)"),
            tr("Latitude (WGS84)"),
            tr("Longitude (GCJ-02)"),
            tr("Latitude (GCJ-02)"),
        ]

        def cell(value, decimals=None):
            if value is None:
                return ""
            if decimals is not None:
                return f"{value:.{decimals}f}"
            return str(value)

        table = [
            [
                cell(r[0]),
                reason_label(r[1]),
                cell(r[2]),
                cell(r[3]),
                cell(r[4], 0),
                cell(r[5], 0),
                cell(r[6], 6),
                cell(r[7], 6),
                cell(r[8], 6),
                cell(r[9], 6),
            ]
            for r in rows
        ]
        if path.lower().endswith(".pdf"):
            short = {PANEL: tr("Panel"), COVERAGE: tr("Coverage"), FOLLOW_UP: tr("Follow-up")}
            pdf_headers = [headers[0], headers[1], headers[2], headers[3], headers[4], tr("WGS84 (lon, lat)"), tr("GCJ-02 (lon, lat)")]
            body = []
            for r in rows:
                values = [
                    cell(r[0]),
                    short[r[1]],
                    cell(r[2]),
                    cell(r[3]),
                    cell(r[4], 0),
                    f"{r[6]:.6f}, {r[7]:.6f}",
                    f"{r[8]:.6f}, {r[9]:.6f}",
                ]
                body.append("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in values) + "</tr>")
            title = tr("Sampling plan for the next round")
            text = (
                f"<html><body><h3>{html.escape(title)}</h3>"
                "<table border='1' cellspacing='0' cellpadding='4' width='100%'><tr>"
                + "".join(f"<th>{html.escape(h)}</th>" for h in pdf_headers)
                + "</tr>"
                + "".join(body)
                + "</table></body></html>"
            )
            if not _write_pdf_landscape(text, path, title):
                raise QgsProcessingException(tr("Could not write the field sheet “{path}”.").format(path=path))
            return
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(table)


def _block_array(block, width: int, height: int) -> np.ndarray:
    """A raster block as a float array, no-data as NaN (numpy view of the block's bytes; cell by cell for
    data types numpy has no match for)."""
    from qgis.core import Qgis

    types = {
        Qgis.DataType.Byte: np.uint8,
        Qgis.DataType.UInt16: np.uint16,
        Qgis.DataType.Int16: np.int16,
        Qgis.DataType.UInt32: np.uint32,
        Qgis.DataType.Int32: np.int32,
        Qgis.DataType.Float32: np.float32,
        Qgis.DataType.Float64: np.float64,
    }
    dtype = types.get(block.dataType())
    if dtype is None:
        return np.array([[np.nan if block.isNoData(r, c) else block.value(r, c) for c in range(width)] for r in range(height)])
    values = np.frombuffer(bytes(block.data()), dtype=dtype, count=width * height).reshape(height, width).astype(float)
    if block.hasNoDataValue():
        values[values == block.noDataValue()] = np.nan
    return values


def _write_pdf_landscape(text: str, path: str, title: str) -> bool:
    """The field sheet on A4 landscape, laid out by Qt's text document (the report's CJK font)."""
    from qgis.PyQt.QtCore import QMarginsF
    from qgis.PyQt.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    from ..report.render import pdf_font

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    document = QTextDocument()
    font = pdf_font()
    font.setPointSizeF(9)
    document.setDefaultFont(font)
    document.setHtml(text)
    writer = QPdfWriter(path)
    writer.setTitle(title)
    writer.setCreator("wbe_surveillance")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter
        )
    )
    writer.setResolution(300)
    document.print(writer)
    del writer
    return os.path.exists(path) and os.path.getsize(path) > 0


class _FallbackError(Exception):
    """A network that cannot be used: the plan falls back to area coverage and distance follow-up."""


def _round_key(text: str):
    """Rounds in time: 2018Q3, 2018-07 and 2018 → (year, month); an empty round first."""
    text = (text or "").strip()
    if not text:
        return (-1, 0)
    try:
        if "Q" in text.upper():
            year, quarter = text.upper().split("Q")
            return (int(year), 3 * int(quarter) - 2)
        if "-" in text:
            year, month = text.split("-")[:2]
            return (int(year), int(month))
        return (int(text), 0)
    except ValueError:
        return (10**6, 0)
