"""The ranker's hard constraints (never relaxed): catalogue items only, nothing liked/disliked/seen/
rejected/already recommended, inside the year range, no excluded genre, nothing by a disliked
person, inside the runtime range (an unknown runtime is outside it), in a wanted language
(``tools.languages.speaks``)."""

from __future__ import annotations

from tools.item_table import ItemRow
from tools.languages import speaks
from tools.profile import PreferenceProfile


def narrows(profile: PreferenceProfile) -> bool:
    """A constraint that most of the catalogue fails (a runtime bound, a language): the priors
    (popularity, trending) then propose from the items that meet it, not only from the most popular."""
    return profile.runtime_min is not None or profile.runtime_max is not None or bool(profile.languages)


class Constraints:
    """One profile's hard constraints, its sets built once for the many items a ranking checks."""

    def __init__(self, profile: PreferenceProfile, excluded: frozenset[int]) -> None:
        self.profile = profile
        self.excluded = excluded
        self.genres_out = frozenset(profile.genres_out)
        self.disliked = frozenset(profile.disliked_people)

    def violation(self, row: ItemRow) -> str | None:
        """The hard constraint an item breaks, or None."""
        profile = self.profile
        if row.item_id in self.excluded:
            return "already liked, disliked, seen, rejected or recommended"
        if profile.year_min is not None and (row.year is None or row.year < profile.year_min):
            return "before the year range"
        if profile.year_max is not None and (row.year is None or row.year > profile.year_max):
            return "after the year range"
        if not self.genres_out.isdisjoint(row.genres):
            return "excluded genre"
        # an unknown runtime meets no runtime bound: "not too long" keeps only films known to be short
        if profile.runtime_max is not None and (row.runtime is None or row.runtime > profile.runtime_max):
            return "longer than the runtime limit, or runtime unknown"
        if profile.runtime_min is not None and (row.runtime is None or row.runtime < profile.runtime_min):
            return "shorter than the runtime minimum, or runtime unknown"
        if profile.languages and not speaks(row.language, row.countries, profile.languages):
            return "not in a wanted language"
        if self.disliked and row.by_any(self.disliked):
            return "by a disliked person"
        return None


def violates(row: ItemRow, profile: PreferenceProfile, excluded: frozenset[int]) -> str | None:
    """The hard constraint an item breaks for a profile, or None."""
    return Constraints(profile, excluded).violation(row)
