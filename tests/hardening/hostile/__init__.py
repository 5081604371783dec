"""The hostile corpus: damaged or malicious projects, stores, recipes, event files
and command lines, each with the behaviour SahelGIS must show.

Every area of the product keeps its cases in its own module here
(``projects``, ``network``, ``commands``, ``events``, ``text``), each exposing
``CASES: list[HostileCase]``. ``tests/hardening/test_hostile_corpus.py`` builds
every case from its seed into a temporary folder and runs its check;
``tests/hardening/make_hostile_corpus.py`` writes the same files to
``tests/data/hostile/`` with ``MANIFEST.csv`` so they can be opened by hand (a
test keeps the manifest in step with the cases).
"""

from __future__ import annotations

import importlib
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["project", "store", "recipe", "events", "command", "tiles"]

#: Modules holding cases; a module not written yet is skipped.
AREAS = ("projects", "network", "commands", "events", "text")


@dataclass(frozen=True)
class HostileCase:
    """One hostile input and the behaviour it must get.

    name
        Unique, file-name safe, prefixed by its area (``project_opacity_nan``).
    kind
        What it is: a project, an event store, a recipe, an event file, a
        command line, a tile source.
    expect
        One line: what SahelGIS must do with it ("opens; opacity reset to 1.0 with
        a message naming 'layers[0].opacity'").
    build
        ``build(folder, rng) -> path``: writes the case inside ``folder`` (an
        empty folder of its own) with ``rng`` (seeded from the name) and returns
        the path handed to ``check`` (a file or a folder).
    check
        ``check(path, scratch)``: runs the case through the product (reader,
        command line, window) and asserts the behaviour; ``scratch`` is an
        empty folder for outputs.
    """

    name: str
    kind: Kind
    expect: str
    build: Callable[[Path, random.Random], Path]
    check: Callable[[Path, Path], None]


def seed_of(name: str) -> random.Random:
    """The case's own generator: the same bytes on every machine."""
    return random.Random(zlib.crc32(name.encode("utf-8")))


def all_cases() -> list[HostileCase]:
    """Every case of every area module that exists, in area order."""
    cases: list[HostileCase] = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"{__name__}.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{area}":
                raise
            continue
        cases.extend(module.CASES)
    names = [c.name for c in cases]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"hostile case names used twice: {duplicated}")
    return cases
