r"""Text from data and projects in exported figures and slides (no Qt).

matplotlib reads ``$...$`` as mathtext (a hostile ``$\sqrt{...}$`` nest is
slow or raises) unless ``text.parse_math`` is off, which ``render.RC`` does
for every figure. What matplotlib's font code, SVG and PPTX (XML) cannot hold
at all is replaced here: lone UTF-16 surrogates (``"\ud800"`` from a JSON
project) and control characters other than tab and newline.
"""

from __future__ import annotations

import re

#: Characters no font, SVG or PPTX file can hold: C0 controls but tab and
#: newline, DEL, C1 controls and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def figure_text(value: object) -> str:
    """``value`` as text that a figure or slide shows literally.

    Parameters
    ----------
    value
        Any value (a title, a label, a legend entry); ``None`` gives ``""``.

    Returns
    -------
    str
        The text with unprintable characters (controls but tab and newline,
        lone surrogates) replaced by U+FFFD; carriage returns become newlines.
    """
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub(REPLACEMENT, text)


__all__ = ["REPLACEMENT", "figure_text"]
