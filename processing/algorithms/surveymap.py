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
from ..base import WbeAlgorithm, is_null, nondetect_policy_parameter
from ..labels import compound_label
from .aggregatebytownship import WASTEWATER, media_for, medium_parameter
from .classifyseverity import method_names, thresholds_parameter
from .importlabresults import datum_parameter

STATISTICS = ("mean", "median", "max")


class SurveyMap(WbeAlgorithm):
    ALG_ID = "surveymap"
    GROUP_ID = "survey"
    ICON = "wbe.svg"

    LAB_RESULTS = "LAB_RESULTS"
    DATUM = "DATUM"
    TOWNSHIPS = "TOWNSHIPS"
    TOWNSHIP_FIELD = "TOWNSHIP_FIELD"
    COMPOUND = "COMPOUND"
    ROUND = "ROUND"
    MEDIUM = "MEDIUM"
    ND_POLICY = "ND_POLICY"
    STATISTIC = "STATISTIC"
    METHOD = "METHOD"
    THRESHOLDS = "THRESHOLDS"
    TITLE = "TITLE"
    OUTPUT = "OUTPUT"
    MAP = "MAP"
    REJECTED = "REJECTED"
    UNMATCHED = "UNMATCHED"

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

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
        self.addParameter(QgsProcessingParameterFeatureSource(self.TOWNSHIPS, tr("Townships"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(
            QgsProcessingParameterField(self.TOWNSHIP_FIELD, tr("Township name field"), parentLayerParameterName=self.TOWNSHIPS)
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.COMPOUND, tr("Compound (name or abbreviation, in Chinese or English)"), defaultValue="methamphetamine"
            )
        )
        self.addParameter(QgsProcessingParameterString(self.ROUND, tr("Round (empty: the latest)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, tr("Classification method"), options=method_names(), defaultValue=JENKS))
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
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterVectorDestination(self.OUTPUT, tr("Severity by township"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.MAP, tr("Map (PDF or PNG)"), fileFilter=tr("PDF (*.pdf);;PNG image (*.png)"), optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.REJECTED, tr("Rejected rows"), QgsProcessing.TypeVector, optional=True, createByDefault=False
            )
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                self.UNMATCHED, tr("Samples in no township"), QgsProcessing.TypeVectorPoint, optional=True, createByDefault=False
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

    def processAlgorithm(self, parameters, context, feedback):
        steps = QgsProcessingMultiStepFeedback(4, feedback)
        compound, _known = CompoundTable.load().resolve(self.parameterAsString(parameters, self.COMPOUND, context).strip())
        media = media_for(self.parameterAsEnum(parameters, self.MEDIUM, context))
        statistic = STATISTICS[self.parameterAsEnum(parameters, self.STATISTIC, context)]

        steps.setCurrentStep(0)
        steps.setProgressText(tr("Importing lab results…"))
        imported = processing.run(
            "wbe:importlabresults",
            {
                "INPUT": parameters[self.LAB_RESULTS],
                "DATUM": parameters.get(self.DATUM, 0),
                "OUTPUT": QgsProcessing.TEMPORARY_OUTPUT,
                "REJECTED": parameters.get(self.REJECTED) or QgsProcessing.TEMPORARY_OUTPUT,
            },
            context=context,
            feedback=steps,
            is_child_algorithm=True,
        )
        if steps.isCanceled():
            return {}

        wanted_round = self.parameterAsString(parameters, self.ROUND, context).strip()
        if not wanted_round:
            wanted_round = self._latest_round(imported["OUTPUT"], compound, media, context)
            steps.pushInfo(tr("Latest round with samples of {compound}: {round}").format(compound=compound, round=wanted_round))

        steps.setCurrentStep(1)
        steps.setProgressText(tr("Joining samples to townships…"))
        aggregated = processing.run(
            "wbe:aggregatebytownship",
            {
                "SAMPLES": imported["OUTPUT"],
                "TOWNSHIPS": parameters[self.TOWNSHIPS],
                "TOWNSHIP_FIELD": parameters[self.TOWNSHIP_FIELD],
                "COMPOUND": compound,
                "ROUND": wanted_round,
                "MEDIUM": parameters.get(self.MEDIUM, WASTEWATER),
                "ND_POLICY": parameters.get(self.ND_POLICY),
                "OUTPUT": QgsProcessing.TEMPORARY_OUTPUT,
                "UNMATCHED": parameters.get(self.UNMATCHED) or QgsProcessing.TEMPORARY_OUTPUT,
            },
            context=context,
            feedback=steps,
            is_child_algorithm=True,
        )
        if steps.isCanceled():
            return {}

        steps.setCurrentStep(2)
        steps.setProgressText(tr("Classifying townships…"))
        classified = processing.run(
            "wbe:classifyseverity",
            {
                "INPUT": aggregated["OUTPUT"],
                "FIELD": statistic,
                "METHOD": parameters.get(self.METHOD, JENKS),
                "THRESHOLDS": parameters.get(self.THRESHOLDS),
                "OUTPUT": parameters.get(self.OUTPUT) or QgsProcessing.TEMPORARY_OUTPUT,  # a model may leave it unset
            },
            context=context,
            feedback=steps,
            is_child_algorithm=True,
        )
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
        if parameters.get(self.REJECTED):
            results[self.REJECTED] = imported["REJECTED"]
        if parameters.get(self.UNMATCHED):
            results[self.UNMATCHED] = aggregated["UNMATCHED"]

        map_path = self.parameterAsFileOutput(parameters, self.MAP, context)
        if map_path and not steps.isCanceled():
            steps.setCurrentStep(3)
            steps.setProgressText(tr("Drawing the map…"))
            title = self.parameterAsString(parameters, self.TITLE, context) or tr("Wastewater drug survey {round}: {compound}").format(
                round=wanted_round, compound=compound_label(compound)
            )
            mapped = processing.run(
                "wbe:exportmap",
                {"INPUT": classified["OUTPUT"], "TITLE": title, "LABEL_FIELD": parameters[self.TOWNSHIP_FIELD], "OUTPUT": map_path},
                context=context,
                feedback=steps,
                is_child_algorithm=True,
            )
            results[self.MAP] = mapped["OUTPUT"]
        return results

    def _latest_round(self, samples_id: str, compound: str, media: tuple[str, ...], context) -> str:
        layer = QgsProcessingUtils.mapLayerFromString(samples_id, context)
        fields = layer.fields()
        i_round, i_compound, i_medium = (fields.lookupField(n) for n in ("round", "compound", "medium"))
        rounds = set()
        for feature in layer.getFeatures():
            attrs = feature.attributes()
            if attrs[i_compound] == compound and attrs[i_medium] in media and not is_null(attrs[i_round]):
                rounds.add(str(attrs[i_round]))
        if not rounds:
            raise QgsProcessingException(
                tr("The lab table has no sample of “{compound}” of the chosen sample type.").format(compound=compound)
            )
        return max(rounds)
