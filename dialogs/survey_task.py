"""The quarterly survey as a background task: it calls the wbe Processing algorithms one after the other
(survey map, the township values of every round, the trend when that tool is installed). No processing
logic lives here: only the parameters passed between the algorithms.

The report (`wbe:report`) draws maps and writes a PDF, which Qt allows only on the main thread: it runs in
``run_report()`` once the task has finished, as Processing itself does for algorithms flagged
FlagNoThreading.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field

from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsTask,
    QgsVectorLayer,
)

from ..translate import tr


@dataclass
class SurveyChoices:
    lab_file: str
    townships: object  # a QgsVectorLayer from the project, or a layer source string
    township_field: str
    compounds: list[str]
    round: str = ""
    method: int = 0
    thresholds: tuple[float, float] | None = None
    nd_policy: int = 1
    folder: str = ""
    title: str = ""


@dataclass
class CompoundResult:
    compound: str
    severity: str = ""
    rejected: str = ""
    unmatched: str = ""
    history: str = ""
    trend: str = ""
    round: str = ""
    break_1: float | None = None
    break_2: float | None = None
    rows_rejected: int = 0
    n_unmatched: int = 0
    report_html: str = ""
    report_pdf: str = ""
    stem: str = ""  # the output files' common path prefix, <folder>/<compound>_<round>[_<n>]
    note: str = ""  # said to the analyst, e.g. that an earlier run of the same round was kept


@dataclass
class SurveyOutcome:
    results: list[CompoundResult] = field(default_factory=list)
    error: str = ""

    @property
    def round(self) -> str:
        rounds = sorted({r.round for r in self.results if r.round})
        return ", ".join(rounds)


def file_stem(text: str) -> str:
    """A file-name stem from a compound and round: letters, digits, "-" and "_" kept, anything else "_"."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text) or "survey"


OUTPUT_SUFFIXES = ("_severity.gpkg", "_rejected.gpkg", "_unmatched.gpkg", "_samples.gpkg", "_rounds.geojson", "_trend.gpkg")
REPORT_SUFFIXES = ("_report.html", "_report.pdf")


def free_stem(folder: str, name: str) -> str:
    """<folder>/<name>, or <folder>/<name>_2, _3… when an earlier run's outputs already use it: a run never
    overwrites an earlier one's files."""
    base = os.path.join(folder, file_stem(name))
    stem, n = base, 1
    while any(os.path.exists(stem + suffix) for suffix in OUTPUT_SUFFIXES + REPORT_SUFFIXES):
        n += 1
        stem = f"{base}_{n}"
    return stem


class _CancelledError(Exception):
    """The analyst pressed Cancel: no further algorithm starts."""


class _TaskFeedback(QgsProcessingFeedback):
    """Forwards one step's progress to the task's overall progress."""

    def __init__(self, task: SurveyTask, step: int, steps: int):
        super().__init__()
        self._task, self._step, self._steps = task, step, steps
        self.messages: list[str] = []
        self.progressChanged.connect(self._forward)

    def _forward(self, progress: float) -> None:
        self._task.setProgress(100.0 * (self._step + progress / 100.0) / self._steps)

    def reportError(self, error: str, fatal_error: bool = False) -> None:
        self.messages.append(error)
        super().reportError(error, fatal_error)


