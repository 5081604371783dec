"""Guard against Qt bindings that corrupt Python's reference counts.

PySide6 6.12.0 drops one reference to None on every call of a method returning
void (QPainter.setPen, save, restore ...). On Python 3.11, where None is not
immortal, a running map then aborts with "Fatal Python error: none_dealloc"
after enough paint calls. pyproject.toml excludes that release.
"""

import sys

import pytest
from PySide6.QtGui import QColor, QImage, QPainter, QPen


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on 3.12+")
def test_void_qt_calls_keep_none_refcount():
    image = QImage(20, 20, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    before = sys.getrefcount(None)
    for _ in range(500):
        painter.setPen(pen)
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    assert abs(after - before) < 50
