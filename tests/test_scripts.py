"""The newcomer's commands, with their steps stubbed: ``scripts/up.sh`` brings up the web chat (the
terminal chat one flag away), ``scripts/test.sh --quick`` leaves out the slow and llm tests, and
``.ci/run`` runs the whole suite through ``scripts/test.sh``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICK = "not slow and not llm"  # the selection of `scripts/test.sh --quick`
RECORD = 'printf "%s\\n" "$(basename "$0") $*" >> "$(dirname "$0")/../../calls.log"\n'


def checkout(tmp_path: Path) -> Path:
    """A copy of the scripts whose every step only records how it was called (in calls.log)."""
    root = tmp_path / "checkout"
    for script in ("scripts/up.sh", "scripts/test.sh", ".ci/run"):
        (root / script).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / script, root / script)
    (root / "scripts" / "setup.sh").write_text('printf "setup\\n" >> calls.log\n')
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("parley", "python", "ruff", "mypy"):
        (bin_dir / tool).write_text("#!/usr/bin/env bash\n" + RECORD)
        (bin_dir / tool).chmod(0o755)
    return root


def run(root: Path, script: str, *args: str) -> list[str]:
    subprocess.run(["bash", script, *args], cwd=root, check=True, timeout=60)
    return (root / "calls.log").read_text().splitlines()


def test_up_brings_up_the_web_chat(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    assert run(root, "scripts/up.sh") == ["setup", "parley ingest", "parley serve"]


def test_up_passes_options_to_the_web_chat_and_terminal_is_one_flag_away(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    assert run(root, "scripts/up.sh", "--port", "8000")[-1] == "parley serve --port 8000"
    (root / "calls.log").unlink()
    assert run(root, "scripts/up.sh", "--terminal", "--trace") == [
        "setup",
        "parley ingest",
        "parley chat --trace",
    ]


@pytest.mark.parametrize(
    ("args", "pytest_args"),
    [
        ((), "python -m pytest"),
        (("-q",), "python -m pytest -q"),
        (("--quick",), f"python -m pytest -m {QUICK}"),
        (("--quick", "tests/tools"), f"python -m pytest -m {QUICK} tests/tools"),
    ],
)
def test_test_sh_runs_the_checks_then_everything_or_the_quick_part(
    tmp_path: Path, args: tuple[str, ...], pytest_args: str
) -> None:
    root = checkout(tmp_path)
    assert run(root, "scripts/test.sh", *args) == ["setup", "ruff check .", "mypy ", pytest_args]


def test_ci_runs_the_whole_suite_through_the_readme_command(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    calls = run(root, ".ci/run")
    assert calls[:3] == ["setup", "ruff check .", "mypy "]
    assert calls[3].startswith("python -m pytest -q")
    assert " -m " not in calls[3].removeprefix("python -m pytest")  # no marker left out
    assert "scripts/test.sh" in (ROOT / "README.md").read_text()  # the README's test command


def test_the_quick_selection_leaves_out_slow_and_llm_tests() -> None:
    """What `--quick` selects, on a few files whose tests are known: the browser, outage,
    full-catalogue, wheel-build and command-lifecycle tests and the real-LLM ones are left out, the
    ranker's stay."""
    files = [
        "tests/bot/ui/test_browser.py",
        "tests/reliability/test_outages.py",
        "tests/retrieval/test_cf.py",
        "tests/bot/llm/test_embedded_real.py",
        "tests/tools/test_ranker.py",
        "tests/test_packaging.py",
        "tests/bot/test_graph_lifecycle.py",
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            QUICK,
            *files,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    selected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    cf = {line.split("::")[1].split("[")[0] for line in done.stdout.splitlines() if "test_cf.py::" in line}
    assert selected == {"tests/retrieval/test_cf.py", "tests/tools/test_ranker.py"}
    assert cf == {
        "test_fingerprint_ignores_row_order",
        "test_missing_model_dir_is_store_unavailable",
        "test_small_training_run_round_trips",
    }
