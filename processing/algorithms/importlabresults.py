"""wbe:importlabresults — a lab table → sample points (one per sample × compound) + rejected rows."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterProviderConnection,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...core import datum as _datum
from ...core import store as _store
from ...core.compounds import CompoundTable
from ...core.labtable import AUTO_LAYOUT, WIDE, ImportResult, LabTableError, detect_columns, import_table
from ...core.values import parse_coordinates
from ...translate import tr
from ..base import WbeAlgorithm, add_number_outputs
from ..io import bulk_writer
from ..io.csv_safe import SafeSink, is_csv_destination
from ..io.import_outputs import (
    LOGGED_REJECTIONS,
    csv_safe_samples,
    rejected_fields,
    remove_destination,
    sample_fields,
    verify_count,
    write_rejected,
    write_samples,
    write_samples_bulk,
)
from ..io.table_reader import read_table
from ..messages import role_label, store_error_text, table_error_text
from ..parameters import datum_parameter

# Explicit column parameters (advanced): they win over header detection.
COLUMN_PARAMETERS = (
    ("SITE_COLUMN", "site"),
    ("LON_COLUMN", "lon"),
    ("LAT_COLUMN", "lat"),
    ("DATE_COLUMN", "date"),
    ("ROUND_COLUMN", "round"),
    ("COMPOUND_COLUMN", "compound"),
    ("VALUE_COLUMN", "concentration"),
    ("UNIT_COLUMN", "unit"),
    ("LOD_COLUMN", "lod"),
    ("MEDIUM_COLUMN", "medium"),
    ("TOWNSHIP_COLUMN", "township"),
)
# GeoPackage destinations are written in bulk (io/bulk_writer.py); tests switch it off to compare with the sink.
BULK_GEOPACKAGE = True


def _plain(samples: pd.DataFrame) -> pd.DataFrame:
    """The samples with categorical text columns as plain text, as store backends expect."""
    kinds = {name: object for name, dtype in samples.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)}
    return samples.astype(kinds) if kinds else samples


@dataclass
class ImportSettings:
    """The run's parameters, read and checked before anything is read or written."""

    path: str  # the lab table
    datum: int
    out_crs: QgsCoordinateReferenceSystem  # of the sample points
    projected_crs: QgsCoordinateReferenceSystem | None  # the table's CRS when its coordinates are projected
    compounds: CompoundTable
    table_options: dict  # the keyword arguments of core.labtable.import_table
    store_path: str  # a survey GeoPackage to append to, or ""
    connection: str  # a saved PostgreSQL connection holding the shared survey store, or ""


def log_import_notes(result: ImportResult, settings: ImportSettings, feedback) -> None:
    """What the import assumed or could not name, in the log: unknown compounds and sample types, assumed
    units and media, zeros read as non-detects, coordinates from the sites table, the datum conversion."""
    datum, projected_crs = settings.datum, settings.projected_crs
    projected = projected_crs is not None
    for compound, count in sorted(result.unknown_compounds.items()):
        feedback.pushWarning(tr("Compound “{name}” is not in the name table; kept as written ({n} rows).").format(name=compound, n=count))
    for medium, count in sorted(result.unknown_media.items()):
        feedback.pushWarning(
            tr("Sample type “{name}” is not known; kept as written, its kind taken from the unit ({n} rows).").format(name=medium, n=count)
        )
    if result.assumed_unit_rows:
        feedback.pushInfo(tr("{n} rows give no unit: ng/L assumed for water and ng/g for solids.").format(n=result.assumed_unit_rows))
    if result.assumed_medium_rows:
        feedback.pushInfo(tr("{n} rows give no sample type: sewage assumed.").format(n=result.assumed_medium_rows))
    if result.zero_as_nondetect_rows:
        feedback.pushInfo(tr("{n} values of 0 read as below the limit.").format(n=result.zero_as_nondetect_rows))
    if result.coordinates_from_sites:
        feedback.pushInfo(tr("{n} rows took their coordinates from the sites table.").format(n=result.coordinates_from_sites))
    if datum in (_datum.GCJ02, _datum.BD09) and not projected:
        feedback.pushInfo(tr("Coordinates converted from {datum} to WGS84.").format(datum="GCJ-02" if datum == _datum.GCJ02 else "BD-09"))
    elif projected and datum != _datum.WGS84:
        feedback.pushWarning(tr("The coordinates are projected ({crs}); DATUM is ignored.").format(crs=projected_crs.authid()))


