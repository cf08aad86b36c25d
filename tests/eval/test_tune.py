"""``parley-eval tune``: coordinate search over the fusion weights on the replay's own cases, with
recorded source lists and counted source failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import StoreUnavailableError
from bot.evaluation import Evaluation, RankerWeights
from bot.recommender import Recommender
from eval.tune import coordinate_search, read_recorded, tune

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"


def test_coordinate_search_keeps_only_improvements() -> None:
    def score(w: RankerWeights) -> tuple[float, float, float]:
        value = -((w.kg - 1.5) ** 2) - (w.rrf_k - 40.0) ** 2 / 100
        return value, value, value

    logged: list[str] = []
    grid = {"kg": [0.0, 1.5, 3.0], "rrf_k": [5.0, 40.0]}
    best, start, found, trials = coordinate_search(score, RankerWeights(), grid, 1, logged.append)
    assert (best.kg, best.rrf_k) == (1.5, 40.0)
    assert found[0] == 0.0 and start[0] < found[0]
    assert trials == 1 + 5
    assert logged[0].startswith("start") and logged[-1].startswith("best")


def test_tune_a_tiny_run_records_and_reuses_the_source_lists(
    make_recommender: Callable[..., Recommender], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = make_recommender(None)
    candidates = tmp_path / "candidates.json.gz"
    result = tune(rec, ["redial"], DATA, limit=4, fields=["kg", "chat"], candidates=candidates)
    assert result["n_cases"] > 0 and result["n_tuning_cases"] == result["n_cases"]
    assert result["trials"] == 1 + 7 + 6
    assert result["best_score"] >= result["start_score"]
    assert set(result["changed"]) <= {"kg", "chat"}
    assert set(result["by_ranker"]) == set(Evaluation.RANKERS)
    assert result["source_failures"] == {}
    assert "cf_svd" in result["source_latency_ms"]  # switched off by default, gathered for tuning
    assert result["corpora"]["redial"]["title_linking"]["method"] == "crosswalk"
    recorded = read_recorded(candidates)
    assert len(recorded) == result["n_cases"]

    # a second run reads every case's lists from the file: no source is asked again
    def no_gathering(*args: object, **kwargs: object) -> None:
        raise AssertionError("gathered again")

    monkeypatch.setattr(Evaluation, "gather", no_gathering)
    again = tune(rec, ["redial"], DATA, limit=4, fields=["kg", "chat"], candidates=candidates)
    assert again["weights"] == result["weights"] and again["best_score"] == result["best_score"]


def test_tune_counts_the_cases_a_source_failed_on(
    make_recommender: Callable[..., Recommender], monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = make_recommender(None)
    source = next(s for s in rec.toolbox.ranker.sources if s.name == "kg")

    def down(*args: object, **kwargs: object) -> list[object]:
        raise StoreUnavailableError("graph", "connection refused")

    monkeypatch.setattr(source, "candidates", down)
    logged: list[str] = []
    result = tune(rec, ["redial"], DATA, limit=2, fields=["rrf_k"], log=logged.append)
    assert result["source_failures"] == {"kg": result["n_cases"]}
    assert any("source failures" in line for line in logged)


def test_the_tune_command_writes_the_weights_and_a_report(
    make_recommender: Callable[..., Recommender], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eval.cli

    rec = make_recommender(None)
    monkeypatch.setattr(eval.cli, "build_recommender", lambda *args: rec)
    out = tmp_path / "out"
    argv = ["tune", "--data", str(DATA), "--limit", "2", "--tune-fields", "rrf_k", "--out", str(out)]
    assert eval.cli.main(argv) == 0
    weights = RankerWeights.model_validate_json((out / "weights.json").read_text(encoding="utf-8"))
    assert weights.model_dump() == json.loads((out / "result.json").read_text(encoding="utf-8"))["weights"]
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "Coordinate search" in text and "| Parley fused |" in text and "link rate" in text
