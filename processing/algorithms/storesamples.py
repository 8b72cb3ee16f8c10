"""The PostGIS survey store from QGIS: saved connections (with authentication configurations), worded
errors, and wbe:storesamples (sample points → the shared store).

Passwords: a saved QGIS connection names an authentication configuration (authcfg); its user and
password are expanded in memory only, into the libpq connection string handed to the driver, and never
written to a log, a message or a project.
"""

from __future__ import annotations

import pandas as pd
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterProviderConnection,
    QgsProcessingParameterString,
    QgsProviderConnectionException,
    QgsProviderRegistry,
)

from ...core.paths import PLUGIN_DIR
from ...storage import postgis as core_store
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs, is_null, read_columns, require_fields

STORE_FIELDS = list(core_store.COLUMNS)
CHANGED_LISTED = 50


def plugin_version() -> str:
    import configparser
    import os

    parser = configparser.ConfigParser()
    parser.read(os.path.join(PLUGIN_DIR, "metadata.txt"), encoding="utf-8")
    return parser.get("general", "version", fallback="")


def saved_connection_dsn(name: str) -> str:
    """The libpq connection string of a QGIS saved PostgreSQL connection, with its authcfg expanded.

    Holds the password when the connection has one: pass it to the driver, never print it.
    """
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    try:
        connection = metadata.findConnection(name)
    except QgsProviderConnectionException:
        connection = None
    if connection is None:
        known = ", ".join(sorted(metadata.connections().keys())) or "—"
        raise QgsProcessingException(
            tr("There is no saved PostgreSQL connection named “{name}”. Saved connections: {known}.").format(name=name, known=known)
        )
    uri = QgsDataSourceUri(connection.uri())
    dsn = uri.connectionInfo(True)
    if uri.authConfigId() and dsn == uri.connectionInfo(False):
        raise QgsProcessingException(
            tr(
                "The connection “{name}” uses the authentication configuration “{authcfg}”, which could not be opened "
                "(is the master password set, and does the configuration exist?)."
            ).format(name=name, authcfg=uri.authConfigId())
        )
    return dsn


def open_store(name: str) -> core_store.PostgisSurveyStore:
    """A store on the saved connection ``name``, its schema created or migrated; errors worded for users."""
    try:
        conn = core_store.connect(saved_connection_dsn(name))
        store = core_store.PostgisSurveyStore(conn, plugin_version())
        store.ensure_schema()
    except core_store.PostgisStoreError as exc:
        raise QgsProcessingException(error_text(exc, name)) from exc
    return store


def open_survey_store(name: str, crs, lab: str = "", source_file: str = "", feedback=None) -> core_store.PostgisSurveyStore:
    """The PostGIS backend of core/store.py's SurveyStore on a saved connection, for ``core.store.append``.

    ``crs`` is the CRS of the samples' x and y (a QgsCoordinateReferenceSystem with an EPSG code).
    With ``feedback``, a Cancel at any moment before the commit rolls the append back (also in the middle
    of a statement), and the insert reports its progress.
    Catch ``core_store.PostgisStoreError`` around ``append`` and word it with ``error_text``.
    """
    srid = crs.postgisSrid() if crs is not None and crs.isValid() else core_store.STORE_SRID
    store = open_store(name)
    store.lab, store.source_file, store.srid = lab or name, source_file, srid
    if feedback is not None:
        store.is_canceled = feedback.isCanceled
        store.progress = lambda fraction: feedback.setProgress(100.0 * fraction)
    return store


