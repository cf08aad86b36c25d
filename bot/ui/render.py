"""Plain rendering helpers for the web chat: chat messages, recommendation cards, the profile panel.

Everything a person or the model wrote is escaped here (``html.escape``) before it reaches markup:
the Chatbot also sanitises, but a card or a profile entry is never trusted as HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.session_store import StoredMessage
from bot.state import DialogueState
from bot.types import Recommendation, ToolStep
from tools.languages import language_name
from tools.preferences import LIMITS

SOURCE_LABELS = {"kg": "Knowledge graph", "cf": "People like you", "vector": "Similar story"}
PROFILE_FIELDS = {
    "liked_items": "Liked",
    "liked_outside": "Liked (not in my catalogue)",  # films beyond it: their genres, weakly
    "disliked_items": "Not for me",
    "liked_people": "Likes",
    "disliked_people": "Avoids",
    "genres_in": "Genre",
    "genres_out": "No",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def esc(text: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape(str(text), quote=True)


def chat_text(text: str) -> str:
    """A person's or the model's text for the Chatbot: HTML escaped, Markdown left as plain text."""
    return esc(text)


def refusal_text(reason: str) -> str:
    """The chat's standing notice on a worker that refuses to serve (``bot.readiness``): the reason, in
    place of the greeting, so that the person reads why there is no answer for as long as the page is open."""
    return f"### Parley cannot answer on this server\n{chat_text(reason)}"


def md_plain(text: str) -> str:
    """Escape Markdown punctuation too (titles inside generated Markdown)."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def title_line(rec: Recommendation) -> str:
    return f"{rec.title} ({rec.year})" if rec.year else rec.title


EVIDENCE_SKIP = {"kind", "source", "target", "type", "label", "hops", "item_id", "query"}


def _evidence_text(evidence: dict[str, Any]) -> str:
    """A short readable line of a reason's evidence (plain scalars and lists; ids and internals left out)."""
    parts = []
    for key, value in evidence.items():
        if key in EVIDENCE_SKIP or isinstance(value, dict):
            continue
        if isinstance(value, float):
            value = f"{value:.2f}"
        elif isinstance(value, list | tuple):
            if not value or isinstance(value[0], dict):
                continue
            value = ", ".join(str(v) for v in list(value)[:4])
        parts.append(f"{key.replace('_', ' ')}: {str(value)[:70]}")
        if len(parts) == 2:
            break
    return " · ".join(parts)


NOTES = {
    "liked": "👍 You liked this",
    "dislike": "👎 Not for you — I'll steer clear",
    "seen": "👁 Already seen",
}


def details_html(rec: Recommendation) -> str:
    """The numbers behind a card's reasons (weights, scores, counts) and its ranking score, folded
    away in a ``<details>`` the person opens if they want them."""
    lines = [
        f'<li class="p-evidence">{esc(reason.text)}: {esc(evidence)}</li>'
        for reason in rec.reasons[:3]
        if (evidence := _evidence_text(reason.evidence))
    ]
    lines.append(f'<li class="p-evidence">ranking score: {rec.score:.3f}</li>')
    return (
        '<details class="p-details"><summary>Details</summary>'
        f'<ul class="p-evidence-list">{"".join(lines)}</ul></details>'
    )


def card_html(rec: Recommendation, index: int, note: str = "") -> str:
    """One recommendation card, every field escaped: title, year, genres, the reasons in words,
    and their numbers behind a Details toggle (``details_html``)."""
    genres = "".join(f'<span class="p-chip">{esc(g)}</span>' for g in rec.genres[:5])
    reasons = []
    for reason in rec.reasons[:3]:
        reasons.append(
            f'<li class="p-reason"><span class="p-source p-source-{esc(reason.source)}">'
            f"{esc(SOURCE_LABELS.get(reason.source, reason.source))}</span> "
            f'<span class="p-reason-text">{esc(reason.text)}</span></li>'
        )
    year = f'<span class="p-year">{esc(rec.year)}</span>' if rec.year else ""
    status = f'<p class="p-note" role="status">{esc(NOTES[note])}</p>' if note in NOTES else ""
    return (
        f'<article class="p-card p-card-{esc(note or "open")}" data-item-id="{esc(rec.item_id)}" aria-label="{esc(title_line(rec))}">'
        f'<div class="p-card-head"><span class="p-rank">{index + 1}</span>'
        f'<h3 class="p-title">{esc(rec.title)}</h3>{year}</div>'
        f'<div class="p-genres">{genres}</div>'
        f'<ul class="p-reasons">{"".join(reasons)}</ul>{details_html(rec)}{status}</article>'
    )


