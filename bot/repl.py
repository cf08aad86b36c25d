"""``parley chat``: a terminal chat over the tools and the ranker, with the template writer.

A first face of Parley: deterministic extraction, the fused ranker and replies composed only from
the evidence. The LLM agent replaces the writer and the policy in the agent issue.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import prompts
from bot.extract import apply, extract
from bot.settings import Settings, store_config
from retrieval.errors import ParleyError
from tools.engine import Toolbox
from tools.profile import PreferenceProfile
from tools.ranker import RankResult
from tools.stores import Stores

MAX_MESSAGE_CHARS = 2000


def describe(profile: PreferenceProfile, toolbox: Toolbox) -> str:
    def titles(ids: Iterable[int]) -> list[str]:
        return [row.title for i in ids if (row := toolbox.items.get(i)) is not None]

    parts = []
    if profile.liked_items:
        parts.append("you like " + ", ".join(titles(profile.liked_items)))
    if profile.disliked_items:
        parts.append("not " + ", ".join(titles(profile.disliked_items)))
    if profile.genres_in:
        parts.append("genres " + ", ".join(profile.genres_in))
    if profile.genres_out:
        parts.append("no " + ", ".join(profile.genres_out))
    if profile.year_min or profile.year_max:
        parts.append(f"years {profile.year_min or '…'}–{profile.year_max or '…'}")
    return "; ".join(parts)


def template_reply(
    result: RankResult, profile: PreferenceProfile, toolbox: Toolbox, ambiguous: list[str]
) -> str:
    items = [
        {"title": it.title, "year": it.year, "reasons": [e.summary for e in it.evidence[:2]]}
        for it in result.items
    ]
    return prompts.render(
        "template_reply.j2",
        items=items,
        understood=describe(profile, toolbox),
        degraded=result.degraded,
        ambiguous=ambiguous,
    )


def turn(text: str, profile: PreferenceProfile, toolbox: Toolbox) -> tuple[str, PreferenceProfile]:
    """One exchange: the reply and the updated profile (unchanged on bad input)."""
    cleaned = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        return "Please tell me about a film, a person, a genre or a mood you like.", profile
    if len(cleaned) > MAX_MESSAGE_CHARS:
        return f"That message is too long (over {MAX_MESSAGE_CHARS} characters); please shorten it.", profile
    found = extract(cleaned, toolbox.index)
    updated = apply(profile, found, cleaned)
    result = toolbox.ranker.rank(updated, k=5)
    shown = tuple(dict.fromkeys([*updated.recommended, *(it.item_id for it in result.items)]))
    ambiguous = [m.mention for m in found.ambiguous]
    return template_reply(result, updated, toolbox, ambiguous), updated.model_copy(
        update={"recommended": shown}
    )


def run_repl(settings: Settings) -> int:
    stores = Stores(store_config(settings))
    try:
        toolbox = Toolbox(stores)
    except ParleyError as error:
        print(f"parley chat: {error}", file=sys.stderr)
        return 2
    print(prompts.render("greeting.j2"))
    profile = PreferenceProfile()
    try:
        while True:
            try:
                text = input("you> ")
            except EOFError:
                break
            if text.strip().lower() in {"quit", "exit"}:
                break
            if text.strip().lower() == "reset":
                profile = PreferenceProfile()
                print("parley> Starting over.")
                continue
            reply, profile = turn(text, profile, toolbox)
            print("parley> " + reply.replace("\n", "\n        "))
    finally:
        stores.close()
    return 0
