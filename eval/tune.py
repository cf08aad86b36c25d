"""``parley-eval tune``: coordinate search over the fusion weights on the harness's own replay cases.

The cases, states and leave-one-dialogue-out rule are those of the replay (``eval.cases``). Every
case's source lists are gathered once (the switched-off sources too, at the grid's largest pool) and
re-fused under each candidate weighting (``Evaluation.fuse``); the search maximises the fused
ranker's mean R@10 of the full and dedup protocols on every ``tune_every``-th case. A source that
fails (a store down) is counted per source and reported; any other error ends the command.

The recorded lists can be kept in a file (``--candidates FILE``, gzip JSON): read when it exists,
cases it lacks gathered and added, then written back. Delete it after changing a source.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from bot.evaluation import Evaluation, Gathered, RankerWeights
from bot.recommender import Recommender
from bot.state import DialogueState
from eval.cases import build_state, held_out, read_cases
from eval.corpora import ReplayCase
from eval.metrics import mean, recall_at_k
from eval.replay import GatheredCase, Progress, corpus_figures, rank_cases, source_figures

GRID: dict[str, list[float]] = {
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
_RECORDED = TypeAdapter(dict[str, Gathered])
Score = tuple[float, float, float]  # (mean of full and dedup fused R@10, full, dedup)


def case_key(corpus: str, case: ReplayCase, state: DialogueState) -> str:
    """A recorded case's key: its corpus, dialogue and message, and a digest of its state."""
    digest = hashlib.sha256(state.model_dump_json().encode()).hexdigest()[:16]
    return f"{corpus}:{case.dialogue_id}:{case.message_index}:{digest}"


def read_recorded(path: Path | None) -> dict[str, Gathered]:
    if path is None or not path.is_file():
        return {}
    return _RECORDED.validate_json(gzip.decompress(path.read_bytes()))


def write_recorded(path: Path, recorded: dict[str, Gathered]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(_RECORDED.dump_json(recorded)))


def gather_cases(
    recommender: Recommender,
    corpora: Sequence[str],
    data: Path,
    limit: int | None,
    candidates: Path | None = None,
    progress: Progress = lambda x: x,
) -> tuple[list[GatheredCase], dict[str, Any]]:
    """Every corpus's cases with their sources' lists (recorded ones from ``candidates``), and
    each corpus's coverage and linking figures."""
    evaluation = recommender.evaluation()
    catalogue = set(evaluation.catalogue_ids())
    pool = max(int(max(GRID["pool"])), evaluation.weights.pool)
    recorded = read_recorded(candidates)
    figures: dict[str, Any] = {}
    items: list[GatheredCase] = []
    for corpus in corpora:
        read = read_cases(recommender, corpus, data, limit)
        figures[corpus] = corpus_figures(read)
        for case in progress(read.cases):
            state = build_state(case, catalogue, evaluation.read, evaluation.outside_genres)
            key = case_key(corpus, case, state)
            if key not in recorded:
                recorded[key] = evaluation.gather(state, held_out(corpus, case), every_source=True, pool=pool)
            items.append(GatheredCase(corpus, case, state, recorded[key]))
    if candidates is not None:
        write_recorded(candidates, recorded)
    return items, figures


def fused_recall(evaluation: Evaluation, items: Iterable[GatheredCase], weights: RankerWeights) -> Score:
    full: list[float | None] = []
    dedup: list[float | None] = []
    for item in items:
        recs = evaluation.fuse(item.state, item.gathered, 10, "fused", weights, explain=False)
        ranked = [r.item_id for r in recs]
        full.append(recall_at_k(ranked, item.case.targets, 10))
        dedup.append(recall_at_k(ranked, item.case.new_targets, 10))
    f, d = mean(full), mean(dedup)
    return round((f + d) / 2, 4), round(f, 4), round(d, 4)


def coordinate_search(
    score: Callable[[RankerWeights], Score],
    start: RankerWeights,
    grid: dict[str, list[float]],
    rounds: int,
    log: Callable[[str], None],
) -> tuple[RankerWeights, Score, Score, int]:
    """One field at a time, every value of the grid, keeping a value when it beats the best so far;
    ``rounds`` passes. (best weights, start score, best score, trials)."""
    best, best_score = start, score(start)
    start_score, trials = best_score, 1
    log(f"start {best_score}")
    for _ in range(rounds):
        for field, values in grid.items():
            for value in values:
                trial = best.model_copy(update={field: value})
                found = score(trial)
                trials += 1
                if found[0] > best_score[0] + 1e-9:
                    best, best_score = trial, found
                    log(f"  {field}={value}: {found}")
    log(f"best {best_score}")
    return best, start_score, best_score, trials


def tune(
    recommender: Recommender,
    corpora: Sequence[str],
    data: Path,
    limit: int | None = None,
    tune_every: int = 1,
    rounds: int = 1,
    fields: Sequence[str] | None = None,
    candidates: Path | None = None,
    progress: Progress = lambda x: x,
    log: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The tuning result: start and best scores on the tuning cases, the best weights (and what
    changed), every ranker's figures over all cases under them, source latency and failures."""
    evaluation = recommender.evaluation()
    items, figures = gather_cases(recommender, corpora, data, limit, candidates, progress)
    grid = {f: v for f, v in GRID.items() if not fields or f in fields}
    tuning = items[:: max(1, tune_every)]
    start = evaluation.weights
    best, start_score, best_score, trials = coordinate_search(
        lambda w: fused_recall(evaluation, tuning, w), start, grid, rounds, log
    )
    sources = source_figures(item.gathered for item in items)
    if sources["source_failures"]:
        log(f"source failures (cases scored without that source's list): {sources['source_failures']}")
    before, after = start.model_dump(), best.model_dump()
    return {
        "corpus": "+".join(corpora),
        "n_cases": len(items),
        "n_tuning_cases": len(tuning),
        "trials": trials,
        "start_score": start_score[0],  # mean fused R@10 of the full and dedup protocols
        "best_score": best_score[0],
        "start": {"recall@10": start_score[1], "dedup_recall@10": start_score[2]},
        "best": {"recall@10": best_score[1], "dedup_recall@10": best_score[2]},
        "weights": after,
        "changed": {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        "by_ranker": rank_cases(evaluation, items, evaluation.RANKERS, best),
        **sources,
        "corpora": figures,
    }
