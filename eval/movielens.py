"""``parley-eval movielens``: held-out MovieLens users, a check outside the chat corpora.

Protocol. A seeded ``--holdout`` share of the rating users (default 10%) is held out: the CF models
(item-KNN and SVD), the item table and the popularity counts are rebuilt in memory from the other
users' ratings (``Evaluation.without_users``; the built models on disk are not touched). Each
held-out user's ``--given`` favourites (default 5: highest-rated, ties broken by the earlier rating,
then the smaller item id) are given to Parley as films liked in chat (a state with only
``liked_items``); the targets are the user's other ratings of at least 4.5. Users with fewer than
``--given`` ratings or without a target are skipped; at most ``--users`` (default 200, a seeded
sample) are scored. Every ranker ranks from one gathering of the sources: ``popularity`` (the
popularity ranker: ratings count, recent ratings, the chat prior), ``most_rated`` (the ratings-count
source alone), ``item_knn`` (the item-KNN source alone), ``cf`` (the collaborative ranker) and
``fused`` (Parley). Recall@10 and NDCG@10 (binary relevance, ``eval.metrics``) are averaged over users.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from bot.evaluation import Evaluation
from bot.recommender import Recommender
from bot.state import DialogueState
from eval.metrics import mean, ndcg_at_k, recall_at_k

RANKERS = ("popularity", "most_rated", "item_knn", "cf", "fused")
K = 10
RELEVANT = 4.5
Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass(frozen=True)
class HeldOutUser:
    user_id: int
    given: list[int]  # favourites given as liked in chat
    targets: list[int]  # the other ratings >= RELEVANT


def split_users(ratings: pd.DataFrame, holdout: float, seed: int) -> set[int]:
    """A seeded ``holdout`` share of the rating users (at least one)."""
    users = np.unique(ratings["user_id"].to_numpy())
    n = max(1, round(holdout * len(users)))
    chosen = np.random.default_rng(seed).choice(users, size=min(n, len(users)), replace=False)
    return {int(u) for u in chosen}


def held_out_user(user_id: int, rows: pd.DataFrame, given: int) -> HeldOutUser | None:
    """A user's favourites and targets (None with fewer than ``given`` ratings or no target)."""
    if len(rows) < given:
        return None
    ordered = rows.sort_values(
        ["rating", "timestamp", "item_id"], ascending=[False, True, True], kind="stable"
    )
    favourites = [int(i) for i in ordered["item_id"].iloc[:given]]
    rest = ordered.iloc[given:]
    targets = [int(i) for i in rest.loc[rest["rating"] >= RELEVANT, "item_id"]]
    return HeldOutUser(user_id, favourites, targets) if targets else None


def held_out_users(
    ratings: pd.DataFrame, users: set[int], given: int, limit: int | None, seed: int
) -> list[HeldOutUser]:
    """The scorable held-out users, at most ``limit`` of them (a seeded sample), by user id."""
    rows = ratings[ratings["user_id"].isin(users)]
    found = []
    for uid, part in rows.groupby("user_id"):
        user = held_out_user(int(cast(int, uid)), part, given)
        if user is not None:
            found.append(user)
    if limit is not None and len(found) > limit:
        found = sorted(random.Random(seed).sample(found, limit), key=lambda u: u.user_id)
    return found


def score(ranked: Sequence[int], targets: Sequence[int]) -> dict[str, float]:
    return {
        "recall@10": recall_at_k(ranked, list(targets), K) or 0.0,
        "ndcg@10": ndcg_at_k(ranked, list(targets), K) or 0.0,
    }


def evaluate(
    evaluation: Evaluation,
    holdout: float = 0.1,
    seed: int = 0,
    users: int | None = 200,
    given: int = 5,
    rankers: Sequence[str] = RANKERS,
    progress: Progress = lambda x: x,
) -> dict[str, Any]:
    """Train without the held-out users, rank for each of them, and report per ranker."""
    ratings = evaluation.ratings()
    held = split_users(ratings, holdout, seed)
    scored = held_out_users(ratings, held, given, users, seed)
    folded = evaluation.without_users(held)
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in rankers}
    for user in progress(scored):
        state = DialogueState(liked_items=user.given)
        gathered = folded.gather(state)
        for name in rankers:
            recs = folded.fuse(state, gathered, K, name, explain=False)
            rows[name].append(score([r.item_id for r in recs], user.targets))
    by_ranker = {
        name: {key: round(mean([r[key] for r in found]), 4) for key in ("recall@10", "ndcg@10")}
        for name, found in rows.items()
    }
    return {
        "recall@10": by_ranker[rankers[-1]]["recall@10"],
        "ndcg@10": by_ranker[rankers[-1]]["ndcg@10"],
        "by_ranker": by_ranker,
        "n_users": len(scored),
        "n_held_out": len(held),
        "n_users_total": int(ratings["user_id"].nunique()),
        "n_train_ratings": int((~ratings["user_id"].isin(held)).sum()),
        "n_targets": sum(len(u.targets) for u in scored),
        "given": given,
        "holdout": holdout,
        "seed": seed,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Parley on held-out MovieLens users",
        "",
        f"{result['n_held_out']} of {result['n_users_total']} users held out (share {result['holdout']}, "
        f"seed {result['seed']}); CF trained in memory on the other {result['n_train_ratings']} ratings. "
        f"{result['n_users']} held-out users scored, each given {result['given']} favourites as liked in "
        f"chat; targets: their other ratings >= {RELEVANT} ({result['n_targets']} in all).",
        "",
        "| ranker | recall@10 | ndcg@10 |",
        "|---|---|---|",
        *[f"| {name} | {row['recall@10']} | {row['ndcg@10']} |" for name, row in result["by_ranker"].items()],
        "",
    ]
    return "\n".join(lines)


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"a share between 0 and 1, not {text}")
    return value


def add_parser(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """The ``movielens`` subcommand."""
    p = sub.add_parser("movielens", help="held-out MovieLens users given their favourites as liked")
    p.add_argument("--holdout", type=_share, default=0.1, help="share of users held out of CF training")
    p.add_argument("--users", type=int, default=200, help="held-out users scored at most (seeded sample)")
    p.add_argument(
        "--given", type=int, choices=range(1, 11), metavar="1-10", default=5, help="favourites given as liked"
    )
    common(p)


def command(args: argparse.Namespace, rec: Recommender, out: Path) -> dict[str, Any]:
    from tqdm import tqdm

    def progress(items: Iterable[Any]) -> Iterable[Any]:
        return tqdm(list(items), desc="movielens", file=sys.stderr)

    users = args.users if args.limit is None else min(args.users, args.limit)
    result = evaluate(rec.evaluation(), args.holdout, args.seed, users, args.given, progress=progress)
    report = markdown(result)
    (out / "report.md").write_text(report, encoding="utf-8")
    print(report)
    return result
