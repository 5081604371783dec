"""Write README's analysis reference from the analysis registry.

    python scripts/update_readme_cli.py          rewrite the section in place
    python scripts/update_readme_cli.py --check  exit 1 when README is stale

The section lies between ``<!-- analyses:begin -->`` and
``<!-- analyses:end -->``; tests/test_readme_cli.py checks it is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sahelgis.cli.analyses import reference_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- analyses:begin -->", "<!-- analyses:end -->"


def updated(text: str) -> str:
    """README text with the section replaced by the registry's reference."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{reference_markdown()}{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"README.md has no {BEGIN} … {END} section", file=sys.stderr)  # noqa: T201
        return 1
    new = updated(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