def recommendations_markdown(recs: Iterable[Recommendation], start: int = 1) -> str:
    """The ranked list as a chat message (shown as soon as the ranker has it)."""
    lines = []
    for i, rec in enumerate(recs, start=start):
        genres = ", ".join(rec.genres[:3])
        line = f"{i}. **{md_plain(title_line(rec))}**"
        if genres:
            line += f" · {md_plain(genres)}"
        lines.append(line)
    return "\n".join(lines)


def reply_with_list(text: str, recs: Sequence[Recommendation]) -> str:
    """One chat message for a turn's list and its reply: the reply written so far, then the items it
    has not reached yet as the ranker's lines (title, genres). The list appears at once and each
    item's line is replaced by its written line as it streams in, so the list is shown once."""
    lines = [chat_text(text.strip())] if text.strip() else []
    pending = [(n, r) for n, r in enumerate(recs, 1) if f"{n}. {r.title}" not in text]
    if pending:
        lines.append(recommendations_markdown([r for _, r in pending], start=pending[0][0]))
    return "\n".join(lines)


def tool_step_message(step: ToolStep, parent: str) -> dict[str, Any]:
    """A collapsible "thinking" message for one tool call."""
    args = ", ".join(f"{k}={v!r}" for k, v in list(step.args.items())[:6])
    body = f"{step.summary or 'no result'}\n\nargs: {args}" if args else step.summary or "no result"
    status = "" if step.ok else " (failed)"
    return {
        "role": "assistant",
        "content": chat_text(body[:1200]),
        "metadata": {
            "title": f"{step.name}{status}",
            "parent_id": parent,
            "duration": round(step.ms / 1000, 2),
            "status": "done",
        },
    }


LIMIT_LABELS = {
    "year_min": "From {}",
    "year_max": "Until {}",
    "runtime_min": "At least {} min",
    "runtime_max": "At most {} min",
}


def profile_entries(
    state: DialogueState,
    title_of: Callable[[int], str],
    outside_title_of: Callable[[int], str] | None = None,
) -> list[tuple[str, str, str]]:
    """(field, value key, label) for every removable entry of the profile: tastes, then the limits
    (years, runtime, languages). ``outside_title_of`` names a liked film beyond the catalogue
    (``liked_outside``: its MovieLens id; without it, "film <id>")."""
    out = []
    for field, label in PROFILE_FIELDS.items():
        for value in getattr(state, field):
            if field == "liked_outside":
                shown = outside_title_of(value) if outside_title_of is not None else f"film {value}"
            else:
                shown = title_of(value) if isinstance(value, int) else str(value)
            out.append((field, str(value), f"{label}: {shown}"))
    for field, template in LIMIT_LABELS.items():
        bound = getattr(state, field)
        if bound is not None:
            out.append((field, str(bound), template.format(bound)))
    out.extend(("languages", code, f"In {language_name(code)}") for code in state.languages)
    return out


def profile_html(entries: list[tuple[str, str, str]]) -> str:
    if not entries:
        return '<p class="p-empty">Nothing yet. Tell Parley about films you love or can\'t stand.</p>'
    likes = [e for e in entries if e[0] in {"liked_items", "liked_outside", "liked_people", "genres_in"}]
    limits = [e for e in entries if e[0] in LIMITS]
    dislikes = [e for e in entries if e not in likes and e not in limits]

    def block(name: str, items: list[tuple[str, str, str]]) -> str:
        chips = (
            "".join(f'<li class="p-chip">{esc(label)}</li>' for _, _, label in items)
            or '<li class="p-empty">—</li>'
        )
        return f'<div class="p-prof"><h4>{name}</h4><ul class="p-chips">{chips}</ul></div>'

    html_out = block("You like", likes) + block("You'd rather not", dislikes)
    return html_out + (block("Limits", limits) if limits else "")


def history_to_chat(history: list[StoredMessage]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Chat messages and the last recommendations, rebuilt from a stored conversation."""
    chat: list[dict[str, Any]] = []
    last: list[dict[str, Any]] = []
    for message in history:
        if message.role == "user":
            chat.append({"role": "user", "content": chat_text(message.text)})
            continue
        recs = (message.payload or {}).get("recommendations") or []
        if recs:
            last = recs
            parsed = [Recommendation.model_validate(r) for r in recs]
            chat.append({"role": "assistant", "content": recommendations_markdown(parsed)})
        chat.append({"role": "assistant", "content": chat_text(message.text)})
    return chat, last
