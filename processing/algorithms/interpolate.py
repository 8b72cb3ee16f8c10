"""wbe:interpolate — sample values → a surface, by IDW or ordinary kriging, with leave-one-out
cross-validation, an optional log transform and an optional mask to the township polygons."""

from __future__ import annotations

import math
import os

import numpy as np
from osgeo import gdal, ogr, osr
from qgis.core import (
    QgsColorRampShader,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsRasterFileWriter,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ...core import interpolate as ci
from ...core import kriging as ck
from ...core.nondetect import substitute
from ...translate import tr
from ..base import WbeAlgorithm, is_null, to_float_array
from ..fields import field_list
from ..io.samples import sample_mask
from ..parameters import nondetect_policy_parameter
from ..surfaces import caveat

IDW, KRIGING = 0, 1
NODATA = -9999.0
# ColorBrewer YlOrRd (7) for concentrations, and a purple ramp for the kriging variance.
CONCENTRATION_RAMP = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
VARIANCE_RAMP = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486")


def interpolation_error_text(error: ci.InterpolationError, layer: str, field: str) -> str:
    d = error.details
    if error.code == "too_few_points":
        return tr("The layer “{layer}” has {n} usable values in “{field}”; interpolation needs at least {minimum}.").format(
            layer=layer, n=d["n"], field=field, minimum=d["minimum"]
        )
    if error.code == "too_few_locations":
        return tr("The values of “{field}” in “{layer}” sit at only {n} distinct places; interpolation needs at least {minimum}.").format(
            layer=layer, n=d["n"], field=field, minimum=d["minimum"]
        )
    if error.code == "constant_values":
        return tr(
            "Every usable value of “{field}” in “{layer}” equals {value} ({n} points): there is no variation to interpolate. "
            "Check the field, the compound and the round."
        ).format(layer=layer, field=field, value=d["value"], n=d["n"])
    if error.code == "too_many_cells":
        return tr(
            "A pixel size this small makes {ncols} × {nrows} = {cells} cells, more than the limit of {limit}. "
            "Use a larger pixel size or a smaller extent."
        ).format(ncols=d["ncols"], nrows=d["nrows"], cells=f"{d['cells']:,}", limit=f"{d['limit']:,}")
    if error.code == "bad_pixel":
        return tr("The pixel size must be greater than 0.")
    if error.code == "empty_extent":
        return tr("The extent has no area (width {width}, height {height}).").format(width=d["width"], height=d["height"])
    if error.code == "variogram_fit":
        return tr("The empirical variogram has fewer than 2 distance classes with pairs: the variogram cannot be fitted.")
    if error.code == "global_too_large":
        return tr(
            "Kriging {n} points with every point in one system needs {n} × {n} matrices (more than {limit} points is refused). "
            "Set NEIGHBORS, for example 32."
        ).format(n=d["n"], limit=d["limit"])
    if error.code == "singular_system":
        return tr("The kriging system of {n} points is singular: give a nugget above 0, or check for duplicated points.").format(n=d["n"])
    return error.code


def cv_fields() -> QgsFields:
    return field_list(
        "method:string(32) variogram:string(16) power:double log:integer n:integer mean_error:double mae:double rmse:double chosen:integer"
    )


def gdal_global_idw_power2(x: np.ndarray, y: np.ndarray, z: np.ndarray, grid: ci.Grid) -> np.ndarray:
    """GDAL's vectorised single-precision inverse distance to a power (power 2, no smoothing, no search):
    the same cell centres as QGIS (GDAL ≥ 3.2 grids on pixel centres), about 1e-4 relative from the
    double-precision result. GDAL computes in float32, so coordinates are shifted to the grid's corner first:
    projected coordinates in the millions would otherwise lose their metres."""
    x = x - grid.xmin
    y = y - grid.ymin
    source = gdal.GetDriverByName("Memory").Create("", 0, 0, 0, gdal.GDT_Unknown)
    layer = source.CreateLayer("points", geom_type=ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("z", ogr.OFTReal))
    definition = layer.GetLayerDefn()
    for px, py, pz in zip(x.tolist(), y.tolist(), z.tolist()):
        feature = ogr.Feature(definition)
        feature.SetField(0, pz)
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(px, py)
        feature.SetGeometry(point)
        layer.CreateFeature(feature)
    result = gdal.Grid(
        "",
        source,
        format="MEM",
        outputBounds=[0.0, grid.ymax - grid.ymin, grid.xmax - grid.xmin, 0.0],
        width=grid.ncols,
        height=grid.nrows,
        algorithm="invdist:power=2.0:smoothing=0.0",
        zfield="z",
        outputType=gdal.GDT_Float64,
    )
    band = result.GetRasterBand(1)
    values = band.ReadAsArray().astype(float)
    del band, result, source
    return values


def write_raster(path: str, values: np.ndarray, grid: ci.Grid, crs_wkt: str) -> None:
    extension = os.path.splitext(path)[1].lstrip(".")
    driver_name = QgsRasterFileWriter.driverForExtension(extension) or "GTiff"
    driver = gdal.GetDriverByName(driver_name)
    # uncompressed: DEFLATE on float64 costs more than the whole global IDW of a million cells
    options = ["TILED=YES"] if driver_name == "GTiff" else []
    dataset = driver.Create(path, grid.ncols, grid.nrows, 1, gdal.GDT_Float64, options)
    if dataset is None:
        raise QgsProcessingException(tr("Could not create the raster “{path}”.").format(path=path))
    dataset.SetGeoTransform(grid.geotransform())
    if crs_wkt:
        srs = osr.SpatialReference()
        srs.ImportFromWkt(crs_wkt)
        dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    band.WriteArray(np.where(np.isfinite(values), values, NODATA))
    band.FlushCache()
    del band, dataset


def save_raster_style(path: str, values: np.ndarray, colours: tuple[str, ...], label_digits: int = 4) -> str:
    """A pseudocolour ramp with stops at quantiles of the surface (concentrations are skewed), saved as
    the raster's default style: a sidecar .qml next to the file, which QGIS reads whenever it opens it."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ""
    sample = finite[:: max(1, finite.size // 200_000)]  # quantiles of a regular sample: enough for colour stops
    stops = np.quantile(sample, np.linspace(0.0, 1.0, len(colours)))
    stops[0], stops[-1] = float(finite.min()), float(finite.max())
    stops = np.maximum.accumulate(stops)
    layer = QgsRasterLayer(path, "surface", "gdal")
    if not layer.isValid():
        return ""
    ramp = QgsColorRampShader(float(stops[0]), float(stops[-1]))
    ramp.setColorRampType(QgsColorRampShader.Type.Interpolated)
    ramp.setColorRampItemList(
        [QgsColorRampShader.ColorRampItem(float(v), QColor(c), f"{v:.{label_digits}g}") for v, c in zip(stops, colours)]
    )
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(float(stops[0]))
    renderer.setClassificationMax(float(stops[-1]))
    layer.setRenderer(renderer)
    message, ok = layer.saveDefaultStyle()
    return message if ok else ""


def rasterize_mask(geometries_wkb: list[bytes], grid: ci.Grid, crs_wkt: str = "") -> np.ndarray:
    """True where a cell centre lies in one of the polygons (GDAL's default rasterisation rule)."""
    source = gdal.GetDriverByName("Memory").Create("", 0, 0, 0, gdal.GDT_Unknown)
    srs = None
    if crs_wkt:
        srs = osr.SpatialReference()
        srs.ImportFromWkt(crs_wkt)
    layer = source.CreateLayer("mask", srs=srs, geom_type=ogr.wkbMultiPolygon)
    definition = layer.GetLayerDefn()
    for wkb in geometries_wkb:
        feature = ogr.Feature(definition)
        feature.SetGeometry(ogr.CreateGeometryFromWkb(wkb))
        layer.CreateFeature(feature)
    target = gdal.GetDriverByName("MEM").Create("", grid.ncols, grid.nrows, 1, gdal.GDT_Byte)
    target.SetGeoTransform(grid.geotransform())
    if srs is not None:
        target.SetProjection(srs.ExportToWkt())
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    band = target.GetRasterBand(1)
    inside = band.ReadAsArray().astype(bool)
    del band, target, source
    return inside


def map_length_parameter(name: str, label: str) -> QgsProcessingParameterNumber:
    """A length in map units, ≥ 0, where 0 (the default) means "not set" (unlimited, or chosen from the extent)."""
    return QgsProcessingParameterNumber(name, label, type=QgsProcessingParameterNumber.Type.Double, minValue=0.0, defaultValue=0.0)


class Interpolate(WbeAlgorithm):
    ALG_ID = "interpolate"
    GROUP_ID = "statistics"
    ICON = "wbe.svg"

    INPUT = "INPUT"
    FIELD = "FIELD"
    COMPOUND = "COMPOUND"
    ROUND = "ROUND"
    ND_POLICY = "ND_POLICY"
    METHOD = "METHOD"
    POWER = "POWER"
    POWER_BY_CV = "POWER_BY_CV"
    NEIGHBORS = "NEIGHBORS"
    RADIUS = "RADIUS"
    VARIOGRAM = "VARIOGRAM"
    NUGGET = "NUGGET"
    SILL = "SILL"
    RANGE = "RANGE"
    LOG_TRANSFORM = "LOG_TRANSFORM"
    EXTENT = "EXTENT"
    PIXEL_SIZE = "PIXEL_SIZE"
    MASK = "MASK"
    EXACT = "EXACT"
    OUTPUT = "OUTPUT"
    VARIANCE = "VARIANCE"
    CV_TABLE = "CV_TABLE"

    def displayName(self) -> str:
        return tr("Interpolate a surface (IDW or kriging)")

    def shortHelpString(self) -> str:
        return (
            tr(
                "Interpolates a numeric field of sample points (for example the concentration written by “Import lab results”) onto a raster, "
                "by inverse distance weighting (IDW) or ordinary kriging, and writes a leave-one-out cross-validation table.\n\n"
                "IDW: weights 1/distance^POWER over the NEIGHBORS nearest points (0 = all points) within RADIUS (0 = unlimited). "
                "With NEIGHBORS = 0 and RADIUS = 0 it is global IDW and gives the same surface as QGIS's “IDW interpolation” on the same "
                "EXTENT and PIXEL_SIZE (the same grid: columns = ⌈width / pixel size⌉, the extent kept exactly, values at cell centres). "
                "Global IDW with power 2 uses GDAL's fast single-precision grid (about 1e-4 relative); tick “exact” for double precision. "
                "“Choose the power by cross-validation” tries powers 0.5 to 5 and keeps the one with the smallest leave-one-out RMSE.\n\n"
                "Ordinary kriging: VARIOGRAM spherical, exponential, gaussian or linear, with NUGGET, SILL (the total sill, nugget included) "
                "and RANGE in map units, as pykrige defines them; any left empty is fitted by weighted least squares to the empirical "
                "variogram (12 distance classes up to half the extent's diagonal; at most 2,000 points, a fixed subsample above that). "
                "The linear model is pykrige's: nugget + (SILL − NUGGET)/RANGE × distance. The fitted values go to the log. "
                "VARIANCE receives the kriging variance. With NEIGHBORS = 0 every point enters one system; its variance costs "
                "O(points²) per cell, so with thousands of points set NEIGHBORS (for example 32). For kriging, RADIUS limits the "
                "NEIGHBORS search; with NEIGHBORS = 0 it only leaves cells with no point in reach as NoData.\n\n"
                "Log transform: concentrations are lognormal, so the surface can be made on ln(value) and transformed back without bias: "
                "kriging by exp(ŷ + σ²/2 − μ) (lognormal ordinary kriging, μ the Lagrange multiplier), IDW by exp(ŷ) times Duan's "
                "smearing factor from the leave-one-out residuals. Every value must then be above 0 (use LOD/2 for non-detects); the "
                "VARIANCE raster is then the variance of ln(value).\n\n"
                "Samples: when the layer has the import's fields, COMPOUND and ROUND choose the samples (a layer with several compounds "
                "needs COMPOUND), and non-detects enter through the shared substitution policy. NULL values and empty geometries are "
                "left out and counted. Points at the same place (a site sampled in several rounds) are merged into one point with "
                "their mean value, and counted in the log.\n\n"
                "MASK (for example the townships) leaves cells whose centre lies outside its polygons as NoData. The output raster "
                "carries a colour ramp saved beside it (.qml). Points in a geographic CRS are interpolated in degrees, with a warning: "
                "project them first. More than 100 million cells is refused.\n\n"
            )
            + caveat()
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Sample points"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(
            QgsProcessingParameterField(
                self.FIELD,
                tr("Value field"),
                defaultValue="concentration",
                parentLayerParameterName=self.INPUT,
                type=QgsProcessingParameterField.DataType.Numeric,
                # optional only so that a run without FIELD takes the default (3.22 does not fill it in)
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, tr("Method"), options=[tr("Inverse distance weighting (IDW)"), tr("Ordinary kriging")], defaultValue=IDW
            )
        )
        power = QgsProcessingParameterNumber(
            self.POWER, tr("IDW power"), type=QgsProcessingParameterNumber.Type.Double, minValue=0.0, maxValue=99.99, defaultValue=2.0
        )
        self.addParameter(power)
        self.addParameter(
            QgsProcessingParameterBoolean(self.POWER_BY_CV, tr("Choose the IDW power by cross-validation"), defaultValue=False)
        )
        self.addParameter(QgsProcessingParameterNumber(self.NEIGHBORS, tr("Nearest points used (0 = all)"), minValue=0, defaultValue=0))
        self.addParameter(map_length_parameter(self.RADIUS, tr("Search radius in map units (0 = unlimited)")))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.VARIOGRAM,
                tr("Variogram model (kriging)"),
                options=[tr("Spherical"), tr("Exponential"), tr("Gaussian"), tr("Linear")],
                defaultValue=ck.SPHERICAL,
            )
        )
        for name, label in (
            (self.NUGGET, tr("Nugget (empty: fitted)")),
            (self.SILL, tr("Sill, nugget included (empty: fitted)")),
            (self.RANGE, tr("Range in map units (empty: fitted)")),
        ):
            self.addParameter(
                QgsProcessingParameterNumber(name, label, type=QgsProcessingParameterNumber.Type.Double, optional=True, minValue=0.0)
            )
        self.addParameter(
            QgsProcessingParameterBoolean(self.LOG_TRANSFORM, tr("Interpolate the logarithm (lognormal values)"), defaultValue=False)
        )
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Extent (empty: the points' extent)"), optional=True))
        self.addParameter(map_length_parameter(self.PIXEL_SIZE, tr("Pixel size in map units (0: the longer side ÷ 500)")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.MASK, tr("Mask polygons (for example the townships)"), [QgsProcessing.SourceType.TypeVectorPolygon], optional=True
            )
        )
        self.addParameter(QgsProcessingParameterString(self.COMPOUND, tr("Compound (when the layer holds several)"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.ROUND, tr("Round (empty: every round)"), optional=True))
        self.addParameter(nondetect_policy_parameter(self.ND_POLICY))
        exact = QgsProcessingParameterBoolean(
            self.EXACT, tr("Exact: double precision also for global IDW with power 2"), defaultValue=False
        )
        for name in (self.COMPOUND, self.ROUND, self.ND_POLICY):
            self.parameterDefinition(name).setFlags(
                self.parameterDefinition(name).flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced
            )
        exact.setFlags(exact.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
        self.addParameter(exact)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Interpolated surface")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.VARIANCE, tr("Kriging variance"), optional=True, createByDefault=False)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.CV_TABLE,
                tr("Leave-one-out cross-validation"),
                QgsProcessing.SourceType.TypeVector,
                optional=True,
                createByDefault=True,
            )
        )
        for name, label in (
            ("N_POINTS", tr("Points used")),
            ("CV_ME", tr("Cross-validation mean error")),
            ("CV_MAE", tr("Cross-validation mean absolute error")),
            ("CV_RMSE", tr("Cross-validation root mean square error")),
            ("POWER_USED", tr("IDW power used")),
            ("NUGGET_USED", tr("Nugget used")),
            ("SILL_USED", tr("Sill used")),
            ("RANGE_USED", tr("Range used")),
            ("NODATA_CELLS", tr("Cells without a value")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    # ------------------------------------------------------------------------------------------ input

    def _optional_double(self, parameters, name, context):
        raw = parameters.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if hasattr(raw, "isNull") and raw.isNull():
            return None
        return self.parameterAsDouble(parameters, name, context)

    def _read_points(self, source, field: str, parameters, context, feedback):
        fields = source.fields()
        value_index = fields.lookupField(field)
        if value_index < 0:
            raise QgsProcessingException(tr("The layer “{layer}” has no field “{field}”.").format(layer=source.sourceName(), field=field))
        wanted_compound = self.parameterAsString(parameters, self.COMPOUND, context).strip()
        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        compound_index = fields.lookupField("compound")
        round_index = fields.lookupField("round")
        detected_index = fields.lookupField("detected")
        lod_index = fields.lookupField("lod")
        unit_index = fields.lookupField("unit")
        medium_index = fields.lookupField("medium")
        values, detected, lods, compounds, rounds, units, media, xs, ys = [], [], [], [], [], [], [], [], []
        empty_geometry = 0
        wanted = [i for i in (value_index, compound_index, round_index, detected_index, lod_index, unit_index, medium_index) if i >= 0]
        request = QgsFeatureRequest().setSubsetOfAttributes(wanted)
        total = max(source.featureCount(), 1)
        for count, feature in enumerate(source.getFeatures(request)):
            if count % 1000 == 0 and feedback.isCanceled():
                break
            geometry = feature.geometry()
            if geometry is None or geometry.isEmpty():
                empty_geometry += 1
                continue
            attrs = feature.attributes()
            parts = [geometry.asPoint()] if not geometry.isMultipart() else list(geometry.asMultiPoint())
            for point in parts:
                xs.append(point.x())
                ys.append(point.y())
                values.append(attrs[value_index])
                compounds.append(attrs[compound_index] if compound_index >= 0 else None)
                rounds.append(attrs[round_index] if round_index >= 0 else None)
                units.append(attrs[unit_index] if unit_index >= 0 else None)
                media.append(attrs[medium_index] if medium_index >= 0 else None)
                detected.append(attrs[detected_index] if detected_index >= 0 else None)
                lods.append(attrs[lod_index] if lod_index >= 0 else None)
            if count % 1000 == 0:
                feedback.setProgress(10.0 * count / total)
        if empty_geometry:
            feedback.pushWarning(tr("{n} features have no geometry and are left out.").format(n=empty_geometry))
        x = np.asarray(xs, dtype=float)
        y = np.asarray(ys, dtype=float)
        # One compound (COMPOUND, or the only one), the ROUND, one unit: the rules of every sample layer.
        chosen = {"compound": compounds} if compound_index >= 0 else {}
        if round_index >= 0:
            chosen["round"] = rounds
        if unit_index >= 0:
            chosen["unit"] = units
        if medium_index >= 0:
            chosen["medium"] = media
        mask = sample_mask(chosen, wanted_compound, wanted_round, source.sourceName(), feedback)
        keep = np.ones(len(x), dtype=bool) if mask is None else mask
        z = to_float_array(values)
        if detected_index >= 0:
            # The sample model's rule for the flag: NULL lets the value decide; "false" in a CSV is no detection.
            from ...core.samples import detected_flags

            flags = detected_flags([None if is_null(d) else d for d in detected], z)
            policy = self.parameterAsEnum(parameters, self.ND_POLICY, context)
            lod = to_float_array(lods) if lod_index >= 0 else np.full(z.size, np.nan)
            substituted = substitute(z, flags, lod, policy)
            nd = int((~flags & keep).sum())
            if nd:
                feedback.pushInfo(tr("{n} non-detects enter through the substitution policy.").format(n=nd))
            if substituted.without_limit:
                feedback.pushWarning(tr("{n} non-detects have no detection limit and count as 0.").format(n=substituted.without_limit))
            z = substituted.values
        missing = keep & ~np.isfinite(z)
        if missing.any():
            feedback.pushWarning(
                tr("{n} points have no usable value in “{field}” (NULL, or an excluded non-detect) and are left out.").format(
                    n=int(missing.sum()), field=field
                )
            )
        keep &= np.isfinite(z) & np.isfinite(x) & np.isfinite(y)
        return x[keep], y[keep], z[keep]

    # ------------------------------------------------------------------------------------------ run

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        layer_name = source.sourceName()
        if QgsWkbTypes.geometryType(source.wkbType()) != QgsWkbTypes.GeometryType.PointGeometry:
            raise QgsProcessingException(tr("The sample layer “{layer}” is not a point layer.").format(layer=layer_name))
        field = self.parameterAsString(parameters, self.FIELD, context) or "concentration"
        use_log = self.parameterAsBool(parameters, self.LOG_TRANSFORM, context)
        crs = source.sourceCrs()
        if crs.isValid() and crs.isGeographic():
            feedback.pushWarning(
                tr(
                    "The points of “{layer}” are in a geographic CRS ({crs}): distances, RADIUS, RANGE and PIXEL_SIZE are in degrees, "
                    "and a degree of longitude is shorter than a degree of latitude. Reproject the points to a projected CRS "
                    "(for example CGCS2000 / 3-degree Gauss-Kruger) first."
                ).format(layer=layer_name, crs=crs.authid())
            )

        x, y, z = self._read_points(source, field, parameters, context, feedback)
        if feedback.isCanceled():
            return {}
        x, y, z, merged = ci.merge_duplicates(x, y, z)
        if merged:
            feedback.pushWarning(
                tr(
                    "{n} points share their place with another point; each place enters once, with the mean value. Choose a ROUND to map one round."
                ).format(n=merged)
            )
        try:
            ci.check_points(x, y, z)
        except ci.InterpolationError as error:
            raise QgsProcessingException(interpolation_error_text(error, layer_name, field)) from error
        if use_log and (z <= 0).any():
            raise QgsProcessingException(
                tr(
                    "The log transform needs values above 0, but {n} values of “{field}” in “{layer}” are 0 or less (smallest {smallest}). "
                    "Count non-detects as LOD/2, or untick the log transform."
                ).format(n=int((z <= 0).sum()), field=field, layer=layer_name, smallest=float(z.min()))
            )
        grid = self._grid(parameters, context, crs, x, y, layer_name, field, feedback)
        try:
            surface, results = self._surface(parameters, context, x, y, z, grid, use_log, feedback)
        except ci.InterpolationError as error:
            raise QgsProcessingException(interpolation_error_text(error, layer_name, field)) from error
        if feedback.isCanceled():
            return {}

        mask_source = self.parameterAsSource(parameters, self.MASK, context)
        if mask_source is not None:
            self._mask(mask_source, crs, grid, surface, context, feedback)
        nodata = int((~np.isfinite(surface.values)).sum())
        results["NODATA_CELLS"] = nodata
        if self.parameterAsDouble(parameters, self.RADIUS, context) > 0 and nodata:
            feedback.pushInfo(tr("{n} cells have no point within the search radius and are NoData.").format(n=nodata))
        results.update(self._write_rasters(parameters, context, surface, grid, crs, use_log, feedback))
        results.update(self._write_cv(parameters, context, surface, crs, use_log, field, feedback))
        feedback.pushInfo(caveat())
        return results

    # ------------------------------------------------------------------------------------------ steps

    def _grid(self, parameters, context, crs, x, y, layer_name, field, feedback) -> ci.Grid:
        """The output grid: EXTENT (or the points' extent) in cells of PIXEL_SIZE (or the longer side ÷ 500)."""
        extent = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
        if extent is None or extent.isNull() or extent.isEmpty():
            xmin, xmax, ymin, ymax = float(x.min()), float(x.max()), float(y.min()), float(y.max())
        else:
            xmin, xmax, ymin, ymax = extent.xMinimum(), extent.xMaximum(), extent.yMinimum(), extent.yMaximum()
        pixel = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
        if pixel <= 0:
            pixel = max(xmax - xmin, ymax - ymin) / 500.0
            feedback.pushInfo(tr("Pixel size: {pixel:.6g} map units (the longer side ÷ 500).").format(pixel=pixel))
        try:
            grid = ci.grid_for_extent(xmin, ymin, xmax, ymax, pixel)
        except ci.InterpolationError as error:
            raise QgsProcessingException(interpolation_error_text(error, layer_name, field)) from error
        feedback.pushInfo(
            tr("Grid: {ncols} × {nrows} cells of {dx:.6g} × {dy:.6g} map units.").format(
                ncols=grid.ncols, nrows=grid.nrows, dx=grid.dx, dy=grid.dy
            )
        )
        outside = int(((x < xmin) | (x > xmax) | (y < ymin) | (y > ymax)).sum())
        if outside:
            feedback.pushInfo(tr("{n} points lie outside the extent; they still take part in the interpolation.").format(n=outside))
        return grid

    def _surface(self, parameters, context, x, y, z, grid, use_log, feedback) -> tuple[ci.Surface, dict]:
        """core/interpolate.py (IDW) or core/kriging.py (ordinary kriging), with what they did said."""
        neighbors = self.parameterAsInt(parameters, self.NEIGHBORS, context)
        radius = self.parameterAsDouble(parameters, self.RADIUS, context)
        progress = lambda p: feedback.setProgress(20.0 + 0.75 * p)  # noqa: E731
        results: dict = {"N_POINTS": int(len(z))}
        if self.parameterAsEnum(parameters, self.METHOD, context) == IDW:
            choose = self.parameterAsBool(parameters, self.POWER_BY_CV, context)
            steps = {
                "choose_power": tr("Choosing the IDW power by leave-one-out cross-validation…"),
                "idw": tr("Interpolating by IDW…"),
            }
            surface = ci.idw_surface(
                x,
                y,
                z,
                grid,
                self.parameterAsDouble(parameters, self.POWER, context),
                neighbors,
                radius,
                use_log=use_log,
                choose=choose,
                exact=self.parameterAsBool(parameters, self.EXACT, context),
                global_power2=gdal_global_idw_power2,
                step=lambda code: feedback.setProgressText(steps[code]),
                progress=progress,
                cancelled=feedback.isCanceled,
            )
            if choose:
                for row in surface.cv:
                    feedback.pushInfo(tr("  power {power}: leave-one-out RMSE {rmse:.6g}").format(power=row.power, rmse=row.stats.rmse))
                feedback.pushInfo(tr("Power chosen by cross-validation: {power}.").format(power=surface.power))
            if use_log:
                feedback.pushInfo(tr("Back-transform: exp(surface) × smearing factor {factor:.6g}.").format(factor=surface.smearing))
            results["POWER_USED"] = surface.power
            return surface, results
        t = np.log(z) if use_log else z
        vg = self._variogram(
            x,
            y,
            t,
            self.parameterAsEnum(parameters, self.VARIOGRAM, context),
            self._optional_double(parameters, self.NUGGET, context),
            self._optional_double(parameters, self.SILL, context),
            self._optional_double(parameters, self.RANGE, context),
            feedback,
        )
        if neighbors <= 0 and len(x) > 3000:
            feedback.pushWarning(
                tr(
                    "Kriging {n} points in one system: the variance costs O(points²) per cell. Set NEIGHBORS (for example 32) to go faster."
                ).format(n=len(x))
            )
        feedback.setProgressText(tr("Interpolating by ordinary kriging…"))
        surface = ck.kriging_surface(
            x,
            y,
            z,
            grid,
            vg,
            neighbors,
            radius,
            use_log=use_log,
            variance=self.parameterAsOutputLayer(parameters, self.VARIANCE, context) not in (None, ""),
            progress=progress,
            cancelled=feedback.isCanceled,
        )
        results.update({"NUGGET_USED": vg.nugget, "SILL_USED": vg.sill, "RANGE_USED": vg.range})
        return surface, results

    def _mask(self, mask_source, crs, grid, surface, context, feedback) -> None:
        """Cells whose centre lies outside every polygon of MASK become NoData."""
        transform = QgsCoordinateTransform(mask_source.sourceCrs(), crs, context.transformContext())
        wkbs = []
        for feature in mask_source.getFeatures():
            geometry = QgsGeometry(feature.geometry())
            if geometry.isEmpty() or QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
                continue
            if transform.isValid() and not transform.isShortCircuited():
                geometry.transform(transform)
            wkbs.append(bytes(geometry.asWkb()))
        inside = rasterize_mask(wkbs, grid, crs.toWkt())
        ci.mask_surface(surface, inside)
        if not inside.any():
            feedback.pushWarning(
                tr("No cell centre lies inside the mask polygons: the surface is empty. Check the mask layer and the extent.")
            )
        feedback.pushInfo(
            tr("Mask: {n} of {total} cells lie outside the mask polygons and are NoData.").format(n=int((~inside).sum()), total=grid.cells)
        )

    def _write_rasters(self, parameters, context, surface, grid, crs, use_log, feedback) -> dict:
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        write_raster(output, surface.values, grid, crs.toWkt())
        save_raster_style(output, surface.values, CONCENTRATION_RAMP)
        results = {self.OUTPUT: output}
        variance_path = self.parameterAsOutputLayer(parameters, self.VARIANCE, context)
        if variance_path:
            if surface.variance is None:
                feedback.pushWarning(tr("The variance raster comes only with kriging; it is not written for IDW."))
            else:
                write_raster(variance_path, surface.variance, grid, crs.toWkt())
                save_raster_style(variance_path, surface.variance, VARIANCE_RAMP)
                results[self.VARIANCE] = variance_path
                if use_log:
                    feedback.pushInfo(tr("The variance raster holds the kriging variance of ln(value)."))
        return results

    def _write_cv(self, parameters, context, surface, crs, use_log, field, feedback) -> dict:
        """The cross-validation table (one row per method or power tried) and its summary in the log."""
        results = {}
        sink, sink_id = self.parameterAsSink(parameters, self.CV_TABLE, context, cv_fields(), QgsWkbTypes.Type.NoGeometry, crs)
        if sink is not None:
            variogram_name = ck.MODEL_NAMES[surface.variogram.model] if surface.variogram is not None else ""
            for row in surface.cv:
                name, model_name = ("IDW", "") if row.method == "idw" else (tr("Ordinary kriging"), variogram_name)
                feature = QgsFeature(cv_fields())
                s = row.stats
                p = None if row.power is None else float(row.power)
                feature.setAttributes(
                    [name, model_name, p, int(use_log), int(s.n), _num(s.mean_error), _num(s.mae), _num(s.rmse), int(row.chosen)]
                )
                sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            results[self.CV_TABLE] = sink_id
        stats = surface.chosen.stats
        results.update({"CV_ME": stats.mean_error, "CV_MAE": stats.mae, "CV_RMSE": stats.rmse})
        feedback.pushInfo(
            tr(
                "Leave-one-out cross-validation over {n} points: mean error {me:.6g}, MAE {mae:.6g}, RMSE {rmse:.6g} (in the units of “{field}”)."
            ).format(n=stats.n, me=stats.mean_error, mae=stats.mae, rmse=stats.rmse, field=field)
        )
        if stats.left_out:
            feedback.pushInfo(tr("{n} points had no other point in reach and have no cross-validation value.").format(n=stats.left_out))
        return results

    def _variogram(self, x, y, t, model, nugget, sill, range_, feedback) -> ck.Variogram:
        if sill is not None and nugget is not None and sill < nugget:
            raise QgsProcessingException(
                tr("The sill ({sill}) is the total sill, nugget included: it cannot be below the nugget ({nugget}).").format(
                    sill=sill, nugget=nugget
                )
            )
        if range_ is not None and range_ <= 0:
            raise QgsProcessingException(tr("The range must be greater than 0."))
        if nugget is not None and sill is not None and range_ is not None:
            vg = ck.Variogram(model, nugget, sill, range_)
            feedback.pushInfo(
                tr("Variogram ({model}) as given: nugget {nugget:.6g}, sill {sill:.6g}, range {range:.6g}.").format(
                    model=ck.MODEL_NAMES[model], nugget=nugget, sill=sill, range=range_
                )
            )
            return vg
        emp = ck.empirical_variogram(x, y, t)
        if emp.n_points < len(x):
            feedback.pushInfo(
                tr("The empirical variogram uses a fixed subsample of {n} of the {total} points.").format(n=emp.n_points, total=len(x))
            )
        vg = ck.fit_variogram(model, emp, nugget, sill, range_)
        feedback.pushInfo(
            tr("Variogram ({model}) fitted to {bins} distance classes: nugget {nugget:.6g}, sill {sill:.6g}, range {range:.6g}.").format(
                model=ck.MODEL_NAMES[model], bins=len(emp.lags), nugget=vg.nugget, sill=vg.sill, range=vg.range
            )
        )
        if vg.psill <= 1e-9 * max(abs(vg.sill), 1e-300):
            feedback.pushWarning(
                tr("The fitted variogram is a pure nugget: the sample shows no spatial structure, and the surface is nearly flat.")
            )
        return vg


def _num(value: float):
    return None if value is None or not math.isfinite(value) else float(value)
