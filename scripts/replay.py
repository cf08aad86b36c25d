"""Replay ReDial / INSPIRED recommendation dialogues through the rankers and score them.

For every recommender message that mentions movies (``eval.corpora``), the seeker's profile so
far is ranked by each ranker (popularity, cf, kg, vector, fused) with k=50; the movies the
recommender mentioned are the targets. Protocols: "full" (all targets) and "dedup" (targets not
mentioned earlier). Targets outside the catalogue count as misses. In "full", targets already
liked/mentioned are excluded by the ranker's hard constraints (reported as ``n_excluded_targets``).

    .venv/bin/python scripts/replay.py --corpus redial --limit 100 --json out.json
    .venv/bin/python scripts/replay.py --corpus redial --tune      # grid over RankerWeights

Uses the built stores (``PARLEY_STATE_DIR`` etc., see ``bot.settings``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.corpora import ReplayCase, read_crosswalk, read_inspired, read_redial, split_context  # noqa: E402
from tools.engine import Toolbox  # noqa: E402
from tools.profile import PreferenceProfile  # noqa: E402
from tools.ranker import Ranker, RankerWeights  # noqa: E402
from tools.scorers.base import ScoredItem  # noqa: E402

RANKERS = ("popularity", "cf", "kg", "vector", "fused")
K = 50
DEV = ROOT / "data" / "dev"
CORPORA = {
    "redial": (
        DEV / "redial" / "dev_half.jsonl",
        DEV / "crosswalks" / "redial_movies_to_movielens.csv",
        "redial_movieId",
    ),
    "inspired": (
        DEV / "inspired" / "dialog_data" / "dev.tsv",
        DEV / "crosswalks" / "inspired_titles_to_movielens.csv",
        "inspired_title",
    ),
}


def read_cases(corpus: str, catalogue_ids: set[int], limit: int | None) -> list[ReplayCase]:
    path, crosswalk_path, column = CORPORA[corpus]
    crosswalk = read_crosswalk(crosswalk_path, column, catalogue_ids)
    reader = read_redial if corpus == "redial" else read_inspired
    return list(reader(path, crosswalk, limit=limit))


def build_profile(
    case: ReplayCase, catalogue_ids: set[int], find_genres: Any, corpus: str
) -> PreferenceProfile:
    liked, disliked, recommended = split_context(case, catalogue_ids)
    text = " ".join(case.seeker_text)
    return PreferenceProfile(
        liked_items=tuple(liked),
        disliked_items=tuple(disliked),
        recommended=tuple(recommended),
        description=" ".join(case.seeker_text[-3:])[-2000:],
        conversation_text=text[-2000:],
        genres_in=tuple(find_genres(text)),
        held_out_dialogue=f"{corpus}:{case.dialogue_id}",  # leave-one-out for the conversation prior
    )


def metrics(ranked: Sequence[int], targets: Iterable[int | None]) -> dict[str, float] | None:
    wanted = list(targets)
    if not wanted:
        return None
    hits = {t for t in wanted if t is not None}
    n = len(wanted)
    out = {f"R@{k}": sum(1 for t in hits if t in ranked[:k]) / n for k in (1, 10, 50)}
    dcg = sum(1.0 / math.log2(r + 2) for r, i in enumerate(ranked[:10]) if i in hits)
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(n, 10)))
    out["NDCG@10"] = dcg / ideal
    return out


class CachedSource:
    """A source replaying recorded candidate lists (for fast weight search)."""

    def __init__(self, name: str, table: dict[PreferenceProfile, list[ScoredItem]]) -> None:
        self.name = name
        self.table = table

    def candidates(self, profile: PreferenceProfile, k: int) -> list[ScoredItem]:
        return self.table.get(profile, [])[:k]


def summarise(per_case: list[dict[str, Any]], name: str, protocol: str) -> dict[str, float]:
    rows = [c[name][protocol] for c in per_case if c[name][protocol] is not None]
    keys = ("R@1", "R@10", "R@50", "NDCG@10")
    return {k: round(statistics.fmean(r[k] for r in rows), 4) if rows else 0.0 for k in keys} | {
        "n_cases": len(rows)
    }


def evaluate(
    ranker: Ranker,
    items: list[tuple[ReplayCase, PreferenceProfile]],
    names: Sequence[str],
    sources_of: Any,
    k: int = K,
) -> tuple[list[dict[str, Any]], dict[str, list[float]]]:
    per_case: list[dict[str, Any]] = []
    latency: dict[str, list[float]] = {n: [] for n in names}
    for case, profile in items:
        row: dict[str, Any] = {}
        for name in names:
            started = time.perf_counter()
            result = ranker.rank(profile, k=k, only=sources_of(name), diversify=(name == "fused"))
            latency[name].append((time.perf_counter() - started) * 1000.0)
            ranked = [i.item_id for i in result.items]
            row[name] = {"full": metrics(ranked, case.targets), "dedup": metrics(ranked, case.new_targets)}
        per_case.append(row)
    return per_case, latency


def sources_of(name: str) -> list[str] | None:
    return Toolbox.ranker_sources(name)


def tune(
    ranker: Ranker,
    items: list[tuple[ReplayCase, PreferenceProfile]],
    log: Any,
    rounds: int = 1,
    fields: Sequence[str] | None = None,
) -> RankerWeights:
    """Coordinate search over the fusion weights on cached candidates, maximising fused R@10
    (mean of the full and dedup protocols)."""

    def score(w: RankerWeights) -> tuple[float, float, float]:
        ranker.weights = w
        per_case, _ = evaluate(ranker, items, ["fused"], sources_of, k=10)
        full = summarise(per_case, "fused", "full")["R@10"]
        dedup = summarise(per_case, "fused", "dedup")["R@10"]
        return (full + dedup) / 2, full, dedup

    grid = {
        "kg": [0.0, 0.3, 0.6, 1.0, 1.5, 2.0, 3.0],
        "cf_knn": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
        "cf_svd": [0.0, 0.3, 0.6, 1.0, 1.5],
        "vector": [0.0, 0.2, 0.5, 0.8, 1.2],
        "popularity": [0.0, 0.2, 0.4, 0.8, 1.2],
        "trending": [0.0, 0.2, 0.4, 0.8, 1.2, 2.0],
        "chat": [0.0, 0.5, 1.0, 2.0, 3.0, 5.0],
        "chat_co": [0.0, 0.5, 1.0, 2.0, 3.0, 5.0],
        "chat_similar": [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0],
        "person": [0.2],
        "genre": [0.0, 0.005, 0.01, 0.02, 0.05],
        "chat_alone": [0.0, 0.1, 0.25, 0.5, 1.0],
        "rrf_k": [5.0, 10.0, 20.0, 40.0, 60.0],
        "pool": [100, 150, 200],
        "mmr_lambda": [0.7, 0.85, 0.95, 1.0],
    }
    if fields:
        grid = {f: v for f, v in grid.items() if f in fields}
    best = ranker.weights
    best_score = score(best)
    log(f"start {best_score} {best.model_dump()}")
    for _round in range(rounds):
        for field, values in grid.items():
            for value in values:
                trial = best.model_copy(update={field: value})
                s = score(trial)
                if s[0] > best_score[0] + 1e-9:
                    best, best_score = trial, s
                    log(f"  {field}={value}: {s}")
    log(f"best {best_score} {best.model_dump()}")
    ranker.weights = best
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        choices=sorted(CORPORA),
        nargs="+",
        default=["redial"],
        help="one corpus, or several: their cases are pooled (e.g. to tune on both)",
    )
    parser.add_argument("--limit", type=int, default=None, help="dialogues to read")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--tune", action="store_true", help="grid-search the fusion weights")
    parser.add_argument("--tune-every", type=int, default=1, help="tune on every n-th case")
    parser.add_argument("--tune-rounds", type=int, default=1)
    parser.add_argument("--tune-fields", nargs="*", default=None, help="only these weights")
    parser.add_argument(
        "--candidates",
        type=Path,
        default=None,
        help="pickle of the recorded source candidates: read when it exists, profiles it lacks "
        "recorded, then written back (delete it after changing a source)",
    )
    args = parser.parse_args(argv)

    from bot.settings import Settings, store_config
    from retrieval.cf.models import CFModels
    from retrieval.errors import StoreUnavailableError
    from tools.stores import Stores

    stores = Stores(store_config(Settings()))
    try:
        stores.cf()
    except StoreUnavailableError as error:  # FALLBACK: models not saved yet; train them in memory
        print(f"CF models unavailable ({error}); training in memory", file=sys.stderr)
        stores._cf = CFModels.train(stores.catalogue(), params=stores.cf_params())
    toolbox = Toolbox(stores, Settings().ranker_weights)  # PARLEY_RANKER_WEIGHTS applies
    catalogue_ids = set(toolbox.items.rows)

    def find_genres(text: str) -> list[str]:
        return list(
            dict.fromkeys(m.best.name for m in toolbox.index.find_mentions(text) if m.kind == "genre")
        )

    corpus = "+".join(args.corpus)
    items = [
        (c, build_profile(c, catalogue_ids, find_genres, name))
        for name in args.corpus
        for c in read_cases(name, catalogue_ids, args.limit)
    ]
    cases = [c for c, _ in items]
    all_targets = [t for c in cases for t in c.targets]
    excluded_targets = sum(1 for c, p in items for t in c.targets if t is not None and t in p.excluded_items)
    print(f"{corpus}: {len(cases)} cases, {len(all_targets)} targets", file=sys.stderr)

    # record every source's candidates once (also the per-source latency)
    tables: dict[str, dict[PreferenceProfile, list[ScoredItem]]] = {s.name: {} for s in toolbox.sources}
    source_ms: dict[str, list[float]] = {s.name: [] for s in toolbox.sources}
    if args.candidates is not None and args.candidates.exists():
        tables = pickle.loads(args.candidates.read_bytes())  # a file this script wrote
    for _, profile in items:
        for source in toolbox.sources:
            if profile in tables.get(source.name, {}):
                continue  # recorded in the candidates file
            tables.setdefault(source.name, {})
            started = time.perf_counter()
            try:
                tables[source.name][profile] = source.candidates(profile, toolbox.ranker.weights.pool)
            except Exception as error:
                print(f"{source.name} failed: {error}", file=sys.stderr)
                tables[source.name][profile] = []
            source_ms[source.name].append((time.perf_counter() - started) * 1000.0)
    if args.candidates is not None:
        args.candidates.write_bytes(pickle.dumps(tables))
    cached = [CachedSource(name, table) for name, table in tables.items()]
    replay = Ranker(toolbox.items, cached, toolbox.ranker.weights)
    if args.tune:
        tune(
            replay,
            items[:: args.tune_every],
            lambda msg: print(msg, file=sys.stderr),
            args.tune_rounds,
            args.tune_fields,
        )

    per_case, _ = evaluate(replay, items, RANKERS, sources_of)
    # end-to-end latency of the live ranker (stores + fusion + explanation) on a sample of cases
    toolbox.ranker.weights = replay.weights
    sample = items[:: max(1, len(items) // 30)]
    _, latency = evaluate(toolbox.ranker, sample, RANKERS, toolbox.ranker_sources)

    report: dict[str, Any] = {
        "corpus": corpus,
        "n_cases": len(cases),
        "n_targets": len(all_targets),
        "catalogue_coverage": round(sum(t is not None for t in all_targets) / max(1, len(all_targets)), 4),
        "n_new_targets": sum(len(c.new_targets) for c in cases),
        "n_excluded_targets": excluded_targets,
        "weights": replay.weights.model_dump(),
        "results": {n: {p: summarise(per_case, n, p) for p in ("full", "dedup")} for n in RANKERS},
        "latency_ms": {n: _pcts(v) for n, v in latency.items()},
        "source_latency_ms": {n: _pcts(v) for n, v in source_ms.items()},
    }
    print(
        f"{corpus}: n_targets={report['n_targets']} coverage={report['catalogue_coverage']} "
        f"excluded_in_full={excluded_targets}"
    )
    print(f"{'ranker':<11}{'proto':<7}{'R@1':>7}{'R@10':>7}{'R@50':>7}{'NDCG@10':>9}   p50ms   p95ms")
    for n in RANKERS:
        for p in ("full", "dedup"):
            r = report["results"][n][p]
            lat = report["latency_ms"][n]
            print(
                f"{n:<11}{p:<7}{r['R@1']:>7.3f}{r['R@10']:>7.3f}{r['R@50']:>7.3f}{r['NDCG@10']:>9.3f}"
                f"{lat['p50']:>8.1f}{lat['p95']:>8.1f}"
            )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    stores.close()
    return 0


def _pcts(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    ordered = sorted(values)
    return {
        "p50": round(ordered[len(ordered) // 2], 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


if __name__ == "__main__":
    raise SystemExit(main())
