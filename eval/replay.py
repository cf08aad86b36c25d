"""Corpus replay through the evaluation interface: for every recommender message of a ReDial /
INSPIRED dialogue that mentions movies (the cases of ``eval.cases``), the seeker's state so far is
ranked by every ranker (the sources asked once, ``Evaluation.gather``; their lists fused per ranker,
``Evaluation.fuse``); the mentioned movies are the targets.

Protocols: ``full`` (every mentioned movie) and ``dedup`` (only movies not mentioned earlier in
the dialogue). Targets outside the catalogue are misses (and reported as ``catalogue_coverage``).
The replayed dialogue is left out of the conversation sources (``data/chat_mentions.csv`` is built
from the ReDial development half): leave-one-dialogue-out, so no case sees its own answers.

Besides recall and NDCG: the beyond-accuracy figures of each ranker's top 10 (``beyond_accuracy``,
``eval.beyond``: popularity, long tail, coverage, diversity, chat-corpus drift, also over the cases
with a liked film known), reason traceability of the fused ranker's top ``k`` (``eval.traceability``),
latency (``latency_ms``: the sources' time plus the fused ranker's fusion, what one fused ranking
costs; ``source_latency_ms``: each source on its own) and the sources that failed. Out-of-catalogue
and repeat rates are not reported here: a replay ranks without replying, and the ranker's hard
constraints make both zero by construction; the scripted and simulated dialogues measure them on
the replies a person sees.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.evaluation import Evaluation, Gathered, RankerWeights
from bot.recommender import Recommender
from bot.state import DialogueState
from bot.timing import ms_since, percentiles
from eval.beyond import BeyondAccuracy
from eval.cases import CaseSet, build_state, held_out, read_cases
from eval.corpora import ReplayCase, liked_outside
from eval.metrics import mean, ndcg_at_k, recall_at_k
from eval.traceability import FAULTS, count_faults, reason_traceability

K = 50
KS = (1, 10, 50)
Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass
class GatheredCase:
    """One replay case with its state and its sources' candidate lists."""

    corpus: str
    case: ReplayCase
    state: DialogueState
    gathered: Gathered


def scores(ranked: Sequence[int], targets: list[int | None]) -> dict[str, float] | None:
    """recall@1/10/50 and NDCG@10 of one ranking (None without targets)."""
    if not targets:
        return None
    out = {f"recall@{k}": recall_at_k(ranked, targets, k) or 0.0 for k in KS}
    out["ndcg@10"] = ndcg_at_k(ranked, targets, 10) or 0.0
    return out


def summary(rows: list[dict[str, float] | None], n_targets: int) -> dict[str, Any]:
    kept = [r for r in rows if r is not None]
    keys = [f"recall@{k}" for k in KS] + ["ndcg@10"]
    return {k: round(mean([r[k] for r in kept]), 4) for k in keys} | {"n_targets": n_targets}


class RankerTable:
    """Per-ranker, per-protocol scores of ranked cases."""

    def __init__(self, rankers: Sequence[str]) -> None:
        self.rows: dict[str, dict[str, list[dict[str, float] | None]]] = {
            r: {"full": [], "dedup": []} for r in rankers
        }

    def add(self, ranker: str, case: ReplayCase, ranked: Sequence[int]) -> None:
        self.rows[ranker]["full"].append(scores(ranked, case.targets))
        self.rows[ranker]["dedup"].append(scores(ranked, case.new_targets))

    def by_ranker(self, cases: Sequence[ReplayCase]) -> dict[str, dict[str, Any]]:
        n_full = sum(len(c.targets) for c in cases)
        n_dedup = sum(len(c.new_targets) for c in cases)
        return {
            name: summary(rows["full"], n_full) | {"dedup": summary(rows["dedup"], n_dedup)}
            for name, rows in self.rows.items()
        }


