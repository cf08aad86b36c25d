"""``parley bench scale`` at a tiny size: every figure printed, plausible, and labelled measured or
extrapolated (real probe process: synthetic catalogue, ArcadeDB over Bolt, Chroma with MiniLM, CF)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.bench_scale import TABLE_HEAD, run_scale_bench
from bot.settings import Settings

pytestmark = pytest.mark.slow


def _number(cell: str) -> float:
    return float(cell.lstrip("~").replace(",", ""))


def test_the_growth_curve_prints_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path, state_dir=tmp_path, graph_heap_mb=512)
    assert run_scale_bench(settings, (2000,), quick=True, timeout_s=600) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = [c.strip() for c in TABLE_HEAD.strip("|").split("|")]
    row = next(line for line in lines if line.startswith("| 2,000 |"))
    cells = dict(zip(head, [c.strip() for c in row.strip("|").split("|")], strict=True))
    # ~10 ratings per item; graph and CF measured at this size, vectors from a 100-item sample
    assert 10_000 <= _number(cells["ratings"]) <= 22_000
    assert not cells["graph ingest s"].startswith("~") and 0.5 < _number(cells["graph ingest s"]) < 300
    assert not cells["CF fit s"].startswith("~") and 0 < _number(cells["CF fit s"]) < 120
    assert cells["vectors ingest s"].startswith("~") and cells["Chroma MB"].startswith("~")
    assert "EXTRAPOLATED x20.0 from" in next(line for line in lines if "vectors ingest" in line)
    assert 0.5 < _number(cells["graph MB"]) < 200 and 0 < _number(cells["CF MB"]) < 100
    snapshot, rss = _number(cells["snapshot MB"]), _number(cells["worker RSS MB"])
    assert 1 < snapshot < 100 and 100 < rss < 2000
    p50, p95 = (float(x) for x in cells["ranker p50 / p95 ms"].split(" / "))
    assert 0 < p50 <= p95 < 5000
    # the per-size block: memory by part adds up; the ranker's sources; the bounded Cypher query
    memory = next(line for line in lines if "worker memory" in line)
    parts = [
        float(x.replace(",", ""))
        for x in re.findall(r"(?:baseline|catalogue|item_table|snapshot|cf|index) ([\d,.]+)", memory)
    ]
    assert len(parts) == 6 and abs(sum(parts) - rss) < 0.05 * rss + 5
    ranker = next(line for line in lines if line.startswith("  ranker"))
    assert all(f"{name} " in ranker for name in ("kg", "cf_knn", "popularity", "trending", "explain"))
    assert re.search(r"bounded Cypher query [\d.]+/[\d.]+ ms, from the snapshot [\d.]+/[\d.]+ ms", out)
    assert "2,000 items over Bolt into ArcadeDB" in out and "(measured" in out
    # where one node stops: a 2,000-item worker fits in 2 GB, the item-KNN matrix is computed
    assert (
        "the 2,000-item worker measured" in out and "fits" in out and "PARLEY_GRAPH_SNAPSHOT_MAX_ITEMS" in out
    )
    assert "~ = extrapolated (from a timed sample" in out
    # the on-disk worker (item table in SQLite, CF memory-mapped), measured in its own process
    assert 100 < _number(cells["on-disk worker RSS MB"]) < 2000
    p50, p95 = (float(x) for x in cells["on-disk ranker p50 / p95 ms"].split(" / "))
    assert 0 < p50 <= p95 < 5000
    disk = next(line for line in lines if line.startswith("  on disk"))
    assert "same top 5 for every request: yes" in disk and "file-backed pages" in disk
    # and what else a turn reads from files: the names it links, the facts of its cards
    assert "entity names in SQLite" in disk and "linking a message p50/p95" in disk
    assert "- on disk (PARLEY_ITEMS_IN_MEMORY_MAX" in out
