"""Write the settings table of ``docs/settings.md`` from ``bot.settings.Settings`` (the one source).

Usage: ``.venv/bin/python scripts/settings_doc.py [--check]``; ``--check`` exits 1 when the page is
out of date (``tests/test_docs.py`` runs the same comparison).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from bot.settings import PROJECT_ROOT, Settings

PAGE = PROJECT_ROOT / "docs" / "settings.md"
BEGIN, END = "<!-- settings table: begin -->", "<!-- settings table: end -->"


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, Path):
        try:
            return f"`{value.relative_to(PROJECT_ROOT)}/`"
        except ValueError:
            return f"`{value}`"
    if hasattr(value, "get_secret_value"):
        return "(secret)"
    if hasattr(value, "model_dump"):
        return "see below"
    return f"`{value}`"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `PARLEY_{name.upper()}` | {_default(field)} | {meaning} |")
    return "\n".join(rows)


def render(page: str) -> str:
    head, _, rest = page.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when out of date")
    args = parser.parse_args(argv)
    page = PAGE.read_text(encoding="utf-8")
    wanted = render(page)
    if args.check:
        return 0 if wanted == page else 1
    PAGE.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
