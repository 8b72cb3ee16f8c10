"""wbe:surfacebytownship — zonal statistics of a surface per township: mean, max and the share of area
at or above a threshold."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
)

from ...core.pip import assign_points
from ...core.surface import nearest_distance
from ...translate import tr
from ..base import WbeAlgorithm, read_columns, township_label_index, township_source, write_feature
from ..compat import FIELD_BOOL
from ..fields import field_list
from ..io.outputs import discard_output
from ..spatial import polygon_rings, reproject
from ..surfaces import RasterZones, caveat


def surface_fields() -> QgsFields:
    """The statistics, then the support of the surface (issue 13, item 8): samples inside the township and the
    distance to the nearest one."""
    fields = field_list(
        "n_cells:integer surface_mean:double surface_max:double pct_above:double n_samples_in:integer dist_nearest_sample:double"
    )
    fields.append(QgsField("no_sample_inside", FIELD_BOOL))
    return fields


def surface_values(stats, threshold) -> list:
    """n_cells, surface_mean, surface_max and pct_above for one township (0 and NULLs where it holds no cell)."""
    if stats is None or stats.n_cells == 0:
        return [0, None, None, None]
    return [stats.n_cells, stats.mean, stats.max, None if threshold is None else 100.0 * stats.share_above]


def sample_support(geometry, sample_xy) -> list:
    """n_samples_in, dist_nearest_sample and no_sample_inside for one township (NULLs without SAMPLES)."""
    if sample_xy is None:
        return [None, None, None]
    rings = polygon_rings(geometry)
    inside = assign_points(sample_xy[:, 0], sample_xy[:, 1], [rings]) if rings and len(sample_xy) else np.zeros(0, dtype=int)
    n_in = int((inside == 0).sum())
    distance = nearest_distance(rings, sample_xy[:, 0], sample_xy[:, 1], n_in > 0)
    return [n_in, None if distance != distance else distance, n_in == 0]


def log_support(no_sample: list, samples_given: bool, empty_names: list, feedback) -> None:
    """Name the townships without a sample inside and those without a cell, then the caveat."""
    if no_sample:
        feedback.pushWarning(
            tr(
                "{n} townships have no sample inside: their surface values are extrapolated from samples elsewhere and mean little "
                "(no_sample_inside, dist_nearest_sample): {names}."
            ).format(n=len(no_sample), names=", ".join(no_sample[:100]))
        )
    elif not samples_given:
        feedback.pushInfo(tr("No SAMPLES given: the output cannot say which townships have no sample inside."))
    if empty_names:
        feedback.pushWarning(
            tr("{n} townships hold no cell centre with a value and have NULL statistics: {names}.").format(
                n=len(empty_names), names=", ".join(empty_names)
            )
        )
    feedback.pushInfo(caveat())


class SurfaceByTownship(WbeAlgorithm):
    ALG_ID = "surfacebytownship"
    GROUP_ID = "statistics"
    ICON = "township.svg"

    INPUT = "INPUT"
    BAND = "BAND"
    TOWNSHIPS = "TOWNSHIPS"
    THRESHOLD = "THRESHOLD"
    SAMPLES = "SAMPLES"
    OUTPUT = "OUTPUT"

    def displayName(self) -> str:
        return tr("Surface statistics by township")

    def shortHelpString(self) -> str:
        return (
            tr(
                "Summarises a surface (for example the output of “Interpolate a surface”) per township polygon: n_cells (cells with a value), "
                "surface_mean, surface_max, and pct_above, the percentage of the township's area whose value is at or above THRESHOLD "
                "(NULL when no threshold is given).\n\n"
                "A cell belongs to a township when its centre lies inside the polygon, as QGIS's zonal statistics count it; NoData cells "
                "are left out. Every cell has the same area, so the share of cells is the share of area. A township that holds no cell "
                "centre with a value (smaller than a cell, or outside the surface) gets n_cells = 0 and NULL statistics, and is named in "
                "the log. The townships are reprojected to the raster's CRS when the two differ. The output keeps the township fields "
                "and adds the statistics after them.\n\n"
                "Where the surface means nothing: a township with no sample inside gets its value only from samples elsewhere "
                "(interpolation invents it). Give SAMPLES (the points the surface was made from) and each township gets n_samples_in, "
                "dist_nearest_sample (in the townships' CRS units; 0 with a sample inside) and no_sample_inside (true where the value is "
                "extrapolated from outside); the log names those townships. Read such values as a guess, never as a measurement.\n\n"
            )
            + caveat()
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Surface")))
        # optional only so that a run without BAND takes band 1 (3.22 does not fill the default in)
        self.addParameter(
            QgsProcessingParameterBand(self.BAND, tr("Band"), defaultValue=1, parentLayerParameterName=self.INPUT, optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.SourceType.TypeVectorPolygon])
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD, tr("Threshold (share of area at or above it)"), type=QgsProcessingParameterNumber.Type.Double, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.SAMPLES, tr("Samples the surface was made from"), [QgsProcessing.SourceType.TypeVectorPoint], optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Surface by township"), QgsProcessing.SourceType.TypeVectorPolygon)
        )
        self.addOutput(QgsProcessingOutputNumber("N_NO_SAMPLE", tr("Townships without a sample inside")))
        self.addOutput(QgsProcessingOutputNumber("N_EMPTY", tr("Townships without a cell")))

    def processAlgorithm(self, parameters, context, feedback):
        raster = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if raster is None:
            raise QgsProcessingException(self.invalidRasterError(parameters, self.INPUT))
        townships = township_source(self, parameters, self.TOWNSHIPS, context)
        threshold = self._threshold(parameters, context)
        zones = RasterZones(raster, self.parameterAsInt(parameters, self.BAND, context) or 1)
        transform = QgsCoordinateTransform(townships.sourceCrs(), raster.crs(), context.transformContext())
        transform = transform if transform.isValid() and not transform.isShortCircuited() else None
        sample_xy = self._sample_points(parameters, context, townships, feedback)
        out_fields = QgsProcessingUtils.combineFields(townships.fields(), surface_fields())
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, townships.wkbType(), townships.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        total = max(townships.featureCount(), 1)
        empty_names: list[str] = []
        no_sample: list[str] = []
        label_index = township_label_index(townships.fields())
        for count, feature in enumerate(townships.getFeatures()):
            if feedback.isCanceled():
                break
            label = str(feature[label_index]) if label_index >= 0 else str(feature.id())
            values = surface_values(zones.stats(reproject(feature.geometry(), transform), threshold), threshold)
            if values[0] == 0:
                empty_names.append(label)
            support = sample_support(feature.geometry(), sample_xy)
            if support[2]:
                no_sample.append(label)
            out = QgsFeature(out_fields)
            out.setGeometry(feature.geometry())
            out.setAttributes([*feature.attributes(), *values, *support])
            write_feature(sink, out, tr("Surface by township"))
            feedback.setProgress(100.0 * (count + 1) / total)
        zones.close()
        if feedback.isCanceled():
            del sink
            discard_output(dest_id, context)
            return {}
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink
        log_support(no_sample, sample_xy is not None, empty_names, feedback)
        return {self.OUTPUT: dest_id, "N_EMPTY": len(empty_names), "N_NO_SAMPLE": len(no_sample)}

    def _threshold(self, parameters, context) -> float | None:
        """THRESHOLD, or None when left empty (then pct_above is NULL)."""
        raw = parameters.get(self.THRESHOLD)
        if raw is None or (isinstance(raw, str) and not raw.strip()) or (hasattr(raw, "isNull") and raw.isNull()):
            return None
        return self.parameterAsDouble(parameters, self.THRESHOLD, context)

    def _sample_points(self, parameters, context, townships, feedback):
        """The sample points in the townships' CRS as an (n, 2) array, or None without SAMPLES."""
        samples = self.parameterAsSource(parameters, self.SAMPLES, context)
        if samples is None:
            return None
        transform = QgsCoordinateTransform(samples.sourceCrs(), townships.sourceCrs(), context.transformContext())
        _columns, xy, _ids = read_columns(samples, [], feedback, point_transform=transform)
        if townships.sourceCrs().isGeographic():
            feedback.pushWarning(tr("The townships are in a geographic CRS: dist_nearest_sample is in degrees."))
        return xy
