"""wbe:surfacebytownship — zonal statistics of a surface per township: mean, max and the share of area
at or above a threshold."""

from __future__ import annotations

import math

import numpy as np
from osgeo import gdal, ogr
from qgis.core import (
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
    QgsWkbTypes,
)

from ...core.pip import assign_points
from ...core.surface import nearest_distance, zone_stats
from ...translate import tr
from ..base import WbeAlgorithm, read_columns, write_feature
from ..compat import FIELD_BOOL, FIELD_DOUBLE, FIELD_INT, FIELD_STRING
from ..io.outputs import discard_output
from ..spatial import polygon_rings
from .interpolate import caveat


def surface_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("n_cells", FIELD_INT))
    fields.append(QgsField("surface_mean", FIELD_DOUBLE))
    fields.append(QgsField("surface_max", FIELD_DOUBLE))
    fields.append(QgsField("pct_above", FIELD_DOUBLE))
    # Support of the surface (issue 13, item 8): samples inside the township and the distance to the nearest one.
    fields.append(QgsField("n_samples_in", FIELD_INT))
    fields.append(QgsField("dist_nearest_sample", FIELD_DOUBLE))
    fields.append(QgsField("no_sample_inside", FIELD_BOOL))
    return fields


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
        band_number = self.parameterAsInt(parameters, self.BAND, context) or 1
        townships = self.parameterAsSource(parameters, self.TOWNSHIPS, context)
        if townships is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.TOWNSHIPS))
        if QgsWkbTypes.geometryType(townships.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
            raise QgsProcessingException(tr("The township layer “{layer}” is not a polygon layer.").format(layer=townships.sourceName()))
        raw = parameters.get(self.THRESHOLD)
        threshold = None
        if raw is not None and not (isinstance(raw, str) and not raw.strip()) and not (hasattr(raw, "isNull") and raw.isNull()):
            threshold = self.parameterAsDouble(parameters, self.THRESHOLD, context)

        path = raster.source().split("|")[0]
        dataset = gdal.Open(path)
        if dataset is None:
            raise QgsProcessingException(tr("GDAL cannot open the raster “{path}”.").format(path=path))
        if band_number > dataset.RasterCount:
            raise QgsProcessingException(tr("The raster “{name}” has no band {band}.").format(name=raster.name(), band=band_number))
        band = dataset.GetRasterBand(band_number)
        nodata = band.GetNoDataValue()
        gt = dataset.GetGeoTransform()
        if gt[2] != 0 or gt[4] != 0:
            raise QgsProcessingException(tr("The raster “{name}” is rotated; warp it to a north-up grid first.").format(name=raster.name()))
        width, height = dataset.RasterXSize, dataset.RasterYSize
        raster_srs = dataset.GetSpatialRef()
        transform = QgsCoordinateTransform(townships.sourceCrs(), raster.crs(), context.transformContext())

        sample_xy = self._sample_points(parameters, context, townships, feedback)
        out_fields = QgsProcessingUtils.combineFields(townships.fields(), surface_fields())
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, townships.wkbType(), townships.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        mem_vector = gdal.GetDriverByName("Memory")
        mem_raster = gdal.GetDriverByName("MEM")
        total = max(townships.featureCount(), 1)
        empty_names = []
        no_sample: list[str] = []
        # townships are named in the log by their “name” field, else their first text field, else their id
        label_index = townships.fields().lookupField("name")
        if label_index < 0:
            label_index = next((i for i, f in enumerate(townships.fields()) if f.type() == FIELD_STRING), -1)
        for count, feature in enumerate(townships.getFeatures()):
            if feedback.isCanceled():
                break
            geometry = QgsGeometry(feature.geometry())
            stats = None
            if not geometry.isEmpty() and QgsWkbTypes.geometryType(geometry.wkbType()) == QgsWkbTypes.GeometryType.PolygonGeometry:
                if transform.isValid() and not transform.isShortCircuited():
                    geometry.transform(transform)
                box = geometry.boundingBox()
                c0 = max(int(math.floor((box.xMinimum() - gt[0]) / gt[1])), 0)
                c1 = min(int(math.ceil((box.xMaximum() - gt[0]) / gt[1])), width)
                r0 = max(int(math.floor((box.yMaximum() - gt[3]) / gt[5])), 0)
                r1 = min(int(math.ceil((box.yMinimum() - gt[3]) / gt[5])), height)
                if c1 > c0 and r1 > r0:
                    values = band.ReadAsArray(c0, r0, c1 - c0, r1 - r0).astype(float)
                    if nodata is not None:
                        values[values == nodata] = np.nan
                    source = mem_vector.Create("", 0, 0, 0, gdal.GDT_Unknown)
                    layer = source.CreateLayer("zone", srs=raster_srs, geom_type=ogr.wkbMultiPolygon)
                    zone = ogr.Feature(layer.GetLayerDefn())
                    zone.SetGeometry(ogr.CreateGeometryFromWkb(bytes(geometry.asWkb())))
                    layer.CreateFeature(zone)
                    target = mem_raster.Create("", c1 - c0, r1 - r0, 1, gdal.GDT_Byte)
                    target.SetGeoTransform((gt[0] + c0 * gt[1], gt[1], 0.0, gt[3] + r0 * gt[5], 0.0, gt[5]))
                    target.SetProjection(dataset.GetProjection())
                    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
                    target_band = target.GetRasterBand(1)
                    inside = target_band.ReadAsArray().astype(bool)
                    del target_band, target, layer, source
                    stats = zone_stats(values, inside, threshold)
            out = QgsFeature(out_fields)
            out.setGeometry(feature.geometry())
            if stats is None or stats.n_cells == 0:
                empty_names.append(str(feature[label_index]) if label_index >= 0 else str(feature.id()))
                extra = [0, None, None, None]
            else:
                extra = [
                    stats.n_cells,
                    stats.mean,
                    stats.max,
                    None if threshold is None else 100.0 * stats.share_above,
                ]
            extra += self._support(feature.geometry(), sample_xy, no_sample, feature, label_index)
            out.setAttributes([*feature.attributes(), *extra])
            write_feature(sink, out, tr("Surface by township"))
            feedback.setProgress(100.0 * (count + 1) / total)
        del band, dataset
        if feedback.isCanceled():
            del sink
            discard_output(dest_id, context)
            return {}
        if hasattr(sink, "finalize"):
            sink.finalize()
        del sink
        if no_sample:
            feedback.pushWarning(
                tr(
                    "{n} townships have no sample inside: their surface values are extrapolated from samples elsewhere and mean little "
                    "(no_sample_inside, dist_nearest_sample): {names}."
                ).format(n=len(no_sample), names=", ".join(no_sample[:100]))
            )
        elif sample_xy is None:
            feedback.pushInfo(tr("No SAMPLES given: the output cannot say which townships have no sample inside."))
        if empty_names:
            feedback.pushWarning(
                tr("{n} townships hold no cell centre with a value and have NULL statistics: {names}.").format(
                    n=len(empty_names), names=", ".join(empty_names)
                )
            )
        feedback.pushInfo(caveat())
        return {self.OUTPUT: dest_id, "N_EMPTY": len(empty_names), "N_NO_SAMPLE": len(no_sample)}

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

    def _support(self, geometry, sample_xy, no_sample, feature, label_index) -> list:
        if sample_xy is None:
            return [None, None, None]
        rings = polygon_rings(geometry)
        inside = assign_points(sample_xy[:, 0], sample_xy[:, 1], [rings]) if rings and len(sample_xy) else np.zeros(0, dtype=int)
        n_in = int((inside == 0).sum())
        distance = nearest_distance(rings, sample_xy[:, 0], sample_xy[:, 1], n_in > 0)
        if n_in == 0:
            no_sample.append(str(feature[label_index]) if label_index >= 0 else str(feature.id()))
        return [n_in, None if distance != distance else distance, n_in == 0]
