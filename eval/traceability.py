"""Reason traceability: whether each reason a recommendation shows is true of its turn.

A reason is checked three ways (``reason_traceability``): the tool it names ran in the turn, its
evidence's claim holds against the catalogue facts and the turn's state, and its text (what the
person reads) states that claim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz import fuzz

from bot.state import DialogueState
from bot.types import Reason, Recommendation, ToolStep

Facts = Callable[[int], dict[str, Any]]

SOURCE_TOOLS = {"kg": {"kg_lookup"}, "cf": {"cf_score", "trending"}, "vector": {"vector_search"}}
# the evidence field a reason's text must quote, by kind
STATED_FIELD = {
    "by_person": "person_key",
    "popular": "n_ratings",
    "trending": "recent_ratings",
    "chat_recommended": "n_dialogues",
    "chat_recent": "n_dialogues",
}
RELATION_FIELDS = {
    "shared_director": ("directors",),
    "shared_cast": ("cast",),
    "shared_person": ("directors", "cast"),  # one person, directing one film and acting in the other
    "shared_keyword": ("keywords",),
    "shared_genre": ("genres",),
}


def _norm(text: object) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def _has(facts: dict[str, Any], fields: Sequence[str], key: str) -> bool:
    wanted = _norm(key)
    return bool(wanted) and any(wanted in {_norm(v) for v in facts.get(f) or []} for f in fields)


def _tool_ran(source: str, trace: Sequence[ToolStep] | None) -> bool:
    if trace is None:  # a ranking outside a chat turn (replay): nothing to check against
        return True
    tools = SOURCE_TOOLS.get(source, set())
    return any(s.ok and s.name in tools and s.args.get("action") != "link" for s in trace)


def _kg_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    kind = str(ev.get("kind", ""))
    if kind == "by_person":
        person = str(ev.get("person_key", ""))
        return _norm(person) in {_norm(p) for p in state.liked_people} and _has(
            facts(rec.item_id), ("directors", "cast"), person
        )
    fields = RELATION_FIELDS.get(kind)
    if fields is None:
        return False
    nodes = ev.get("nodes") or []
    key: Any = ev.get("key")
    if key is None and len(nodes) > 2 and isinstance(nodes[1], dict):
        key = nodes[1].get("id")
    sources = [int(v) for v in ev.get("via") or []]
    if not sources and ev.get("source") is not None:
        sources = [int(ev["source"])]
    if key is None or not sources:
        return False
    liked = set(state.liked_items)
    return _has(facts(rec.item_id), fields, str(key)) and all(
        s in liked and _has(facts(s), fields, str(key)) for s in sources
    )


def _cf_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    kind = str(ev.get("kind", ""))
    liked = set(state.liked_items)
    if kind == "cf_neighbours":
        neighbours = [int(n["item_id"]) for n in ev.get("neighbours") or []]
        return bool(neighbours) and all(n in liked for n in neighbours)
    if kind == "svd_foldin":
        rating = ev.get("predicted_rating")
        close = [int(n["item_id"]) for n in ev.get("closest_liked") or []]
        return isinstance(rating, int | float) and 0.5 <= rating <= 5.0 and all(c in liked for c in close)
    if kind in ("popular", "trending"):
        n = ev.get("n_ratings")
        return isinstance(n, int) and n > 0 and n == facts(rec.item_id).get("popularity")
    if kind in ("chat_recommended", "chat_recent"):  # a replay leaves its own dialogue out: lower
        n, recorded = ev.get("n_dialogues"), facts(rec.item_id).get("chat_recommended")
        counted = isinstance(n, int) and isinstance(recorded, int) and 0 < n <= recorded
        if kind == "chat_recent":  # "a 2019 film": the film's own year
            year = facts(rec.item_id).get("year")
            return counted and year is not None and ev.get("year") == year
        return counted
    if kind == "chat_co_recommended":
        via, counts = [int(v) for v in ev.get("via") or []], list(ev.get("counts") or [])
        recorded = facts(rec.item_id).get("chat_co_recommended") or {}
        return (
            bool(via)
            and len(via) == len(counts)
            and all(
                v in liked and 0 < int(c) <= int(recorded.get(v, 0)) for v, c in zip(via, counts, strict=True)
            )
        )
    if kind == "chat_similar":
        return _chat_similar_claim(rec, ev, state, facts)
    return False


def _chat_similar_claim(rec: Recommendation, ev: dict[str, Any], state: DialogueState, facts: Facts) -> bool:
    """ "Recommended in n chats like this one (people who also mentioned X / asked for 'w')": n is
    at most the chats that recommended it, X was named in this conversation and w was said in it."""
    n, recorded = ev.get("n_dialogues"), facts(rec.item_id).get("chat_recommended")
    named = set(state.to_profile().person_items)
    said = state.conversation_text.lower()
    via, words = [int(v) for v in ev.get("via") or []], [str(w) for w in ev.get("words") or []]
    return (
        isinstance(n, int)
        and isinstance(recorded, int)
        and 0 < n <= recorded
        and bool(via or words or ev.get("matched_words"))  # words shared but none worth showing
        and all(v in named for v in via)
        and all(re.search(rf"\b{re.escape(w)}", said) for w in words)
    )


def _vector_claim(rec: Recommendation, ev: dict[str, Any]) -> bool:
    snippet = _norm(ev.get("snippet", ""))
    title = _norm(rec.title)
    return bool(snippet and title) and fuzz.partial_ratio(title, snippet[: len(title) + 60]) >= 90


def _shared_name(ev: dict[str, Any]) -> object:
    """The shared person / keyword / genre a graph reason names: the neighbour row's name or key,
    or the middle node of its path."""
    nodes = ev.get("nodes") or []
    middle = nodes[1] if len(nodes) > 2 and isinstance(nodes[1], dict) else {}
    return ev.get("name") or middle.get("name") or middle.get("id") or ev.get("key")


def _named_titles(ev: dict[str, Any], facts: Facts) -> list[object]:
    """The titles a collaborative-filtering reason names: its first two liked neighbours."""
    rows = ev.get("neighbours") or ev.get("closest_liked") or []
    return [facts(int(r["item_id"])).get("title") for r in rows[:2] if isinstance(r, dict)]


def reason_stated(reason: Reason, facts: Facts) -> bool:
    """Whether the reason's text states its evidence's specific claim, word for word (after folding
    case and accents): the shared entity, the person, the rating or chat counts, the movies named
    and the words asked for, the liked films a rating reason names (``cf_neighbours``,
    ``svd_foldin``: the first two). ``text_match`` (its snippet is checked as the claim) passes."""
    ev = reason.evidence
    kind = str(ev.get("kind", ""))
    claimed: list[object]
    if kind in RELATION_FIELDS:
        claimed = [_shared_name(ev)]
    elif kind in STATED_FIELD:
        claimed = [ev.get(STATED_FIELD[kind])]
    elif kind in ("chat_co_recommended", "chat_similar"):
        claimed = [facts(int(v)).get("title") for v in (ev.get("via") or [])[:2]]
        claimed += [ev.get("n_dialogues")] if kind == "chat_similar" else []
        claimed += list(ev.get("words") or [])
    elif kind in ("cf_neighbours", "svd_foldin"):
        claimed = _named_titles(ev, facts)
    else:
        return True
    text = f" {_norm(reason.text)} "
    return all(c is not None and _norm(c) and f" {_norm(c)} " in text for c in claimed)


def reason_verified(
    rec: Recommendation,
    reason: Reason,
    state: DialogueState,
    trace: Sequence[ToolStep] | None,
    facts: Facts,
) -> bool:
    """Whether one reason is verified against its turn (see ``reason_traceability``)."""
    if not _tool_ran(reason.source, trace) or not reason_stated(reason, facts):
        return False
    if reason.source == "kg":
        return _kg_claim(rec, reason.evidence, state, facts)
    if reason.source == "cf":
        return _cf_claim(rec, reason.evidence, state, facts)
    return _vector_claim(rec, reason.evidence)


def reason_traceability(
    recommendations: Sequence[Recommendation],
    state: DialogueState,
    trace: Sequence[ToolStep] | None,
    facts: Facts,
) -> tuple[int, int]:
    """(verified reasons, reasons) of one turn's recommendations.

    A reason is *verified* when all three hold:

    1. **the tool ran**: the turn's trace has a successful step of the reason's tool — ``kg`` →
       ``kg_lookup`` (not the ``link`` action), ``cf`` → ``cf_score`` or ``trending``, ``vector`` →
       ``vector_search`` (skipped when ``trace`` is None: a ranking outside a chat turn);
    2. **the claim holds** against the catalogue facts (``Recommender.item_facts``, as plain data: ``Evaluation.facts``) and the turn's
       state (the reply's profile):

       * ``kg`` ``shared_director|shared_cast|shared_keyword|shared_genre``: the shared entity (the
         evidence's ``key``, or the middle node of its path) is among the recommended item's
         directors / cast / keywords / genres, and among those of every item it is said to share it
         with (``via`` or the path's ``source``), each of which the person liked;
       * ``kg`` ``by_person``: the person is one the person liked and directs or acts in the item;
       * ``cf`` ``cf_neighbours``: at least one neighbour, all liked items; ``svd_foldin``: the
         predicted rating is within 0.5..5 and every "closest liked" item is liked; ``popular`` /
         ``trending``: the rating count is positive and equals the item's catalogue popularity;
       * ``vector`` ``text_match``: the matched snippet is the recommended item's own text (its
         title fuzzy-matches the snippet's opening, partial ratio >= 90).
    3. **the text states it** (``reason_stated``): what the person reads names the claim's shared
       entity or person, its counts, the movies it says were mentioned and the words it says were
       asked for — a reason whose text says something its evidence does not back is unverified.

    Any other evidence kind is unverified. Traceability is verified / reasons (1.0 when no reasons).
    """
    verified = total = 0
    for rec in recommendations:
        for reason in rec.reasons:
            total += 1
            verified += reason_verified(rec, reason, state, trace, facts)
    return verified, total


# -- reasons a person would read --------------------------------------------------------------------

Quotable = Callable[[str], bool]  # whether a word or keyword may be shown (``Evaluation.quotable``)
FAULTS = ("filler", "bot_mentions")
_QUOTED = re.compile(r"(?<![A-Za-z])'([^']+)'(?![A-Za-z])")
_CITED = re.compile(r"\u201c[^\u201d]*\u201d")  # a film's own text, cited: not the reason's words


def _shown_words(reason: Reason) -> list[str]:
    """What a reason quotes to the person: the words it says were asked for, the keyword it says
    is shared, and anything in single quotes in its text (outside a “cited” snippet of the film's
    own description)."""
    ev = reason.evidence
    shown = [str(w) for w in ev.get("words") or []]
    if ev.get("kind") == "shared_keyword" and (name := _shared_name(ev)) is not None:
        shown.append(str(name))
    return shown + _QUOTED.findall(_CITED.sub(" ", reason.text))


def _items_as_the_persons(ev: dict[str, Any]) -> list[int]:
    """The items a reason presents as the person's: what it says they mentioned or liked."""
    found = [int(v) for v in ev.get("via") or []]
    if ev.get("kind") in RELATION_FIELDS and ev.get("source") is not None:
        found.append(int(ev["source"]))
    for key in ("neighbours", "closest_liked"):
        found += [int(r["item_id"]) for r in ev.get(key) or [] if isinstance(r, dict)]
    return found


def reason_faults(reason: Reason, state: DialogueState, quotable: Quotable) -> list[str]:
    """What makes a reason one a person should not read (``FAULTS``, empty when none):

    * ``filler``: it quotes a word or keyword that says nothing about films ('please', 'second',
      'duringcreditsstinger'; ``quotable`` is the catalogue's rule, ``tools.reason_words``);
    * ``bot_mentions``: it names as the person's ("people who also mentioned X", "like X") an item
      the person never named or judged: Parley's own suggestions are not what the person said."""
    faults = []
    if any(not quotable(w) for w in _shown_words(reason)):
        faults.append("filler")
    persons = set(state.liked_items) | set(state.disliked_items)
    if any(i not in persons for i in _items_as_the_persons(reason.evidence)):
        faults.append("bot_mentions")
    return faults


def count_faults(
    recommendations: Sequence[Recommendation], state: DialogueState, quotable: Quotable
) -> dict[str, int]:
    """``reason_<fault>`` -> the reasons of one turn with that fault (``reason_faults``)."""
    counts = dict.fromkeys((f"reason_{f}" for f in FAULTS), 0)
    for rec in recommendations:
        for reason in rec.reasons:
            for fault in reason_faults(reason, state, quotable):
                counts[f"reason_{fault}"] += 1
    return counts
