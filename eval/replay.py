"""Corpus replay through the public API: for every recommender message of a ReDial / INSPIRED
dialogue that mentions movies, the seeker's state so far (a ``DialogueState``) is ranked with
``Recommender.rank`` by every ranker; the mentioned movies are the targets.

Protocols: ``full`` (every mentioned movie) and ``dedup`` (only movies not mentioned earlier in
the dialogue). Targets outside the catalogue are misses (and reported as ``catalogue_coverage``).
The state: seeker-liked mentions (ReDial label liked, INSPIRED any seeker mention) -> liked items,
disliked -> disliked items, recommender mentions without a label -> already recommended (excluded),
the last three seeker messages -> mood, all of them -> said, genre names in the seeker's messages -> genres.
The replayed dialogue is left out of the conversation prior (``data/chat_mentions.csv`` is built
from the ReDial development half): leave-one-dialogue-out, so no case sees its own answers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.agent import Recommender
from bot.state import DialogueState
from eval.corpora import ReplayCase, read_crosswalk, read_inspired, read_redial, split_context
from eval.metrics import (
    DialogueResult,
    common_figures,
    mean,
    ndcg_at_k,
    percentiles,
    reason_traceability,
    recall_at_k,
)

K = 50
KS = (1, 10, 50)


def corpus_files(corpus: str, data: Path) -> tuple[Path, Path, str]:
    """(dialogues, crosswalk, crosswalk source column) under a data directory like data/dev, or
    for a dialogue file given directly (its crosswalk is looked up in ../crosswalks or
    ../../crosswalks)."""
    name, column, rel = {
        "redial": ("redial_movies_to_movielens.csv", "redial_movieId", Path("redial/dev_half.jsonl")),
        "inspired": (
            "inspired_titles_to_movielens.csv",
            "inspired_title",
            Path("inspired/dialog_data/dev.tsv"),
        ),
    }[corpus]
    dialogues = data / rel if data.is_dir() else data
    for parent in dialogues.parents:
        if (parent / "crosswalks" / name).exists():
            return dialogues, parent / "crosswalks" / name, column
    raise FileNotFoundError(f"no crosswalks/{name} above {dialogues}")


def read_cases(corpus: str, data: Path, catalogue: set[int], limit: int | None) -> list[ReplayCase]:
    path, crosswalk_path, column = corpus_files(corpus, data)
    crosswalk = read_crosswalk(crosswalk_path, column, catalogue)
    reader = read_redial if corpus == "redial" else read_inspired
    return list(reader(path, crosswalk, limit=limit))


def genre_finder(recommender: Recommender) -> Callable[[str], list[str]]:
    """Genre names of the catalogue (from ``item_facts``) found as whole words in a text."""
    genres: set[str] = set()
    for item_id in recommender.catalogue_ids():
        genres.update(str(g) for g in recommender.item_facts(item_id).get("genres") or [])  # type: ignore[attr-defined]
    patterns = [
        (g, re.compile(rf"\b{re.escape(g.lower())}s?\b")) for g in sorted(genres) if g != "(no genres listed)"
    ]

    def find(text: str) -> list[str]:
        lowered = text.lower()
        return [g for g, p in patterns if p.search(lowered)]

    return find


def build_state(
    case: ReplayCase, catalogue: set[int], find_genres: Callable[[str], list[str]]
) -> DialogueState:
    liked, disliked, recommended = split_context(case, catalogue)
    return DialogueState(
        liked_items=liked,
        disliked_items=disliked,
        recommended=recommended,
        mood=" ".join(case.seeker_text[-3:])[-2000:],
        said=" ".join(case.seeker_text)[-2000:],
        genres_in=find_genres(" ".join(case.seeker_text)),
    )


def _scores(ranked: list[int], targets: list[int | None]) -> dict[str, float] | None:
    if not targets:
        return None
    out = {f"recall@{k}": recall_at_k(ranked, targets, k) or 0.0 for k in KS}
    out["ndcg@10"] = ndcg_at_k(ranked, targets, 10) or 0.0
    return out


def _summary(rows: list[dict[str, float] | None], n_targets: int) -> dict[str, Any]:
    kept = [r for r in rows if r is not None]
    keys = [f"recall@{k}" for k in KS] + ["ndcg@10"]
    return {k: round(mean([r[k] for r in kept]), 4) for k in keys} | {"n_targets": n_targets}


def replay(
    recommender: Recommender,
    corpus: str,
    data: Path,
    limit: int | None = None,
    rankers: Iterable[str] = Recommender.RANKERS,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda x: x,
    latencies: list[float] | None = None,
) -> dict[str, Any]:
    """The replay result (headline figures are the ``fused`` ranker's, averaged over cases)."""
    rankers = list(rankers)
    catalogue = set(recommender.catalogue_ids())
    cases = read_cases(corpus, data, catalogue, limit)
    find_genres = genre_finder(recommender)
    rows: dict[str, dict[str, list[dict[str, float] | None]]] = {
        r: {"full": [], "dedup": []} for r in rankers
    }
    latency: dict[str, list[float]] = {r: [] for r in rankers}
    results: list[DialogueResult] = []
    for case in progress(cases):
        state = build_state(case, catalogue, find_genres)
        started = time.perf_counter()
        ranked_by = recommender.rank_all(
            state, k=K, rankers=tuple(rankers), held_out_dialogue=f"{corpus}:{case.dialogue_id}"
        )
        ms = (time.perf_counter() - started) * 1000.0  # all rankers: sources asked once, fused per ranker
        for name in rankers:
            recs = ranked_by[name]
            latency[name].append(ms)
            ranked = [r.item_id for r in recs]
            rows[name]["full"].append(_scores(ranked, case.targets))
            rows[name]["dedup"].append(_scores(ranked, case.new_targets))
            if name == "fused":
                shown = ranked[: recommender.k]
                verified, n = reason_traceability(recs[: recommender.k], state, None, recommender.item_facts)
                results.append(
                    DialogueResult(
                        dialogue_id=f"{case.dialogue_id}:{case.message_index}",
                        n_turns=1,
                        recommended=len(shown),
                        repeats=sum(1 for i in shown if i in state.recommended),
                        out_of_catalogue=sum(1 for i in ranked if i not in catalogue),
                        reasons_verified=verified,
                        reasons=n,
                        latency_ms=[ms],
                    )
                )
    if latencies is not None:
        latencies.extend(latency.get("fused", []))
    n_full = sum(len(c.targets) for c in cases)
    n_dedup = sum(len(c.new_targets) for c in cases)
    all_targets = [t for c in cases for t in c.targets]
    by_ranker = {
        name: _summary(rows[name]["full"], n_full) | {"dedup": _summary(rows[name]["dedup"], n_dedup)}
        for name in rankers
    }
    head = "fused" if "fused" in by_ranker else rankers[0]
    out: dict[str, Any] = {k: v for k, v in by_ranker[head].items() if k != "dedup"}
    out["catalogue_coverage"] = round(sum(t is not None for t in all_targets) / max(1, len(all_targets)), 4)
    out["dedup"] = by_ranker[head]["dedup"]
    out["by_ranker"] = by_ranker
    out |= common_figures(results)
    out["latency_ms_by_ranker"] = {n: percentiles(v) for n, v in latency.items()}
    out["corpus"] = corpus
    out["n_cases"] = len(cases)
    out["n_dialogues"] = len({c.dialogue_id for c in cases})
    out["targets_outside_catalogue"] = sum(t is None for t in all_targets)
    out["headline_ranker"] = head
    return out
