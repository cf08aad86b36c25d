"""Drive Parley through its public API: one session per dialogue, timed turns, feedback events.

``simulate`` runs goal-driven dialogues with a simulated user under several policy variants
(Recommenders that differ only in ``max_questions``)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.evaluation import Evaluation
from bot.recommender import Recommender, Session
from eval.beyond import BeyondAccuracy
from eval.metrics import DialogueResult, common_figures, evaluate_dialogue, mean
from eval.simulator import RuleBasedUser
from eval.types import Dialogue, Goal, Utterance

POLICIES = {"normal": 2, "never_ask": 0}
Progress = Callable[[Iterable[Any]], Iterable[Any]]


def _identity(items: Iterable[Any]) -> Iterable[Any]:
    return items


def bot_turn(session: Session, text: str) -> Utterance:
    started = time.perf_counter()
    reply = session.respond(text)
    ms = (time.perf_counter() - started) * 1000.0
    return Utterance(speaker="bot", text=reply.text, reply=reply, ms=round(ms, 2))


def apply_feedback(session: Session, utterance: Utterance, catalogue: set[int]) -> None:
    for item_id, kind in utterance.feedback:
        if item_id in catalogue:
            session.feedback(item_id, kind)


def run_goal_dialogue(
    recommender: Recommender,
    simulator: RuleBasedUser,
    goal: Goal,
    max_turns: int,
    catalogue: set[int],
    dialogue_id: str | None = None,
) -> Dialogue:
    """User and bot alternate until the user stops (a target was recommended) or after
    ``max_turns`` bot turns."""
    session = recommender.new_session()
    dialogue = Dialogue(dialogue_id=dialogue_id or goal.goal_id, goal=goal)
    for _ in range(max_turns):
        user = simulator.respond(dialogue)
        dialogue.utterances.append(user)
        if user.stop:
            return dialogue
        apply_feedback(session, user, catalogue)
        dialogue.utterances.append(bot_turn(session, user.text))
    final = simulator.respond(dialogue)  # lets the user register a last-turn success
    if final.stop:
        dialogue.utterances.append(final)
    return dialogue


def sample_goals(recommender: Recommender, n: int, seed: int, min_popularity: int = 20) -> list[Goal]:
    """n single-target goals drawn (seeded) from catalogue items with at least ``min_popularity``
    ratings (items nobody rated cannot be found by any collaborative signal and are rarely asked
    for in recommendation dialogues)."""
    evaluation = recommender.evaluation()
    pool = [
        i for i in evaluation.catalogue_ids() if evaluation.facts(i).get("popularity", 0) >= min_popularity
    ]
    rng = random.Random(seed)
    chosen = rng.sample(pool, min(n, len(pool)))
    return [Goal(goal_id=f"sample-{i}", targets=[i]) for i in chosen]


def simulate(
    make: Callable[[int], Recommender],
    goals: Sequence[Goal],
    max_turns: int,
    seed: int,
    progress: Progress = _identity,
    policies: dict[str, int] | None = None,
) -> tuple[dict[str, Any], dict[str, list[Dialogue]]]:
    """Run every goal under every policy variant. ``make(max_questions)`` builds a Recommender
    (sharing one toolbox). Returns the result dictionary and the dialogues by policy."""
    policies = policies or POLICIES
    by_policy: dict[str, Any] = {}
    dialogues: dict[str, list[Dialogue]] = {}
    all_results: list[DialogueResult] = []
    total_leaks = 0
    beyond: dict[str, dict[str, Any]] = {}
    for name, max_questions in policies.items():
        recommender = make(max_questions)
        evaluation = recommender.evaluation()
        catalogue = set(evaluation.catalogue_ids())
        user = RuleBasedUser(evaluation.facts, seed=seed)
        runs = [
            run_goal_dialogue(recommender, user, goal, max_turns, catalogue, f"{name}:{goal.goal_id}")
            for goal in progress(list(goals))
        ]
        results = [
            evaluate_dialogue(d, catalogue, evaluation.facts, evaluation.violations, evaluation.quotable)
            for d in runs
        ]
        dialogues[name] = runs
        beyond[name] = shown_beyond_accuracy(evaluation, runs)
        all_results.extend(results)
        total_leaks += user.leaks_dropped
        by_policy[name] = summarise_goals(results, user.leaks_dropped) | {"max_questions": max_questions}
    first = next(iter(policies))
    out = {k: by_policy[first][k] for k in SIM_KEYS}
    out["title_leaks_dropped"] = total_leaks
    out |= common_figures(all_results)
    out["policy"] = first
    out["max_turns"] = max_turns
    out["by_policy"] = by_policy
    out["beyond_accuracy"] = beyond
    return out, dialogues


def shown_beyond_accuracy(evaluation: Evaluation, dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """The beyond-accuracy figures (``eval.beyond``) of every list the bot showed; taste known:
    the turn's state had a liked film."""
    beyond = BeyondAccuracy.of(evaluation)
    for dialogue in dialogues:
        for utterance in dialogue.bot_utterances():
            if utterance.reply is not None and utterance.recommendations:
                beyond.add("shown", utterance.recommendations, bool(utterance.reply.profile.liked_items))
    return beyond.by_ranker().get("shown", beyond.figures([]) | {"taste_known": beyond.figures([])})


SIM_KEYS = ("success_rate", "avg_turns", "recall@1", "recall@10", "n_dialogues", "title_leaks_dropped")


def summarise_goals(results: Sequence[DialogueResult], leaks: int) -> dict[str, Any]:
    """avg_turns: bot turns until success, or all bot turns of an unsuccessful dialogue."""
    return {
        "success_rate": round(mean([1.0 if r.success else 0.0 for r in results]), 4),
        "avg_turns": round(mean([float(r.turns_to_success or r.n_turns) for r in results]), 3),
        "recall@1": round(mean([r.recall_at_1 for r in results]), 4),
        "recall@10": round(mean([r.recall_at_10 for r in results]), 4),
        "n_dialogues": len(results),
        "title_leaks_dropped": leaks,
    } | common_figures(results)
