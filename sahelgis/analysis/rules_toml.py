"""The support-zone rules as a TOML file: write, save and load.

:func:`dump_rules` renders a :class:`~sahelgis.analysis.zones.ZoneRules` as a
commented TOML document with flat keys, :func:`save_rules` writes it and
:func:`load_rules` reads one back (missing keys keep the defaults of
:class:`ZoneRules`; a bad file raises :class:`~sahelgis.errors.InputError`).
"""

from __future__ import annotations

from pathlib import Path

from sahelgis.analysis.zones import ZoneRules
from sahelgis.errors import InputError
from sahelgis.io.rules_file import read_toml, toml_value


def dump_rules(rules: ZoneRules) -> str:
    """The rules as a TOML document (flat keys; comments say what each does)."""
    notes = {
        "name": "Name of this rule set",
        "actors": "Actor name substrings (case-insensitive); empty = any actor",
        "event_types": "ACLED event types that count as indicators",
        "sub_event_types": "ACLED sub-event types that count as indicators",
        "notes_keywords": "Lowercase substrings searched in the notes (EN and FR)",
        "eps_km": "DBSCAN radius, km",
        "min_events": "Indicator events within eps_km that make a core point",
        "margin_km": "Buffer around each cluster's convex hull, km",
    }
    lines = [
        "# SahelGIS support-zone rules (see sahelgis/analysis/zones.py).",
        "# An event is an indicator when an actor matches AND its event type,",
        "# sub-event type or notes match.",
        "",
    ]
    for key, value in rules.to_dict().items():
        lines.append(f"# {notes[key]}")
        lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_rules(rules: ZoneRules, path: str | Path) -> Path:
    """Write the rules to a TOML file; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_rules(rules), encoding="utf-8")
    return path


def load_rules(path: str | Path) -> ZoneRules:
    """Read rules from a TOML file.

    Missing keys keep the defaults of :class:`ZoneRules` (not of
    :data:`DEFAULT_RULES`).

    Raises
    ------
    InputError
        When the file is missing, not TOML, or has unknown or wrongly typed keys.
    """
    path = Path(path)
    data = read_toml(path, "rules")
    try:
        return ZoneRules.from_dict(data)
    except (ValueError, TypeError) as exc:
        raise InputError(path, str(exc)) from None
