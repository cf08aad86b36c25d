"""What a fact card shows of an item beyond its ranked row: the overview and the facts by relation
(cast in billing order), from the catalogue in memory or, above ``items_in_memory_max``, from the
item store file (``tools.item_store``), read per card."""

from __future__ import annotations

from abc import ABC, abstractmethod

from pydantic import BaseModel, ConfigDict, Field

from retrieval.catalogue_types import Catalogue


class CardFacts(BaseModel):
    """One item's overview and facts (``{"director": [...], "cast": [...], "keyword": [...]}``)."""

    model_config = ConfigDict(frozen=True)

    overview: str = ""
    facts: dict[str, list[str]] = Field(default_factory=dict)


class CardFactSource(ABC):
    """The card facts of items by id (None: not in the catalogue)."""

    @abstractmethod
    def get(self, item_id: int) -> CardFacts | None: ...


def facts_by_item(catalogue: Catalogue) -> dict[int, dict[str, list[str]]]:
    """The catalogue's facts grouped by item and relation, in file order (the one grouping)."""
    grouped: dict[int, dict[str, list[str]]] = {}
    for fact in catalogue.facts:
        grouped.setdefault(fact.item_id, {}).setdefault(fact.relation, []).append(fact.value)
    return grouped


class CatalogueCardFacts(CardFactSource):
    """From the catalogue, grouped once."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.items = catalogue.items
        self.facts = facts_by_item(catalogue)

    def get(self, item_id: int) -> CardFacts | None:
        item = self.items.get(item_id)
        if item is None:
            return None
        return CardFacts(overview=item.overview or "", facts=self.facts.get(item_id, {}))
