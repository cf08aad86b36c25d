"""A worker with its item table and CF arrays on disk (``items_in_memory_max``), measured in a fresh
process for ``parley bench scale``: ``python -m tools.scale_disk --dir D --out F``.

``write_disk_worker`` (in the probe's process) writes what ``parley ingest`` writes for such a
catalogue (``tools.on_disk``: the item store with the card facts, the entity index's names, the
memory-mapped CF arrays), plus the requests to time. The fresh process then opens them as a worker
does (``open_on_disk``), with no catalogue objects, no in-memory item table or names and no graph
snapshot, and reports its RSS by part (anonymous memory and file-backed pages apart: mapped pages are
shared by the workers of a host), the ranker's p50/p95 and the ranked ids, which the probe compares
with the in-memory ranker's for the same requests, and per request the time to link a message
naming its liked films and to read its top 5's card facts.

The ranker here has the sources a worker has without the snapshot but the graph one and the vector
one (each asks its server per request: the graph's bounded Cypher latency is measured on the
probe's sample graph) and no graph paths.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from tools.cf_score import CfScore
from tools.cf_view import CFModelView
from tools.item_table import ItemTable
from tools.linking import EntityIndex, names_from_catalogue
from tools.on_disk import OnDisk, open_on_disk, write_on_disk
from tools.profile import PreferenceProfile
from tools.ranking import CandidateSource, Ranker
from tools.sources import PopularitySource, ScorerSource, TrendingSource
from tools.timing import ms_since, percentiles

CACHE_ROWS = 20_000  # the default PARLEY_ITEMS_CACHE_ROWS


def memory() -> dict[str, float]:
    """RSS now (MB), with its anonymous and file-backed parts (``/proc/self/status``)."""
    import gc

    gc.collect()
    found = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile"):
                found[key] = round(int(line.split()[1]) / 1024, 1)
    return {
        "rss": found.get("VmRSS", 0.0),
        "anon": found.get("RssAnon", 0.0),
        "file": found.get("RssFile", 0.0),
    }


def ranker_without_graph(items: ItemTable, cf: CFModels) -> Ranker:
    """The ranker of a worker without a snapshot, less the sources that ask a server."""
    score = CfScore(CFModelView(cf))
    sources: list[CandidateSource] = [
        ScorerSource("cf_knn", score.scorers["knn"], items),
        ScorerSource("cf_svd", score.scorers["svd"], items),
        PopularitySource(score.popularity, items),
        TrendingSource(items),
    ]
    return Ranker(items, sources)


def rank_all(ranker: Ranker, requests: list[PreferenceProfile]) -> tuple[list[list[int]], list[float]]:
    """The top 5 (with MMR) of every request, and each request's ms (the first three are warm-up)."""
    ranked, times = [], []
    for n, profile in enumerate(requests):
        started = time.perf_counter()
        result = ranker.rank(profile, k=5)
        if n >= 3:
            times.append(ms_since(started))
        ranked.append([i.item_id for i in result.items])
    return ranked, times


def write_disk_worker(
    catalogue: Catalogue, table: ItemTable, cf: CFModels, requests: list[PreferenceProfile], root: Path
) -> float:
    """Write what ``parley ingest`` writes for such a catalogue (``tools.on_disk``: the item store with
    the card facts, the entity index's names, the mapped CF arrays) and the requests under ``root``;
    seconds taken."""
    started = time.perf_counter()
    write_on_disk(root, catalogue, table, cf, names_from_catalogue(catalogue), fingerprint=None)
    lines = [p.model_dump_json() for p in requests]
    (root / "requests.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return round(time.perf_counter() - started, 2)


def run_disk_worker(root: Path, timeout_s: float = 1800.0) -> dict[str, Any]:
    """``main`` in a fresh process over what ``write_disk_worker`` wrote; its figures."""
    out = root / "disk.json"
    command = [sys.executable, "-m", "tools.scale_disk", "--dir", str(root), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"the on-disk worker failed (exit {done.returncode}): {done.stderr[-600:]}")
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def _mb(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return round(sum(f.stat().st_size for f in files) / 1e6, 1)


def disk_figures(
    catalogue: Catalogue,
    table: ItemTable,
    cf: CFModels,
    requests: list[PreferenceProfile],
    root: Path,
    compare: bool,
) -> dict[str, Any]:
    """The on-disk worker's figures; with ``compare``, the in-memory ranker (same sources, same
    requests) timed here and whether both ranked every request the same."""
    write_s = write_disk_worker(catalogue, table, cf, requests, root)
    found = run_disk_worker(root) | {"write_s": write_s}
    found["store_mb"] = {
        "items": _mb(root / "items.sqlite3"),
        "names": _mb(root / "names.sqlite3"),
        "cf": _mb(root / "cf"),
    }
    if compare:
        ranked, times = rank_all(ranker_without_graph(table, cf), requests)
        found["memory_ranker"] = percentiles(times)
        found["same_rankings"] = ranked == found.pop("ranked")
    else:
        found.pop("ranked")
    return found


def serve(files: OnDisk, ranker: Ranker, requests: list[PreferenceProfile]) -> dict[str, Any]:
    """What a turn does besides ranking, for each request: link a message naming its liked films
    with the names on disk, and read the card facts of its top 5 (ms each, percentiles)."""
    index = EntityIndex(files.names)
    link_ms, card_ms, linked, carded = [], [], 0, 0
    for profile in requests[3:]:
        titles = [files.items.rows[i].title for i in profile.liked_items[:2] if i in files.items.rows]
        started = time.perf_counter()
        linked += bool(index.find_mentions(f"I loved {' and '.join(titles)}, anything like them?"))
        link_ms.append(ms_since(started))
        top = [i.item_id for i in ranker.rank(profile, k=5).items]
        started = time.perf_counter()
        carded += sum(files.cards.get(i) is not None for i in top)
        card_ms.append(ms_since(started))
    return {"link": percentiles(link_ms), "cards": percentiles(card_ms), "linked": linked, "carded": carded}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.scale_disk", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    mem = {"baseline": memory()}
    started = time.perf_counter()
    files = open_on_disk(args.dir, None, CACHE_ROWS)
    if files is None:
        raise SystemExit(f"nothing written under {args.dir}")
    mem["items"] = memory()
    ranker = ranker_without_graph(files.items, files.cf)
    mem["ranker"] = memory()
    open_s = round(time.perf_counter() - started, 2)
    lines = (args.dir / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    requests = [PreferenceProfile.model_validate_json(line) for line in lines]
    ranked, times = rank_all(ranker, requests)
    turns = serve(files, ranker, requests)
    mem["served"] = memory()
    found = {"memory_mb": mem, "open_s": open_s, "n": len(times), **percentiles(times), "ranked": ranked}
    found |= turns
    args.out.write_text(json.dumps(found), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
