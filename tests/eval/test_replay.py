"""A fixed small corpus replay (the first 100 ReDial dev dialogues) over the small catalogue,
through the evaluation interface: the result's keys and value ranges, floors under its figures (a
regression of the ranker or of the case reading fails here), the report and plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.evaluation import Evaluation
from bot.recommender import Recommender
from eval import report
from eval.replay import replay

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"
METRICS = {"recall@1", "recall@10", "recall@50", "ndcg@10", "n_targets"}
COMMON = {"reason_traceability", "latency_ms"}
# The fixed replay reached (2026-12, small catalogue, template writer): fused R@10 / R@50 / NDCG@10
# 0.0325 / 0.0551 / 0.0215 full, 0.038 / 0.0627 dedup; the best baseline R@10 0.017 (kg);
# 333 cases, catalogue coverage 0.201, traceability 1.0. Floors: those figures minus about 20%.
FLOORS_FULL = {"recall@10": 0.025, "recall@50": 0.045, "ndcg@10": 0.016}
FLOORS_DEDUP = {"recall@10": 0.03, "recall@50": 0.05}


def _check_block(block: dict[str, Any]) -> None:
    assert set(block) >= METRICS
    assert block["n_targets"] > 0
    for key in METRICS - {"n_targets"}:
        assert 0.0 <= block[key] <= 1.0
    assert block["recall@1"] <= block["recall@10"] <= block["recall@50"]


@pytest.mark.slow  # about a minute on two idle cores (333 cases, five rankers)
@pytest.mark.timeout(1800)
def test_redial_replay_keys_ranges_and_floors(
    make_recommender: Callable[..., Recommender], tmp_path: Path
) -> None:
    result = replay(make_recommender(None), "redial", DATA, limit=100)
    assert set(result) >= METRICS | COMMON | {"dedup", "by_ranker", "catalogue_coverage", "title_linking"}
    # a replay ranks without replying: no out-of-catalogue or repeat rate (zero by construction),
    # and one latency (the fused ranking), not one copy per ranker
    assert not set(result) & {"out_of_catalogue_rate", "repeat_rate", "latency_ms_by_ranker"}
    _check_block(result)
    _check_block(result["dedup"])
    assert result["dedup"]["n_targets"] <= result["n_targets"]
    assert set(result["by_ranker"]) == set(Evaluation.RANKERS)
    assert set(result["beyond_accuracy"]) == set(Evaluation.RANKERS)
    for row in result["beyond_accuracy"].values():
        assert 0.0 <= row["popularity_percentile"] <= 100.0 and 0.0 <= row["long_tail_share"] <= 1.0
        assert 0.0 < row["catalogue_coverage"] <= 1.0 and 0.0 <= row["chat_top50_share"] <= 1.0
        assert 0 < row["taste_known"]["n_cases"] <= row["n_cases"]
    for block in result["by_ranker"].values():
        _check_block(block)
        _check_block(block["dedup"])
    assert {k: v for k, v in result["by_ranker"]["fused"].items() if k != "dedup"} == {
        k: result[k] for k in METRICS
    }
    assert 0.0 < result["catalogue_coverage"] < 1.0  # the small catalogue misses many ReDial movies
    assert result["targets_outside_catalogue"] > 0
    assert result["title_linking"]["method"] == "crosswalk"
    assert 0.0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"]
    assert set(result["source_latency_ms"]) >= {"kg", "cf_knn", "vector", "chat"}
    assert result["source_failures"] == {}
    assert result["n_dialogues"] <= 100

    # floors: today's figures minus a margin
    assert result["n_cases"] == 333 and result["catalogue_coverage"] >= 0.19
    for key, floor in FLOORS_FULL.items():
        assert result[key] >= floor, (key, result[key])
    for key, floor in FLOORS_DEDUP.items():
        assert result["dedup"][key] >= floor, ("dedup", key, result["dedup"][key])
    baselines = [b["recall@10"] for name, b in result["by_ranker"].items() if name != "fused"]
    assert result["recall@10"] >= max(baselines), "fusion no better than its best single source"
    assert result["reason_traceability"] >= 0.95
    assert result["reason_filler"] == 0 and result["reason_bot_mentions"] == 0  # reasons worth reading

    report.write_json(tmp_path, result)
    report.plot_recall_by_ranker(tmp_path, result)
    report.plot_latency(tmp_path, [1.0, 2.0])
    text = report.replay_markdown(result, {"llm": "none"})
    assert "UniCRS" in text and "published" in text.lower()
    assert "link rate" in text and "| kg |" in text
    assert {p.name for p in tmp_path.iterdir()} >= {"result.json", "recall_by_ranker.png", "latency.png"}