class SurveyTask(QgsTask):
    def __init__(self, choices: SurveyChoices):
        super().__init__(tr("Quarterly survey"), QgsTask.Flag.CanCancel)
        self.choices = choices
        self.outcome = SurveyOutcome()
        self._feedback: QgsProcessingFeedback | None = None
        self.on_finished = None  # called on the main thread with (task, ok)

    def cancel(self) -> None:
        if self._feedback is not None:
            self._feedback.cancel()
        super().cancel()

    def _run(self, algorithm: str, parameters: dict, step: int, steps: int) -> dict:
        import processing

        if self.isCanceled():
            raise _CancelledError()
        self._feedback = _TaskFeedback(self, step, steps)
        context = QgsProcessingContext()
        results = processing.run(algorithm, parameters, context=context, feedback=self._feedback)
        # Outputs are files: drop the context's temporary layers with the thread that made them.
        return results

    def run(self) -> bool:
        try:
            return self._run_all() and not self.isCanceled()
        except _CancelledError:
            return False
        except QgsProcessingException as error:
            self.outcome.error = str(error).strip()
        except Exception as error:  # the analyst sees the cause in the dialog, never a traceback
            self.outcome.error = tr("Unexpected error: {error}").format(error=str(error))
        if self.isCanceled():
            self.outcome.error = ""  # a run stopped on request is not an error
        return False

    def _run_all(self) -> bool:
        from qgis.core import QgsApplication as _App

        choices = self.choices
        os.makedirs(choices.folder, exist_ok=True)
        has_trend = _App.processingRegistry().algorithmById("wbe:trend") is not None
        per_compound = 3 + (1 if has_trend else 0)
        steps = per_compound * len(choices.compounds)
        step = 0
        for compound in choices.compounds:
            result = CompoundResult(compound=compound)
            # The samples first: with the round left empty, the outputs are named after the round actually used.
            scratch = tempfile.mkdtemp(prefix="wbe_survey_")
            samples = self._run(
                "wbe:importlabresults",
                {"INPUT": choices.lab_file, "OUTPUT": os.path.join(scratch, "samples.gpkg"), "REJECTED": "TEMPORARY_OUTPUT"},
                step,
                steps,
            )
            step += 1
            if self.isCanceled():
                return False
            survey_round = choices.round
            if not survey_round:
                from ..processing.algorithms.surveymap import latest_round

                layer = QgsVectorLayer(samples["OUTPUT"], "samples", "ogr")
                survey_round = latest_round(layer, compound)
                del layer
            stem = free_stem(choices.folder, f"{compound}_{survey_round}")
            result.stem = stem
            if stem != os.path.join(choices.folder, file_stem(f"{compound}_{survey_round}")):
                result.note = tr("The files of an earlier run of {round} are kept; this run is saved as “{name}_…”.").format(
                    round=survey_round, name=os.path.basename(stem)
                )
            shutil.copyfile(samples["OUTPUT"].split("|")[0], stem + "_samples.gpkg")
            samples_path = stem + "_samples.gpkg"
            survey = self._run(
                "wbe:surveymap",
                {
                    "LAB_RESULTS": choices.lab_file,
                    "TOWNSHIPS": choices.townships,
                    "TOWNSHIP_FIELD": choices.township_field,
                    "COMPOUND": compound,
                    "ROUND": survey_round,
                    "METHOD": choices.method,
                    "THRESHOLDS": list(choices.thresholds) if choices.thresholds else None,
                    "ND_POLICY": choices.nd_policy,
                    "OUTPUT": stem + "_severity.gpkg",
                    "REJECTED": stem + "_rejected.gpkg",
                    "UNMATCHED": stem + "_unmatched.gpkg",
                },
                step,
                steps,
            )
            step += 1
            if self.isCanceled():
                return False
            result.severity, result.rejected, result.unmatched = survey["OUTPUT"], survey.get("REJECTED", ""), survey.get("UNMATCHED", "")
            result.round, result.break_1, result.break_2 = survey["ROUND"], survey["BREAK_1"], survey["BREAK_2"]
            result.rows_rejected, result.n_unmatched = int(survey["ROWS_REJECTED"]), int(survey["N_UNMATCHED"])

            # GeoJSON: one feature per township × round repeats the townships' fid, which a GeoPackage refuses.
            history = self._run(
                "wbe:aggregatebytownship",
                {
                    "SAMPLES": samples_path,
                    "TOWNSHIPS": choices.townships,
                    "TOWNSHIP_FIELD": choices.township_field,
                    "COMPOUND": compound,
                    "ROUND": "",
                    "ND_POLICY": choices.nd_policy,
                    "OUTPUT": stem + "_rounds.geojson",
                    "UNMATCHED": "TEMPORARY_OUTPUT",
                },
                step,
                steps,
            )
            step += 1
            result.history = history["OUTPUT"]
            if self.isCanceled():
                return False
            if has_trend:
                trend = self._run(
                    "wbe:trend",
                    {
                        "INPUT": result.history,
                        "ID_FIELD": choices.township_field,
                        "ROUND_FIELD": "round",
                        "VALUE_FIELD": "mean",
                        "OUTPUT": stem + "_trend.gpkg",
                    },
                    step,
                    steps,
                )
                step += 1
                result.trend = trend["OUTPUT"]
            self.outcome.results.append(result)
            if self.isCanceled():
                return False
        return True

    def finished(self, ok: bool) -> None:
        if self.on_finished is not None:
            self.on_finished(self, ok)


def run_report(choices: SurveyChoices, result: CompoundResult, feedback: QgsProcessingFeedback | None = None) -> None:
    """wbe:report for one compound, on the main thread (it draws maps and writes a PDF)."""
    import processing

    from ..processing.labels import compound_label  # the compound's name in the interface language (甲基苯丙胺)

    stem = (result.stem or os.path.join(choices.folder, file_stem(f"{result.compound}_{result.round}"))) + "_report"
    title = choices.title or tr("Wastewater drug survey {round}: {compound}").format(
        round=result.round, compound=compound_label(result.compound)
    )
    parameters = {
        "INPUT": result.severity,
        "TITLE": title,
        "NAME_FIELD": choices.township_field,
        "VALUE_FIELD": "mean",
        "HISTORY": result.history or None,
        "TREND": result.trend or None,
        "REJECTED": result.rejected or None,
        "UNMATCHED": result.unmatched or None,
        "METHOD": choices.method,
        "BREAK_1": result.break_1,
        "BREAK_2": result.break_2,
        "ND_POLICY": choices.nd_policy,
        "OUTPUT_HTML": stem + ".html",
        "OUTPUT_PDF": stem + ".pdf",
    }
    outputs = processing.run("wbe:report", parameters, context=QgsProcessingContext(), feedback=feedback or QgsProcessingFeedback())
    result.report_html, result.report_pdf = outputs["OUTPUT_HTML"], outputs["OUTPUT_PDF"]


def task_manager():
    return QgsApplication.taskManager()
