"""Unsupported claims in a writer draft: content words found neither in the evidence nor in the
ordinary vocabulary of a recommendation.

A draft that says a film "is set in a dystopian future where humans must survive" when no tool
returned anything of the kind makes claims no tool supports. Titles, people and years are checked
exactly elsewhere (``DraftValidator``); this check catches invented plots, settings and themes. Words
are compared by a crude stem (their first five letters), so "directed" matches "director".
"""

from __future__ import annotations

import re

from tools.linking import fold

STEM = 5
MIN_WORD = 4
# Words a grounded recommendation may use without evidence: recommendation talk, taste and rating
# language, connectives, and mild subjective adjectives (opinions, not facts about the film).
GENERIC_WORDS = frozenset(
    """
    about above actually after again also although always another anyone anything around because
    been before being best better between both came come comes could does doing done down each
    either enjoy enjoyed enjoying enough even ever every everyone exactly fans favorite favourite
    feel feels film films find first following from gave give given gives going good great have
    having here highly hope into just keep kind know last least like liked likes list little look
    looking love loved lovers make makes many match matched matches matching maybe mention mentioned
    might mind more most movie movies much must next nice note noted only other others over pick
    picks plenty please plus pretty rated rating ratings rate really reason reasons recommend
    recommendation recommendations recommended right same seem seems shared shares sharing should
    show similar since some something sort still such suggest suggestion suggestions sure take taste
    tastes than that their them then there these they thing things think this those though through
    together tone used very viewers want wanted watch watched watching well were what when where which
    while will with worth would your yours you'll you're you've also its it's it's that's here's
    there's let's we're i'm i've i'd enjoyable fantastic wonderful excellent solid strong fine
    perfect fun fit fits fitting choice choices option options offer offers style connection
    connections connected link linked links based same-style alongside along similarly likewise
    people person who whose whom audiences audience score scores scored high higher top popular
    popularity well-liked loved-by directed director directors directing starring stars star cast
    actor actors actress features featuring feature appears appear appearing role roles plays played
    genre genres keyword keywords theme themes story stories kinds mood moods vibe next-up year years
    description described describes matches text overview catalogue catalog preferences preference
    plot plots classic classics performance performances acting memorable
    explores explore exploring combines combine combining element elements packed character
    characters known lead leads leading
    """.split()
)
# Opinion adjectives and reply phrasing: what a reviewer feels, not a fact about the film.
OPINION_WORDS = frozenset(
    """
    exceptional compelling gripping thrilling riveting tense suspenseful intense stylish sleek
    moving touching heartfelt heartwarming charming delightful clever witty smart funny hilarious
    beautiful beautifully stunning brilliant brilliantly masterful masterpiece powerful engaging
    entertaining captivating absorbing atmospheric haunting dark darker lighter light warm
    satisfying rewarding unforgettable iconic sharp slick smooth polished striking vivid rich
    bold gritty fresh lovely sweet fascinating intriguing impressive remarkable amazing awesome
    terrific superb cool neat treat ride journey blend mix mixes captures capture delivers deliver
    offering brings bring adds keeps kept makes made mood tones thoughtful quiet loud fast paced
    pacing slow similar same vein spirit feel appeal appeals enjoyable chosen pick picked reminds
    remind reminded echoes echo evening night tonight weekend session anything everything nothing
    expect expects expecting again too also sure surely definitely
    """.split()
)
# "you'll" and "well-liked" are folded like the draft before they are stemmed ("youll", "well liked")
CONTRACTIONS = frozenset(
    "youll youre youve youd thats heres theres lets weve theyre whats dont doesnt isnt wont cant".split()
)
GENERIC_STEMS = frozenset(
    w[:STEM] for w in re.findall(r"[a-z]+", fold(" ".join(GENERIC_WORDS | OPINION_WORDS | CONTRACTIONS)))
)


def _words(text: str) -> list[str]:
    """The words of ``text`` folded the same way on both sides (apostrophes dropped: "you'll" is
    "youll"; hyphens split: "well-liked" is "well", "liked")."""
    return re.findall(r"[a-z]+", fold(text))


def unsupported_words(draft: str, evidence: str) -> list[str]:
    """Content words of ``draft`` (four letters or more) not supported by ``evidence`` nor generic."""
    supported = {w[:STEM] for w in _words(evidence)} | GENERIC_STEMS
    found: list[str] = []
    for word in _words(draft):
        if len(word) < MIN_WORD or word[:STEM] in supported:
            continue
        found.append(word)
    return list(dict.fromkeys(found))
