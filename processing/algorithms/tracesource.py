"""wbe:tracesource — samples on a drainage network → the stretches where a source lies."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsLineSymbol,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsWkbTypes,
)

from ...core import network as net
from ...translate import tr
from ..base import WbeAlgorithm, is_null, to_float_array
from ..fields import field_list
from ..io.samples import read_chosen_samples
from ..parameters import (
    NetworkInputs,
    direction_field_parameter,
    direction_parameters,
    read_directions,
    round_parameter,
    sample_field_parameters,
    snap_distance_parameter,
)
from ..spatial import (
    line_xy,
    network_lines,
    piece_geometries,
    point_xy,
    premises_near,
    reproject,
    snap_to_lines,
    transformer,
    working_crs,
)
from ..styling import format_value, store_style

CATCHMENT_COLOURS = ["#1f78b4", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#fb9a99"]
_EPS = 1e-6


def stretch_fields() -> QgsFields:
    return field_list(
        "upstream_site:string(254) downstream_site:string(80) ratio:double length_m:double rank:integer downstream_value:double expected_value:double n_heads:integer"
    )


def catchment_fields() -> QgsFields:
    return field_list(
        "site:string(80) value:double upstream_sites:string(254) expected_value:double ratio:double flagged:integer n_heads:integer length_m:double"
    )


def near_fields() -> QgsFields:
    return field_list("downstream_site:string(80) stretch_rank:integer distance_m:double")


def stretch_renderer() -> QgsSingleSymbolRenderer:
    symbol = QgsLineSymbol.createSimple({"line_color": "#d7191c", "line_width": "1.4", "capstyle": "round"})
    return QgsSingleSymbolRenderer(symbol)


def catchment_renderer(sites: list[str]) -> QgsCategorizedSymbolRenderer:
    categories = []
    for k, site in enumerate(sites):
        symbol = QgsLineSymbol.createSimple({"line_color": CATCHMENT_COLOURS[k % len(CATCHMENT_COLOURS)], "line_width": "0.8"})
        categories.append(QgsRendererCategory(site, symbol, site))
    return QgsCategorizedSymbolRenderer("site", categories)


def ratio_value(x: float):
    return None if (math.isnan(x) or math.isinf(x)) else float(x)


@dataclass
class Outputs:
    """What the output layers are written from: the trace over the used sites, and the pieces' geometries."""

    catchments: list
    result: net.Trace
    piece_geometry: list
    piece_length: np.ndarray
    sites: list
    values: np.ndarray
    flow_weighted: bool

    def geometry(self, s: int) -> QgsGeometry:
        """The stretch of sample s: the pieces of its local catchment, as one multi-line."""
        edges = self.catchments[s].edges
        if edges.size == 0:
            return QgsGeometry()
        merged = QgsGeometry.collectGeometry([self.piece_geometry[e] for e in edges.tolist()])
        merged.convertToMultiType()
        return merged

    def length(self, s: int) -> float:
        return float(sum(self.piece_length[e] for e in self.catchments[s].edges.tolist()))

    def upstream(self, s: int) -> str:
        return ", ".join(self.sites[u] for u in self.catchments[s].upstream.tolist())


