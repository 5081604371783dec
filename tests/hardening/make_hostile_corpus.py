"""Write the hostile corpus ``tests/data/hostile/`` and its ``MANIFEST.csv``.

Run from the repository root (the venv active)::

    python tests/hardening/make_hostile_corpus.py

Each case of ``tests/hardening/hostile/`` is built from its own seed into
``tests/data/hostile/<name>/``; the folder belongs to this script (it is
rewritten whole). ``MANIFEST.csv`` columns: ``name``, ``kind``, ``path`` (inside
the case folder) and ``expect`` (the behaviour the case must get, checked by
``tests/hardening/test_hostile_corpus.py``).
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "hostile"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.hardening.hostile import all_cases, seed_of

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    rows = []
    for case in all_cases():
        folder = OUT / case.name
        folder.mkdir()
        path = case.build(folder, seed_of(case.name))
        for lock in folder.rglob("*.lock"):  # left by the saves that built it
            lock.unlink()
        rel = path.relative_to(folder).as_posix() if path != folder else "."
        rows.append(
            {"name": case.name, "kind": case.kind, "path": rel, "expect": case.expect}
        )
    with (OUT / "MANIFEST.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["name", "kind", "path", "expect"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    sys.stdout.write(f"wrote {len(rows)} cases to {OUT}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
