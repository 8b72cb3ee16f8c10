"""The “Quarterly survey” dialog (季度水样监测): the analyst's routine in one window.

It gathers the choices, remembers them (QgsSettings), and hands them to a background task that runs the
wbe Processing algorithms (survey_task.py). The results go into a layer group named after the round, and
the report opens. Errors are shown in the dialog, in the algorithms' own words.
"""

from __future__ import annotations

import os

from qgis.core import (
    QgsApplication,
    QgsLayerTreeGroup,
    QgsMapLayerProxyModel,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsCheckableComboBox, QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QCoreApplication, Qt, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices, QIcon
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
)

from ..core.classify import EQUAL_INTERVAL, FIXED
from ..core.compounds import CompoundTable
from ..core.paths import resource
from ..processing.base import township_name_field
from ..processing.labels import compound_label
from ..processing.parameters import method_names
from ..translate import tr
from .survey_task import SurveyChoices, SurveyTask, run_report

SETTINGS_PREFIX = "wbe_surveillance/quarterly/"
ICON = resource("icons", "wbe.svg")
DEFAULT_COMPOUNDS = ["methamphetamine"]


def compound_choice_text(canonical: str, table: CompoundTable) -> str:
    """“methamphetamine 甲基苯丙胺”: the id with its Chinese name from the lab's spelling table, as the compound list
    shows it (the display name alone, in the interface language, is processing.labels.compound_label)."""
    chinese = ""
    for alias, target in getattr(table, "aliases", {}).items():
        if target == canonical and any("\u4e00" <= ch <= "\u9fff" for ch in alias):
            chinese = alias
            break
    return f"{canonical} {chinese}".strip()


def default_folder() -> str:
    return os.path.join(os.path.expanduser("~"), "wbe_surveys")


def townships_snapshot(layer: QgsVectorLayer, selected_only: bool, project: QgsProject) -> str:
    """The township layer as it is in the project (unsaved edits included; only the selected features when asked),
    written on the main thread to a GeoPackage that the background task can read safely."""
    import tempfile

    from qgis.core import QgsVectorFileWriter

    folder = tempfile.mkdtemp(prefix="wbe_townships_")
    path = os.path.join(folder, "townships.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = "townships"
    options.onlySelectedFeatures = selected_only
    result = QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, project.transformContext(), options)
    error, message = result[0], result[1]
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise ValueError(tr("The township layer “{layer}” could not be read: {error}").format(layer=layer.name(), error=message))
    return path


