"""Fixtures of the hardening tests: the GUI ones are shared with tests/ui."""

from __future__ import annotations

import pytest

from tests.ui.conftest import demo_like_project, make_main_window  # noqa: F401


@pytest.fixture
def gui_settings(tmp_path, qapp, monkeypatch):
    """As tests/ui's autouse fixture: never touch real QSettings or recovery files."""
    from PySide6.QtCore import QSettings

    monkeypatch.setattr(
        "sahelgis.ui.autosave.recovery_base", lambda: tmp_path / "appdata"
    )
    qapp.setOrganizationName("SahelGIS-tests")
    qapp.setApplicationName("SahelGIS-tests")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
