"""wbe_surveillance: wastewater-based surveillance of illicit drugs for QGIS."""


def classFactory(iface):
    # Imported lazily so QGIS can list the plugin without importing Processing.
    from .plugin import WbeSurveillancePlugin

    return WbeSurveillancePlugin(iface)