def error_text(error: core_store.PostgisStoreError, connection: str = "") -> str:
    """The user's words for a store failure."""
    d = error.details
    code = error.code
    where = connection or tr("the database")
    if code == "driver_missing":
        return tr("The PostgreSQL driver (psycopg2) is missing from this QGIS installation: {error}").format(error=d.get("error", ""))
    if code == "connect_failed":
        return tr("Could not connect to {where}: {error}").format(where=where, error=d.get("error", ""))
    if code == "connection_lost":
        return tr(
            "The connection to {where} was lost during the import. The server rolled the import back: nothing from it was stored. "
            "Run it again when the connection is back ({error})."
        ).format(where=where, error=d.get("error", ""))
    if code == "schema_newer":
        return tr(
            "The survey store in {where} has schema version {found}, written by a newer version of this plugin, which supports "
            "versions up to {supported}. Update the plugin to use this store; nothing was changed."
        ).format(where=where, found=d.get("found"), supported=d.get("supported"))
    if code in ("schema_not_created", "migration_failed"):
        return tr(
            "The survey store schema (version {version}) could not be written in {where} as user “{user}”: {error}. "
            "The database owner must run the plugin once to create or update it (see docs/POSTGIS.md); nothing was changed."
        ).format(version=d.get("version"), where=where, user=d.get("user", ""), error=d.get("error", ""))
    if code == "no_right":
        kinds = {"table": tr("table"), "schema": tr("schema"), "sequence": tr("sequence")}
        if d.get("right"):
            return tr(
                "The user “{user}” lacks the {right} right on the {kind} {object} in {where}, so the import cannot be stored. "
                "Ask the database owner to grant it (the role wbe_lab has it); nothing was changed."
            ).format(
                user=d.get("user"), right=d.get("right"), kind=kinds.get(d.get("kind"), d.get("kind")), object=d.get("object"), where=where
            )
        return tr("The database refused the import for lack of a right: {error}. Nothing was stored.").format(error=d.get("error", ""))
    if code == "rejected_by_database":
        return tr("The database refused the import, which was rolled back: nothing from it was stored. {error}").format(
            error=d.get("error", "")
        )
    if code == "canceled":
        return tr("The import was canceled and rolled back: nothing from it was stored.")
    if code == "bad_rows":
        return tr("The samples lack the fields {fields}, which the survey store needs.").format(fields=", ".join(d.get("missing", [])))
    return tr("Survey store error: {code} {details}").format(code=code, details=d)


def layer_frame(source, transform_context, feedback=None) -> pd.DataFrame:
    """The import's fields and the points' lon/lat (EPSG:4326) of a sample layer, as a DataFrame."""
    columns, geometries, _ids = read_columns(source, STORE_FIELDS, feedback, with_geometry=True)
    transform = QgsCoordinateTransform(source.sourceCrs(), QgsCoordinateReferenceSystem("EPSG:4326"), transform_context)
    xs, ys = [], []
    for geometry in geometries:
        if geometry is None or geometry.isEmpty():
            xs.append(float("nan"))
            ys.append(float("nan"))
            continue
        point = geometry.asPoint() if not geometry.isMultipart() else geometry.asMultiPoint()[0]
        if transform.isValid() and not transform.isShortCircuited():
            point = transform.transform(point)
        xs.append(point.x())
        ys.append(point.y())
    frame = pd.DataFrame({name: [None if is_null(v) else v for v in values] for name, values in columns.items()})
    frame["sample_date"] = [None if v is None else (v.toPyDate() if hasattr(v, "toPyDate") else v) for v in frame["sample_date"]]
    frame["x"] = xs
    frame["y"] = ys
    return frame


