"""File > Update from ACLED…: the account, countries and dates of an API update.

The dialog only gathers the request; the update runs on the worker pool
(``ImportsMixin.update_from_acled``). The e-mail is remembered in QSettings;
the password never is: it is typed, or read from the system keyring in the
worker (and stored there when "Remember" is ticked and the sign-in worked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sahelgis.io.acled_update import UpdatePlan
from sahelgis.ui import settings as app_settings
from sahelgis.ui.plain_text import plain_label

#: QSettings key of the ACLED account e-mail (never the password).
EMAIL_KEY = "acled/email"


@dataclass(frozen=True)
class AcledRequest:
    """What the dialog asks for (the password only in memory, maybe empty)."""

    email: str
    password: str
    remember: bool
    countries: list[str]
    start: str
    end: str

    def __repr__(self) -> str:  # never show the password in logs or tracebacks
        return (
            f"AcledRequest(email={self.email!r}, countries={self.countries!r}, "
            f"start={self.start!r}, end={self.end!r})"
        )


def remembered_email() -> str:
    """The ACLED e-mail used last, or ``""``."""
    return str(app_settings.settings().value(EMAIL_KEY, "") or "")


def remember_email(email: str) -> None:
    """Keep the e-mail for the next update."""
    app_settings.settings().setValue(EMAIL_KEY, email)


def _qdate(day: str) -> QDate:
    date = dt.date.fromisoformat(day)
    return QDate(date.year, date.month, date.day)


class AcledUpdateDialog(QDialog):
    """Account, password, countries and dates, prefilled from the project."""

    def __init__(self, plan: UpdatePlan | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Update from ACLED")
        form = QFormLayout()
        self.email = QLineEdit(remembered_email())
        self.email.setPlaceholderText("the e-mail of your ACLED account")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("empty: use the one in the system keyring")
        self.remember = QCheckBox("Remember the password in the system keyring")
        self.countries = QLineEdit(", ".join(plan.query.countries) if plan else "")
        self.countries.setPlaceholderText("e.g. Mali, Burkina Faso, Niger")
        today = dt.datetime.now(dt.UTC).date().isoformat()
        self.start = QDateEdit(_qdate(plan.query.start or today) if plan else QDate())
        self.end = QDateEdit(_qdate(plan.query.end or today) if plan else QDate())
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        if plan is None:
            self.start.setDate(QDate(dt.date.today().year - 1, 1, 1))
            self.end.setDate(QDate.currentDate())
        form.addRow("E-mail", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        form.addRow("Countries", self.countries)
        form.addRow("Events from", self.start)
        form.addRow("to", self.end)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if plan is not None:
            layout.addWidget(plain_label(f"Asks for: {plan.describe()}", self))
        layout.addWidget(
            plain_label(
                "The password is never saved in the project or the settings.", self
            )
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Update")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def request(self) -> AcledRequest:
        """The request as filled in (the e-mail is remembered)."""
        email = self.email.text().strip()
        remember_email(email)
        return AcledRequest(
            email=email,
            password=self.password.text(),
            remember=self.remember.isChecked(),
            countries=[
                c.strip() for c in self.countries.text().split(",") if c.strip()
            ],
            start=self.start.date().toString("yyyy-MM-dd"),
            end=self.end.date().toString("yyyy-MM-dd"),
        )
