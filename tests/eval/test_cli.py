"""The harness's command line parser and goal files (the shell's ``parley-eval`` / ``parley eval``
entry points are tested in ``tests/cli/test_evaluate.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import evaluate
from eval.cli import build_parser, read_goals


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


def test_tune_options() -> None:
    args = build_parser().parse_args(
        ["tune", "--corpus", "redial", "inspired", "--tune-every", "2", "--tune-fields", "kg", "rrf_k"]
    )
    assert (args.command, args.corpus, args.tune_every, args.tune_fields) == (
        "tune",
        ["redial", "inspired"],
        2,
        ["kg", "rrf_k"],
    )
    assert (args.tune_rounds, args.candidates, args.data) == (1, None, "data/dev")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["tune", "--tune-fields", "no_such_weight"])


def test_movielens_options() -> None:
    args = build_parser().parse_args(["movielens"])
    assert (args.command, args.holdout, args.seed, args.users, args.given) == ("movielens", 0.1, 0, 200, 5)
    args = build_parser().parse_args(["movielens", "--holdout", "0.2", "--seed", "3", "--users", "9"])
    assert (args.holdout, args.seed, args.users) == (0.2, 3, 9)
    for wrong in (["--holdout", "1.5"], ["--given", "0"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["movielens", *wrong])


def test_missing_dialogues_are_one_line_before_any_store_opens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import eval.cli

    def no_stores(*args: object) -> None:
        raise AssertionError("the stores were opened")

    monkeypatch.setattr(eval.cli, "build_recommender", no_stores)
    missing = tmp_path / "some" / "test.tsv"
    for argv in (["inspired", "--data", str(missing)], ["tune", "--data", str(tmp_path)]):
        assert evaluate.main([*argv, "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "dialogues not found" in err[0] and "fix:" in err[0]
        assert "Traceback" not in err[0]
