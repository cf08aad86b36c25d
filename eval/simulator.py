"""A deterministic rule-based simulated user (iEvaLM-style attribute Q&A).

The user has a goal (target catalogue items) and knows the targets' facts (a ``facts(item_id)``
callable, e.g. ``Evaluation.facts``). It opens with a vague request derived from those facts
(a genre and an era, a director, or a genre and a keyword), answers the bot's questions (the slot of
``Reply.question``: genre, era, people, mood) from the facts, rejects recommendations that are not
targets ("not that one", plus a ``reject`` feedback event for each) while adding one more fact, and
stops when a target is recommended. It never states a target's title: every candidate utterance is
checked against the targets' titles (``leaks_title``) and dropped for the next phrasing when it
matches; ``leaks_dropped`` counts the drops.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz import fuzz

from bot.types import FeedbackKind
from eval.types import Dialogue, Goal, Utterance

Facts = Callable[[int], dict[str, Any]]
FALLBACKS = ("Any suggestions?", "What else do you have?", "Surprise me.", "?")
LEAK_RATIO = 90.0
MIN_FUZZY_LEN = 5


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def leaks_title(utterance: str, titles: Sequence[str]) -> bool:
    """Whether the utterance states one of the titles: the normalised title (lowercase ASCII words)
    occurs as whole words in the normalised utterance, or, for titles of at least 5 characters, the
    rapidfuzz partial ratio of title and utterance is at least 90 (misspellings, small variations)."""
    said = normalise(utterance)
    for title in titles:
        wanted = normalise(title)
        if not wanted:
            continue
        if f" {wanted} " in f" {said} ":
            return True
        if len(wanted) >= MIN_FUZZY_LEN and fuzz.partial_ratio(wanted, said) >= LEAK_RATIO:
            return True
    return False


def _person(key: str) -> str:
    return " ".join(part.capitalize() for part in key.split())


def _decade(year: object) -> str | None:
    return f"{(int(year) // 10) * 10}s" if isinstance(year, int) and year > 1800 else None


class RuleBasedUser:
    """``respond(dialogue) -> Utterance``; deterministic for a given seed, goal and dialogue."""

    def __init__(self, facts: Facts, seed: int = 0) -> None:
        self.facts = facts
        self.seed = seed
        self.leaks_dropped = 0

    # -- facts of the goal ----------------------------------------------------------------------
    def _target_facts(self, goal: Goal) -> list[dict[str, Any]]:
        return [f for t in goal.targets if (f := self.facts(t))]

    def _titles(self, goal: Goal) -> list[str]:
        return [str(f.get("title", "")) for f in self._target_facts(goal)]

    def _rng(self, goal: Goal, salt: int) -> random.Random:
        return random.Random(f"{self.seed}:{goal.goal_id}:{salt}")

    def _values(self, goal: Goal, field: str) -> list[str]:
        out: list[str] = []
        for facts in self._target_facts(goal):
            out.extend(str(v) for v in facts.get(field) or [] if str(v) != "IMAX")
        return list(dict.fromkeys(out))

    # -- phrasings ------------------------------------------------------------------------------
    def openers(self, goal: Goal) -> list[str]:
        rng = self._rng(goal, 0)
        facts = self._target_facts(goal)
        first = facts[0] if facts else {}
        genres = self._values(goal, "genres")
        keywords = self._values(goal, "keywords")
        directors = self._values(goal, "directors")
        decade = _decade(first.get("year"))
        genre = rng.choice(genres).lower() if genres else None
        keyword = rng.choice(keywords) if keywords else None
        options: list[str] = []
        if genre and decade:
            options.append(f"I'm in the mood for a {genre} movie from the {decade}.")
        if directors:
            options.append(f"Anything by {_person(rng.choice(directors))}?")
        if genre and keyword:
            options.append(f"Can you recommend a {genre} film about {keyword}?")
        if keyword:
            options.append(f"I'd like a movie about {keyword}.")
        rng.shuffle(options)
        return options

    def answers(self, goal: Goal, slot: str | None, turn: int) -> list[str]:
        rng = self._rng(goal, turn)
        facts = self._target_facts(goal)
        first = facts[0] if facts else {}
        genres = self._values(goal, "genres")
        out: list[str] = []
        if slot == "genre" and genres:
            out.append(f"I'd like {rng.choice(genres).lower()}.")
        elif slot == "era" and (decade := _decade(first.get("year"))):
            out.append(f"Something from the {decade}.")
        elif slot == "people":
            people = self._values(goal, "directors") or self._values(goal, "cast")[:3]
            if people:
                out.append(f"Something by {_person(rng.choice(people))}.")
            cast = self._values(goal, "cast")
            if cast:
                out.append(f"Something with {_person(rng.choice(cast))}.")
        elif slot == "mood" and (keywords := self._values(goal, "keywords")):
            out.append(f"Something about {rng.choice(keywords)}.")
        return out

    def more(self, goal: Goal, turn: int) -> list[str]:
        """One more fact after a rejection (cycling through cast, keywords, era and genres)."""
        rng = self._rng(goal, 100 + turn)
        first = (self._target_facts(goal) or [{}])[0]
        options = []
        cast = self._values(goal, "cast")
        if cast:
            options.append(f"Maybe something with {_person(rng.choice(cast))}.")
        keywords = self._values(goal, "keywords")
        if keywords:
            options.append(f"Maybe something about {rng.choice(keywords)}.")
        if decade := _decade(first.get("year")):
            options.append(f"Preferably from the {decade}.")
        genres = self._values(goal, "genres")
        if genres:
            options.append(f"I'd like {rng.choice(genres).lower()}.")
        if not options:
            return []
        start = turn % len(options)
        return options[start:] + options[:start]

    def _first_safe(self, goal: Goal, candidates: list[str], prefix: str = "") -> str:
        titles = self._titles(goal)
        for text in [*candidates, *FALLBACKS]:
            said = f"{prefix}{text}".strip()
            if not leaks_title(said, titles):
                return said
            self.leaks_dropped += 1
        return "?"

    # -- the simulator contract ------------------------------------------------------------------
    def respond(self, dialogue: Dialogue) -> Utterance:
        goal = dialogue.goal
        if goal is None:
            return Utterance(speaker="user", text="", stop=True)
        last = dialogue.last_bot()
        turn = len(dialogue.bot_utterances())
        if last is None:
            return Utterance(speaker="user", text=self._first_safe(goal, self.openers(goal)))
        shown = last.recommendations
        if set(shown) & set(goal.targets):
            return Utterance(speaker="user", text="", stop=True)
        if shown:
            rejected: list[tuple[int, FeedbackKind]] = [(i, "reject") for i in shown if i not in goal.targets]
            text = self._first_safe(goal, self.more(goal, turn), prefix="Not that one. ")
            return Utterance(speaker="user", text=text, feedback=rejected)
        if last.question is not None:
            candidates = self.answers(goal, last.slot, turn) or self.more(goal, turn)
            return Utterance(speaker="user", text=self._first_safe(goal, candidates))
        return Utterance(speaker="user", text=self._first_safe(goal, self.more(goal, turn)))
