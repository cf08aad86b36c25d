"""Scripted dialogues: fixed user turns with expectations per turn and per dialogue.

A suite is YAML (``dialogues: [...]`` or a bare list) or JSONL (one dialogue per line)::

    - id: heat-fan
      category: single favourite
      requires: [6]                 # catalogue ids the script relies on; skipped when one is missing
      turns:
        - user: I loved Heat
          feedback: [{position: 1, kind: reject}]   # optional, applied before this message
          expect: {recommends_any_of: [Casino, 1089], never_recommends: [6], asks_question: false}
      expect: {max_turns_to_recommendation: 1}

Expectations (per turn: about that reply; per dialogue: about the whole dialogue):

* ``recommends_any_of``: ids or titles; at least one is recommended (that turn / some turn);
* ``never_recommends``: ids, titles or ``@previous:N`` / ``@previous:all`` (the N-th / every item of
  the previous bot turn's list); none is recommended (that turn / any turn);
* ``asks_question``: true / false — the reply asks a question (that turn / some turn);
* ``max_turns_to_recommendation``: (dialogue) the first recommendation comes at bot turn <= N;
* ``all_in_genres`` / ``all_in_genres_except``: every recommendation has one of these genres / none
  of them (that turn / every turn);
* ``all_in_years``: ``[min, max]``: every recommendation's year is within (that turn / every turn);
* ``mentions`` / ``not_mentions``: text (or a list) that the reply contains / does not contain,
  case-insensitively (that turn / some turn for ``mentions``, every turn for ``not_mentions``);
* ``with_keywords``: (per turn) ``{any_of: [keyword keys], at_least: N}``: at least N of the reply's
  recommendations carry one of these catalogue keywords ("set in Tokyo" -> 'tokyo' or 'japan');
* ``state``: (per turn) preference fields of the reply's state: ``{runtime_max: 120}`` holds that
  value, ``{languages: [fr]}`` holds these list items.

Every turn is also checked against the hard constraints of its own state (runtime, language, years,
genres, people: ``Evaluation.violations``); a recommendation that breaks one fails the script. So
does a reason a person should not read (``eval.traceability.reason_faults``): one quoting filler
words ('please', 'second') or naming Parley's own suggestions as what the person mentioned.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

from bot.evaluation import Evaluation
from bot.recommender import Recommender
from bot.types import FeedbackKind, Recommendation
from eval.harness import bot_turn
from eval.metrics import DialogueResult, evaluate_dialogue
from eval.traceability import reason_faults
from eval.types import Dialogue, Utterance

SUITE_DIR = Path(__file__).resolve().parent / "scripts"


class KeywordExpect(BaseModel):
    """At least ``at_least`` recommendations carry one of the keywords ``any_of`` (entity keys)."""

    any_of: list[str]
    at_least: int = Field(default=1, ge=1)


class Expect(BaseModel):
    """Expectations about one reply (per turn) or the whole dialogue (per dialogue)."""

    recommends_any_of: list[int | str] | None = None
    never_recommends: list[int | str] | None = None
    asks_question: bool | None = None
    max_turns_to_recommendation: int | None = None
    mentions: list[str] | None = None
    not_mentions: list[str] | None = None
    all_in_genres: list[str] | None = None
    all_in_genres_except: list[str] | None = None
    all_in_years: tuple[int, int] | None = None
    with_keywords: KeywordExpect | None = None
    state: dict[str, Any] | None = (
        None  # preference fields the reply's state holds: a value, or items of a list
    )

    @field_validator("mentions", "not_mentions", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Feedback(BaseModel):
    kind: FeedbackKind
    position: int | None = None  # 1-based position in the previous bot turn's list
    item_id: int | None = None


class Turn(BaseModel):
    user: str
    feedback: list[Feedback] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)


class Script(BaseModel):
    id: str
    category: str = ""
    requires: list[int] = Field(default_factory=list)
    turns: list[Turn]
    expect: Expect = Field(default_factory=Expect)


def load_suite(path: Path) -> list[Script]:
    """Scripts from a YAML/JSONL file, or from every ``*.yaml`` / ``*.jsonl`` in a directory."""
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml"), *path.glob("*.jsonl")])
        return [s for f in files for s in load_suite(f)]
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        raw = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        loaded = yaml.safe_load(text) or []
        raw = loaded.get("dialogues", []) if isinstance(loaded, dict) else loaded
    return [Script.model_validate(item) for item in raw]


def _norm(text: object) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def matches(rec: Recommendation, wanted: int | str) -> bool:
    if isinstance(wanted, int):
        return rec.item_id == wanted
    name = _norm(wanted)
    return name in (_norm(rec.title), _norm(f"{rec.title} {rec.year}"))


def _resolve(values: Iterable[int | str], previous: list[int]) -> list[int | str]:
    out: list[int | str] = []
    for v in values:
        if isinstance(v, str) and v.startswith("@previous:"):
            which = v.split(":", 1)[1]
            if which == "all":
                out.extend(previous)
            elif which.isdigit() and 0 < int(which) <= len(previous):
                out.append(previous[int(which) - 1])
        else:
            out.append(v)
    return out


def _said(utterance: Utterance) -> dict[str, Any]:
    reply = utterance.reply
    return {
        "bot_said": utterance.text[:600],
        "recommended": [f"{r.title} ({r.year}) #{r.item_id}" for r in reply.recommendations] if reply else [],
        "question": reply.question if reply else None,
    }


def check_items(expect: Expect, recs: list[Recommendation]) -> list[dict[str, Any]]:
    """The expectations every recommendation must meet (genres, years)."""
    failed: list[dict[str, Any]] = []
    if expect.all_in_genres is not None:
        hits = [r.title for r in recs if not set(r.genres) & set(expect.all_in_genres)]
        if hits:
            failed.append({"expectation": "all_in_genres", "expected": expect.all_in_genres, "hit": hits})
    if expect.all_in_genres_except is not None:
        hits = [r.title for r in recs if set(r.genres) & set(expect.all_in_genres_except)]
        if hits:
            failed.append(
                {"expectation": "all_in_genres_except", "expected": expect.all_in_genres_except, "hit": hits}
            )
    if expect.all_in_years is not None:
        low, high = expect.all_in_years
        hits = [f"{r.title} ({r.year})" for r in recs if r.year is None or not low <= r.year <= high]
        if hits:
            failed.append({"expectation": "all_in_years", "expected": list(expect.all_in_years), "hit": hits})
    return failed


def check_turn(expect: Expect, utterance: Utterance, previous: list[int]) -> list[dict[str, Any]]:
    recs = utterance.reply.recommendations if utterance.reply else []
    text = utterance.text.lower()
    failed: list[dict[str, Any]] = check_items(expect, recs)
    if expect.recommends_any_of is not None and not any(
        matches(r, w) for r in recs for w in expect.recommends_any_of
    ):
        failed.append({"expectation": "recommends_any_of", "expected": expect.recommends_any_of})
    if expect.never_recommends is not None:
        banned = _resolve(expect.never_recommends, previous)
        hits = [r.title for r in recs if any(matches(r, w) for w in banned)]
        if hits:
            failed.append(
                {"expectation": "never_recommends", "expected": expect.never_recommends, "hit": hits}
            )
    if expect.asks_question is not None and (utterance.question is not None) != expect.asks_question:
        failed.append({"expectation": "asks_question", "expected": expect.asks_question})
    for needle in expect.mentions or []:
        if needle.lower() not in text:
            failed.append({"expectation": "mentions", "expected": needle})
    for needle in expect.not_mentions or []:
        if needle.lower() in text:
            failed.append({"expectation": "not_mentions", "expected": needle})
    profile = utterance.reply.profile if utterance.reply else None
    for field, wanted in (expect.state or {}).items():
        held = getattr(profile, field, None)
        ok = (
            set(wanted) <= set(held)
            if isinstance(wanted, list) and isinstance(held, list)
            else held == wanted
        )
        if not ok:
            failed.append({"expectation": "state", "field": field, "expected": wanted, "held": held})
    return failed


def check_dialogue(
    expect: Expect, bots: list[Utterance], previous_of: list[list[int]]
) -> list[dict[str, Any]]:
    failed: list[dict[str, Any]] = []
    recs = [r for u in bots for r in (u.reply.recommendations if u.reply else [])]
    if expect.recommends_any_of is not None and not any(
        matches(r, w) for r in recs for w in expect.recommends_any_of
    ):
        failed.append({"expectation": "recommends_any_of", "expected": expect.recommends_any_of})
    if expect.never_recommends is not None:
        for u, previous in zip(bots, previous_of, strict=True):
            banned = _resolve(expect.never_recommends, previous)
            hits = [
                r.title
                for r in (u.reply.recommendations if u.reply else [])
                if any(matches(r, w) for w in banned)
            ]
            if hits:
                failed.append(
                    {"expectation": "never_recommends", "expected": expect.never_recommends, "hit": hits}
                )
                break
    if expect.asks_question is not None and any(u.question for u in bots) != expect.asks_question:
        failed.append({"expectation": "asks_question", "expected": expect.asks_question})
    if expect.max_turns_to_recommendation is not None:
        first = next((n for n, u in enumerate(bots, 1) if u.recommendations), None)
        if first is None or first > expect.max_turns_to_recommendation:
            failed.append(
                {
                    "expectation": "max_turns_to_recommendation",
                    "expected": expect.max_turns_to_recommendation,
                    "first": first,
                }
            )
    for needle in expect.mentions or []:
        if not any(needle.lower() in u.text.lower() for u in bots):
            failed.append({"expectation": "mentions", "expected": needle})
    for needle in expect.not_mentions or []:
        if any(needle.lower() in u.text.lower() for u in bots):
            failed.append({"expectation": "not_mentions", "expected": needle})
    return failed


class ScriptOutcome(BaseModel):
    id: str
    category: str
    passed: bool
    failures: list[dict[str, Any]]
    dialogue: Dialogue
    result: DialogueResult


def keyword_shortfall(wanted: KeywordExpect, utterance: Utterance, evaluation: Evaluation) -> dict[str, Any]:
    """The ``with_keywords`` failure of a reply ({} when it holds)."""
    recs = utterance.reply.recommendations if utterance.reply else []
    keys = set(wanted.any_of)
    carrying = [r.title for r in recs if keys & set(evaluation.facts(r.item_id).get("keywords") or [])]
    if len(carrying) >= wanted.at_least:
        return {}
    return {"expectation": "with_keywords", "expected": wanted.model_dump(), "hit": carrying}


def run_script(recommender: Recommender, script: Script, catalogue: set[int]) -> ScriptOutcome:
    session = recommender.new_session()
    evaluation = recommender.evaluation()
    dialogue = Dialogue(dialogue_id=script.id)
    failures: list[dict[str, Any]] = []
    previous: list[int] = []
    previous_of: list[list[int]] = []
    bots: list[Utterance] = []
    for n, turn in enumerate(script.turns, start=1):
        for fb in turn.feedback:
            item = fb.item_id
            if item is None and fb.position is not None and 0 < fb.position <= len(previous):
                item = previous[fb.position - 1]
            if item is not None and item in catalogue:
                session.feedback(item, fb.kind)
        dialogue.utterances.append(Utterance(speaker="user", text=turn.user))
        bot = bot_turn(session, turn.user)
        dialogue.utterances.append(bot)
        for failure in check_turn(turn.expect, bot, previous):
            failures.append({"turn": n, "user": turn.user, **failure, **_said(bot)})
        if (wanted := turn.expect.with_keywords) is not None and (
            missing := keyword_shortfall(wanted, bot, evaluation)
        ):
            failures.append({"turn": n, "user": turn.user, **missing, **_said(bot)})
        if bot.reply is not None and (
            broken := evaluation.violations(bot.reply.recommendations, bot.reply.profile)
        ):
            failures.append({"turn": n, "user": turn.user, "expectation": "hard constraints", "hit": broken})
        if bot.reply is not None:  # every reason names a true, specific connection (eval.traceability)
            bad = [
                f"{rec.title}: {reason.text} ({', '.join(found)})"
                for rec in bot.reply.recommendations
                for reason in rec.reasons
                if (found := reason_faults(reason, bot.reply.profile, evaluation.quotable))
            ]
            if bad:
                failures.append({"turn": n, "user": turn.user, "expectation": "readable reasons", "hit": bad})
        previous_of.append(previous)
        bots.append(bot)
        previous = bot.recommendations or previous
    for failure in check_dialogue(script.expect, bots, previous_of):
        failures.append({"turn": None, **failure, **(_said(bots[-1]) if bots else {})})
    result = evaluate_dialogue(
        dialogue, catalogue, evaluation.facts, evaluation.violations, evaluation.quotable
    )
    return ScriptOutcome(
        id=script.id,
        category=script.category,
        passed=not failures,
        failures=failures,
        dialogue=dialogue,
        result=result,
    )


def run_suite(
    recommender: Recommender,
    scripts: list[Script],
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda x: x,
) -> tuple[list[ScriptOutcome], list[str]]:
    """(outcomes, ids of scripts skipped because a required item is not in the catalogue)."""
    catalogue = set(recommender.evaluation().catalogue_ids())
    runnable = [s for s in scripts if all(i in catalogue for i in s.requires)]
    skipped = [s.id for s in scripts if s not in runnable]
    return [run_script(recommender, s, catalogue) for s in progress(runnable)], skipped