class QuarterlySurveyDialog(QDialog):
    # Emitted when the dialog is closed and no survey is running: its owner (the plugin) lets it go.
    released = pyqtSignal()

    def __init__(self, parent=None, iface=None, project: QgsProject | None = None, open_report: bool = True):
        super().__init__(parent)
        self.iface = iface
        self.project = project or QgsProject.instance()
        self.open_report = open_report
        self.task: SurveyTask | None = None
        self.has_error = False
        self.outcome = None
        self.group: QgsLayerTreeGroup | None = None
        self.setWindowTitle(tr("Quarterly survey"))
        self.setWindowIcon(QIcon(ICON))
        self.setMinimumWidth(560)
        self._build()
        self.restore_settings()

    # ---------------------------------------------------------------- widgets
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            tr(
                "Imports the lab results, joins them to the townships, classifies the townships into severe, fairly severe and "
                "general, and writes the map layers and a printable report."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        inputs = QGroupBox(tr("Data"))
        form = QFormLayout(inputs)
        self.lab_file = QgsFileWidget()
        self.lab_file.setFilter(tr("Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)"))
        self.lab_file.setDialogTitle(tr("Lab results table"))
        form.addRow(tr("Lab results table"), self.lab_file)
        self.townships = QgsMapLayerComboBox()
        self.townships.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        form.addRow(tr("Townships"), self.townships)
        self.township_field = QgsFieldComboBox()
        self.township_field.setLayer(self.townships.currentLayer())
        self.township_field.setField(township_name_field(self.townships.currentLayer()))
        self.townships.layerChanged.connect(self._townships_changed)
        form.addRow(tr("Township name field"), self.township_field)
        self.selected_only = QCheckBox(tr("Selected townships only"))
        self.selected_only.setToolTip(
            tr("Survey only the townships selected in the layer, as the toolbox's “Selected features only” does.")
        )
        form.addRow("", self.selected_only)
        self.compounds = QgsCheckableComboBox()
        table = CompoundTable.load()
        for canonical in table.canonical_ids():
            self.compounds.addItem(compound_choice_text(canonical, table), canonical)
        form.addRow(tr("Compounds"), self.compounds)
        self.round = QLineEdit()
        self.round.setPlaceholderText(tr("empty: the latest round, e.g. 2024Q3"))
        form.addRow(tr("Round"), self.round)
        layout.addWidget(inputs)

        method_box = QGroupBox(tr("Classification"))
        method_form = QFormLayout(method_box)
        self.method = QComboBox()
        self.method.addItems(method_names()[: EQUAL_INTERVAL + 1])  # Jenks, quantiles, fixed, equal interval: ids as in core.classify
        method_form.addRow(tr("Classification method"), self.method)
        breaks = QHBoxLayout()
        self.break_1 = QDoubleSpinBox()
        self.break_2 = QDoubleSpinBox()
        for spin in (self.break_1, self.break_2):
            spin.setRange(0.0, 1e9)
            spin.setDecimals(2)
            spin.setSuffix(" ng/L")
        breaks.addWidget(QLabel(tr("General ≤")))
        breaks.addWidget(self.break_1)
        breaks.addWidget(QLabel(tr("Fairly severe ≤")))
        breaks.addWidget(self.break_2)
        method_form.addRow(tr("Fixed thresholds"), breaks)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.nd_policy = QComboBox()
        self.nd_policy.addItems(
            [tr("Zero"), tr("Half the detection limit (LOD/2)"), tr("LOD/√2"), tr("The detection limit (LOD)"), tr("Excluded")]
        )
        method_form.addRow(tr("Non-detects count as"), self.nd_policy)
        layout.addWidget(method_box)

        out_box = QGroupBox(tr("Results"))
        out_form = QFormLayout(out_box)
        self.folder = QgsFileWidget()
        self.folder.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        out_form.addRow(tr("Output folder"), self.folder)
        self.title = QLineEdit()
        self.title.setPlaceholderText(tr("empty: “Wastewater drug survey <round>: <compound>”"))
        out_form.addRow(tr("Report title"), self.title)
        layout.addWidget(out_box)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths and data text are shown as they are, never as rich text
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton(tr("Run"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton(tr("Close"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.cancel_button.setEnabled(False)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        layout.addWidget(self.buttons)
        self._method_changed()

    def _townships_changed(self, layer) -> None:
        """A new township layer: its name-like field is chosen, never its first field (often fid)."""
        self.township_field.setLayer(layer)
        guess = township_name_field(layer) if isinstance(layer, QgsVectorLayer) else ""
        if guess:
            self.township_field.setField(guess)

    def _method_changed(self) -> None:
        fixed = self.method.currentIndex() == FIXED
        self.break_1.setEnabled(fixed)
        self.break_2.setEnabled(fixed)

    # ---------------------------------------------------------------- memory
    def restore_settings(self) -> None:
        s = QgsSettings()
        self.lab_file.setFilePath(s.value(SETTINGS_PREFIX + "lab_file", "", type=str))
        layer_id = s.value(SETTINGS_PREFIX + "townships", "", type=str)
        layer = self.project.mapLayer(layer_id) if layer_id else None
        if layer is not None:
            self.townships.setLayer(layer)
            self._townships_changed(layer)
        field = s.value(SETTINGS_PREFIX + "township_field", "", type=str)
        current = self.townships.currentLayer()
        if field and isinstance(current, QgsVectorLayer) and current.fields().lookupField(field) >= 0:
            self.township_field.setField(field)
        self.selected_only.setChecked(s.value(SETTINGS_PREFIX + "selected_only", False, type=bool))
        self.set_compounds(s.value(SETTINGS_PREFIX + "compounds", ",".join(DEFAULT_COMPOUNDS), type=str).split(","))
        self.round.setText(s.value(SETTINGS_PREFIX + "round", "", type=str))
        self.method.setCurrentIndex(s.value(SETTINGS_PREFIX + "method", 0, type=int))
        self.break_1.setValue(s.value(SETTINGS_PREFIX + "break_1", 50.0, type=float))
        self.break_2.setValue(s.value(SETTINGS_PREFIX + "break_2", 200.0, type=float))
        self.nd_policy.setCurrentIndex(s.value(SETTINGS_PREFIX + "nd_policy", 1, type=int))
        self.folder.setFilePath(s.value(SETTINGS_PREFIX + "folder", default_folder(), type=str))
        self.title.setText(s.value(SETTINGS_PREFIX + "title", "", type=str))

    def save_settings(self) -> None:
        s = QgsSettings()
        layer = self.townships.currentLayer()
        s.setValue(SETTINGS_PREFIX + "lab_file", self.lab_file.filePath())
        s.setValue(SETTINGS_PREFIX + "townships", layer.id() if layer else "")
        s.setValue(SETTINGS_PREFIX + "township_field", self.township_field.currentField())
        s.setValue(SETTINGS_PREFIX + "selected_only", self.selected_only.isChecked())
        s.setValue(SETTINGS_PREFIX + "compounds", ",".join(self.selected_compounds()))
        s.setValue(SETTINGS_PREFIX + "round", self.round.text().strip())
        s.setValue(SETTINGS_PREFIX + "method", self.method.currentIndex())
        s.setValue(SETTINGS_PREFIX + "break_1", self.break_1.value())
        s.setValue(SETTINGS_PREFIX + "break_2", self.break_2.value())
        s.setValue(SETTINGS_PREFIX + "nd_policy", self.nd_policy.currentIndex())
        s.setValue(SETTINGS_PREFIX + "folder", self.folder.filePath())
        s.setValue(SETTINGS_PREFIX + "title", self.title.text().strip())

    def set_compounds(self, compounds: list[str]) -> None:
        wanted = {c.strip() for c in compounds if c.strip()}
        for index in range(self.compounds.count()):
            state = Qt.CheckState.Checked if self.compounds.itemData(index) in wanted else Qt.CheckState.Unchecked
            self.compounds.setItemCheckState(index, state)

    def selected_compounds(self) -> list[str]:
        return [
            self.compounds.itemData(i) for i in range(self.compounds.count()) if self.compounds.itemCheckState(i) == Qt.CheckState.Checked
        ]

    # ---------------------------------------------------------------- running
    def choices(self) -> SurveyChoices:
        """The choices as the task needs them; a missing or inconsistent choice raises ValueError with the analyst's words."""
        lab = self.lab_file.filePath().strip()
        if not lab:
            raise ValueError(tr("Choose the lab results table."))
        if not os.path.isfile(lab):
            raise ValueError(tr("The lab results table “{path}” does not exist.").format(path=lab))
        layer = self.townships.currentLayer()
        if not isinstance(layer, QgsVectorLayer):
            raise ValueError(tr("Add the township boundaries to the project and choose them under “Townships”."))
        field = self.township_field.currentField()
        if not field:
            raise ValueError(tr("Choose the field that holds the township names."))
        compounds = self.selected_compounds()
        if not compounds:
            raise ValueError(tr("Tick at least one compound."))
        thresholds = None
        if self.method.currentIndex() == FIXED:
            if not self.break_1.value() < self.break_2.value():
                raise ValueError(tr("The upper bound for “general” must be below the one for “fairly severe”."))
            thresholds = (self.break_1.value(), self.break_2.value())
        folder = self.folder.filePath().strip() or default_folder()
        selected_only = self.selected_only.isChecked()
        if selected_only and layer.selectedFeatureCount() == 0:
            raise ValueError(
                tr("“Selected townships only” is ticked, but no township of “{layer}” is selected.").format(layer=layer.name())
            )
        # The task runs in another thread: it gets a copy of the layer as it is in the project (unsaved edits,
        # selection), never the file behind it, which may differ.
        townships = townships_snapshot(layer, selected_only, self.project)
        return SurveyChoices(
            lab_file=lab,
            townships=townships,
            township_field=field,
            compounds=compounds,
            round=self.round.text().strip(),
            method=self.method.currentIndex(),
            thresholds=thresholds,
            nd_policy=self.nd_policy.currentIndex(),
            folder=folder,
            title=self.title.text().strip(),
        )

    def show_error(self, text: str) -> None:
        self.has_error = True
        self.message.setStyleSheet("color: #b30000;")
        self.message.setText(text)

    def show_info(self, text: str) -> None:
        self.has_error = False
        self.message.setStyleSheet("")
        self.message.setText(text)

    # ---------------------------------------------------------------- life cycle
    def done(self, result: int) -> None:
        super().done(result)
        if self.task is None:
            self.released.emit()

    def shutdown(self) -> None:
        """The plugin unloads: stop a running survey and close, without calling back into this dialog."""
        if self.task is not None:
            self.task.on_finished = None
            self.task.cancel()
            self.task = None
        self.hide()

    def start(self) -> SurveyTask | None:
        try:
            choices = self.choices()
        except ValueError as error:
            self.show_error(str(error))
            return None
        self.save_settings()
        self.has_error = False
        self.outcome = None
        self.group = None
        self.progress.setValue(0)
        self.show_info(tr("Running… QGIS stays usable; the results appear when the survey is done."))
        task = SurveyTask(choices)
        task.progressChanged.connect(lambda value: self.progress.setValue(int(value * 0.8)))
        task.on_finished = self._task_finished
        self.task = task
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        QgsApplication.taskManager().addTask(task)
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.show_info(tr("Cancelling…"))

    def _task_finished(self, task: SurveyTask, ok: bool) -> None:
        try:
            self._show_outcome(task, ok)
        finally:
            self.task = None
            if not self.isVisible():  # closed while the survey ran: the results are in; the owner lets it go
                self.released.emit()

    def _show_outcome(self, task: SurveyTask, ok: bool) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.outcome = task.outcome
        if not ok:
            if task.isCanceled() and not task.outcome.error:
                self.show_info(tr("The survey was cancelled; nothing was added to the project."))
            else:
                self.show_error(tr("The survey could not be run: {error}").format(error=task.outcome.error or tr("unknown cause")))
            self.task = None
            return
        feedback = _DialogFeedback(self)
        try:
            for result in task.outcome.results:
                self.show_info(tr("Writing the report for {compound}…").format(compound=result.compound))
                run_report(task.choices, result, feedback)
        except QgsProcessingException as error:
            self.show_error(tr("The layers were made, but the report could not be written: {error}").format(error=str(error).strip()))
        self.group = self.add_results(task.outcome)
        self.progress.setValue(100)
        first = next((r for r in task.outcome.results if r.report_html), None)
        summary = tr("Done: round {round}. The layers are in the group “{round}”.").format(round=task.outcome.round)
        for result in task.outcome.results:
            if result.note:
                summary += " " + result.note
        if first is not None:
            summary += " " + tr("Report: {path}").format(path=first.report_html)
            if self.open_report:
                QDesktopServices.openUrl(QUrl.fromLocalFile(first.report_pdf or first.report_html))
        if not self.has_error:
            self.show_info(summary)

    def add_results(self, outcome) -> QgsLayerTreeGroup:
        """The styled layers in a group named after the round, most important first."""
        root = self.project.layerTreeRoot()
        name = outcome.round or tr("Survey")
        group = root.findGroup(name) or root.insertGroup(0, name)
        # A re-run replaces the group's layers of the same name instead of piling up look-alikes.
        new_names = set()
        for result in outcome.results:
            layers = [
                (
                    result.severity,
                    tr("Severity: {compound} {round}").format(compound=compound_label(result.compound), round=result.round),
                    True,
                ),
                (result.trend, tr("Trend: {compound}").format(compound=compound_label(result.compound)), True),
                (result.unmatched, tr("Samples in no township"), False),
                (result.rejected, tr("Rejected rows"), False),
            ]
            for source, layer_name, always in layers:
                if not source:
                    continue
                layer = QgsVectorLayer(source, layer_name, "ogr")
                if not layer.isValid() or (not always and layer.featureCount() == 0):
                    continue
                if layer_name not in new_names:
                    for node in list(group.findLayers()):
                        if node.name() == layer_name and node.layer() is not None:
                            self.project.removeMapLayer(node.layer().id())
                new_names.add(layer_name)
                self.project.addMapLayer(layer, False)
                group.addLayer(layer)
        return group


class _DialogFeedback(QgsProcessingFeedback):
    """Progress of the main-thread report step, keeping the window painted."""

    def __init__(self, dialog: QuarterlySurveyDialog):
        super().__init__()
        self._dialog = dialog
        self.progressChanged.connect(self._show)

    def _show(self, value: float) -> None:
        self._dialog.progress.setValue(80 + int(value * 0.2))
        QCoreApplication.processEvents()
