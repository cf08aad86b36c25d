"""The ranker over the real sources: hard constraints, evidence, diversity, degradation."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.catalogue_types import Catalogue
from retrieval.errors import StoreUnavailableError
from tests.fixtures.catalogue import HAND_PICKED, KATHRYN_BIGELOW, MICHAEL_MANN
from tests.fixtures.tools import ToolSet
from tools.profile import PreferenceProfile, RankingContext
from tools.ranking import Ranker
from tools.scorers.base import ScoredItem

POOL = sorted(HAND_PICKED)
GENRES = ["Action", "Comedy", "Crime", "Drama", "Horror", "Musical", "Sci-Fi", "Thriller", "Animation"]
PEOPLE = ["michael mann", "kathryn bigelow", "quentin tarantino", "steven spielberg"]


@st.composite
def profiles(draw: st.DrawFn) -> PreferenceProfile:
    ids = st.lists(st.sampled_from(POOL), max_size=4, unique=True)
    year_min = draw(st.none() | st.integers(1930, 2010))
    year_max = draw(st.none() | st.integers(year_min or 1930, 2020))
    return PreferenceProfile(
        liked_items=tuple(draw(ids)),
        disliked_items=tuple(draw(ids)),
        seen=tuple(draw(ids)),
        rejected=tuple(draw(ids)),
        recommended=tuple(draw(ids)),
        genres_in=tuple(draw(st.lists(st.sampled_from(GENRES), max_size=2, unique=True))),
        genres_out=tuple(draw(st.lists(st.sampled_from(GENRES), max_size=2, unique=True))),
        disliked_people=tuple(draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True))),
        liked_people=tuple(draw(st.lists(st.sampled_from(PEOPLE), max_size=1, unique=True))),
        year_min=year_min,
        year_max=year_max,
        runtime_max=draw(st.none() | st.integers(80, 200)),
        runtime_min=draw(st.none() | st.integers(60, 80)),
        languages=tuple(draw(st.lists(st.sampled_from(["en", "fr", "ja"]), max_size=1))),
        description=draw(st.sampled_from(["", "a tense heist", "something funny with songs"])),
    )


def broken_constraint(catalogue: Catalogue, item_id: int, profile: PreferenceProfile) -> str | None:
    """The test's own reading of the hard constraints, straight from the catalogue's items and facts
    (not from ``tools.ranking`` or the item table): the constraint ``item_id`` breaks, or None."""
    mentioned = {*profile.liked_items, *profile.disliked_items, *profile.seen, *profile.rejected}
    if item_id in mentioned | set(profile.recommended):
        return "already mentioned or recommended"
    item = catalogue.items[item_id]
    if profile.year_min is not None and (item.year is None or item.year < profile.year_min):
        return f"{item.year} is before {profile.year_min}"
    if profile.year_max is not None and (item.year is None or item.year > profile.year_max):
        return f"{item.year} is after {profile.year_max}"
    if set(item.genres) & set(profile.genres_out):
        return f"genres {item.genres} include an excluded one"
    if profile.runtime_max is not None and (item.runtime is None or item.runtime > profile.runtime_max):
        return f"runtime {item.runtime} is over {profile.runtime_max} or unknown"
    if profile.runtime_min is not None and (item.runtime is None or item.runtime < profile.runtime_min):
        return f"runtime {item.runtime} is under {profile.runtime_min} or unknown"
    if profile.languages and item.language not in profile.languages:
        countries = {f.value for f in catalogue.facts if f.item_id == item_id and f.relation == "country"}
        home = {
            "en": {"USA", "UK", "Ireland", "Canada", "Australia", "New Zealand"},
            "fr": {"France"},
            "ja": {"Japan"},
        }
        made_in_english = bool(countries & home["en"])
        wanted = [c for c in profile.languages if countries & home[c] and (c == "en" or not made_in_english)]
        if item.language or not wanted:
            return (
                f"language {item.language!r} (made in {sorted(countries)}) is not one of {profile.languages}"
            )
    people = {
        " ".join(fact.value.lower().split())
        for fact in catalogue.facts
        if fact.item_id == item_id and fact.relation in ("director", "cast")
    }
    if people & set(profile.disliked_people):
        return f"made by or starring {sorted(people & set(profile.disliked_people))}"
    return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=profiles(), k=st.integers(1, 10), diversify=st.booleans())
def test_ranker_invariants(
    toolset: ToolSet, small_catalogue: Catalogue, profile: PreferenceProfile, k: int, diversify: bool
) -> None:
    result = toolset.ranker.rank(profile, k=k, diversify=diversify)
    ids = [item.item_id for item in result.items]
    assert len(ids) <= k
    assert len(ids) == len(set(ids))
    for item in result.items:
        assert item.item_id in small_catalogue.items
        assert broken_constraint(small_catalogue, item.item_id, profile) is None, item.title
        assert item.evidence
    assert result.degraded == []


def test_the_constraint_oracle_reads_the_catalogue(small_catalogue: Catalogue) -> None:
    """The oracle itself, on known rows: Heat (1995; Action, Crime, Thriller; Michael Mann, Al Pacino)."""
    assert broken_constraint(small_catalogue, 6, PreferenceProfile()) is None
    for profile in (
        PreferenceProfile(seen=(6,)),
        PreferenceProfile(recommended=(6,)),
        PreferenceProfile(year_min=1996),
        PreferenceProfile(year_max=1994),
        PreferenceProfile(genres_out=("Crime",)),
        PreferenceProfile(disliked_people=("michael mann",)),
        PreferenceProfile(disliked_people=("al pacino",)),
        PreferenceProfile(runtime_max=169),
        PreferenceProfile(runtime_min=171),
        PreferenceProfile(languages=("fr",)),
    ):
        assert broken_constraint(small_catalogue, 6, profile) is not None, profile
    assert broken_constraint(small_catalogue, 6, PreferenceProfile(year_min=1995, year_max=1995)) is None
    # Heat runs 170 minutes; its language is unknown, and it was made in the USA
    assert broken_constraint(small_catalogue, 6, PreferenceProfile(runtime_min=170, runtime_max=170)) is None
    assert broken_constraint(small_catalogue, 6, PreferenceProfile(languages=("en",))) is None


def test_disliked_person_never_returned(toolset: ToolSet) -> None:
    profile = PreferenceProfile(liked_items=(6,), disliked_people=("michael mann",))
    ids = {i.item_id for i in toolset.ranker.rank(profile, k=30).items}
    assert ids
    # the constraint can only use what the catalogue knows: Thief (1981) has no director there
    known = {i for i in MICHAEL_MANN if "michael mann" in toolset.items.rows[i].directors}
    assert len(known) >= 5
    assert not ids & known


def test_liked_person_pulls_their_films(toolset: ToolSet) -> None:
    profile = PreferenceProfile(liked_people=("kathryn bigelow",))
    ids = [i.item_id for i in toolset.ranker.rank(profile, k=10, only=["kg"]).items]
    assert set(ids[:3]) <= set(KATHRYN_BIGELOW)


def test_franchise_diversity(toolset: ToolSet) -> None:
    profile = PreferenceProfile(liked_items=(260,))
    items = toolset.ranker.rank(profile, k=5).items
    assert len(items) == 5
    keys = [toolset.items.rows[i.item_id].franchise for i in items]
    assert max(keys.count(key) for key in keys) <= 2


class BrokenSource:
    name = "kg"

    def candidates(self, profile: PreferenceProfile, k: int, context: object = None) -> list[ScoredItem]:
        raise StoreUnavailableError("graph", "server down")


def test_failing_source_degrades(toolset: ToolSet) -> None:
    sources = [BrokenSource(), *(s for s in toolset.sources if s.name != "kg")]
    ranker = Ranker(toolset.items, sources)
    result = ranker.rank(PreferenceProfile(liked_items=(6, 296)), k=5)
    assert len(result.items) == 5
    assert result.degraded == ["kg"]
    assert any(t.name == "kg" and t.error for t in result.timings)


def test_unavailable_items_are_proposed_by_no_source(toolset: ToolSet) -> None:
    """A replay's ``unavailable`` items (films the catalogue holds only because the replayed dialogue
    named them) are in no source's list and in no ranking; the others keep their order."""
    profile = PreferenceProfile(liked_items=(6, 296))
    before = toolset.ranker.gather(profile, pool=30).found
    top = [i.item_id for i in toolset.ranker.rank(profile, k=5).items]
    gone = frozenset(top[:2])
    context = RankingContext(unavailable=gone)
    after = toolset.ranker.gather(profile, context=context, pool=30).found
    assert any(s.item_id in gone for found in before.values() for s in found)
    for name, found in after.items():
        assert [s.item_id for s in found] == [s.item_id for s in before[name] if s.item_id not in gone]
    ranked = [i.item_id for i in toolset.ranker.rank(profile, k=5, context=context).items]
    assert len(ranked) == 5 and not gone & set(ranked)
