"""wbe:surveymap — the main job: lab table + townships → styled severity layer + map, in one run."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingUtils,
)

import processing

from ...core.classify import JENKS
from ...core.compounds import CompoundTable
from ...translate import tr
from ..base import (
    TOWNSHIP_FIELD_PROPERTY,
    WbeAlgorithm,
    is_null,
    record_township_name_field,
    township_field_or_guess,
)
from ..labels import compound_label
from ..parameters import (
    WASTEWATER,
    TownshipJoinNames,
    datum_parameter,
    media_for,
    medium_parameter,
    method_names,
    nondetect_policy_parameter,
    thresholds_parameter,
)

STATISTICS = ("mean", "median", "max")


def run_child(algorithm_id: str, parameters: dict, context, feedback) -> dict:
    """One step of the survey: a wbe algorithm run as a child of this one (its log and progress in this run's)."""
    return processing.run(algorithm_id, parameters, context=context, feedback=feedback, is_child_algorithm=True)


class SurveyMap(TownshipJoinNames, WbeAlgorithm):
    ALG_ID = "surveymap"
    GROUP_ID = "survey"
    ICON = "wbe.svg"

    LAB_RESULTS = "LAB_RESULTS"
    DATUM = "DATUM"
    STATISTIC = "STATISTIC"
    METHOD = "METHOD"
    THRESHOLDS = "THRESHOLDS"
    TITLE = "TITLE"
    OUTPUT = "OUTPUT"
    MAP = "MAP"
    REJECTED = "REJECTED"
    UNMATCHED = "UNMATCHED"

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def displayName(self) -> str:
        return tr("Survey map (lab results → severity map)")

    def shortHelpString(self) -> str:
        return tr(
            "The quarterly routine in one run: imports the lab table, joins the samples of one compound to the townships, "
            "classifies the townships into severe (严重), fairly severe (较严重) and general (一般), and writes a styled layer and a map.\n\n"
            "ROUND chooses the round; empty means the latest round that has samples of the compound. The township value is the mean, "
            "median or maximum of the round's samples (non-detects per the chosen policy). The classification methods and THRESHOLDS are "
            "those of “Classify severity”. MAP is optional: a .pdf or .png path.\n\n"
            "Rows the import rejected and samples in no township are written to their own outputs and counted in the log and the results."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFile(
                self.LAB_RESULTS, tr("Lab results table"), fileFilter=tr("Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)")
            )
        )
        self.addParameter(datum_parameter(self.DATUM))
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.SourceType.TypeVectorPolygon])
        )
        township_field = QgsProcessingParameterField(
            self.TOWNSHIP_FIELD, tr("Township name field"), defaultValue="name", parentLayerParameterName=self.TOWNSHIPS, optional=True
        )
        township_field.setHelp(
            tr(
                "The field of the township layer that holds the township names. Empty (or the default “name” on a layer without it): "
                "the first text field that looks like a name (name, 乡镇, 乡镇名称, 镇名, XZMC, XZQMC, township, town), as the log says."
            )
        )
        self.addParameter(township_field)
        self.addParameter(
            QgsProcessingParameterString(
                self.COMPOUND, tr("Compound (name or abbreviation, in Chinese or English)"), defaultValue="methamphetamine"
            )
        )
        round_param = QgsProcessingParameterString(self.ROUND, tr("Round (empty: the latest)"), optional=True)
        round_param.setHelp(
            tr(
                "The sampling round to map, written as in the lab table: a quarter 2024Q3, a year 2024 or a month 2024-07. "
                "Empty: the latest round that has samples of the compound; the round used is returned as ROUND."
            )
        )
        self.addParameter(round_param)
        method = QgsProcessingParameterEnum(self.METHOD, tr("Classification method"), options=method_names(), defaultValue=JENKS)
        method.setHelp(tr("How the township values are cut into the three classes; see “Classify severity” for each method."))
        self.addParameter(method)
        self.addParameter(thresholds_parameter(self.THRESHOLDS))
        advanced = [
            QgsProcessingParameterEnum(
                self.STATISTIC, tr("Township value"), options=[tr("Mean"), tr("Median"), tr("Maximum")], defaultValue=0
            ),
            medium_parameter(self.MEDIUM),
            nondetect_policy_parameter(self.ND_POLICY),
            QgsProcessingParameterString(self.TITLE, tr("Map title"), optional=True),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.Flag.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(
            QgsProcessingParameterVectorDestination(self.OUTPUT, tr("Severity by township"), QgsProcessing.SourceType.TypeVectorPolygon)
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.MAP, tr("Map (PDF or PNG)"), fileFilter=tr("PDF (*.pdf);;PNG image (*.png)"), optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.REJECTED, tr("Rejected rows"), QgsProcessing.SourceType.TypeVector, optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.UNMATCHED, tr("Samples in no township"), QgsProcessing.SourceType.TypeVectorPoint, optional=True, createByDefault=False
            )
        )
        for name, label in (
            ("ROWS_READ", tr("Rows read")),
            ("ROWS_IMPORTED", tr("Rows imported")),
            ("ROWS_REJECTED", tr("Rows rejected")),
            ("N_UNMATCHED", tr("Samples in no township")),
            ("BREAK_1", tr("Upper bound of class 1 (general)")),
            ("BREAK_2", tr("Upper bound of class 2 (fairly severe)")),
        ):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("ROUND", tr("Round mapped")))

    def _wanted_output(self, parameters, name: str, context) -> str:
        """The path of an optional output the caller asked for, or "" (missing key, None, empty: skipped, as in batch mode)."""
        if not parameters.get(name):
            return ""
        try:
            return self.parameterAsOutputLayer(parameters, name, context) or ""
        except Exception:
            return ""

    def processAlgorithm(self, parameters, context, feedback):
        steps = QgsProcessingMultiStepFeedback(4, feedback)
        township_field = township_field_or_guess(
            self, parameters, self.TOWNSHIP_FIELD, self.TOWNSHIPS, context, feedback, absent_default="name"
        )
        rejected_out = self._wanted_output(parameters, self.REJECTED, context)
        unmatched_out = self._wanted_output(parameters, self.UNMATCHED, context)
        compound, _known = CompoundTable.load().resolve(self.parameterAsString(parameters, self.COMPOUND, context).strip())
        media = media_for(self.parameterAsEnum(parameters, self.MEDIUM, context))

        steps.setCurrentStep(0)
        steps.setProgressText(tr("Importing lab results…"))
        imported = run_child(
            "wbe:importlabresults",
            {
                "INPUT": parameters[self.LAB_RESULTS],
                "DATUM": parameters.get(self.DATUM, 0),
                "OUTPUT": QgsProcessing.TEMPORARY_OUTPUT,
                "REJECTED": parameters[self.REJECTED] if rejected_out else QgsProcessing.TEMPORARY_OUTPUT,
            },
            context,
            steps,
        )
        if steps.isCanceled():
            return {}
        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        if not wanted_round:
            wanted_round = latest_round(QgsProcessingUtils.mapLayerFromString(imported["OUTPUT"], context), compound, media)
            steps.pushInfo(tr("Latest round with samples of {compound}: {round}").format(compound=compound, round=wanted_round))

        steps.setCurrentStep(1)
        steps.setProgressText(tr("Joining samples to townships…"))
        aggregated = self._aggregate(parameters, imported["OUTPUT"], township_field, compound, wanted_round, unmatched_out, context, steps)
        if steps.isCanceled():
            return {}
        steps.setCurrentStep(2)
        steps.setProgressText(tr("Classifying townships…"))
        classified = self._classify(parameters, aggregated["OUTPUT"], context, steps)
        self._record_name_field(classified["OUTPUT"], township_field, context)
        results = {
            self.OUTPUT: classified["OUTPUT"],
            "ROUND": wanted_round,
            "BREAK_1": classified["BREAK_1"],
            "BREAK_2": classified["BREAK_2"],
            "ROWS_READ": imported["ROWS_READ"],
            "ROWS_IMPORTED": imported["ROWS_IMPORTED"],
            "ROWS_REJECTED": imported["ROWS_REJECTED"],
            "N_UNMATCHED": aggregated["N_UNMATCHED"],
        }
        if rejected_out and imported.get("REJECTED"):
            results[self.REJECTED] = imported["REJECTED"]
        if unmatched_out and aggregated.get("UNMATCHED"):
            results[self.UNMATCHED] = aggregated["UNMATCHED"]
        map_path = self.parameterAsFileOutput(parameters, self.MAP, context)
        if map_path and not steps.isCanceled():
            steps.setCurrentStep(3)
            steps.setProgressText(tr("Drawing the map…"))
            results[self.MAP] = self._draw_map(
                parameters, classified["OUTPUT"], township_field, wanted_round, compound, map_path, context, steps
            )
        return results

    def _aggregate(self, parameters, samples_id, township_field, compound, wanted_round, unmatched_out, context, steps) -> dict:
        """wbe:aggregatebytownship over the imported samples, for one compound and round."""
        return run_child(
            "wbe:aggregatebytownship",
            {
                "SAMPLES": samples_id,
                "TOWNSHIPS": parameters[self.TOWNSHIPS],
                "TOWNSHIP_FIELD": township_field,
                "COMPOUND": compound,
                "ROUND": wanted_round,
                "MEDIUM": parameters.get(self.MEDIUM, WASTEWATER),
                "ND_POLICY": parameters.get(self.ND_POLICY),
                "OUTPUT": QgsProcessing.TEMPORARY_OUTPUT,
                "UNMATCHED": parameters[self.UNMATCHED] if unmatched_out else QgsProcessing.TEMPORARY_OUTPUT,
            },
            context,
            steps,
        )

    def _classify(self, parameters, townships_id, context, steps) -> dict:
        """wbe:classifyseverity of the township value (STATISTIC) into OUTPUT."""
        return run_child(
            "wbe:classifyseverity",
            {
                "INPUT": townships_id,
                "FIELD": STATISTICS[self.parameterAsEnum(parameters, self.STATISTIC, context)],
                "METHOD": parameters.get(self.METHOD, JENKS),
                "THRESHOLDS": parameters.get(self.THRESHOLDS),
                "OUTPUT": parameters.get(self.OUTPUT) or QgsProcessing.TEMPORARY_OUTPUT,  # a model may leave it unset
            },
            context,
            steps,
        )

    def _draw_map(self, parameters, severity_id, township_field, wanted_round, compound, map_path, context, steps) -> str:
        """wbe:exportmap of the severity layer, titled TITLE or after the round and compound."""
        title = self.parameterAsString(parameters, self.TITLE, context) or tr("Wastewater drug survey {round}: {compound}").format(
            round=wanted_round, compound=compound_label(compound)
        )
        mapped = run_child(
            "wbe:exportmap",
            {"INPUT": severity_id, "TITLE": title, "LABEL_FIELD": township_field, "OUTPUT": map_path},
            context,
            steps,
        )
        return mapped["OUTPUT"]

    @staticmethod
    def _record_name_field(dest_id: str, field: str, context) -> None:
        """The severity layer carries its township name field (stored with its style in a GeoPackage)."""
        layer = QgsProcessingUtils.mapLayerFromString(dest_id, context)
        if layer is None or layer.customProperty(TOWNSHIP_FIELD_PROPERTY, "") == field:
            return
        record_township_name_field(layer, field)
        provider = layer.dataProvider()
        if provider.name() == "ogr" and provider.storageType() == "GPKG":
            layer.saveStyleToDatabase(tr("Severity"), tr("Saved by wbe_surveillance"), True, "")


def latest_round(layer, compound: str, media: tuple[str, ...] | None = None) -> str:
    """The latest round of ``layer`` (the import's samples) that has samples of ``compound`` (of the media given).
    One series never mixes kinds of rounds (2024Q3, 2024, 2024-07), and within one kind text order is time order."""
    if media is None:
        media = media_for(WASTEWATER)
    fields = layer.fields()
    i_round, i_compound, i_medium = (fields.lookupField(n) for n in ("round", "compound", "medium"))
    rounds = set()
    for feature in layer.getFeatures():
        attrs = feature.attributes()
        if attrs[i_compound] == compound and attrs[i_medium] in media and not is_null(attrs[i_round]):
            rounds.add(str(attrs[i_round]))
    if not rounds:
        raise QgsProcessingException(tr("The lab table has no sample of “{compound}” of the chosen sample type.").format(compound=compound))
    return max(rounds)
