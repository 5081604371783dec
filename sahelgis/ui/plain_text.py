"""Text from data and projects on screen: always plain, never Qt rich text.

Qt guesses: a ``QLabel``, a ``QMessageBox``, a progress dialog's label and every
tooltip render their text as HTML when it looks like HTML
(``Qt.mightBeRichText``: a known tag or ``&lt;`` early in the first line). An
event_type, a note or a layer name such as ``<img src="/dev/zero">`` then made
Qt read ``/dev/zero`` until it ran out of memory, and ``<a href>`` showed a
live link. Every widget that shows a string we did not write ourselves goes
through this module:

- ``plain_label`` / ``set_plain``: labels whose text format is fixed to plain;
- ``tooltip``: a tooltip (or ``ToolTipRole`` value) that shows its text
  literally;
- ``markup``: rich text we build ourselves (bold parts, colour swatches) with
  every data part escaped;
- ``MessageBox``: a ``QMessageBox`` whose text and informative text are plain,
  with the same static ``warning``/``information``/``question``/``critical``;
- ``plain_progress_label``: the label a ``QProgressDialog`` shows;
- ``menu_text``: an action or button text in which ``&`` is not a mnemonic;
- ``window_title``: a window title in which ``[*]`` is not the unsaved mark.

Item-view display text (``QTreeWidgetItem``, ``QTableWidgetItem``, models'
``DisplayRole``), ``QLineEdit``, ``QPlainTextEdit``, combo box items, window
titles and status bar messages are plain in Qt already; pyqtgraph's
``TextItem(text=...)`` is plain too, while ``setTitle``, ``setLabel``,
``LabelItem`` and ``TextItem(html=...)`` take HTML and must get ``escape(text)``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

PLAIN = Qt.TextFormat.PlainText
#: Object name Qt gives the informative text's label inside a QMessageBox.
INFORMATIVE_LABEL = "qt_msgbox_informativelabel"


def escape(text: object) -> str:
    """``text`` as HTML that shows it literally (``<``, ``>``, ``&``, quotes
    escaped; line breaks become ``<br>``).

    Parameters
    ----------
    text
        Any value; ``None`` gives ``""``.

    Returns
    -------
    str
        HTML to put inside markup we build ourselves.
    """
    if text is None:
        return ""
    return html.escape(str(text), quote=True).replace("\n", "<br>")


def markup(template: str, *parts: object, **named: object) -> str:
    """Rich text we build ourselves: ``template`` is ours, every part is data.

    ``template`` uses ``str.format`` fields; each positional and named part is
    escaped before it is put in, so only the template's own tags are read as
    HTML: ``markup("<b>{}</b>: {}", name, summary)``.

    Returns
    -------
    str
        Rich text; show it in a widget whose text format is ``Qt.RichText``.
    """
    return template.format(
        *(escape(p) for p in parts), **{k: escape(v) for k, v in named.items()}
    )


def tooltip(text: object) -> str:
    """A tooltip (or ``ToolTipRole`` value) that shows ``text`` literally.

    Qt shows a tooltip as rich text when it looks like HTML and offers no
    plain-text switch, so the text is escaped and wrapped as rich text of our
    own (long lines then wrap, as rich tooltips do). Empty text gives ``""``:
    no tooltip.
    """
    if text is None or str(text) == "":
        return ""
    return "<p>" + escape(text) + "</p>"


def set_plain(label: QLabel, text: object) -> None:
    """Show ``text`` literally in ``label`` (fixes its format to plain first)."""
    if label.textFormat() != PLAIN:
        label.setTextFormat(PLAIN)
    label.setOpenExternalLinks(False)
    label.setText("" if text is None else str(text))


def plain_label(text: object = "", parent: QWidget | None = None) -> QLabel:
    """A ``QLabel`` that shows its text literally, now and after ``setText``.

    The format is set before the text: ``QLabel(text)`` would parse the text
    as HTML first if it looked like HTML.
    """
    label = QLabel(parent)
    set_plain(label, text)
    return label


def plain_progress_label() -> QLabel:
    """A label for ``QProgressDialog.setLabel``: its text (file names) is plain."""
    label = plain_label()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def window_title(text: object) -> str:
    """``text`` for ``setWindowTitle``: a ``[*]`` in it is shown, not taken for
    the unsaved-changes placeholder (Qt shows ``[*][*]`` as ``[*]``)."""
    return str(text).replace("[*]", "[*][*]")


def menu_text(text: object) -> str:
    """``text`` for a menu item or button: ``&`` shown, not read as a mnemonic."""
    return str(text).replace("&", "&&")


def _plain_labels(box: QMessageBox) -> None:
    """Make every text label of a message box plain, links dead."""
    for label in box.findChildren(QLabel):
        if label.textFormat() != PLAIN:
            label.setTextFormat(PLAIN)
        label.setOpenExternalLinks(False)


class MessageBox(QMessageBox):
    """A ``QMessageBox`` whose text and informative text are always plain.

    Same constructor and static helpers as ``QMessageBox`` (``warning``,
    ``information``, ``question``, ``critical``); modules import it as
    ``QMessageBox`` so that tests patching ``module.QMessageBox.warning`` keep
    working. ``about`` keeps Qt's rich text: pass it ``markup(...)``.
    """

    def __init__(
        self,
        icon: QMessageBox.Icon = QMessageBox.Icon.NoIcon,
        title: str = "",
        text: str = "",
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
        parent: QWidget | None = None,
        flags: Qt.WindowType = Qt.WindowType.Dialog
        | Qt.WindowType.MSWindowsFixedSizeDialogHint,
    ) -> None:
        # the text is set only once the format is plain: QMessageBox(text) would
        # lay it out as HTML first
        super().__init__(icon, title, "", buttons, parent, flags)
        self.setTextFormat(PLAIN)
        _plain_labels(self)
        self.setText(str(text))

    def setInformativeText(self, text: str) -> None:  # Qt override
        if self.findChild(QLabel, INFORMATIVE_LABEL) is None:
            super().setInformativeText(" ")  # creates the label, as AutoText
        _plain_labels(self)
        super().setInformativeText(str(text))

    @classmethod
    def _show(
        cls,
        icon: QMessageBox.Icon,
        parent: QWidget | None,
        title: str,
        text: object,
        buttons: QMessageBox.StandardButton,
        default: QMessageBox.StandardButton,
    ) -> QMessageBox.StandardButton:
        box = cls(icon, title, str(text), buttons, parent)
        if default != QMessageBox.StandardButton.NoButton:
            box.setDefaultButton(default)
        result = box.exec()
        box.deleteLater()
        return QMessageBox.StandardButton(result)

    @staticmethod
    def warning(
        parent: QWidget | None,
        title: str,
        text: object,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
    ) -> QMessageBox.StandardButton:
        """Show a plain-text warning; the button pressed."""
        return MessageBox._show(
            QMessageBox.Icon.Warning, parent, title, text, buttons, default
        )

    @staticmethod
    def information(
        parent: QWidget | None,
        title: str,
        text: object,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
    ) -> QMessageBox.StandardButton:
        """Show a plain-text message; the button pressed."""
        return MessageBox._show(
            QMessageBox.Icon.Information, parent, title, text, buttons, default
        )

    @staticmethod
    def critical(
        parent: QWidget | None,
        title: str,
        text: object,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
    ) -> QMessageBox.StandardButton:
        """Show a plain-text error; the button pressed."""
        return MessageBox._show(
            QMessageBox.Icon.Critical, parent, title, text, buttons, default
        )

    @staticmethod
    def question(
        parent: QWidget | None,
        title: str,
        text: object,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.NoButton,
    ) -> QMessageBox.StandardButton:
        """Ask a plain-text question; the button pressed."""
        return MessageBox._show(
            QMessageBox.Icon.Question, parent, title, text, buttons, default
        )


__all__ = [
    "MessageBox",
    "escape",
    "markup",
    "menu_text",
    "plain_label",
    "plain_progress_label",
    "set_plain",
    "tooltip",
    "window_title",
]
