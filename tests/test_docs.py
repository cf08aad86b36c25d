"""The reference pages stay true to the code: the settings table is the Settings fields."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_settings_page_lists_every_setting_as_generated() -> None:
    page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`PARLEY_{name.upper()}`" in page
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_doc.py"), "--check"], cwd=ROOT, check=False
    )
    assert check.returncode == 0, "docs/settings.md is out of date: run python scripts/settings_doc.py"


def test_the_readme_links_only_pages_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = [part.split(")")[0] for part in readme.split("](")[1:]]
    assert links, "the README links its reference pages"
    missing = [link for link in links if not link.startswith("http") and not (ROOT / link).exists()]
    assert missing == []
