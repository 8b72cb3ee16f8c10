"""What the surface algorithms (wbe:interpolate, wbe:surfacebytownship) share: the caveat every surface carries,
and a surface read zone by zone (the cells whose centre lies in a polygon, as QGIS's zonal statistics count them)."""

from __future__ import annotations

import math

import numpy as np
from osgeo import gdal, ogr
from qgis.core import QgsProcessingException, QgsWkbTypes

from ..core.surface import ZoneStats, zone_stats
from ..translate import tr


def caveat() -> str:
    return tr(
        "A sewage sample stands for its upstream catchment, not for the point where it was taken: read this surface as a smoothed "
        "picture of the sampled values, not as a measured concentration at every place. The township summary of the sampled values "
        "remains the primary product."
    )


class RasterZones:
    """One band of a north-up raster, read window by window for one zone polygon at a time. Keep the object while
    reading (GDAL's band lives as long as its dataset) and ``close()`` it after."""

    def __init__(self, raster_layer, band_number: int):
        path = raster_layer.source().split("|")[0]
        self.dataset = gdal.Open(path)
        if self.dataset is None:
            raise QgsProcessingException(tr("GDAL cannot open the raster “{path}”.").format(path=path))
        if band_number > self.dataset.RasterCount:
            raise QgsProcessingException(tr("The raster “{name}” has no band {band}.").format(name=raster_layer.name(), band=band_number))
        self.band = self.dataset.GetRasterBand(band_number)
        self.nodata = self.band.GetNoDataValue()
        self.gt = self.dataset.GetGeoTransform()
        if self.gt[2] != 0 or self.gt[4] != 0:
            raise QgsProcessingException(
                tr("The raster “{name}” is rotated; warp it to a north-up grid first.").format(name=raster_layer.name())
            )
        self.width, self.height = self.dataset.RasterXSize, self.dataset.RasterYSize
        self.srs = self.dataset.GetSpatialRef()

    def close(self) -> None:
        self.band = None
        self.dataset = None

    def stats(self, geometry, threshold: float | None) -> ZoneStats | None:
        """Zonal statistics of the cells whose centre lies in ``geometry`` (a QgsGeometry in the raster's CRS); None
        for an empty or non-polygon geometry, or one outside the raster."""
        if geometry.isEmpty() or QgsWkbTypes.geometryType(geometry.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
            return None
        window = self._window(geometry.boundingBox())
        if window is None:
            return None
        c0, r0, c1, r1 = window
        values = self.band.ReadAsArray(c0, r0, c1 - c0, r1 - r0).astype(float)
        if self.nodata is not None:
            values[values == self.nodata] = np.nan
        return zone_stats(values, self._inside(geometry, window), threshold)

    def _window(self, box):
        gt = self.gt
        c0 = max(int(math.floor((box.xMinimum() - gt[0]) / gt[1])), 0)
        c1 = min(int(math.ceil((box.xMaximum() - gt[0]) / gt[1])), self.width)
        r0 = max(int(math.floor((box.yMaximum() - gt[3]) / gt[5])), 0)
        r1 = min(int(math.ceil((box.yMinimum() - gt[3]) / gt[5])), self.height)
        return (c0, r0, c1, r1) if c1 > c0 and r1 > r0 else None

    def _inside(self, geometry, window) -> np.ndarray:
        """The window's cells whose centre lies in the polygon (GDAL's rasterisation, burning 1)."""
        c0, r0, c1, r1 = window
        gt = self.gt
        source = gdal.GetDriverByName("Memory").Create("", 0, 0, 0, gdal.GDT_Unknown)
        layer = source.CreateLayer("zone", srs=self.srs, geom_type=ogr.wkbMultiPolygon)
        zone = ogr.Feature(layer.GetLayerDefn())
        zone.SetGeometry(ogr.CreateGeometryFromWkb(bytes(geometry.asWkb())))
        layer.CreateFeature(zone)
        target = gdal.GetDriverByName("MEM").Create("", c1 - c0, r1 - r0, 1, gdal.GDT_Byte)
        target.SetGeoTransform((gt[0] + c0 * gt[1], gt[1], 0.0, gt[3] + r0 * gt[5], 0.0, gt[5]))
        target.SetProjection(self.dataset.GetProjection())
        gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
        target_band = target.GetRasterBand(1)
        inside = target_band.ReadAsArray().astype(bool)
        del target_band, target, layer, source
        return inside
