"""wbe:importlabresults — a lab table → sample points (one per sample × compound) + rejected rows."""

from __future__ import annotations

import datetime as _dt
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate, QVariant

from ..core import datum as _datum
from ..core.compounds import CompoundTable
from ..core.labtable import LabTableError, import_rows
from ..translate import tr
from .base import WbeAlgorithm
from .messages import reason_text, role_label, table_error_text
from .table_reader import read_table

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


def sample_fields() -> QgsFields:
    fields = QgsFields()
    for name, kind, length in (
        ("site_id", QVariant.String, 80),
        ("sample_date", QVariant.Date, 0),
        ("round", QVariant.String, 16),
        ("medium", QVariant.String, 32),
        ("compound", QVariant.String, 64),
        ("concentration", QVariant.Double, 0),
        ("detected", QVariant.Bool, 0),
        ("lod", QVariant.Double, 0),
        ("raw_value", QVariant.String, 80),
        ("unit", QVariant.String, 8),
        ("lab_township", QVariant.String, 80),
        ("source_row", QVariant.Int, 0),
    ):
        fields.append(QgsField(name, kind, len=length))
    return fields


def rejected_fields() -> QgsFields:
    fields = QgsFields()
    fields.append(QgsField("source_row", QVariant.Int))
    fields.append(QgsField("reason", QVariant.String, len=254))
    fields.append(QgsField("column", QVariant.String, len=80))
    fields.append(QgsField("value", QVariant.String, len=254))
    fields.append(QgsField("raw_row", QVariant.String, len=1000))
    return fields


def _nan_to_null(value: float):
    return None if value != value else float(value)


