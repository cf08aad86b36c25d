"""``parley-eval train-fusion``: train the learned fusion (``LearnedFusion``, LightGBM) on
the replay cases of the development corpora, with dialogue-level cross-validation against RRF.

The cases, states and leave-one-dialogue-out rule are the replay's (``eval.cases``); the sources'
lists are gathered once (``eval.tune.gather_cases``, recordable with ``--candidates``). Each case is a
ranking query: the fused ranker's candidates (``Evaluation.candidate_features``), labelled 1 when
the candidate is one of the case's targets (the full protocol's; a repeated movie is never a
candidate). Dialogues are split into ``--folds`` folds by a hash of their id, so every case of a
dialogue is in the same fold. For each fold a model is trained on the other folds and its cases are
ranked by the whole fused ranker (hard constraints, genre-first, MMR) under that model and under
RRF; the out-of-fold figures of both are reported per corpus and protocol (``--score-every N``
ranks every n-th held-out case only: ranking, not training, is what takes the time). The same cases
are ranked by every baseline (``Evaluation.RANKERS`` but the fused one, and the single-source
``SOURCE_BASELINES``) from the same gathered lists, so one run gives the per-source table too, and
the beyond-accuracy figures (``eval.beyond``) of every ranker's top 10.

The model trained on every case is written to ``--model-dir`` (default: the catalogue directory)
only when it wins out of fold: the mean of full and dedup R@10, pooled over the corpora, above
RRF's (``--force`` writes it anyway).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.evaluation import Evaluation, LearnedFusion, train_fusion
from bot.recommender import Recommender
from bot.settings import Settings
from eval.beyond import BeyondAccuracy
from eval.replay import GatheredCase, K, RankerTable
from eval.tune import gather_cases

FOLDS = 5
Query = tuple[np.ndarray, np.ndarray]
Log = Callable[[str], None]


def fold_of(item: GatheredCase, folds: int) -> int:
    """A dialogue's fold (stable across runs: a hash of corpus and dialogue id)."""
    key = f"{item.corpus}:{item.case.dialogue_id}".encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % folds


def query(evaluation: Evaluation, item: GatheredCase) -> Query:
    """One case's candidates as a ranking query (features, 0/1 labels)."""
    ids, features = evaluation.candidate_features(item.state, item.gathered)
    targets = {t for t in item.case.targets if t is not None}
    labels = np.array([1.0 if i in targets else 0.0 for i in ids], dtype=np.float32)
    return np.asarray(features, dtype=np.float32), labels


def baselines(evaluation: Evaluation) -> list[str]:
    """The rankers scored beside the two fusions: every baseline of the replay's tables."""
    return [r for r in (*evaluation.RANKERS, *evaluation.SOURCE_BASELINES) if r != "fused"]


def score_cases(
    evaluation: Evaluation,
    items: Sequence[GatheredCase],
    fusions: dict[str, LearnedFusion | None],
    tables: dict[str, RankerTable],
    beyond: dict[str, BeyondAccuracy],
) -> None:
    """Rank each case under each fusion (the whole fused ranker) and each baseline, into its
    corpus's table and beyond-accuracy lists."""
    for item in items:
        known = bool(item.state.to_profile().liked_items)
        ranked: dict[str, list[int]] = {}
        for name, fusion in fusions.items():
            recs = evaluation.fuse(item.state, item.gathered, K, "fused", explain=False, fusion=fusion)
            ranked[name] = [r.item_id for r in recs]
        for name in baselines(evaluation):
            ranked[name] = [r.item_id for r in evaluation.fuse(item.state, item.gathered, K, name)]
        for name, ids in ranked.items():
            tables[item.corpus].add(name, item.case, ids)
            beyond[item.corpus].add(name, ids, known)


def _tables(tables: dict[str, RankerTable], scored: Sequence[GatheredCase]) -> dict[str, Any]:
    """Each corpus's by-fusion figures over the cases scored so far."""
    return {c: t.by_ranker([item.case for item in scored if item.corpus == c]) for c, t in tables.items()}


def headline(by: dict[str, Any]) -> float:
    """Mean of full and dedup R@10 (the tuning objective of ``parley-eval tune`` too)."""
    return (by["recall@10"] + by["dedup"]["recall@10"]) / 2


