"""wbe:plansampling — where to sample next round: the panel, even coverage of each township, and follow-up
points that cut the suspected stretch above each hot sample into equal parts.

The science is core/planning.py; this module reads the layers (townships, samples, population, the network
as core.network.split_network cuts it), hands arrays to core, and writes the points and the field sheet."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
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
from ..fields import field_list
from ..io.field_sheet import write_field_sheet
from ..io.samples import sample_mask, subset
from ..parameters import (
    NetworkInputs,
    direction_field_parameter,
    direction_parameters,
    read_directions,
    sample_field_parameters,
    snap_distance_parameter,
)
from ..spatial import (
    centre_lonlat,
    line_xy,
    metric_crs,
    network_lines,
    piece_geometries,
    point_xy,
    polygon_of,
    repair_polygons,
    reproject,
    snap_to_lines,
    transformer,
)
from ..styling import format_value, store_style

PANEL, COVERAGE, FOLLOW_UP = "panel", "coverage", "follow_up"
REASON_STYLE = {
    PANEL: ("#1f78b4", "square", "3.2"),
    COVERAGE: ("#33a02c", "circle", "3.2"),
    FOLLOW_UP: ("#e31a1c", "triangle", "4.0"),
}
_GRID_CELLS = 1500  # candidate places per township without a network
THIRD = 1.0 / 3.0  # what 2 follow-up points a round leave at best


def plan_fields():
    return field_list(
        "township:string(120) reason:string(20) site_id:string(120) hot_site:string(120) upstream_length_m:double "
        "upstream_population:double lon:double lat:double lon_gcj02:double lat_gcj02:double"
    )


def reason_label(reason: str) -> str:
    return {PANEL: tr("Panel (sampled every round)"), COVERAGE: tr("Coverage"), FOLLOW_UP: tr("Follow-up of a hot sample")}[reason]


def short_reason_label(reason: str) -> str:
    return {PANEL: tr("Panel"), COVERAGE: tr("Coverage"), FOLLOW_UP: tr("Follow-up")}[reason]


def plan_renderer() -> QgsCategorizedSymbolRenderer:
    categories = []
    for reason, (colour, shape, size) in REASON_STYLE.items():
        symbol = QgsMarkerSymbol.createSimple({"name": shape, "color": colour, "outline_color": "#222222", "size": size})
        categories.append(QgsRendererCategory(reason, symbol, reason_label(reason)))
    return QgsCategorizedSymbolRenderer("reason", categories)


@dataclass
class PlanOptions:
    budget: int
    keep_panel: bool
    n_follow: int
    threshold: float
    snap: float
    radius: float
    by_population: bool
    sheet_path: str


class PlanSampling(NetworkInputs, WbeAlgorithm):
    ALG_ID = "plansampling"
    GROUP_ID = "fieldwork"
    ICON = "wbe.svg"

    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    THRESHOLD = "THRESHOLD"
    POINTS_PER_TOWNSHIP = "POINTS_PER_TOWNSHIP"
    KEEP_PANEL = "KEEP_PANEL"
    FOLLOW_UP = "FOLLOW_UP"
    POPULATION = "POPULATION"
    POPULATION_FIELD = "POPULATION_FIELD"
    POPULATION_RASTER = "POPULATION_RASTER"
    MEASURE = "MEASURE"
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
        self.addParameter(direction_field_parameter())
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.SAMPLES, tr("Samples of the last rounds (optional)"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        for param in sample_field_parameters(optional=True):
            self.addParameter(param)
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
            snap_distance_parameter(),
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

    # -- the run -------------------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        townships = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        if townships is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.TOWNSHIPS))
        options = self._options(parameters, context)
        work_crs = metric_crs(townships.sourceCrs(), centre_lonlat(townships.sourceCrs(), townships.sourceExtent(), context))
        names, polygons = self._townships(parameters, context, work_crs, feedback)
        population = self._population(parameters, context, work_crs, feedback)
        if options.by_population and population.shape[0] == 0:
            raise QgsProcessingException(tr("MEASURE is population, but no POPULATION points or raster with people were given."))
        sites, all_rounds, value_field = self._samples(parameters, context, work_crs, feedback)
        panel = panel_sites(sites, all_rounds, options.keep_panel, feedback)
        hot, clean = hot_and_clean(sites, value_field, options, feedback)
        network = self._network(parameters, context, work_crs, polygons, sites, options.snap, feedback)
        plan = panel_items(panel, sites, polygons, feedback)
        if network is not None:
            network.attach(plan, population, options.by_population)
        if hot and options.n_follow > 0:
            feedback.setProgressText(tr("Placing follow-up points…"))
            far = network.follow_up(plan, hot, clean, options.n_follow, feedback) if network is not None else list(hot)
            ring_follow_up(plan, sites, far, clean, options, feedback, network is None)
        place_in_townships(plan, polygons, feedback)
        feedback.setProgressText(tr("Covering the townships…"))
        covered = cover_townships(plan, names, polygons, network, population, options, feedback)
        if covered is None:
            return {}
        if not plan:
            raise QgsProcessingException(tr("The plan is empty: POINTS_PER_TOWNSHIP is 0 and there is no panel site or hot sample."))
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, plan_fields(), QgsWkbTypes.Type.Point, townships.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        rows = write_plan(sink, plan, names, network, transformer(work_crs, townships.sourceCrs(), context), work_crs, context)
        del sink
        store_style(dest_id, context, plan_renderer(), tr("Sampling plan"))
        counts = {r: sum(1 for item in plan if item["reason"] == r) for r in (PANEL, COVERAGE, FOLLOW_UP)}
        results = {
            self.OUTPUT: dest_id,
            "N_PANEL": counts[PANEL],
            "N_COVERAGE": counts[COVERAGE],
            "N_FOLLOW_UP": counts[FOLLOW_UP],
            "COVERED_SHARE": covered[0] / covered[1] if covered[1] > 0 else 0.0,
        }
        if options.sheet_path:
            write_field_sheet(options.sheet_path, rows, reason_label, short_reason_label)
            results[self.FIELD_SHEET] = options.sheet_path
            feedback.pushInfo(tr("Field sheet written: {path}").format(path=options.sheet_path))
        return results

    # -- reading ------------------------------------------------------------------------------------

    def _options(self, parameters, context) -> PlanOptions:
        return PlanOptions(
            budget=self.parameterAsInt(parameters, self.POINTS_PER_TOWNSHIP, context),
            keep_panel=self.parameterAsBool(parameters, self.KEEP_PANEL, context),
            n_follow=self.parameterAsInt(parameters, self.FOLLOW_UP, context),
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            snap=self.parameterAsDouble(parameters, self.SNAP_DISTANCE, context),
            radius=self.parameterAsDouble(parameters, self.RADIUS, context),
            by_population=self.parameterAsEnum(parameters, self.MEASURE, context) == 1,
            sheet_path=self.parameterAsFileOutput(parameters, self.FIELD_SHEET, context),
        )

    def _network(self, parameters, context, work_crs, polygons, sites, snap, feedback) -> PlanNetwork | None:
        """The network cut into pieces (or None, with the reason in the log: coverage by area, follow-up by distance)."""
        source = self.parameterAsSource(parameters, self.NETWORK, context)
        if source is None:
            feedback.pushInfo(
                tr("No network is given: coverage is by area (or population) and follow-up by distance. Tracing a source needs a network.")
            )
            return None
        directions, default = read_directions(self, parameters, context, source, feedback)
        tolerance = self.parameterAsDouble(parameters, self.TOLERANCE, context)
        try:
            return build_network(source, work_crs, context, directions, default, tolerance, polygons, sites, snap)
        except _FallbackError as fallback:
            feedback.pushWarning(str(fallback))
            return None

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
            out.append(raster_people(raster, work_crs, context, feedback))
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
        for extra in ("compound", "round", "unit", "medium"):
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


# -- the plan's parts ---------------------------------------------------------------------------------


def panel_sites(sites: dict, all_rounds: list, keep: bool, feedback) -> list[str]:
    """The sites sampled in every round (every site when the samples have no round)."""
    if not (keep and sites):
        return []
    panel = [name for name, s in sites.items() if set(all_rounds) <= set(s["rounds"])]
    if all_rounds != [""]:
        feedback.pushInfo(
            tr("{n} of {total} sites were sampled in every round ({rounds}): they form the panel.").format(
                n=len(panel), total=len(sites), rounds=", ".join(all_rounds)
            )
        )
    else:
        feedback.pushInfo(tr("The samples have no field “round”: every one of the {n} sites is kept as panel.").format(n=len(panel)))
    return panel


def hot_and_clean(sites: dict, value_field: str, options: PlanOptions, feedback) -> tuple[list[str], list[str]]:
    """Sites whose latest value is ≥ THRESHOLD, and the others with a value."""
    hot: list[str] = []
    clean: list[str] = []
    if sites and value_field:
        for name, s in sites.items():
            if not math.isnan(s["value"]):
                (hot if s["value"] >= options.threshold else clean).append(name)
        feedback.pushInfo(
            tr("{hot} sites are hot (latest value ≥ {threshold}) and {clean} clean.").format(
                hot=len(hot), clean=len(clean), threshold=format_value(options.threshold)
            )
        )
    elif sites and options.n_follow > 0:
        feedback.pushWarning(tr("No VALUE_FIELD is given: no sample can be hot, and no follow-up point is planned."))
    return hot, clean


def panel_items(panel: list[str], sites: dict, polygons, feedback) -> list[dict]:
    """The plan starts with the panel. Each item: xy (working CRS), reason, site, hot, township index, and
    where it lies on the network: node, or edge = (piece, metres below its upstream end)."""
    towns = polygon_of([sites[n]["point"] for n in panel], polygons) if panel else []
    plan = []
    for name, town in zip(panel, towns):
        plan.append({"xy": sites[name]["point"], "reason": PANEL, "site": name, "hot": None, "node": None, "town": town})
        if town < 0:
            feedback.pushWarning(tr("The panel site {site} lies in no township; it is kept, with no township.").format(site=name))
    return plan


def ring_follow_up(plan: list, sites: dict, hot: list[str], clean: list[str], options: PlanOptions, feedback, no_network: bool) -> None:
    """Follow-up points on a half circle of RADIUS around hot samples the network cannot trace from."""
    for h in hot:
        centre = sites[h]["point"]
        nearest_clean = min((sites[c]["point"] for c in clean), key=lambda p: p.sqrDist(centre)) if clean else None
        away = None if nearest_clean is None else (nearest_clean.x(), nearest_clean.y())
        for k, (x, y) in enumerate(pl.ring_points((centre.x(), centre.y()), options.n_follow, options.radius, away_from=away)):
            plan.append({"xy": QgsPointXY(x, y), "reason": FOLLOW_UP, "site": f"{h}-F{k + 1}", "hot": h})
    if no_network and hot:
        feedback.pushInfo(
            tr(
                "Follow-up points are placed {d} m around each hot sample: tracing the source upstream needs a network with directions."
            ).format(d=format_value(options.radius))
        )


def place_in_townships(plan: list, polygons, feedback) -> None:
    """The township of each follow-up point (they come on top of the townships' budgets)."""
    follow = [item for item in plan if item["reason"] == FOLLOW_UP]
    for item, town in zip(follow, polygon_of([item["xy"] for item in follow], polygons)):
        item["town"] = town
        if town < 0:
            feedback.pushWarning(
                tr("The follow-up point {site} lies outside every township; it is kept, with no township.").format(site=item["site"])
            )


def cover_townships(plan: list, names: list, polygons, network, population, options: PlanOptions, feedback):
    """Fill each township up to its budget; returns (covered measure, total measure) over all, or None when
    canceled."""
    covered_total, measure_total = 0.0, 0.0
    for t, name in enumerate(names):
        if feedback.isCanceled():
            return None
        in_town = [item for item in plan if item.get("town") == t]
        n_panel = sum(1 for item in in_town if item["reason"] == PANEL)
        room = options.budget - n_panel
        if room < 0:
            feedback.pushWarning(
                tr(
                    "Township {town}: {n} panel sites, more than the budget of {budget} points. All panel sites are kept (trends stay "
                    "comparable) and no coverage point is added; raise POINTS_PER_TOWNSHIP or untick KEEP_PANEL to choose."
                ).format(town=name, n=n_panel, budget=options.budget)
            )
            room = 0
        members = np.flatnonzero(network.piece_town == t) if network is not None else np.zeros(0, dtype=np.int64)
        if network is not None and members.size == 0:
            feedback.pushWarning(
                tr("Township {town} has no line of the network: its points are spread over its area (or population).").format(town=name)
            )
        if members.size:
            found = network.cover(plan, t, name, members, in_town, room, feedback)
        else:
            found = cover_area(plan, t, name, polygons[t], in_town, room, population, options, feedback)
        if found is None:
            continue
        share, total, unit = found
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
    return covered_total, measure_total


def cover_area(plan: list, t: int, name: str, polygon, in_town: list, room: int, population, options: PlanOptions, feedback):
    """Coverage points spread over a township's area (or people) by weighted k-means: (share, total, unit)."""
    xy, weight = township_grid(polygon, population if options.by_population else None)
    if xy.shape[0] == 0:
        feedback.pushWarning(tr("Township {town} has no area: no coverage point.").format(town=name))
        return None
    fixed = np.array([[item["xy"].x(), item["xy"].y()] for item in in_town]).reshape(-1, 2)
    new = pl.spread_points(xy, weight, room, fixed=fixed)
    for k, (x, y) in enumerate(new):
        plan.append({"xy": QgsPointXY(x, y), "reason": COVERAGE, "site": f"{name}-C{k + 1}", "hot": None, "town": t})
    share = pl.covered_share(xy, weight, np.vstack([fixed, new]) if len(new) else fixed, options.radius)
    unit = (tr("of its population within {d} m of a point") if options.by_population else tr("of its area within {d} m of a point")).format(
        d=format_value(options.radius)
    )
    return share, float(weight.sum()), unit


def write_plan(sink, plan: list, names: list, network, to_out, work_crs, context) -> list:
    """The plan's points, by township, reason and site; returns the rows written (for the field sheet)."""
    fields = plan_fields()
    to_wgs = transformer(work_crs, QgsCoordinateReferenceSystem("EPSG:4326"), context)
    order = sorted(
        range(len(plan)),
        key=lambda i: (
            names[plan[i]["town"]] if plan[i].get("town", -1) >= 0 else "\uffff",
            [PANEL, COVERAGE, FOLLOW_UP].index(plan[i]["reason"]),
            plan[i]["site"],
        ),
    )
    upstream = network.upstream(plan) if network is not None else [(None, None)] * len(plan)
    rows = []
    for i in order:
        item = plan[i]
        wgs = to_wgs.transform(item["xy"]) if to_wgs is not None else item["xy"]
        g_lon, g_lat = datum.wgs84_to_gcj02(wgs.x(), wgs.y())
        town = names[item["town"]] if item.get("town", -1) >= 0 else None
        feature = QgsFeature(fields)
        feature.setGeometry(reproject(QgsGeometry.fromPointXY(item["xy"]), to_out))
        values = [town, item["reason"], item["site"], item.get("hot"), *upstream[i], wgs.x(), wgs.y(), float(g_lon), float(g_lat)]
        feature.setAttributes(values)
        write_feature(sink, feature, tr("Sampling plan"))
        rows.append(values)
    return rows


# -- the network ----------------------------------------------------------------------------------


class _FallbackError(Exception):
    """A network that cannot be used: the plan falls back to area coverage and distance follow-up."""


@dataclass
class PlanNetwork:
    """The network cut (core.network.split_network) at line ends, township boundaries and the sites."""

    graph: net.Graph
    lengths: np.ndarray  # metres, per piece
    pieces: list  # QgsGeometry per piece
    directions: np.ndarray  # per piece, as digitised
    piece_town: np.ndarray  # township of each piece (-1: none)
    site_node: dict  # site → node, for the sites within SNAP_DISTANCE
    site_distance: dict  # site → distance to the nearest line, for the others
    pop_density: np.ndarray | None = None  # people per metre of each piece
    density: np.ndarray | None = None  # the measure that cuts: pop_density when MEASURE is population
    snap: float = 0.0  # SNAP_DISTANCE, for the log

    def point_at(self, e: int, t: float) -> QgsPointXY:
        """The point ``t`` metres below the upstream end of piece ``e`` (digitised backward: from its end)."""
        piece = self.pieces[e]
        length = piece.length()
        offset = length - t if self.directions[e] == net.BACKWARD else t
        return QgsPointXY(piece.interpolate(min(max(offset, 0.0), length)).asPoint())

    def attach(self, plan: list, population, by_population: bool) -> None:
        """The panel's nodes, and the people along each piece."""
        for item in plan:
            item["node"] = self.site_node.get(item["site"])
        if population.shape[0]:
            self.pop_density = people_on_pieces(self.pieces, population) / np.maximum(self.lengths, 1e-9)
        self.density = self.pop_density if by_population else None

    def where(self, item: dict):
        if item.get("edge") is not None:
            e, t = item["edge"]
            return (e, float(t / self.lengths[e]) if self.lengths[e] > 0 else 0.0)
        if item.get("node") is not None:
            return ("node", item["node"])
        return None

    def upstream(self, plan: list) -> list[tuple]:
        """(metres of line, people) upstream of each item; (None, None) off the network."""
        places = [self.where(item) for item in plan]
        on = [i for i, p in enumerate(places) if p is not None]
        lengths = pl.upstream_measures(self.graph, self.lengths, [places[i] for i in on])
        people = (
            pl.upstream_measures(self.graph, self.pop_density * self.lengths, [places[i] for i in on])
            if self.pop_density is not None
            else None
        )
        out: list[tuple] = [(None, None)] * len(plan)
        for k, i in enumerate(on):
            out[i] = (float(lengths[k]), float(people[k]) if people is not None else None)
        return out

    def follow_up(self, plan: list, hot: list[str], clean: list[str], n_follow: int, feedback) -> list[str]:
        """Follow-up points on each suspected stretch; returns the hot sites to follow up by distance instead."""
        far = [h for h in hot if h not in self.site_node]
        for h in far:
            feedback.pushWarning(
                tr(
                    "The hot sample {site} lies {d} m from the nearest line, farther than SNAP_DISTANCE ({snap} m): its "
                    "follow-up points are placed by distance around it. Check its coordinates, or raise SNAP_DISTANCE."
                ).format(site=h, d=format_value(self.site_distance.get(h, math.inf)), snap=format_value(self.snap))
            )
        on_net = [h for h in hot if h in self.site_node]
        clean_nodes = [self.site_node[c] for c in clean if c in self.site_node]
        fixed = [("node", item["node"]) for item in plan if item["node"] is not None]
        for stretch in pl.suspected_stretches(self.graph, [self.site_node[h] for h in on_net], clean_nodes):
            h = on_net[stretch.hot]
            if stretch.explains:
                feedback.pushInfo(
                    tr("The hot sample {site} explains the hot result downstream at {down}.").format(
                        site=h, down=", ".join(on_net[k] for k in stretch.explains)
                    )
                )
            if stretch.edges.size == 0 or self.lengths[stretch.edges].sum() <= 1.0:
                feedback.pushWarning(
                    tr(
                        "No line that is not shown clean drains to the hot sample {site}: the source lies at the sample itself or "
                        "the network upstream is missing. Its follow-up points are placed by distance around it."
                    ).format(site=h)
                )
                far.append(h)
                continue
            self._follow_stretch(plan, h, stretch.edges, fixed, n_follow, feedback)
        return far

    def _follow_stretch(self, plan: list, h: str, edges, fixed: list, n_follow: int, feedback) -> None:
        density = self.density[edges] if self.density is not None else None
        if density is not None and density.sum() <= 0:
            feedback.pushWarning(tr("Nobody lives along the stretch above {site}: it is cut by length.").format(site=h))
            density = None
        placement = pl.place_points(self.graph, self.lengths, edges, n_follow, fixed=fixed, density=density)
        for k, (e, t) in enumerate(placement.points):
            plan.append({"xy": self.point_at(e, t), "reason": FOLLOW_UP, "site": f"{h}-F{k + 1}", "hot": h, "edge": (e, t)})
        share = placement.cells.max() / placement.total
        feedback.pushInfo(
            tr(
                "Stretch above {site}: {length} m of line can hold the source; {n} follow-up points cut it so that at most "
                "{share}% of it is left after the next results."
            ).format(
                site=h, length=format_value(float(self.lengths[edges].sum())), n=len(placement.points), share=format_value(100.0 * share)
            )
        )
        if share > THIRD * (1 + 1e-6) and placement.points:
            needed = pl.points_needed(self.graph, self.lengths, edges, THIRD, fixed=fixed, density=density)
            if needed is None:
                feedback.pushInfo(
                    tr(
                        "Stretch above {site}: no number of follow-up points leaves at most a third of it: a loop or a line of "
                        "unknown direction holds more than a third."
                    ).format(site=h)
                )
            else:
                feedback.pushInfo(
                    tr(
                        "Stretch above {site}: {n} follow-up points cannot leave at most a third of it (the branches there are "
                        "too uneven); {needed} follow-up points would."
                    ).format(site=h, n=len(placement.points), needed=needed)
                )

    def cover(self, plan: list, t: int, name: str, members, in_town: list, room: int, feedback):
        """Coverage points on a township's lines: (covered share, total measure, unit)."""
        fixed = [("node", item["node"]) for item in in_town if item.get("node") is not None]
        fixed += [item["edge"] for item in in_town if "edge" in item]
        density = self.density[members] if self.density is not None else None
        if density is not None and density.sum() <= 0:
            feedback.pushWarning(tr("Township {town}: nobody lives along its lines; it is covered by length.").format(town=name))
            density = None
        placement = pl.place_points(self.graph, self.lengths, members, room, fixed=fixed, density=density, cover_first=True)
        for k, (e, off) in enumerate(placement.points):
            plan.append(
                {"xy": self.point_at(e, off), "reason": COVERAGE, "site": f"{name}-C{k + 1}", "hot": None, "edge": (e, off), "town": t}
            )
        share = 1.0 - placement.uncovered / placement.total if placement.total > 0 else 0.0
        unit = tr("of the population along its lines") if density is not None else tr("of its network length")
        return share, placement.total, unit


def build_network(source, work_crs, context, directions, default, tolerance, polygons, sites: dict, snap: float) -> PlanNetwork:
    """Lines cut at township boundaries and at the sites within ``snap`` → pieces and a flow graph."""
    read = network_lines(source, transformer(source.sourceCrs(), work_crs, context), directions, default, None)
    parts, part_direction, _empty = read
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
    names = list(sites)
    snapped, unsnapped = snap_to_lines(part_geometries, [sites[n]["point"] for n in names], snap)
    used = [i for i, s in enumerate(snapped) if s is not None]
    pieces = net.split_network(
        [line_xy(p) for p in parts], part_direction, [snapped[i] for i in used], tolerance, cuts=boundary_cuts(part_geometries, polygons)
    )
    geometries = piece_geometries(parts, pieces)
    middles = [QgsPointXY(g.interpolate(g.length() / 2).asPoint()) for g in geometries]
    network = PlanNetwork(
        graph=net.orient(pieces.start, pieces.end, pieces.direction),
        lengths=pieces.length,
        pieces=geometries,
        directions=pieces.direction,
        piece_town=np.array(polygon_of(middles, polygons), dtype=np.int64),
        site_node={names[i]: int(pieces.sample_node[k]) for k, i in enumerate(used)},
        site_distance={names[i]: d for i, d in unsnapped},
        snap=snap,
    )
    return network


def boundary_cuts(part_geometries: list, polygons: list) -> list[tuple[int, float]]:
    """(part, metres along it) wherever a line crosses a township boundary."""
    index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
    for k, geometry in enumerate(part_geometries):
        feature = QgsFeature(k)
        feature.setGeometry(geometry)
        index.addFeature(feature)
    cuts = []
    for polygon in polygons:
        if polygon is None or polygon.isEmpty():
            continue
        boundary = polygon.convertToType(QgsWkbTypes.GeometryType.LineGeometry, True)
        if boundary is None or boundary.isNull():
            continue
        for k in index.intersects(boundary.boundingBox()):
            crossing = part_geometries[k].intersection(boundary)
            for vertex in [] if crossing.isEmpty() else crossing.vertices():
                point = QgsGeometry.fromPointXY(QgsPointXY(vertex.x(), vertex.y()))
                cuts.append((k, part_geometries[k].lineLocatePoint(point)))
    return cuts


def people_on_pieces(pieces: list, population: np.ndarray) -> np.ndarray:
    """People of each piece: every population point counted on its nearest piece."""
    index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
    for k, geometry in enumerate(pieces):
        feature = QgsFeature(k)
        feature.setGeometry(geometry)
        index.addFeature(feature)
    people = np.zeros(len(pieces))
    for x, y, count in population:
        point = QgsPointXY(x, y)
        candidates = index.nearestNeighbor(point, 3)
        if candidates:
            g = QgsGeometry.fromPointXY(point)
            people[min(candidates, key=lambda k: pieces[k].distance(g))] += count
    return people


# -- without a network --------------------------------------------------------------------------------


def township_grid(polygon: QgsGeometry, population):
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


def raster_people(raster, work_crs, context, feedback) -> np.ndarray:
    """(n, 3): x, y, people of a population raster's cells in the working CRS, read at most about 250,000 cells."""
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
    return np.array(rows, dtype=float).reshape(-1, 3)


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
