"""A small corpus replay (the first 30 ReDial dev dialogues) over the small catalogue, through the
public API: the result's keys and value ranges; the report and plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.agent import Recommender
from eval import report
from eval.replay import replay

DATA = Path(__file__).resolve().parents[2] / "data" / "dev"
METRICS = {"recall@1", "recall@10", "recall@50", "ndcg@10", "n_targets"}
COMMON = {"out_of_catalogue_rate", "repeat_rate", "reason_traceability", "latency_ms"}


def _check_block(block: dict[str, Any]) -> None:
    assert set(block) >= METRICS
    assert block["n_targets"] > 0
    for key in METRICS - {"n_targets"}:
        assert 0.0 <= block[key] <= 1.0
    assert block["recall@1"] <= block["recall@10"] <= block["recall@50"]


def test_redial_replay_keys_and_ranges(make_recommender: Callable[..., Recommender], tmp_path: Path) -> None:
    result = replay(make_recommender(None), "redial", DATA, limit=30)
    assert set(result) >= METRICS | COMMON | {"dedup", "by_ranker", "catalogue_coverage"}
    _check_block(result)
    _check_block(result["dedup"])
    assert result["dedup"]["n_targets"] <= result["n_targets"]
    assert set(result["by_ranker"]) == set(Recommender.RANKERS)
    for block in result["by_ranker"].values():
        _check_block(block)
        _check_block(block["dedup"])
    assert {k: v for k, v in result["by_ranker"]["fused"].items() if k != "dedup"} == {
        k: result[k] for k in METRICS
    }
    assert 0.0 < result["catalogue_coverage"] < 1.0  # the small catalogue misses many ReDial movies
    assert result["targets_outside_catalogue"] > 0
    assert result["out_of_catalogue_rate"] == 0.0
    assert 0.0 <= result["reason_traceability"] <= 1.0
    assert 0.0 <= result["repeat_rate"] <= 1.0
    assert 0.0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"]
    assert result["n_dialogues"] <= 30

    report.write_json(tmp_path, result)
    report.plot_recall_by_ranker(tmp_path, result)
    report.plot_latency(tmp_path, [1.0, 2.0])
    text = report.replay_markdown(result, {"llm": "none"})
    assert "UniCRS" in text and "published" in text.lower()
    assert {p.name for p in tmp_path.iterdir()} >= {"result.json", "recall_by_ranker.png", "latency.png"}
