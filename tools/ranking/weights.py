"""The fusion weights and sizes of the ranker (one ``Settings`` field, ``PARLEY_RANKER_WEIGHTS``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from tools.profile import PreferenceProfile


class RankerWeights(BaseModel):
    """Fusion weights and sizes.

    Defaults tuned by coordinate search (``parley-eval tune --tune-every 2``) on every other
    case of the ReDial development half (2,151 cases; the conversation sources leave the replayed
    dialogue out), maximising mean fused R@10 of the full and dedup protocols, then checked on the
    pooled ReDial + INSPIRED development cases (``--corpus redial inspired``): that search moved
    ``kg`` 2 → 3 and ``cf_knn`` 0.5 → 1. On the ReDial tuning cases: 0.186 / 0.206 with
    ``chat_similar`` at the search's 8 (0.164 / 0.182 before it, 0.084 / 0.093 before any
    conversation source).

    ``chat_similar`` is 2, not 8: simulated users (``parley eval simulate --sample 100``, targets
    anywhere in the catalogue) found their film in 0.83 of dialogues without it, 0.79 at 2 and 0.63
    at 8, where chat favourites crowd out what the person asked for; at 2 ReDial keeps most of the
    gain (harness R@10 full/dedup: 0.150 / 0.166 before, 0.169 / 0.187 at 8).

    Not the search's choices: ``vector`` (the search sets it to 0, +0.002 R@10: ReDial rewards what
    chat users recommend, while a person describing a wish needs the vector source, whose weight is
    multiplied by ``fresh_wish`` or ``wish_only`` on a turn whose message described a wish),
    ``popularity``/``trending`` (a catalogue without chat data needs a popularity order),
    ``mmr_lambda`` 0.7 (1.0, no diversity, +0.001) and ``chat_alone`` 0.25 (1.0, no gate, +0.002):
    without the gate a person who loved Heat and Collateral was offered "It" (2017) and "Avengers:
    Infinity War" on chat popularity alone. A weight of 0 switches a source off (it is not asked).
    ``PARLEY_RANKER_WEIGHTS`` overrides any of them."""

    model_config = ConfigDict(frozen=True)

    kg: float = 3.0
    cf_knn: float = 1.0
    cf_svd: float = 0.0
    vector: float = 0.5
    popularity: float = 0.05
    trending: float = 0.05
    chat: float = 2.0  # the conversation prior (tools.sources.chats)
    chat_co: float = 1.0  # conversation co-mentions of the liked movies
    chat_similar: float = 2.0  # what was recommended in chats like this one
    chat_recent: float = 0.05  # new releases of the conversation's time (a learned-fusion signal)
    chat_alone: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="share of the conversation prior an item keeps when nothing about the person's "
        "taste proposed it (kg, cf, vector, chat_co, chat_similar); an empty profile keeps all of it",
    )
    genre: float = 0.05
    outside_genre: float = Field(
        default=0.025,
        ge=0.0,
        le=1.0,
        description="boost of an item sharing the genres of liked films beyond the catalogue "
        "(tools.linking.extended), at full overlap; such genres never filter",
    )
    person: float = 0.2  # an item by a person the user asked for (dominates the fused score)
    cf_per_liked: float = Field(
        default=0.75,
        ge=0.0,
        le=10.0,
        description="growth of the CF sources' weights (cf_knn, cf_svd) with each liked film beyond "
        "the first that the CF models know (rated): weight x (1 + cf_per_liked x (n - 1)); a chat "
        "seeker names one or two films, a rating history gives many, and item-KNN over five liked "
        "films knows a taste better than what chats recommend (held-out MovieLens users, 5 favourites: "
        "fused R@10 0.062 -> 0.085 by RRF; ReDial replay unchanged at 0.75, 1.0 costs 0.004)",
    )
    learned_max_rated: int = Field(
        default=4,
        ge=0,
        description="most liked films known to the CF models (rated) for which the learned fusion "
        "ranks; with more, RRF does (the model learned from chat replays, where the CF models know "
        "at most four of the liked films in 94% of the ReDial cases and 100% of INSPIRED's, and it "
        "ranks a rating history of five favourites below item-KNN alone: R@10 0.04-0.05 against 0.07)",
    )
    learned_on_wish: bool = Field(
        default=True,
        description="the learned fusion also ranks a turn whose message described a wish, with the "
        "vector source's best wish_lead first; off: RRF with the vector weight x fresh_wish (or "
        "wish_only) ranks it (stop 30, out of fold, those turns by the model alone: ReDial dedup R@10 "
        "0.295 against RRF's 0.169, INSPIRED 0.279 against 0.093)",
    )
    wish_lead: int = Field(
        default=3,
        ge=0,
        le=20,
        description="under the learned fusion, on a turn whose message described a wish and a liked "
        "film or person is known: the vector source's best this many candidates come first (0: the "
        "model alone orders them)",
    )
    wish_lead_alone: int = Field(
        default=5,
        ge=0,
        le=20,
        description="wish_lead when nothing liked is known yet: the wish is all the ranker knows, so "
        'the five films shown all match it ("a film set in Tokyo"; with 3, Deadpool 2 came fourth)',
    )
    fresh_wish: float = Field(
        default=3.0,
        ge=0.0,
        le=10.0,
        description='x the vector weight when the last message described a wish ("something '
        "twisty\") and a liked film or person is known: the wish leads this turn's ranking",
    )
    wish_only: float = Field(
        default=10.0,
        ge=0.0,
        le=10.0,
        description="x the vector weight when the last message described a wish and nothing liked "
        'is known yet: the wish is all the ranker knows ("a slow film set in Tokyo")',
    )
    rrf_k: float = 20.0
    mmr_lambda: float = 0.7
    pool: int = Field(default=200, ge=10, le=2000)

    def weight(self, source: str) -> float:
        return float(getattr(self, source, 0.0))

    def cf_scale(self, n_known: int) -> float:
        """The CF sources' weight multiplier for ``n_known`` liked films the CF models know."""
        return 1.0 + self.cf_per_liked * max(0, n_known - 1)

    def description_lead(self, profile: PreferenceProfile) -> int:
        """How many of the vector source's best lead a turn under the learned fusion: none unless a
        fresh wish leads it (``wish_lead``; ``wish_lead_alone`` with no liked film or person)."""
        if not profile.fresh_description:
            return 0
        return self.wish_lead if profile.knows_a_favourite else self.wish_lead_alone

    def description_weight(self, profile: PreferenceProfile) -> float:
        """The vector source's weight multiplier for ``profile``: 1 unless a fresh wish leads the
        turn (``fresh_wish``; ``wish_only`` with no liked film or person to go on)."""
        if not profile.fresh_description:
            return 1.0
        return self.fresh_wish if profile.knows_a_favourite else self.wish_only
