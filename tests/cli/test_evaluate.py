"""``parley eval ...`` and ``parley-eval``: the shell runs the harness as a normal import, loads it only
when asked, and turns its errors into one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli import evaluate
from cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_parley_does_not_load_eval_until_asked() -> None:
    code = "import sys, cli.main; print(any(m == 'eval' or m.startswith('eval.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_parley_eval_help_runs_the_harness(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--help"]) == 0
    assert "usage: parley eval" in capsys.readouterr().out
    assert main(["eval", "simulate", "--sample", "x"]) == 2
    assert evaluate.main(["--help"]) == 0
    assert "usage: parley-eval" in capsys.readouterr().out


class _NoRecommender:
    def close(self) -> None:
        return None


def test_a_harness_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import eval.cli

    monkeypatch.setattr(eval.cli, "build_recommender", lambda *args: _NoRecommender())
    missing = tmp_path / "no-such-suite.yaml"
    argv = ["scripted", str(missing), "--out", str(tmp_path / "out")]
    assert evaluate.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("parley-eval: ") and str(missing) in err[0]
    assert main(["eval", *argv]) == 2
    assert capsys.readouterr().err.startswith("parley eval: ")
    with pytest.raises(FileNotFoundError):
        evaluate.main([*argv, "--debug"])
    with pytest.raises(FileNotFoundError):
        main(["--debug", "eval", *argv])