def rank_cases(
    evaluation: Evaluation,
    cases: Iterable[GatheredCase],
    rankers: Sequence[str],
    weights: RankerWeights | None = None,
) -> dict[str, dict[str, Any]]:
    """The by-ranker table of already gathered cases under ``weights`` (default: the recommender's),
    without graph explanations (weight tuning)."""
    listed = list(cases)
    table = RankerTable(rankers)
    for item in listed:
        for name in rankers:
            recs = evaluation.fuse(item.state, item.gathered, K, name, weights, explain=False)
            table.add(name, item.case, [r.item_id for r in recs])
    return table.by_ranker([item.case for item in listed])


def corpus_figures(read: CaseSet) -> dict[str, Any]:
    """Coverage and linking figures of one corpus's cases."""
    targets = [t for c in read.cases for t in c.targets]
    return {
        "catalogue_coverage": round(sum(t is not None for t in targets) / max(1, len(targets)), 4),
        "targets_outside_catalogue": sum(t is None for t in targets),
        "cases_with_liked_outside": sum(1 for c in read.cases if liked_outside(c)),  # films beyond it
        "n_cases": len(read.cases),
        "n_dialogues": len({c.dialogue_id for c in read.cases}),
        "title_linking": read.linking,
    }


def source_figures(gathered: Iterable[Gathered]) -> dict[str, Any]:
    """Each source's own latency (p50/p95 ms) and how often it failed (a store down)."""
    times: dict[str, list[float]] = {}
    failures: Counter[str] = Counter()
    for one in gathered:
        for timing in one.timings:
            times.setdefault(timing.name, []).append(timing.ms)
        failures.update(one.degraded)
    return {
        "source_latency_ms": {name: percentiles(ms) for name, ms in times.items()},
        "source_failures": dict(sorted(failures.items())),
    }


def replay(
    recommender: Recommender,
    corpus: str,
    data: Path,
    limit: int | None = None,
    rankers: Iterable[str] = Evaluation.RANKERS,
    progress: Progress = lambda x: x,
    latencies: list[float] | None = None,
    crosswalk: Path | None = None,
) -> dict[str, Any]:
    """The replay result (headline figures are the ``fused`` ranker's, averaged over cases)."""
    names = list(rankers)
    head = "fused" if "fused" in names else names[0]
    evaluation = recommender.evaluation()
    read = read_cases(recommender, corpus, data, limit, crosswalk)
    catalogue = set(evaluation.catalogue_ids())
    table = RankerTable(names)
    beyond = BeyondAccuracy.of(evaluation)
    ranking_ms: list[float] = []
    all_gathered: list[Gathered] = []
    verified = reasons = 0
    faults: Counter[str] = Counter(dict.fromkeys((f"reason_{f}" for f in FAULTS), 0))
    for case in progress(read.cases):
        state = build_state(case, catalogue, evaluation.read, evaluation.outside_genres)
        gathered = evaluation.gather(state, held_out(corpus, case))
        all_gathered.append(
            Gathered(found={}, timings=gathered.timings, degraded=gathered.degraded)
        )  # lists freed
        for name in names:
            started = time.perf_counter()
            recs = evaluation.fuse(state, gathered, K, name)
            if name == head:
                ranking_ms.append(round(sum(t.ms for t in gathered.timings) + ms_since(started), 2))
                v, n = reason_traceability(recs[: recommender.k], state, None, evaluation.facts)
                verified, reasons = verified + v, reasons + n
                faults.update(count_faults(recs[: recommender.k], state, evaluation.quotable))
            table.add(name, case, [r.item_id for r in recs])
            beyond.add(name, [r.item_id for r in recs], bool(state.liked_items))
    if latencies is not None:
        latencies.extend(ranking_ms)
    by_ranker = table.by_ranker(read.cases)
    out: dict[str, Any] = {k: v for k, v in by_ranker[head].items() if k != "dedup"}
    out["dedup"] = by_ranker[head]["dedup"]
    out["by_ranker"] = by_ranker
    out["beyond_accuracy"] = beyond.by_ranker()
    out["reason_traceability"] = round(verified / reasons, 4) if reasons else 1.0
    out |= dict(faults)  # reasons quoting filler words / naming Parley's suggestions as the person's
    out["latency_ms"] = percentiles(ranking_ms)
    out |= source_figures(all_gathered)
    out |= corpus_figures(read)
    out["corpus"] = corpus
    out["headline_ranker"] = head
    return out