class StoreSamples(WbeAlgorithm):
    ALG_ID = "storesamples"
    GROUP_ID = "survey"
    ICON = "import.svg"

    INPUT = "INPUT"
    CONNECTION = "CONNECTION"
    LAB = "LAB"

    def displayName(self) -> str:
        return tr("Store samples in the shared PostGIS survey store")

    def shortHelpString(self) -> str:
        return tr(
            "Adds sample points (as written by “Import lab results”) to the shared survey store in a PostgreSQL/PostGIS "
            "database, for provincial and national programmes where several labs and offices share one database.\n\n"
            "Connection: a PostgreSQL connection saved in QGIS (Browser → PostgreSQL → New Connection). Give it an "
            "authentication configuration rather than a stored password: then no password is written in a project or a log.\n\n"
            "The store (schema wbe) is created on first use and updated when the plugin brings a newer version; a store "
            "written by a newer plugin is refused. Each import is one transaction: it is stored whole or not at all. "
            "A sample × compound (site, date, sample type, compound) is stored once: importing the same file again adds "
            "nothing, and a different value for a stored sample is reported in the log and in ROWS_CHANGED, never overwritten.\n\n"
            "The stored samples are an ordinary PostGIS layer (wbe.samples) that every algorithm of this provider accepts as input. "
            "Lab: the name of the lab that sent the results, kept with every row."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Samples"), [QgsProcessing.SourceType.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterProviderConnection(self.CONNECTION, tr("PostgreSQL connection"), "postgres"))
        self.addParameter(QgsProcessingParameterString(self.LAB, tr("Lab that sent the results")))
        add_number_outputs(
            self,
            {
                "ROWS_OFFERED": tr("Rows offered"),
                "ROWS_INSERTED": tr("Rows stored"),
                "ROWS_UNCHANGED": tr("Rows already stored"),
                "ROWS_CHANGED": tr("Rows whose stored value differs"),
                "IMPORT_ID": tr("Import id"),
            },
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        require_fields(source, STORE_FIELDS, source.sourceName())
        connection = self.parameterAsConnectionName(parameters, self.CONNECTION, context)
        lab = self.parameterAsString(parameters, self.LAB, context).strip()
        if not lab:
            raise QgsProcessingException(tr("Name the lab that sent the results (parameter LAB)."))
        feedback.setProgressText(tr("Reading samples…"))
        frame = layer_frame(source, context.transformContext(), feedback)
        if feedback.isCanceled():
            return {}
        no_point = int(frame["x"].isna().sum())
        if no_point:
            raise QgsProcessingException(
                tr("{n} samples in “{layer}” have no point; the survey store needs one for every sample.").format(
                    n=no_point, layer=source.sourceName()
                )
            )
        feedback.setProgressText(tr("Connecting to the survey store…"))
        store = open_store(connection)
        try:
            feedback.setProgressText(tr("Storing samples…"))
            summary = store.import_samples(
                frame,
                lab,
                source_file=source.sourceName(),
                progress=lambda f: feedback.setProgress(100.0 * f),
                is_canceled=feedback.isCanceled,
            )
        except core_store.PostgisStoreError as exc:
            raise QgsProcessingException(error_text(exc, connection)) from exc
        finally:
            store.conn.close()
        for row in summary.changed[:CHANGED_LISTED]:
            feedback.pushWarning(
                tr(
                    "Row {row}: {site} {date} {medium} {compound} is stored with concentration {stored} (lab {lab}); "
                    "this file gives {offered}. The stored value is kept."
                ).format(
                    row=row["source_row"],
                    site=row["site_id"],
                    date=row["sample_date"] or row["round"],
                    medium=row["medium"],
                    compound=row["compound"],
                    stored=row["stored_concentration"],
                    lab=row["stored_lab"],
                    offered=row["offered_concentration"],
                )
            )
        if summary.rows_changed > CHANGED_LISTED:
            feedback.pushWarning(tr("… and {n} more changed values.").format(n=summary.rows_changed - CHANGED_LISTED))
        feedback.pushInfo(
            tr("{offered} rows offered: {inserted} stored, {unchanged} already stored, {changed} differ from the stored value.").format(
                offered=summary.rows_offered,
                inserted=summary.rows_inserted,
                unchanged=summary.rows_unchanged,
                changed=summary.rows_changed,
            )
        )
        return {
            "ROWS_OFFERED": summary.rows_offered,
            "ROWS_INSERTED": summary.rows_inserted,
            "ROWS_UNCHANGED": summary.rows_unchanged,
            "ROWS_CHANGED": summary.rows_changed,
            "IMPORT_ID": summary.import_id,
        }
