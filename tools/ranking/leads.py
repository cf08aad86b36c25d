"""What leads a list under the learned fusion, whatever the model scored (``Ranker.fuse``): a
described wish's best matches, then anything by a person the user asked for. The chats the model
learned from reward what chats recommend, and seldom ask for a person or describe a place.

Each rule lifts its candidates above every other (``lifted``), in the model's order among
themselves; the person rule is applied last, so it leads both."""

from __future__ import annotations

from collections.abc import Callable

from tools.item_table import ItemTable


def lifted(scores: dict[int, float], chosen: Callable[[int], bool]) -> dict[int, float]:
    """``scores`` with the ``chosen`` items above every other (their order among themselves kept)."""
    if not scores:
        return scores
    lift = max(scores.values()) - min(scores.values()) + 1.0
    return {i: s + lift if chosen(i) else s for i, s in scores.items()}


def described_first(
    scores: dict[int, float], ranks: dict[int, dict[str, int]], lead: int
) -> dict[int, float]:
    """On a turn whose message described a wish ("a film set in Tokyo"), the vector source's best
    ``lead`` candidates (``RankerWeights.description_lead``; 0: none) first: without the lead the
    model put "It" and "Carrie" beside Jiro Dreams of Sushi for Tokyo."""
    if not lead:
        return scores
    return lifted(scores, lambda i: ranks[i].get("vector", lead + 1) <= lead)


def asked_people_first(
    scores: dict[int, float], items: ItemTable, people: frozenset[str]
) -> dict[int, float]:
    """An item by a person the user asked for ("anything by Kathryn Bigelow") first, as RRF's
    ``person`` weight makes it: the model put The Notebook first for Kathryn Bigelow."""
    if not people:
        return scores
    rows = items.rows
    return lifted(scores, lambda i: rows[i].by_any(people))
