"""The user-facing text a turn writes itself (besides the writer's recommendation text): what was
understood, questions, explanations of one recommendation, names of unavailable components."""

from __future__ import annotations

from collections.abc import Iterable

import prompts
from bot.policy import Question
from bot.state import DialogueState
from tools.engine import Toolbox
from tools.languages import language_name

# degraded component -> what the person is told is unavailable
COMPONENT_LABELS = {
    "kg": "the knowledge graph",
    "explain": "the knowledge graph",
    "vector": "semantic search",
    "cf_knn": "ratings",
    "cf_svd": "ratings",
    "popularity": "ratings",
    "chat": "conversation data",
    "chat_co": "conversation data",
    "chat_similar": "conversation data",
    "chat_recent": "conversation data",
    "llm": "the language model",
}


def titles(ids: Iterable[int], toolbox: Toolbox) -> list[str]:
    return [row.display_title for i in ids if (row := toolbox.items.get(i)) is not None]


def understood(state: DialogueState, toolbox: Toolbox) -> str:
    """A short summary of the preferences ("you like Heat; genres Crime; years 1990–1999")."""
    parts = []
    if state.liked_items:
        parts.append("you like " + ", ".join(titles(state.liked_items[-4:], toolbox)))
    outside = [
        f.display_title for i in state.liked_outside[-3:] if (f := toolbox.extended.film(i)) is not None
    ]
    if outside:
        its = "its" if len(outside) == 1 else "their"
        parts.append(f"you like {', '.join(outside)} (not in my catalogue: I used {its} genres)")
    if state.liked_people:
        parts.append("you like films by or with " + ", ".join(p.title() for p in state.liked_people[-3:]))
    if state.disliked_items:
        parts.append("not " + ", ".join(titles(state.disliked_items[-3:], toolbox)))
    if state.genres_in:
        parts.append("genres " + ", ".join(state.genres_in))
    if state.genres_out:
        parts.append("no " + ", ".join(state.genres_out))
    if state.year_min or state.year_max:
        parts.append(f"years {state.year_min or '…'}–{state.year_max or '…'}")
    if state.runtime_min is not None or state.runtime_max is not None:
        parts.append(runtime_words(state.runtime_min, state.runtime_max))
    if state.languages:
        parts.append("in " + " or ".join(language_name(code) for code in state.languages))
    return "; ".join(parts)


def _duration(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minutes"


def runtime_words(low: int | None, high: int | None) -> str:
    """A runtime range in words, saying that films of unknown length were left out (an unknown
    runtime never counts as short: ``tools.ranking.violates``)."""
    if low is not None and high is not None:
        bound = f"between {_duration(low)} and {_duration(high)}"
    elif high is not None:
        bound = f"at most {_duration(high)}"
    else:
        bound = f"at least {_duration(low or 0)}"
    return f"{bound} long (runtime unknown for some films, so I only kept ones I know are {bound})"


def labels(degraded: list[str]) -> list[str]:
    """The unavailable components, as the person is told about them (each once)."""
    return list(dict.fromkeys(COMPONENT_LABELS.get(d, d) for d in degraded))


def question_text(question: Question, state: DialogueState, toolbox: Toolbox) -> str:
    summary = understood(state, toolbox)
    acknowledgement = ("Noted: " + summary + ".") if summary else ""
    return prompts.render(
        "question.j2", slot=question.slot, options=question.options, acknowledgement=acknowledgement
    )


def explanation_text(item_id: int, reasons: list[str], toolbox: Toolbox) -> str:
    """Why one recommendation was made: its best three reasons (the first capitalised)."""
    row = toolbox.items.get(item_id)
    return prompts.render(
        "explain_reply.j2",
        title=row.display_title if row else str(item_id),
        year=row.year if row else None,
        reasons=[r[:1].upper() + r[1:] if n == 0 else r for n, r in enumerate(reasons[:3])],
    )