def log_row_counts(result: ImportResult, feedback) -> dict:
    """ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED, logged and as results."""
    n_read, n_ok, n_bad = result.rows_read, len(result.samples), len(result.rejected)
    feedback.pushInfo(tr("Rows read: {read}; imported: {ok}; rejected: {bad}.").format(read=n_read, ok=n_ok, bad=n_bad))
    feedback.setProgress(100)
    return {"ROWS_READ": n_read, "ROWS_IMPORTED": n_ok, "ROWS_REJECTED": n_bad}


class ImportLabResults(WbeAlgorithm):
    ALG_ID = "importlabresults"
    GROUP_ID = "survey"
    ICON = "import.svg"

    INPUT = "INPUT"
    DATUM = "DATUM"
    CRS = "CRS"
    SITES = "SITES"
    SITES_ID_FIELD = "SITES_ID_FIELD"
    LAYOUT = "LAYOUT"
    UNIT = "UNIT"
    ZERO_IS_NONDETECT = "ZERO_IS_NONDETECT"
    COMPOUND_TABLE = "COMPOUND_TABLE"
    DUPLICATES = "DUPLICATES"
    STORE = "STORE"
    STORE_CONNECTION = "STORE_CONNECTION"
    OUTPUT = "OUTPUT"
    REJECTED = "REJECTED"

    def displayName(self) -> str:
        return tr("Import lab results")

    def shortHelpString(self) -> str:
        return (
            tr(
                "Reads a lab's results table (CSV in UTF-8, UTF-8 with BOM, GBK or GB18030, or XLSX or ODS) and writes one point per "
                "sample × compound. The encoding is detected and reported in the log.\n\n"
                "Layout: long (one row per sample × compound, with a compound column and a concentration column) or wide (one row per "
                "sample and one column per compound, headed by the compound's name, such as 甲基苯丙胺(ng/L)). LAYOUT=auto tells them "
                "apart from the header.\n\n"
                "Headers may be in Chinese or English (采样点/点位/site, 经度/lon, 纬度/lat, 采样日期/date, 轮次/round, 物质/目标物/compound, "
                "浓度/concentration, 单位/unit, 检出限/LOD, 样品类型/medium, 乡镇/镇/township). The advanced *_COLUMN parameters name a column "
                "explicitly and win over detection. Compound names and abbreviations in either language map to one canonical id "
                "(甲基苯丙胺, 冰毒, METH and MA → methamphetamine); unknown names are kept as written and listed in the log.\n\n"
                "Units: ng/L, µg/L, mg/L, ng/mL and pg/mL for water become ng/L; ng/g, µg/kg and mg/kg for solids become ng/g. A unit may sit "
                "in a unit column, in the header (浓度(μg/L)), or in UNIT for the whole table; with none, ng/L (water) or ng/g (solids) is "
                "assumed and logged. Population-normalised loads (mg/day/1000 inh, as EMCDDA publishes) keep their own unit.\n\n"
                "Non-detects (<LOD, <LOQ, <0.5, ND, n.d., 未检出, 低于检出限) get detected = false, concentration NULL, the limit in lod when "
                "the lab gave one, and the cell as written in raw_value. An empty cell means missing, not zero, and is rejected. "
                "ZERO_IS_NONDETECT reads 0 as below the limit (EMCDDA data). How non-detects enter statistics is chosen later, by the "
                "non-detect policy of each analysis (default LOD/2).\n\n"
                "Dates: ISO, 2018/9/7, 2018年9月7日, 20180907 or an Excel serial number. The round comes from a round column (2024Q3, "
                "2024年第三季度, or a year), or else from the date's quarter.\n\n"
                "Coordinates: decimal degrees or DMS (23°01′30″N). DATUM says which datum they are in: WGS84, CGCS2000, or the Chinese "
                "web-map datums GCJ-02 (Gaode, Tencent) and BD-09 (Baidu), which are converted to WGS84 to about 1 mm of the published "
                "formula (GCJ-02) or tens of metres (BD-09). Projected coordinates: give their CRS; the output is then in that CRS. Rows "
                "without coordinates take them from SITES, a layer or table of sites matched by site id.\n\n"
                "Every record not imported goes to REJECTED with the spreadsheet row (the header is row 1), the column and the reason: "
                "values that are not numbers, negative values, bad or missing coordinates, coordinates outside China for GCJ-02/BD-09, "
                "future dates, unknown units, and duplicates (same site, date, sample type and compound: DUPLICATES rejects every copy "
                "or keeps the first). ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED always; in the wide layout they count values "
                "(sample × compound), not lines.\n\n"
                "STORE (optional) appends the samples to a survey GeoPackage: importing the same file twice adds nothing, and a changed "
                "value for a stored sample is reported, not overwritten (results STORE_ADDED, STORE_UNCHANGED, STORE_CHANGED). "
                "STORE_CONNECTION appends to the shared PostGIS survey store (a saved PostgreSQL connection) instead, by the same rules."
            )
            + "\n\n"
            + tr(
                "Strict reading: a number is read only when written as a sign, digits, one decimal point and an exponent (12.5, 1.2e3; "
                "full-width digits too), so 10², 5 10, 1_000, 1,000, ① and an Excel TRUE are rejected with the reason, never guessed. "
                "Also rejected: a row with more cells than the header, a date outside 1677–2262, a value that overflows once converted "
                "to ng/L, a detection limit that is not a number or is negative, a cell holding a NUL character; a compound column "
                "whose header carries an unknown unit (氯胺酮(ppm)) has every cell rejected as in an unknown unit. Values far above any "
                "published wastewater value (1 mg/L, 1 mg/g, 40,000 mg/day/1000) are imported with flag = implausible (the last "
                "field of the samples, NULL for every other sample) and listed in the log, as are exact "
                "zeros when ZERO_IS_NONDETECT is off. Rounds may be years, quarters or months (2024-07, 2024年7月). Population-"
                "normalised “cocaine” loads (EMCDDA) are labelled benzoylecgonine, the residue measured; cannabis is THC-COOH.\n\n"
                "Outputs: every write is checked and the files are read back; a full disk or an unwritable folder is an error. CSV "
                "outputs put ' before text that a spreadsheet would run as a formula (=, +, -, @, tab); GeoPackage outputs keep the "
                "exact text. A canceled run removes its outputs and leaves the survey store unchanged."
            )
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                tr("Lab results table"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                fileFilter=tr("Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)"),
            )
        )
        self.addParameter(datum_parameter(self.DATUM))

        def advanced(param):
            param.setFlags(param.flags() | param.FlagAdvanced)
            self.addParameter(param)

        advanced(QgsProcessingParameterCrs(self.CRS, tr("Coordinates are projected, in this CRS (empty: degrees)"), optional=True))
        advanced(
            QgsProcessingParameterFeatureSource(
                self.SITES, tr("Sites layer or table, for rows without coordinates"), [QgsProcessing.SourceType.TypeVector], optional=True
            )
        )
        advanced(
            QgsProcessingParameterField(
                self.SITES_ID_FIELD, tr("Site id field of the sites (empty: detect)"), parentLayerParameterName=self.SITES, optional=True
            )
        )
        advanced(
            QgsProcessingParameterEnum(
                self.LAYOUT,
                tr("Layout"),
                options=[tr("Detect from the header"), tr("Long: one row per sample × compound"), tr("Wide: one column per compound")],
                defaultValue=AUTO_LAYOUT,
            )
        )
        advanced(QgsProcessingParameterString(self.UNIT, tr("Unit when the table gives none (for example µg/L)"), optional=True))
        advanced(QgsProcessingParameterBoolean(self.ZERO_IS_NONDETECT, tr("A value of 0 means below the limit (as in EMCDDA data)"), False))
        advanced(
            QgsProcessingParameterEnum(
                self.DUPLICATES,
                tr("Duplicate rows (same site, date, sample type and compound)"),
                options=[tr("Reject every copy"), tr("Keep the first, reject the rest")],
                defaultValue=0,
            )
        )
        advanced(
            QgsProcessingParameterFile(
                self.COMPOUND_TABLE,
                tr("Extra compound name table (CSV with columns canonical, alias)"),
                behavior=QgsProcessingParameterFile.Behavior.File,
                extension="csv",
                optional=True,
            )
        )
        for name, role in COLUMN_PARAMETERS:
            advanced(
                QgsProcessingParameterString(
                    name, tr("Column holding the {role} (empty: detect from the header)").format(role=role_label(role)), optional=True
                )
            )
        advanced(
            QgsProcessingParameterFileDestination(
                self.STORE,
                tr("Survey store to append to (GeoPackage)"),
                fileFilter=tr("GeoPackage (*.gpkg)"),
                optional=True,
                createByDefault=False,
            )
        )
        advanced(
            QgsProcessingParameterProviderConnection(
                self.STORE_CONNECTION, tr("Or append to the shared survey store (PostgreSQL connection)"), "postgres", optional=True
            )
        )
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Samples"), QgsProcessing.SourceType.TypeVectorPoint))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.REJECTED, tr("Rejected rows"), QgsProcessing.SourceType.TypeVector, optional=True, createByDefault=True
            )
        )
        add_number_outputs(
            self,
            {
                "ROWS_READ": tr("Rows read"),
                "ROWS_IMPORTED": tr("Rows imported"),
                "ROWS_REJECTED": tr("Rows rejected"),
                "STORE_ADDED": tr("Samples added to the store"),
                "STORE_UNCHANGED": tr("Samples already in the store"),
                "STORE_CHANGED": tr("Samples whose stored value differs"),
            },
        )

    # ---- sites -------------------------------------------------------------------------------------
    def _site_coordinates(self, parameters, context, out_crs, datum, feedback) -> dict[str, tuple[float, float]] | None:
        source = self.parameterAsSource(parameters, self.SITES, context)
        if source is None:
            return None
        names = source.fields().names()
        id_field = self.parameterAsString(parameters, self.SITES_ID_FIELD, context)
        roles, _units = detect_columns(names)
        if not id_field:
            if "site" not in roles:
                raise QgsProcessingException(
                    tr("The sites layer has no site id field. Choose it in “Site id field of the sites”. Fields: {fields}.").format(
                        fields=", ".join(names)
                    )
                )
            id_field = names[roles["site"]]
        id_index = source.fields().lookupField(id_field)
        if id_index < 0:
            # lookupField gives -1, and attributes()[-1] would silently read the last field instead.
            raise QgsProcessingException(
                tr("The sites layer has no field “{field}” (given as its site id field). Fields: {fields}.").format(
                    field=id_field, fields=", ".join(names)
                )
            )
        has_points = QgsWkbTypes.geometryType(source.wkbType()) == QgsWkbTypes.GeometryType.PointGeometry
        ids, xs, ys = [], [], []
        if has_points:
            transform = QgsCoordinateTransform(source.sourceCrs(), out_crs, context.transformContext())
            for feature in source.getFeatures():
                geometry = feature.geometry()
                if geometry.isEmpty():
                    continue
                point = transform.transform(geometry.centroid().asPoint())
                ids.append(str(feature.attributes()[id_index]).strip())
                xs.append(point.x())
                ys.append(point.y())
        else:
            if "lon" not in roles or "lat" not in roles:
                raise QgsProcessingException(
                    tr("The sites table has neither point geometry nor longitude and latitude fields. Fields: {fields}.").format(
                        fields=", ".join(names)
                    )
                )
            request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
            lon_text, lat_text = [], []
            for feature in source.getFeatures(request):
                attrs = feature.attributes()
                ids.append(str(attrs[id_index]).strip())
                lon_text.append("" if attrs[roles["lon"]] is None else str(attrs[roles["lon"]]))
                lat_text.append("" if attrs[roles["lat"]] is None else str(attrs[roles["lat"]]))
            lon = parse_coordinates(pd.Series(lon_text, dtype=object), "lon")
            lat = parse_coordinates(pd.Series(lat_text, dtype=object), "lat")
            # A sites table without geometry is in the lab table's datum.
            lon, lat = _datum.to_geodetic(datum, lon, lat)
            geodetic = QgsCoordinateReferenceSystem("EPSG:4490" if datum == _datum.CGCS2000 else "EPSG:4326")
            transform = QgsCoordinateTransform(geodetic, out_crs, context.transformContext())
            for x, y in zip(lon, lat):
                if np.isnan(x) or np.isnan(y):
                    xs.append(np.nan)
                    ys.append(np.nan)
                    continue
                point = transform.transform(float(x), float(y))
                xs.append(point.x())
                ys.append(point.y())
        sites = {i: (x, y) for i, x, y in zip(ids, xs, ys) if i and not (np.isnan(x) or np.isnan(y))}
        feedback.pushInfo(tr("Sites table: {n} sites with coordinates.").format(n=len(sites)))
        return sites

    # ---- run ---------------------------------------------------------------------------------------
    def processAlgorithm(self, parameters, context, feedback):
        settings = self._read_settings(parameters, context)
        sites = self._site_coordinates(parameters, context, settings.out_crs, settings.datum, feedback)
        result = self._import_table(settings, sites, feedback)
        if feedback.isCanceled():
            return {}
        written: list[str] = []  # destinations made so far: a cancel or a failure removes them all
        try:
            outputs = self._write_outputs(parameters, context, result, settings, feedback, written)
            if outputs is not None:
                log_import_notes(result, settings, feedback)
                self._report_checks(result, feedback)
                stored = self._append_to_survey_store(settings, result.samples, feedback)
                outputs = None if stored is None else {**outputs, **stored}
        except BaseException:
            self._discard(context, written)
            raise
        if outputs is None:
            return self._canceled(context, written, feedback)
        return {**outputs, **log_row_counts(result, feedback)}

    def _read_settings(self, parameters, context) -> ImportSettings:
        """The parameters, checked: a geographic CRS given as projected, an unreadable compound table, two
        survey stores or an unknown saved connection end the run here, before anything is written."""
        datum = self.parameterAsEnum(parameters, self.DATUM, context)
        projected_crs = self.parameterAsCrs(parameters, self.CRS, context)
        if projected_crs.isValid() and projected_crs.isGeographic():
            raise QgsProcessingException(
                tr("The CRS {crs} is geographic; leave the CRS empty for coordinates in degrees and use DATUM.").format(
                    crs=projected_crs.authid()
                )
            )
        projected = projected_crs.isValid()
        geodetic = QgsCoordinateReferenceSystem("EPSG:4490" if datum == _datum.CGCS2000 else "EPSG:4326")
        table_path = self.parameterAsFile(parameters, self.COMPOUND_TABLE, context) or None
        try:
            compounds = CompoundTable.load(table_path)
        except (OSError, UnicodeDecodeError) as error:
            raise QgsProcessingException(
                tr("The compound name table “{path}” cannot be read: {error}").format(path=table_path, error=error)
            ) from error
        store_path = self.parameterAsFileOutput(parameters, self.STORE, context) if parameters.get(self.STORE) else ""
        connection = (
            self.parameterAsConnectionName(parameters, self.STORE_CONNECTION, context) if parameters.get(self.STORE_CONNECTION) else ""
        )
        if store_path and connection:
            raise QgsProcessingException(
                tr("Choose one survey store: a GeoPackage (STORE) or a PostgreSQL connection (STORE_CONNECTION), not both.")
            )
        if connection:
            from .storesamples import saved_connection_dsn

            saved_connection_dsn(connection)  # an unknown connection ends the run here, before anything is written
        options = {
            "datum": datum,
            "explicit_columns": {role: self.parameterAsString(parameters, name, context) for name, role in COLUMN_PARAMETERS},
            "keep_first_duplicate": self.parameterAsEnum(parameters, self.DUPLICATES, context) == 1,
            "layout": self.parameterAsEnum(parameters, self.LAYOUT, context),
            "projected": projected,
            "default_unit": self.parameterAsString(parameters, self.UNIT, context).strip(),
            "zero_is_nondetect": self.parameterAsBoolean(parameters, self.ZERO_IS_NONDETECT, context),
        }
        path = self.parameterAsFile(parameters, self.INPUT, context)
        crs = projected_crs if projected else geodetic
        return ImportSettings(path, datum, crs, projected_crs if projected else None, compounds, options, store_path, connection)

    def _import_table(self, settings: ImportSettings, sites, feedback) -> ImportResult:
        """The lab table read (its encoding and oddities logged) and turned into samples and rejected rows by
        core/labtable.py; the columns it used logged."""
        path = settings.path
        reading_warnings: list[str] = []
        header, frame, described = read_table(path, reading_warnings)
        for warning in reading_warnings:
            feedback.pushWarning(warning)
        feedback.pushInfo(
            tr("Read “{file}” ({described}): {n} lines including the header.").format(
                file=os.path.basename(path), described=described, n=len(frame) + 1
            )
        )
        try:
            result = import_table(header, frame, settings.compounds, sites=sites, **settings.table_options)
        except LabTableError as error:
            raise QgsProcessingException(table_error_text(error, path)) from error
        del frame
        feedback.setProgress(30)
        columns = ", ".join(
            f"{role_label(role)} ← “{header[index]}”" for role, index in sorted(result.columns.items(), key=lambda kv: kv[1])
        )
        feedback.pushInfo(tr("Columns used: {columns}").format(columns=columns))
        if result.layout == WIDE:
            feedback.pushInfo(
                tr("Wide layout: {k} compound columns ({names}) × {n} lines = {records} values.").format(
                    k=len(result.compound_columns),
                    names=", ".join(f"“{header[i]}” → {c}" for i, c in result.compound_columns.items()),
                    n=result.sheet_rows,
                    records=result.rows_read,
                )
            )
        if result.unused_columns:
            feedback.pushInfo(tr("Columns not used: {columns}").format(columns=", ".join(f"“{c}”" for c in result.unused_columns)))
        return result

    # ---- outputs: every write checked, nothing left behind by a cancel or a failure ------------------
    def _write_outputs(self, parameters, context, result: ImportResult, settings: ImportSettings, feedback, written) -> dict | None:
        """OUTPUT and REJECTED written and read back: their destination ids, None when canceled."""
        dest_id = self._write_output(parameters, context, result.samples, settings.out_crs, feedback, written)
        if dest_id is None:
            return None
        rejected_id = self._write_rejected_output(parameters, context, result.rejected, settings.path, feedback, written)
        if rejected_id is False:
            return None
        return {self.OUTPUT: dest_id} if rejected_id is None else {self.OUTPUT: dest_id, self.REJECTED: rejected_id}

    def _make_sink(self, parameters, name, context, fields, wkb, crs, written):
        # QGIS's own sink: the import puts its own SafeSink in front, with text neutralised per distinct value.
        sink, dest_id = QgsProcessingAlgorithm.parameterAsSink(self, parameters, name, context, fields, wkb, crs)
        if sink is not None:
            written.append(dest_id)
        return sink, dest_id

    def _write_output(self, parameters, context, samples, out_crs, feedback, written):
        """OUTPUT written and read back; its destination id, or None when canceled."""
        fields = sample_fields()
        sink, dest_id = self._make_sink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.Point, out_crs, written)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        if is_csv_destination(dest_id):
            samples = csv_safe_samples(samples)
        target_path, target_layer = bulk_writer.file_destination(dest_id)
        if BULK_GEOPACKAGE and target_path.lower().endswith(".gpkg") and len(samples):
            # QGIS created the empty layer; close it and fill it in one transaction (processing/bulk_writer.py).
            sink = None  # the only reference: the writer closes the file here
            target = bulk_writer.find_target(target_path, target_layer, fields.names())
            finite = bool(np.isfinite(samples["x"].to_numpy(dtype=float)).all() and np.isfinite(samples["y"].to_numpy(dtype=float)).all())
            outcome = "unsuitable" if target is None or not finite else write_samples_bulk(target, samples, feedback)
            if outcome == "canceled":
                return None
            if outcome != "written":  # the layer is not one bulk_writer fills, or filling it failed (and it was removed)
                sink, dest_id = self._make_sink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.Point, out_crs, written)
                if sink is None:
                    raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        if sink is not None:
            safe = SafeSink(sink, dest_id, fields, dest_id, neutralise_text=False)
            sink = None
            try:
                if not write_samples(safe, samples, feedback):
                    return None
                safe.flushBuffer()
            finally:
                safe = None  # closes the file (its only reference), also when a write failed
        verify_count(context, dest_id, len(samples))
        return dest_id

    def _write_rejected_output(self, parameters, context, rejected, path, feedback, written):
        """REJECTED written and read back: its destination id, None when not asked for, False when canceled."""
        fields = rejected_fields()
        sink, dest_id = self._make_sink(
            parameters, self.REJECTED, context, fields, QgsWkbTypes.Type.NoGeometry, QgsCoordinateReferenceSystem(), written
        )
        if sink is None:
            asked = parameters.get(self.REJECTED) is not None and self.parameterAsOutputLayer(parameters, self.REJECTED, context)
            if asked:  # a destination was given but cannot be created (an unwritable folder): an error, not a skip
                raise QgsProcessingException(self.invalidSinkError(parameters, self.REJECTED))
            write_rejected(None, rejected, path, feedback, False)
            return None
        safe = SafeSink(sink, dest_id, fields, dest_id, neutralise_text=False)
        sink = None
        try:
            if not write_rejected(safe, rejected, path, feedback, is_csv_destination(dest_id)):
                return False
            safe.flushBuffer()
        finally:
            safe = None
        verify_count(context, dest_id, len(rejected))
        return dest_id

    def _canceled(self, context, written, feedback) -> dict:
        self._discard(context, written)
        feedback.pushInfo(tr("Canceled: the outputs made so far were removed, and no survey store was changed."))
        return {}

    def _discard(self, context, written) -> None:
        for dest_id in dict.fromkeys(written):
            remove_destination(context, dest_id)
        written.clear()

    def _report_checks(self, result, feedback) -> None:
        """Warnings about values that were imported but deserve a look (issue 13 item 12, issue 14 item 16)."""
        if result.zero_detected_rows:
            if result.zero_detected_load_rows:
                feedback.pushWarning(
                    tr(
                        "{n} values are exactly 0 in a population-normalised load unit (mg/day/1000), as EMCDDA writes values below "
                        "the limit of quantification; they were imported as measured zeros. If 0 means below the limit here, run "
                        "again with “A value of 0 means below the limit” (ZERO_IS_NONDETECT) on."
                    ).format(n=result.zero_detected_load_rows)
                )
            rest = result.zero_detected_rows - result.zero_detected_load_rows
            if rest:
                feedback.pushWarning(
                    tr(
                        "{n} concentrations are exactly 0 and were imported as measured zeros. A lab usually writes a value below "
                        "its limit as <LOD or ND; if 0 means that here, run again with ZERO_IS_NONDETECT on."
                    ).format(n=rest)
                )
        if result.cocaine_as_benzoylecgonine_rows:
            feedback.pushInfo(
                tr(
                    "{n} “cocaine” loads (mg/day/1000) were labelled benzoylecgonine: EMCDDA's cocaine loads are of "
                    "benzoylecgonine, the residue measured, and back-calculation looks its factors up by residue."
                ).format(n=result.cocaine_as_benzoylecgonine_rows)
            )
        high = result.implausible
        if len(high):
            feedback.pushWarning(
                tr(
                    "{n} values are far above any published wastewater value and were imported with flag = implausible in the "
                    "samples (NULL for every other sample), listed here: check them with "
                    "the lab (bounds: 1,000,000 ng/L, over 1,000× the highest Chinese city value; 1,000,000 ng/g; 40,000 "
                    "mg/day/1000, 10× the highest EMCDDA 2011–2022 day)."
                ).format(n=len(high))
            )
            for row in high.head(LOGGED_REJECTIONS).itertuples(index=False):
                feedback.pushWarning(
                    tr("Row {row}: {compound} {value:g} {unit} (above {bound:g} {unit}).").format(
                        row=int(row.source_row), compound=row.compound, value=float(row.value), unit=row.unit, bound=float(row.bound)
                    )
                )
        if len(result.round_kinds) > 1:
            names = {"year": tr("yearly"), "quarter": tr("quarterly"), "month": tr("monthly")}
            feedback.pushWarning(
                tr(
                    "The rounds mix kinds ({kinds}): trends and other analyses place one kind of round in time and refuse "
                    "a series that mixes them. Rows without a round take the quarter of their date; give every row a round "
                    "of one kind (for example 2024-07 for monthly sampling)."
                ).format(kinds=", ".join(f"{names[k]}: {n}" for k, n in sorted(result.round_kinds.items())))
            )
        if result.conflicting_duplicates_kept:
            feedback.pushWarning(
                tr(
                    "{n} duplicate groups had copies with different values; the first copy of each was kept (DUPLICATES). "
                    "The rejected table names the row kept for every copy left out."
                ).format(n=result.conflicting_duplicates_kept)
            )

    # ---- survey stores ------------------------------------------------------------------------------
    def _append_to_survey_store(self, settings: ImportSettings, samples, feedback) -> dict | None:
        """The samples appended to the survey store asked for: the STORE_* results ({} without a store), None when canceled."""
        if settings.store_path:
            report = self._append_to_store(settings.store_path, samples, settings.out_crs, settings.path, feedback)
            return None if report is None else {**report, self.STORE: settings.store_path}
        if settings.connection:
            return self._append_to_postgis(settings.connection, samples, settings.out_crs, settings.path, feedback)
        return {}

    def _append_to_store(self, store_path, samples, out_crs, source_path, feedback) -> dict:
        from ...storage.gpkg import GeoPackageStore, StoreCanceledError, StoreError

        try:
            store = GeoPackageStore(store_path, out_crs.toWkt(), source_file=os.path.basename(source_path))
            store.canceled = feedback.isCanceled
            try:
                report = _store.append(store, _plain(samples))
            finally:
                store.close()
        except StoreCanceledError:
            feedback.pushInfo(tr("Canceled while appending to the survey store “{path}”: the store is unchanged.").format(path=store_path))
            return None
        except (StoreError, RuntimeError) as error:
            if not isinstance(error, StoreError):
                error = StoreError("cannot_write", store_path, str(error))
            raise QgsProcessingException(store_error_text(error)) from error
        return self._report_store(store_path, report, feedback)

    def _append_to_postgis(self, connection, samples, out_crs, source_path, feedback) -> dict:
        """The shared PostGIS store (processing/store_postgis.py) behind the same SurveyStore interface."""
        from ...storage import postgis as core_postgis
        from .storesamples import error_text, open_survey_store

        store = open_survey_store(connection, out_crs, source_file=os.path.basename(source_path), feedback=feedback)
        try:
            report = _store.append(store, _plain(samples))
        except core_postgis.PostgisStoreError as error:
            raise QgsProcessingException(error_text(error, connection)) from error
        finally:
            store.close()
        return self._report_store(connection, report, feedback)

    def _report_store(self, store_path, report, feedback) -> dict:
        feedback.pushInfo(
            tr("Survey store “{path}”: {added} samples added, {same} already there unchanged, {changed} with a different value.").format(
                path=store_path, added=report.added, same=report.unchanged, changed=len(report.changed)
            )
        )
        for row in report.changed.head(LOGGED_REJECTIONS).itertuples(index=False):
            feedback.pushWarning(
                tr(
                    "Stored value kept for site {site}, {date} ({round}), {compound}: the store holds “{old}”, this file says “{new}”. "
                    "Correct the store by hand if the new value is right."
                ).format(
                    site=row.site_id,
                    date=row.sample_date,
                    round=row.round,
                    compound=row.compound,
                    old=row.stored_raw_value,
                    new=row.new_raw_value,
                )
            )
        return {"STORE_ADDED": report.added, "STORE_UNCHANGED": report.unchanged, "STORE_CHANGED": len(report.changed)}
