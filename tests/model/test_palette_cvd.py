"""Event-type colours stay distinguishable under common colour-vision
deficiencies: every pair is simulated (colorspacious, Machado et al. 2009,
severity 100) for deuteranopia and protanopia and compared in CAM02-UCS."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from sahelgis.model.acled_schema import EVENT_TYPE_COLORS

#: Smallest CAM02-UCS difference allowed between two event types (about 2x a
#: "clearly different" step for small map symbols).
MIN_DELTA_E = 20.0
VISIONS = ("normal", "deuteranomaly", "protanomaly")
OLD_OKABE_ITO = {
    "Battles": "#D55E00",
    "Explosions/Remote violence": "#8B1A89",
    "Violence against civilians": "#E69F00",
    "Protests": "#0072B2",
    "Riots": "#56B4E9",
    "Strategic developments": "#009E73",
}


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255


def _seen(hex_colour: str, vision: str) -> np.ndarray:
    rgb = _rgb(hex_colour)
    if vision == "normal":
        return rgb
    cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(cspace_convert(rgb, cvd, "sRGB1"), 0, 1)


def smallest_difference(palette: dict[str, str]) -> tuple[float, str, str, str]:
    worst = (np.inf, "", "", "")
    for vision in VISIONS:
        for (a, ca), (b, cb) in itertools.combinations(palette.items(), 2):
            d = float(
                deltaE(
                    _seen(ca, vision),
                    _seen(cb, vision),
                    input_space="sRGB1",
                    uniform_space="CAM02-UCS",
                )
            )
            worst = min(worst, (d, vision, a, b))
    return worst


def test_every_pair_of_event_types_differs_for_three_kinds_of_vision():
    d, vision, a, b = smallest_difference(EVENT_TYPE_COLORS)
    assert d >= MIN_DELTA_E, f"{a} vs {b} under {vision}: {d:.1f}"


def test_the_check_catches_the_old_palette():
    d = smallest_difference(OLD_OKABE_ITO)[0]
    assert d < MIN_DELTA_E
    assert d == pytest.approx(9.24, abs=0.05)