class TraceSource(NetworkInputs, WbeAlgorithm):
    ALG_ID = "tracesource"
    GROUP_ID = "fieldwork"
    ICON = "wbe.svg"

    FLOW_FIELD = "FLOW_FIELD"
    RATIO = "RATIO"
    PREMISES = "PREMISES"
    PREMISES_DISTANCE = "PREMISES_DISTANCE"
    OUTPUT = "OUTPUT"
    CATCHMENTS = "CATCHMENTS"
    PREMISES_NEAR = "PREMISES_NEAR"

    def displayName(self) -> str:
        return tr("Trace the source along the drainage network")

    def shortHelpString(self) -> str:
        return tr(
            "A sewage or channel sample measures everything upstream of it. When the samples just upstream are low and the next one "
            "downstream is high, the source lies on the lines between them. This tool finds those stretches, so that a township-wide "
            "sweep becomes a few hundred metres of channel.\n\n"
            "Network: a line layer of sewers, open channels and streams. Water flows in the digitising direction, unless DIRECTION_FIELD says "
            "otherwise, with the values QGIS's network analysis uses: forward (as digitised), backward (against it) or both (unknown); other "
            "values take DEFAULT_DIRECTION, and the log counts them. Line ends closer than TOLERANCE metres are joined. "
            "How to check the direction: in the layer's Symbology, set the symbol layer type to “Arrow” (or add a Marker line with an arrow "
            "marker), and look: every arrow must point downstream. Fix lines drawn the wrong way with “Reverse line direction”, or mark them "
            "backward in the direction field. A network where every line is “both” has no direction and is refused.\n\n"
            "Samples: points with a value (VALUE_FIELD) and a site name (SITE_FIELD), snapped to the nearest line within SNAP_DISTANCE metres. "
            "Samples that cannot snap are listed in the log, with their distance to the network. Use one round and one compound: with samples "
            "from “Import lab results”, choose COMPOUND and ROUND. Several features of the same site are averaged, and the log names them.\n\n"
            "Rule at confluences: the samples just upstream of a sample are those reached walking up the network without passing another sample. "
            "They explain its value by their maximum (mixing can only dilute), or, when FLOW_FIELD gives each sample's flow, by the flow-weighted "
            "mix Σ Q·C / Σ Q. A sample is flagged when its value is at least RATIO times what they explain. A sample with no sample upstream "
            "is not assessed (the log lists it).\n\n"
            "OUTPUT: for each flagged sample, the stretch that runs up from it to the samples just upstream, or to the heads of branches with no "
            "sample, with upstream_site, downstream_site, ratio (value ÷ explained value; NULL when the samples upstream are all 0), length_m, "
            "rank (1 = the strongest rise), downstream_value, expected_value and n_heads (unsampled branch heads). "
            "CATCHMENTS: for each sample, the lines that drain to it, up to the next samples upstream. "
            "With a premises layer, PREMISES_NEAR lists the premises within PREMISES_DISTANCE metres of a flagged stretch.\n\n"
            "Loops (lines that flow round in a circle), unconnected parts of the network and points where flow splits are reported in the log; "
            "each line is counted once per catchment. Lengths and distances are in metres: layers in degrees are worked in the UTM zone of the data."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.NETWORK, tr("Drainage network"), [QgsProcessing.SourceType.TypeVectorLine])
        )
        self.addParameter(direction_field_parameter())
        advanced = direction_parameters()
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(QgsProcessingParameterFeatureSource(self.SAMPLES, tr("Samples"), [QgsProcessing.SourceType.TypeVectorPoint]))
        for param in [*sample_field_parameters(), round_parameter()]:
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterField(
                self.FLOW_FIELD,
                tr("Flow field (optional: flow-weighted mixing at confluences)"),
                parentLayerParameterName=self.SAMPLES,
                type=QgsProcessingParameterField.DataType.Numeric,
                optional=True,
            )
        )
        self.addParameter(snap_distance_parameter())
        self.addParameter(
            QgsProcessingParameterNumber(
                self.RATIO,
                tr("Rise that flags a stretch (ratio)"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=2.0,
                minValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.PREMISES,
                tr("Premises (optional)"),
                [QgsProcessing.SourceType.TypeVectorPoint, QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PREMISES_DISTANCE,
                tr("Premises within (metres) of a flagged stretch"),
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=200.0,
                minValue=0.0,
            )
        )
        for param in advanced:
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Flagged stretches"), QgsProcessing.SourceType.TypeVectorLine))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.CATCHMENTS,
                tr("Catchments of the samples"),
                QgsProcessing.SourceType.TypeVectorLine,
                optional=True,
                createByDefault=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.PREMISES_NEAR,
                tr("Premises near flagged stretches"),
                QgsProcessing.SourceType.TypeVectorAnyGeometry,
                optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(QgsProcessingOutputNumber("N_FLAGGED", tr("Flagged stretches")))
        self.addOutput(QgsProcessingOutputNumber("N_SNAPPED", tr("Samples on the network")))
        self.addOutput(QgsProcessingOutputNumber("N_UNSNAPPED", tr("Samples too far from the network")))
        self.addOutput(QgsProcessingOutputNumber("N_PARTS", tr("Unconnected parts of the network")))
        self.addOutput(QgsProcessingOutputNumber("N_LOOP_NODES", tr("Nodes on loops")))
        self.addOutput(QgsProcessingOutputNumber("N_PREMISES_NEAR", tr("Premises near flagged stretches")))

    # -- reading -------------------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        network = self._source(parameters, self.NETWORK, context)
        samples = self._source(parameters, self.SAMPLES, context)
        premises = self.parameterAsSource(parameters, self.PREMISES, context)
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context)
        site_field = self.parameterAsString(parameters, self.SITE_FIELD, context)
        flow_field = self.parameterAsString(parameters, self.FLOW_FIELD, context)
        for name in [value_field, site_field] + ([flow_field] if flow_field else []):
            if samples.fields().lookupField(name) < 0:
                raise QgsProcessingException(
                    tr("The layer “{layer}” has no field “{field}”.").format(layer=samples.sourceName(), field=name)
                )
        snap = self.parameterAsDouble(parameters, self.SNAP_DISTANCE, context)
        ratio = self.parameterAsDouble(parameters, self.RATIO, context)

        work_crs = working_crs(network.sourceCrs(), network, context, feedback, [network])
        feedback.setProgressText(tr("Reading the network…"))
        read = self._read_network(parameters, context, network, transformer(network.sourceCrs(), work_crs, context), feedback)
        if read is None:
            return {}
        parts, part_direction, has_direction_field = read
        sites, points, values, flows = self._read_sites(parameters, context, samples, work_crs, feedback)

        feedback.setProgressText(tr("Snapping samples to the network…"))
        part_geometries = [QgsGeometry(part.clone()) for part in parts]
        snapped, unsnapped = snap_to_lines(part_geometries, [points[s] for s in sites], snap)
        if unsnapped:
            feedback.pushWarning(
                tr(
                    "{n} samples lie farther than {d} m from the network and are left out: {sites}. Raise SNAP_DISTANCE or check their coordinates."
                ).format(n=len(unsnapped), d=format_value(snap), sites=", ".join(f"{sites[i]} ({format_value(d)} m)" for i, d in unsnapped))
            )
        used = [i for i in range(len(sites)) if snapped[i] is not None]
        if not used:
            raise QgsProcessingException(
                tr("No sample lies within {d} m of the network “{layer}”: nothing to trace.").format(
                    d=format_value(snap), layer=network.sourceName()
                )
            )
        used_sites = [sites[i] for i in used]
        values = values[used]
        flows = flows[used] if flows is not None else None

        # Nodes: line ends (joined within the tolerance) and the snapped samples; pieces between them (core/network.py).
        pieces = net.split_network(
            [line_xy(p) for p in parts],
            part_direction,
            [snapped[i] for i in used],
            self.parameterAsDouble(parameters, self.TOLERANCE, context),
        )
        catchments, result, n_parts, n_loop_nodes = self._trace(
            pieces, used_sites, values, flows, ratio, network.sourceName(), has_direction_field, flow_field, feedback
        )
        outputs = Outputs(catchments, result, piece_geometries(parts, pieces), pieces.length, used_sites, values, flows is not None)
        results, flagged_geometries, flagged = self._write_stretches(parameters, context, outputs, work_crs, feedback)
        results.update({"N_SNAPPED": len(used_sites), "N_UNSNAPPED": len(unsnapped), "N_PARTS": n_parts, "N_LOOP_NODES": n_loop_nodes})
        if not flagged:
            feedback.pushInfo(
                tr("No stretch rises by ×{ratio} or more over what the samples upstream explain.").format(ratio=format_value(ratio))
            )
        results.update(self._write_catchments(parameters, context, outputs, work_crs))
        if premises is not None:
            results.update(self._write_premises(parameters, context, premises, outputs, flagged, flagged_geometries, work_crs, feedback))
        return results

    # -- steps ----------------------------------------------------------------------------------------

    def _source(self, parameters, name, context):
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, name))
        return source

    def _read_network(self, parameters, context, network, to_work, feedback):
        """The network's line parts in the working CRS, with a direction each (None when canceled)."""
        directions, default = read_directions(self, parameters, context, network, feedback)
        read = network_lines(network, to_work, directions, default, feedback)
        if read is None:
            return None
        parts, part_direction, empty_lines = read
        if empty_lines:
            feedback.pushWarning(tr("{n} network features have no line geometry and are left out.").format(n=empty_lines))
        if not parts:
            raise QgsProcessingException(tr("The network “{layer}” has no lines.").format(layer=network.sourceName()))
        if all(d == net.BOTH for d in part_direction):
            raise QgsProcessingException(self._no_direction_text(network.sourceName(), bool(directions)))
        return parts, part_direction, bool(directions)

    def _read_sites(self, parameters, context, samples, work_crs, feedback):
        """One point, value (and flow) per site: the chosen samples, averaged per site; what is left out is said."""
        value_field = self.parameterAsString(parameters, self.VALUE_FIELD, context)
        site_field = self.parameterAsString(parameters, self.SITE_FIELD, context)
        flow_field = self.parameterAsString(parameters, self.FLOW_FIELD, context)
        columns, geometries = read_chosen_samples(
            samples,
            [value_field, site_field] + ([flow_field] if flow_field else []),
            self.parameterAsString(parameters, self.COMPOUND, context).strip(),
            self.parameterAsString(parameters, self.ROUND, context).strip(),
            feedback,
        )
        s_transform = transformer(samples.sourceCrs(), work_crs, context)
        values_raw = to_float_array(columns[value_field])
        flows_raw = to_float_array(columns[flow_field]) if flow_field else None
        kept, kept_sites, points = [], [], {}
        no_value, no_point, no_site = [], 0, 0
        for i, (value, geometry) in enumerate(zip(values_raw, geometries)):
            site = "" if is_null(columns[site_field][i]) else str(columns[site_field][i]).strip()
            point = point_xy(reproject(geometry, s_transform)) if geometry is not None else None
            if not site:
                no_site += 1
            elif point is None:
                no_point += 1
            elif math.isnan(value):
                no_value.append(site)
            else:
                kept.append(i)
                kept_sites.append(site)
                points.setdefault(site, point)
        if no_site:
            feedback.pushWarning(tr("{n} samples have no site name and are left out.").format(n=no_site))
        if no_point:
            feedback.pushWarning(tr("{n} samples have no point and are left out.").format(n=no_point))
        if no_value:
            feedback.pushWarning(
                tr("{n} samples have no value in “{field}” and are left out: {sites}.").format(
                    n=len(no_value), field=value_field, sites=", ".join(no_value)
                )
            )
        sites, values, flows, counts = net.site_means(kept_sites, values_raw[kept], flows_raw[kept] if flows_raw is not None else None)
        repeated = [s for s in sites if counts[s] > 1]
        if repeated:
            feedback.pushWarning(
                tr(
                    "Several samples share a site; their values are averaged: {sites}. Filter the samples to one round and one compound."
                ).format(sites=", ".join(f"{s} ×{counts[s]}" for s in repeated))
            )
        return sites, points, values, flows

    def _trace(self, pieces, used_sites, values, flows, ratio, layer, has_direction_field, flow_field, feedback):
        """core/network.py on the pieces; its coded errors worded for the user."""
        try:
            graph = net.orient(pieces.start, pieces.end, pieces.direction)
        except net.NetworkError as error:
            raise QgsProcessingException(self._no_direction_text(layer, has_direction_field)) from error
        n_parts, n_loop_nodes = self._report_structure(graph, pieces.node_xy, pieces.sample_node, feedback)
        try:
            catchments = net.local_catchments(graph, pieces.sample_node)
        except net.NetworkError as error:
            groups = [", ".join(used_sites[i] for i in group) for group in error.details["samples"]]
            raise QgsProcessingException(
                tr("Several sites snap to the same point of the network: {groups}. Give each site its own place, or merge them.").format(
                    groups="; ".join(groups)
                )
            ) from error
        try:
            result = net.trace(values, catchments, ratio, flows)
        except net.NetworkError as error:
            if error.code == "bad_flows":
                bad = ", ".join(used_sites[i] for i in error.details["samples"])
                raise QgsProcessingException(
                    tr("The flow field “{field}” must be positive for every sample; it is not for: {sites}.").format(
                        field=flow_field, sites=bad
                    )
                ) from error
            raise QgsProcessingException(error.code) from error
        not_assessed = [used_sites[s] for s in range(len(used_sites)) if catchments[s].upstream.size == 0]
        if not_assessed:
            feedback.pushInfo(tr("No sample upstream, so not assessed: {sites}.").format(sites=", ".join(not_assessed)))
        return catchments, result, n_parts, n_loop_nodes

    def _write_stretches(self, parameters, context, o: Outputs, work_crs, feedback):
        out_fields = stretch_fields()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, QgsWkbTypes.Type.MultiLineString, work_crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        rule = tr("flow-weighted mix") if o.flow_weighted else tr("maximum")
        result = o.result
        flagged = [s for s in np.argsort(result.rank).tolist() if result.flagged[s]]
        flagged_geometries = []
        for s in flagged:
            geometry = o.geometry(s)
            flagged_geometries.append(geometry)
            length = o.length(s)
            feature = QgsFeature(out_fields)
            feature.setGeometry(geometry)
            feature.setAttributes(
                [
                    o.upstream(s) or None,
                    o.sites[s],
                    ratio_value(result.ratio[s]),
                    length,
                    int(result.rank[s]),
                    float(o.values[s]),
                    float(result.expected[s]),
                    int(o.catchments[s].heads),
                ]
            )
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            feedback.pushInfo(
                tr("Stretch {rank}: {down} ({value}) against {up} ({expected}, {rule}): ×{ratio}, {length} m of line.").format(
                    rank=int(result.rank[s]),
                    down=o.sites[s],
                    value=format_value(o.values[s]),
                    up=o.upstream(s),
                    expected=format_value(result.expected[s]),
                    rule=rule,
                    ratio="∞" if math.isinf(result.ratio[s]) else format_value(result.ratio[s]),
                    length=format_value(length),
                )
            )
        del sink
        store_style(dest_id, context, stretch_renderer(), tr("Flagged stretches"))
        return {self.OUTPUT: dest_id, "N_FLAGGED": len(flagged)}, flagged_geometries, flagged

    def _write_catchments(self, parameters, context, o: Outputs, work_crs) -> dict:
        c_fields = catchment_fields()
        c_sink, c_id = self.parameterAsSink(parameters, self.CATCHMENTS, context, c_fields, QgsWkbTypes.Type.MultiLineString, work_crs)
        if c_sink is None:
            return {}
        result = o.result
        for s, site in enumerate(o.sites):
            feature = QgsFeature(c_fields)
            feature.setGeometry(o.geometry(s))
            feature.setAttributes(
                [
                    site,
                    float(o.values[s]),
                    o.upstream(s) or None,
                    None if math.isnan(result.expected[s]) else float(result.expected[s]),
                    ratio_value(result.ratio[s]),
                    int(result.flagged[s]),
                    int(o.catchments[s].heads),
                    o.length(s),
                ]
            )
            c_sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        del c_sink
        store_style(c_id, context, catchment_renderer(o.sites), tr("Catchments of the samples"))
        return {self.CATCHMENTS: c_id}

    def _write_premises(self, parameters, context, premises, o: Outputs, flagged, flagged_geometries, work_crs, feedback) -> dict:
        premises_distance = self.parameterAsDouble(parameters, self.PREMISES_DISTANCE, context)
        p_fields = QgsProcessingUtils.combineFields(premises.fields(), near_fields())
        p_sink, p_id = self.parameterAsSink(parameters, self.PREMISES_NEAR, context, p_fields, premises.wkbType(), work_crs)
        if p_sink is None:
            return {}
        features, p_geometries, pairs = premises_near(
            premises, transformer(premises.sourceCrs(), work_crs, context), flagged_geometries, premises_distance, feedback
        )
        for i, t, distance in pairs:
            out = QgsFeature(p_fields)
            out.setGeometry(p_geometries[i])
            out.setAttributes([*list(features[i].attributes()), o.sites[flagged[t]], int(o.result.rank[flagged[t]]), float(distance)])
            p_sink.addFeature(out, QgsFeatureSink.Flag.FastInsert)
        feedback.pushInfo(tr("{n} premises lie within {d} m of a flagged stretch.").format(n=len(pairs), d=format_value(premises_distance)))
        return {self.PREMISES_NEAR: p_id, "N_PREMISES_NEAR": len(pairs)}

    def _no_direction_text(self, layer: str, has_field: bool) -> str:
        if has_field:
            return tr(
                "Every line of the network “{layer}” has the direction “both”: the network has no direction, and a source cannot be traced. "
                "Fill the direction field with forward or backward, or leave it empty so that lines follow their digitising direction."
            ).format(layer=layer)
        return tr(
            "The default direction is “both” and the network “{layer}” has no direction field: the network has no direction, and a source "
            "cannot be traced. Choose the forward default (lines drawn in the flow direction) or give a direction field."
        ).format(layer=layer)

    def _report_structure(self, graph: net.Graph, node_xy, sample_nodes, feedback) -> tuple[int, int]:
        label = net.components(graph)
        n_parts = int(label.max()) + 1
        if n_parts > 1:
            with_sample = set(label[np.asarray(sample_nodes, dtype=np.int64)].tolist())
            edge_part = label[graph.up]
            idle = ~np.isin(edge_part, list(with_sample))
            feedback.pushWarning(
                tr(
                    "The network falls into {n} unconnected parts; {k} of them hold no sample ({lines} line pieces, which no catchment reaches). "
                    "If parts should join, check that line ends meet, or raise TOLERANCE."
                ).format(n=n_parts, k=n_parts - len(with_sample), lines=int(idle.sum()))
            )
        loops = np.flatnonzero(net.nodes_on_loops(graph))
        split = net.divergences(graph)
        texts = [
            (
                loops,
                tr(
                    "{n} nodes lie on or below a loop (lines that flow round in a circle), for example near ({x}, {y}). "
                    "Each line is counted once per catchment; check the direction of the lines there."
                ),
            ),
            (
                split,
                tr(
                    "Flow splits at {n} nodes (more than one line leaves them), for example near ({x}, {y}). Drainage rarely splits: "
                    "check that these lines are digitised in the flow direction."
                ),
            ),
        ]
        for nodes, text in texts:
            if nodes.size:
                x, y = node_xy[int(nodes[0])]
                feedback.pushWarning(text.format(n=int(nodes.size), x=f"{x:.1f}", y=f"{y:.1f}"))
        return n_parts, int(loops.size)