class ImportLabResults(WbeAlgorithm):
    ALG_ID = "importlabresults"
    GROUP_ID = "survey"
    ICON = "import.svg"

    INPUT = "INPUT"
    DATUM = "DATUM"
    COMPOUND_TABLE = "COMPOUND_TABLE"
    DUPLICATES = "DUPLICATES"
    OUTPUT = "OUTPUT"
    REJECTED = "REJECTED"

    def displayName(self) -> str:
        return tr("Import lab results")

    def shortHelpString(self) -> str:
        return tr(
            "Reads a lab's results table (CSV in UTF-8 or GBK, XLSX or ODS) in long layout, one row per sample × compound, "
            "and writes one point per row.\n\n"
            "Headers may be in Chinese or English (采样点/site, 经度/lon, 纬度/lat, 采样日期/date, 轮次/round, 目标物/compound, "
            "浓度/concentration, 单位/unit, 检出限/LOD, 样品类型/medium, 乡镇/township). A unit in a header such as 浓度(μg/L) counts. "
            "Compound names and abbreviations in either language map to one canonical id (甲基苯丙胺, 冰毒 and METH → methamphetamine).\n\n"
            "Concentrations are normalised to ng/L for water and ng/g for solids. Non-detects such as <LOD, <0.5, ND and 未检出 are kept "
            "with detected = false, concentration NULL and the limit in lod when the lab gave one; an empty cell means missing. "
            "The round comes from a round column, or else from the sampling date's quarter (2024Q3).\n\n"
            "DATUM says which datum the coordinates are in: WGS84, CGCS2000, or the Chinese web-map datums GCJ-02 and BD-09, "
            "which are converted to WGS84 (phone map apps record these; they are offset by 300–700 m).\n\n"
            "Every row not imported goes to REJECTED with its spreadsheet row number (the header is row 1) and the reason. "
            "ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED always."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                tr("Lab results table"),
                behavior=QgsProcessingParameterFile.File,
                fileFilter=tr("Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.DATUM,
                tr("Coordinates are in"),
                options=[tr("WGS84 (GPS)"), tr("CGCS2000"), tr("GCJ-02 (Gaode/Tencent maps)"), tr("BD-09 (Baidu maps)")],
                defaultValue=0,
            )
        )
        duplicates = QgsProcessingParameterEnum(
            self.DUPLICATES,
            tr("Duplicate rows (same site, date, sample type and compound)"),
            options=[tr("Reject every copy"), tr("Keep the first, reject the rest")],
            defaultValue=0,
        )
        duplicates.setFlags(duplicates.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(duplicates)
        table = QgsProcessingParameterFile(
            self.COMPOUND_TABLE,
            tr("Extra compound name table (CSV with columns canonical, alias)"),
            behavior=QgsProcessingParameterFile.File,
            extension="csv",
            optional=True,
        )
        table.setFlags(table.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(table)
        for name, role in COLUMN_PARAMETERS:
            param = QgsProcessingParameterString(
                name, tr("Column holding the {role} (empty: detect from the header)").format(role=role_label(role)), optional=True
            )
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Samples"), QgsProcessing.TypeVectorPoint))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.REJECTED, tr("Rejected rows"), QgsProcessing.TypeVector, optional=True, createByDefault=True
            )
        )
        self.addOutput(QgsProcessingOutputNumber("ROWS_READ", tr("Rows read")))
        self.addOutput(QgsProcessingOutputNumber("ROWS_IMPORTED", tr("Rows imported")))
        self.addOutput(QgsProcessingOutputNumber("ROWS_REJECTED", tr("Rows rejected")))

    def processAlgorithm(self, parameters, context, feedback):
        path = self.parameterAsFile(parameters, self.INPUT, context)
        datum = self.parameterAsEnum(parameters, self.DATUM, context)
        keep_first = self.parameterAsEnum(parameters, self.DUPLICATES, context) == 1
        compounds = CompoundTable.load(self.parameterAsFile(parameters, self.COMPOUND_TABLE, context) or None)
        explicit = {role: self.parameterAsString(parameters, name, context) for name, role in COLUMN_PARAMETERS}

        rows, described = read_table(path)
        feedback.pushInfo(
            tr("Read “{file}” ({described}): {n} lines including the header.").format(
                file=os.path.basename(path), described=described, n=len(rows)
            )
        )
        try:
            result = import_rows(rows, compounds, datum=datum, explicit_columns=explicit, keep_first_duplicate=keep_first)
        except LabTableError as error:
            raise QgsProcessingException(table_error_text(error, path)) from error
        header = rows[0]
        feedback.pushInfo(
            tr("Columns used: {columns}").format(
                columns=", ".join(
                    f"{role_label(role)} ← “{header[index]}”" for role, index in sorted(result.columns.items(), key=lambda kv: kv[1])
                )
            )
        )
        if feedback.isCanceled():
            return {}

        crs = QgsCoordinateReferenceSystem("EPSG:4490" if datum == _datum.CGCS2000 else "EPSG:4326")
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, sample_fields(), QgsWkbTypes.Point, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        samples = result.samples
        total = max(len(samples), 1)
        fields = sample_fields()
        for i, row in enumerate(samples.itertuples(index=False)):
            if i % 1000 == 0:
                if feedback.isCanceled():
                    return {}
                feedback.setProgress(90.0 * i / total)
            feature = QgsFeature(fields)
            date = _dt.date.fromisoformat(row.sample_date) if row.sample_date else None
            feature.setAttributes(
                [
                    row.site_id,
                    QDate(date.year, date.month, date.day) if date else None,
                    row.round,
                    row.medium,
                    row.compound,
                    _nan_to_null(row.concentration),
                    bool(row.detected),
                    _nan_to_null(row.lod),
                    row.raw_value,
                    row.unit,
                    row.lab_township or None,
                    int(row.source_row),
                ]
            )
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(row.x, row.y)))
            sink.addFeature(feature, QgsFeatureSink.FastInsert)

        outputs = {self.OUTPUT: dest_id}
        rejected_sink, rejected_id = self.parameterAsSink(
            parameters, self.REJECTED, context, rejected_fields(), QgsWkbTypes.NoGeometry, QgsCoordinateReferenceSystem()
        )
        for row in result.rejected.itertuples(index=False):
            reason = reason_text(row.reason_code, row.column, row.value)
            feedback.reportError(tr("Row {row} not imported: {reason}").format(row=row.source_row, reason=reason))
            if rejected_sink is not None:
                feature = QgsFeature(rejected_fields())
                feature.setAttributes([int(row.source_row), reason, row.column, row.value, row.raw_row[:1000]])
                rejected_sink.addFeature(feature, QgsFeatureSink.FastInsert)
        if rejected_sink is not None:
            outputs[self.REJECTED] = rejected_id

        for name, count in sorted(result.unknown_compounds.items()):
            feedback.pushWarning(tr("Compound “{name}” is not in the name table; kept as written ({n} rows).").format(name=name, n=count))
        for name, count in sorted(result.unknown_media.items()):
            feedback.pushWarning(
                tr("Sample type “{name}” is not known; kept as written, its kind taken from the unit ({n} rows).").format(
                    name=name, n=count
                )
            )
        if result.assumed_unit_rows:
            feedback.pushInfo(tr("{n} rows give no unit: ng/L assumed for water and ng/g for solids.").format(n=result.assumed_unit_rows))
        if result.assumed_medium_rows:
            feedback.pushInfo(tr("{n} rows give no sample type: sewage assumed.").format(n=result.assumed_medium_rows))
        if datum in (_datum.GCJ02, _datum.BD09):
            feedback.pushInfo(
                tr("Coordinates converted from {datum} to WGS84.").format(datum="GCJ-02" if datum == _datum.GCJ02 else "BD-09")
            )

        n_read, n_ok, n_bad = result.rows_read, len(samples), len(result.rejected)
        feedback.pushInfo(tr("Rows read: {read}; imported: {ok}; rejected: {bad}.").format(read=n_read, ok=n_ok, bad=n_bad))
        feedback.setProgress(100)
        outputs.update({"ROWS_READ": n_read, "ROWS_IMPORTED": n_ok, "ROWS_REJECTED": n_bad})
        return outputs
