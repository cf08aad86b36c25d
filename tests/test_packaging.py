"""Building Parley's wheel prints no warning from our own ``pyproject.toml`` (a newcomer reads every
warning of setup as a bug) and ships what the code reads at run time (prompts, eval scripts, LICENSE)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE")
PACKAGES = ("bot", "tools", "retrieval", "prompts", "eval", "cli")
pytestmark = pytest.mark.slow  # a full wheel build


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="needs setuptools in the venv")
def test_the_wheel_builds_without_warnings_and_ships_its_data(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: the build writes build/ and *.egg-info next to pyproject.toml
    source.mkdir()
    for name in SOURCES:
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(source),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    warnings = [line.strip() for line in output.splitlines() if "warn" in line.lower()]
    assert warnings == []
    (wheel,) = tmp_path.glob("parley-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"eval/scripts/preferences.yaml", "prompts/template_reply.j2"} <= set(names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert "cli/main.py" in names