def train(
    recommender: Recommender,
    corpora: Sequence[str],
    data: Path,
    limit: int | None = None,
    folds: int = FOLDS,
    candidates: Path | None = None,
    model_dir: Path | None = None,
    force: bool = False,
    score_every: int = 1,
    progress: Any = lambda x: x,
    log: Log = lambda _: None,
) -> dict[str, Any]:
    """Cross-validated figures of the learned fusion and RRF, and the final model (written when it
    wins out of fold, or with ``force``)."""
    evaluation = recommender.evaluation()
    items, figures = gather_cases(recommender, corpora, data, limit, candidates, progress)
    started = time.perf_counter()
    queries = [query(evaluation, item) for item in items]
    log(f"features of {len(items)} cases in {time.perf_counter() - started:.0f} s")
    fold = [fold_of(item, folds) for item in items]
    tables = {c: RankerTable(["rrf", "learned", *baselines(evaluation)]) for c in corpora}
    beyond = {c: BeyondAccuracy.of(evaluation) for c in corpora}
    scored: list[GatheredCase] = []
    for f in range(folds):
        started = time.perf_counter()
        model = train_fusion([q for q, n in zip(queries, fold, strict=True) if n != f])
        held = [item for item, n in zip(items, fold, strict=True) if n == f][::score_every]
        score_cases(evaluation, held, {"rrf": None, "learned": model}, tables, beyond)
        scored += held
        so_far = {
            c: {n: round(headline(by[n]), 4) for n in ("rrf", "learned")}
            for c, by in _tables(tables, scored).items()
        }
        log(
            f"fold {f + 1}/{folds}: {len(held)} cases, {time.perf_counter() - started:.0f} s; so far {so_far}"
        )
    by_corpus = _tables(tables, scored)
    weight = {c: sum(1 for item in scored if item.corpus == c) for c in corpora}
    pooled = {
        name: sum(headline(by_corpus[c][name]) * weight[c] for c in corpora) / max(1, len(scored))
        for name in ("rrf", "learned")
    }
    wins = pooled["learned"] > pooled["rrf"]
    final = train_fusion(queries)
    written = None
    if model_dir is not None and (wins or force):
        written = str(final.save(model_dir))
        log(f"model written to {written}")
    elif model_dir is not None:
        log("the learned fusion does not beat RRF out of fold: no model written")
    return {
        "corpus": "+".join(corpora),
        "n_cases": len(items),
        "n_scored_cases": len(scored),
        "folds": folds,
        "out_of_fold": by_corpus,
        "beyond_accuracy": {c: b.by_ranker() for c, b in beyond.items()},
        "pooled_mean_recall@10": {k: round(v, 4) for k, v in pooled.items()},
        "learned_wins": wins,
        "model": written,
        "feature_importance": final.importance,
        "corpora": figures,
    }


def add_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``train-fusion`` subcommand."""
    p = sub.add_parser("train-fusion", help="train the learned fusion (cross-validated against RRF)")
    p.add_argument("--corpus", choices=["redial", "inspired"], nargs="+", default=["redial", "inspired"])
    p.add_argument("--data", default="data/dev", help="data directory")
    p.add_argument("--folds", type=int, default=FOLDS, help="dialogue-level cross-validation folds")
    p.add_argument("--candidates", type=Path, default=None, help="recorded source lists (as for tune)")
    p.add_argument("--model-dir", type=Path, default=None, help="where to write the model (default: data/)")
    p.add_argument("--no-write", action="store_true", help="report only, write no model")
    p.add_argument("--force", action="store_true", help="write the model even when RRF wins")
    p.add_argument("--score-every", type=int, default=1, help="rank every n-th held-out case (faster)")
    common(p)


def command(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    def log(message: str) -> None:
        print(message, file=sys.stderr)

    from tqdm import tqdm

    def progress(cases: Any) -> Any:
        return tqdm(list(cases), desc="gather", file=sys.stderr)

    model_dir = None if args.no_write else (args.model_dir or Settings().data_dir)
    result = train(
        rec,
        args.corpus,
        Path(args.data),
        args.limit,
        folds=args.folds,
        candidates=args.candidates,
        model_dir=model_dir,
        force=args.force,
        score_every=args.score_every,
        progress=progress,
        log=log,
    )
    (out / "report.md").write_text(markdown(result), encoding="utf-8")
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Learned fusion vs RRF ({result['folds']}-fold dialogue-level cross-validation)",
        "",
        f"{result['n_cases']} cases ({result['corpus']}); model written: {result['model'] or 'no'}",
        "",
        "| corpus | ranker | R@1 | R@10 | R@50 | dedup R@1 | dedup R@10 | dedup R@50 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for corpus, by in result["out_of_fold"].items():
        for name, row in by.items():
            d = row["dedup"]
            lines.append(
                f"| {corpus} | {name} | {row['recall@1']} | {row['recall@10']} | {row['recall@50']} "
                f"| {d['recall@1']} | {d['recall@10']} | {d['recall@50']} |"
            )
    lines += [
        "",
        "Beyond accuracy, each ranker's top 10 (taste known: cases with a liked film):",
        "",
        "| corpus | ranker | popularity percentile (taste known) | long-tail share | catalogue coverage "
        "| intra-list diversity | chat top-50 share (taste known) |",
        "|---|---|---|---|---|---|---|",
    ]
    for corpus, by in result.get("beyond_accuracy", {}).items():
        for name, b in by.items():
            t = b["taste_known"]
            lines.append(
                f"| {corpus} | {name} | {b['popularity_percentile']} ({t['popularity_percentile']}) "
                f"| {b['long_tail_share']} | {b['catalogue_coverage']} | {b['intra_list_diversity']} "
                f"| {b['chat_top50_share']} ({t['chat_top50_share']}) |"
            )
    return "\n".join(lines) + "\n"
