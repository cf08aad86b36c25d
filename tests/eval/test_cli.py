"""The harness's command line: ``parley-eval`` and ``parley eval`` (bot runs it by module name and
never imports eval)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from eval.cli import build_parser, read_goals

ROOT = Path(__file__).resolve().parents[2]


def test_bot_cli_does_not_import_eval() -> None:
    code = "import sys, bot.cli; print(any(m == 'eval' or m.startswith('eval.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_parley_eval_help_runs_the_harness(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eval", "--help"]) == 0
    assert "usage: parley eval" in capsys.readouterr().out
    assert cli.main(["eval", "simulate", "--sample", "x"]) == 2


def test_parser_and_goals(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["simulate", "--sample", "3", "--max-turns", "4", "--llm", "none", "--seed", "7"]
    )
    assert (args.sample, args.max_turns, args.llm, args.seed) == (3, 4, "none", 7)
    args = build_parser().parse_args(["redial", "--data", "data/dev", "--limit", "5"])
    assert (args.command, args.limit) == ("redial", 5)
    path = tmp_path / "goals.yaml"
    path.write_text("goals:\n  - {goal_id: heat, targets: [6]}\n  - [1, 2]\n  - 3\n", encoding="utf-8")
    assert [(g.goal_id, g.targets) for g in read_goals(path)] == [
        ("heat", [6]),
        ("goal-1", [1, 2]),
        ("goal-2", [3]),
    ]
