"""wbe:searchzones — samples at or above a threshold → merged search zones, with the premises inside."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsFillSymbol,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsSingleSymbolRenderer,
    QgsSpatialIndex,
    QgsWkbTypes,
)

from ...translate import tr
from ..base import WbeAlgorithm, is_null, to_float_array
from ..fields import field_list
from ..io.samples import read_chosen_samples
from ..parameters import SampleInputs, round_parameter, sample_field_parameters
from ..spatial import (
    PreparedIndex,
    merged_buffers,
    point_xy,
    polygon_of,
    repair_polygons,
    reproject,
    transformer,
    working_crs,
)
from ..styling import format_value, store_style

ANY_CLASS, FAIRLY_SEVERE_OR_WORSE, SEVERE_ONLY = range(3)


def zone_fields() -> QgsFields:
    return field_list(
        "zone_id:integer n_samples:integer sites:string(254) max_value:double mean_value:double area_ha:double n_premises:integer"
    )


def list_fields() -> QgsFields:
    return field_list("zone_id:integer nearest_site:string(80) distance_m:double")


def zone_renderer() -> QgsSingleSymbolRenderer:
    symbol = QgsFillSymbol.createSimple(
        {"color": "215,25,28,70", "outline_color": "#a50f15", "outline_width": "0.6", "outline_style": "dash"}
    )
    return QgsSingleSymbolRenderer(symbol)


class SearchZones(SampleInputs, WbeAlgorithm):
    ALG_ID = "searchzones"
    GROUP_ID = "fieldwork"
    ICON = "wbe.svg"

    THRESHOLD = "THRESHOLD"
    MIN_SEVERITY = "MIN_SEVERITY"
    RADIUS = "RADIUS"
    TOWNSHIPS = "TOWNSHIPS"
    PREMISES = "PREMISES"
    OUTPUT = "OUTPUT"
    PREMISES_LIST = "PREMISES_LIST"

    def displayName(self) -> str:
        return tr("Search zones around high samples")

    def shortHelpString(self) -> str:
        return tr(
            "For the check of every premises around the sampling points of fairly severe areas. Around each sample that qualifies, "
            "draws a search zone of RADIUS metres; zones that overlap are merged into one, and zones are clipped to the union of the "
            "townships when a township layer is given.\n\n"
            "A sample qualifies when its value is ≥ THRESHOLD. Instead of (or as well as) a value, a severity class can be required: "
            "the sample's own severity field, or, when the samples have none, the severity of the township it lies in "
            "(the township layer must then carry a severity field, as written by “Classify severity”). When both are given, a sample must meet both.\n\n"
            "Each zone gets zone_id (1 = the zone with the highest sample value, and so on: zones are ranked by their highest value, "
            "then by their number of samples), n_samples, sites, max_value, mean_value, area_ha and n_premises.\n\n"
            "With a premises layer (houses, farms, empty buildings, as points or polygons), n_premises counts the premises in each zone "
            "(a point on the edge counts; a polygon counts when it overlaps the zone, and goes to the zone holding its nearest qualifying sample "
            "when it overlaps two). The premises list has one row per premises in a zone, with its zone_id, the nearest qualifying sample "
            "(nearest_site) and the distance to it in metres (0 when the sample lies inside a premises polygon).\n\n"
            "When the samples come from “Import lab results” (fields compound and round), choose the COMPOUND (name or abbreviation, "
            "in Chinese or English) and, if needed, the ROUND: values of different compounds must not be compared with one threshold.\n\n"
            "Distances are in metres: layers in degrees are worked in the UTM zone of the samples, and the log says so. "
            "Samples without a value or without a point are counted in the log and cannot qualify."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.SAMPLES, tr("Samples"), [QgsProcessing.SourceType.TypeVectorPoint]))
        for param in [*sample_field_parameters(site_optional=True), round_parameter()]:
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD,
                tr("Threshold: a sample qualifies when its value is ≥ this"),
                QgsProcessingParameterNumber.Type.Double,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.MIN_SEVERITY,
                tr("Or require a severity class"),
                options=[tr("No class required"), tr("Fairly severe or severe"), tr("Severe only")],
                defaultValue=ANY_CLASS,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.RADIUS, tr("Radius (metres)"), QgsProcessingParameterNumber.Type.Double, defaultValue=500.0, minValue=0.001
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.TOWNSHIPS, tr("Townships (zones are clipped to them)"), [QgsProcessing.SourceType.TypeVectorPolygon], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.PREMISES,
                tr("Premises (points or polygons)"),
                [QgsProcessing.SourceType.TypeVectorPoint, QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Search zones"), QgsProcessing.SourceType.TypeVectorPolygon))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.PREMISES_LIST,
                tr("Premises in the zones"),
                QgsProcessing.SourceType.TypeVectorAnyGeometry,
                optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(QgsProcessingOutputNumber("N_ZONES", tr("Search zones")))
        self.addOutput(QgsProcessingOutputNumber("N_QUALIFYING", tr("Qualifying samples")))
        self.addOutput(QgsProcessingOutputNumber("N_PREMISES", tr("Premises in the zones")))

    def processAlgorithm(self, parameters, context, feedback):
        samples = self.parameterAsSource(parameters, self.SAMPLES, context)
        if samples is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.SAMPLES))
        townships = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        premises = self.parameterAsSource(parameters, self.PREMISES, context)
        threshold = None
        if parameters.get(self.THRESHOLD) not in (None, ""):
            threshold = self.parameterAsDouble(parameters, self.THRESHOLD, context)
        min_class = {ANY_CLASS: 0, FAIRLY_SEVERE_OR_WORSE: 2, SEVERE_ONLY: 3}[self.parameterAsEnum(parameters, self.MIN_SEVERITY, context)]
        if threshold is None and not min_class:
            raise QgsProcessingException(
                tr("Give a THRESHOLD, or require a severity class with MIN_SEVERITY: otherwise no sample qualifies.")
            )
        inputs = [samples] + ([townships] if townships is not None else [])
        work_crs = working_crs(inputs[-1].sourceCrs(), samples, context, feedback, inputs)
        values, sites, points, own_severity = self._read_samples(parameters, context, samples, work_crs, bool(min_class), feedback)
        township_polygons, t_features = self._read_townships(townships, work_crs, context, feedback)
        qualifies = ~np.isnan(values) & np.array([p is not None for p in points], dtype=bool)
        if threshold is not None:
            qualifies &= np.where(np.isnan(values), False, values >= threshold)
        if min_class:
            severity = self._severity(own_severity, townships, t_features, points, township_polygons, min_class, feedback)
            qualifies &= np.where(np.isnan(severity), False, severity >= min_class)
        chosen = np.flatnonzero(qualifies)
        feedback.pushInfo(
            tr("{q} of {n} samples qualify ({rule}).").format(
                q=chosen.size,
                n=len(values),
                rule=(tr("value ≥ {t}").format(t=format_value(threshold)) if threshold is not None else tr("severity class")),
            )
        )
        zones, members = merged_buffers(points, chosen, self.parameterAsDouble(parameters, self.RADIUS, context))
        if township_polygons and zones:
            zones, members = self._clip(zones, members, township_polygons, sites, feedback)
        # Rank: highest sample value first, then more samples.
        order = sorted(range(len(zones)), key=lambda k: (-max(values[i] for i in members[k]), -len(members[k])))
        zones = [zones[k] for k in order]
        members = [members[k] for k in order]
        n_premises: list = [0] * len(zones)
        premises_rows: list = []
        if premises is not None and zones:
            counted = self._premises_in_zones(premises, zones, members, points, chosen, sites, work_crs, context, feedback)
            if counted is None:
                return {}
            n_premises, premises_rows = counted
        results = self._write_zones(
            parameters, context, zones, members, values, sites, n_premises if premises is not None else None, work_crs
        )
        results.update({"N_QUALIFYING": int(chosen.size), "N_PREMISES": len(premises_rows)})
        if premises is not None:
            results.update(self._write_list(parameters, context, premises, premises_rows, work_crs))
            feedback.pushInfo(tr("{n} premises lie in the {z} zones.").format(n=len(premises_rows), z=len(zones)))
        if not zones:
            feedback.pushWarning(tr("No sample qualifies: no search zone was drawn."))
        return results

    # -- steps ----------------------------------------------------------------------------------------

    def _read_samples(self, parameters, context, samples, work_crs, need_severity: bool, feedback):
        """The chosen samples' values, site names (or “sample n”), points in the working CRS, and their own
        severity column when a class is required and they have one."""
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context)
        site_field = self.parameterAsString(parameters, self.SITE_FIELD, context)
        if samples.fields().lookupField(value_field) < 0:
            raise QgsProcessingException(
                tr("The layer “{layer}” has no field “{field}”.").format(layer=samples.sourceName(), field=value_field)
            )
        if site_field and samples.fields().lookupField(site_field) < 0:
            site_field = ""
        names = [value_field] + ([site_field] if site_field else [])
        own_severity = need_severity and samples.fields().lookupField("severity") >= 0
        if own_severity:
            names.append("severity")
        columns, geometries = read_chosen_samples(
            samples,
            names,
            self.parameterAsString(parameters, self.COMPOUND, context).strip(),
            self.parameterAsString(parameters, self.ROUND, context).strip(),
            feedback,
        )
        values = to_float_array(columns[value_field])
        sites = [str(s) if not is_null(s) else "" for s in columns[site_field]] if site_field else [""] * len(values)
        sites = [s or tr("sample {n}").format(n=i + 1) for i, s in enumerate(sites)]
        to_work = transformer(samples.sourceCrs(), work_crs, context)
        points = [point_xy(reproject(geometry, to_work)) if geometry is not None else None for geometry in geometries]
        no_point = sum(p is None for p in points)
        no_value = int(np.isnan(values).sum())
        if no_value:
            feedback.pushWarning(tr("{n} samples have no value in “{field}” and cannot qualify.").format(n=no_value, field=value_field))
        if no_point:
            feedback.pushWarning(tr("{n} samples have no point and cannot qualify.").format(n=no_point))
        return values, sites, points, (to_float_array(columns["severity"]) if own_severity else None)

    def _read_townships(self, townships, work_crs, context, feedback):
        if townships is None:
            return [], []
        if QgsWkbTypes.geometryType(townships.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
            raise QgsProcessingException(tr("The township layer “{layer}” is not a polygon layer.").format(layer=townships.sourceName()))
        t_transform = transformer(townships.sourceCrs(), work_crs, context)
        t_features = list(townships.getFeatures())
        township_polygons, repaired = repair_polygons([reproject(f.geometry(), t_transform) for f in t_features])
        if repaired:
            feedback.pushWarning(tr("{n} township polygons were invalid and were repaired.").format(n=repaired))
        return township_polygons, t_features

    def _severity(self, own_severity, townships, t_features, points, township_polygons, min_class, feedback) -> np.ndarray:
        """Each sample's severity class: its own field, else the class of the township it lies in."""
        if own_severity is not None:
            severity = own_severity
            source_text = tr("the samples' own severity field")
        else:
            if townships is None or townships.fields().lookupField("severity") < 0:
                raise QgsProcessingException(
                    tr(
                        "A severity class is required, but neither the samples nor a township layer have a “severity” field. "
                        "Give the township layer written by “Classify severity”, or use a THRESHOLD."
                    )
                )
            t_severity = to_float_array([f["severity"] for f in t_features])
            inside = np.array(polygon_of(points, township_polygons), dtype=np.int64)
            severity = np.where(inside >= 0, t_severity[np.maximum(inside, 0)], np.nan)
            source_text = tr("the severity of the township each sample lies in")
        feedback.pushInfo(tr("Severity class required: {cls} or above, from {source}.").format(cls=min_class, source=source_text))
        return severity

    def _clip(self, zones, members, township_polygons, sites, feedback):
        """Zones clipped to the union of the townships; a zone wholly outside is left out, and said."""
        union = QgsGeometry.unaryUnion([p for p in township_polygons if p is not None and not p.isEmpty()])
        clipped, kept_members, outside = [], [], []
        for zone, group in zip(zones, members):
            piece = zone.intersection(union)
            if piece.isNull() or piece.isEmpty() or piece.area() <= 0:
                outside.extend(sites[i] for i in group)
                continue
            clipped.append(piece)
            kept_members.append(group)
        if outside:
            feedback.pushWarning(
                tr("{n} zones lie wholly outside the townships and are left out (samples: {sites}).").format(
                    n=len(zones) - len(clipped), sites=", ".join(outside)
                )
            )
        return clipped, kept_members

    def _premises_in_zones(self, premises, zones, members, points, chosen, sites, work_crs, context, feedback):
        """Premises per zone, and one row per premises in a zone: (feature, geometry, zone_id, nearest site,
        distance). A premises in two zones goes to the zone of its nearest qualifying sample. None: canceled."""
        prepared = PreparedIndex(zones)
        sample_index = QgsSpatialIndex(QgsSpatialIndex.Flag.FlagStoreFeatureGeometries)
        for i in chosen:
            feature = QgsFeature(int(i))
            feature.setGeometry(QgsGeometry.fromPointXY(points[i]))
            sample_index.addFeature(feature)
        p_transform = transformer(premises.sourceCrs(), work_crs, context)
        n_premises = [0] * len(zones)
        rows: list[tuple[QgsFeature, QgsGeometry, int, str, float]] = []
        no_geometry = 0
        total = max(premises.featureCount(), 1)
        for count, feature in enumerate(premises.getFeatures()):
            if count % 500 == 0:
                if feedback.isCanceled():
                    return None
                feedback.setProgress(100.0 * count / total)
            geometry = reproject(feature.geometry(), p_transform)
            if geometry.isNull() or geometry.isEmpty():
                no_geometry += 1
                continue
            hits = prepared.intersecting(geometry)
            if not hits:
                continue
            nearest = [int(i) for i in sample_index.nearestNeighbor(geometry, 1)]
            if len(hits) > 1:
                candidates = [int(i) for k in hits for i in members[k]]
                nearest = [min(candidates, key=lambda i: geometry.distance(QgsGeometry.fromPointXY(points[i])))]
            best = min(nearest, key=lambda i: geometry.distance(QgsGeometry.fromPointXY(points[i])))
            distance = geometry.distance(QgsGeometry.fromPointXY(points[best]))
            zone_k = next((k for k in hits if best in members[k]), hits[0])
            n_premises[zone_k] += 1
            rows.append((feature, geometry, zone_k + 1, sites[best], float(distance)))
        if no_geometry:
            feedback.pushWarning(tr("{n} premises have no geometry and are not counted.").format(n=no_geometry))
        return n_premises, rows

    def _write_zones(self, parameters, context, zones, members, values, sites, n_premises, work_crs) -> dict:
        out_fields = zone_fields()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, QgsWkbTypes.Type.MultiPolygon, work_crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for k, (zone, group) in enumerate(zip(zones, members)):
            feature = QgsFeature(out_fields)
            zone_multi = QgsGeometry(zone)
            zone_multi.convertToMultiType()
            feature.setGeometry(zone_multi)
            group_values = values[group]
            feature.setAttributes(
                [
                    k + 1,
                    len(group),
                    ", ".join(sites[i] for i in group)[:254],
                    float(group_values.max()),
                    float(group_values.mean()),
                    zone.area() / 10000.0,
                    n_premises[k] if n_premises is not None else None,
                ]
            )
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        del sink
        store_style(dest_id, context, zone_renderer(), tr("Search zones"))
        return {self.OUTPUT: dest_id, "N_ZONES": len(zones)}

    def _write_list(self, parameters, context, premises, rows, work_crs) -> dict:
        p_fields = QgsProcessingUtils.combineFields(premises.fields(), list_fields())
        list_sink, list_id = self.parameterAsSink(parameters, self.PREMISES_LIST, context, p_fields, premises.wkbType(), work_crs)
        if list_sink is None:
            return {}
        for feature, geometry, zone_id, site, distance in sorted(rows, key=lambda row: (row[2], row[4])):
            out = QgsFeature(p_fields)
            out.setGeometry(geometry)
            out.setAttributes([*list(feature.attributes()), zone_id, site, distance])
            list_sink.addFeature(out, QgsFeatureSink.Flag.FastInsert)
        return {self.PREMISES_LIST: list_id}
