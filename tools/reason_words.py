"""Which words a reason may show the person: words that say something about films.

A reason that quotes the person's words ("people who also asked for 'heist'") or a catalogue
keyword ("shares the keyword 'assassin' with Collateral") must name a specific connection, never filler.
The rule, one place for the sources that write reasons, the reasons shown (``bot.reasons``) and
the evaluation's check (``eval.traceability.reason_faults``):

* a word is *descriptive* when it is in the catalogue's film vocabulary (a one-word keyword that
  at least ``MIN_ITEMS`` movies carry, a word of a genre name, or one of ``DESCRIPTIVE_WORDS``;
  plurals fold: "zombies" -> "zombie", "comedies" -> "comedy") and not a ``FILLER_WORDS`` word
  (requests, opinions, time and order words, numbers, words about watching or about films in
  general);
* a keyword phrase is shown when it is not filler (``FILLER_KEYWORDS``: catalogue bookkeeping such
  as "duringcreditsstinger"), not a genre's name (``GENRE_KEYWORDS``: the genre reason says it) and
  its words are not all filler.

The filler words still count for similarity (``retrieval.chats.dialogues``); they are only never
shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from tools.item_table import ItemTable

MIN_ITEMS = 2  # a one-word keyword carried by fewer movies is too rare to be vocabulary
_WORD = re.compile(r"[a-z][a-z']+")

# words a film lover uses to say what they want that are not always catalogue keywords
DESCRIPTIVE_WORDS = frozenset(
    """
    animated cartoon cartoons comedic corny creepy cult cute dark emotional epic feelgood funny gory
    gritty heartwarming hilarious historical inspirational inspiring intense mindbending noir
    psychological quirky rom romcom sad scary scifi silly slasher slapstick spooky suspenseful tense
    thrilling twisty uplifting violent weird witty
    """.split()
)

# request, chat and opinion words, time and order words, and words about films in general
FILLER_WORDS = frozenset(
    """
    about actor actors actress actresses after ago again also another any anything appreciate around
    awesome bad before best better big bit book books both bye can can't cant chance chat check
    cinema classic classics come cool could day days definitely did different dvd eight either
    else end enjoy enjoyed enough ever everything excellent fan fans favorite favorites favourite
    fifth film films fine first five for four friend friends from fun genre genres get give going
    good goodbye great guess have hear heard hello help helpful helping hey hi hope idea ideas
    interested interesting just kind kinds know last later least let like liked likes list little
    long look looking lot lots love loved loves make many maybe mean mention mentioned might mind
    minute minutes month more morning most movie movies much must need new next nice night nine
    now old older one ones only original other others part parts people perhaps picture pictures
    play please plot popular pretty really recent recently recommend recommendation
    recommendations recommended right same saw second see seen series seven short should show
    similar since six some something soon sort sound sounds star stars story stuff suggest
    suggestion suggestions super sure take talk talking ten than thank thanks that the theater
    theaters them then there these thing things think third this those though thought three time
    times today tonight trailer trailers true try two type types version very want wanted watch
    watched watching way week weekend well what when which while who why will wish with work
    works would year years yes yet you young
    advice alone approach bet beautiful case change class confusing current date deal decision
    decisions dialogue dude dumb effects entertaining eyes fall falls fi flat game garbage general
    genius group hate heart home honest horrible house job leave lesson lessons life light lost
    lover meeting memories mine moving past plan planning pleasure power predictable press public
    real scene scenes sci search special strange stunning stupid support talent trouble trust wall
    crazy walking
    """.split()
)

# catalogue keywords that are bookkeeping, not a theme
FILLER_KEYWORDS = frozenset(
    (
        "aftercreditsstinger",
        "duringcreditsstinger",
        "criterion",
        "original",
        "woman director",
        "sequel",
        "sequels",
        "remake",
        "3d",
        "imax",
    )
)

# keywords that only repeat a genre ("also an action film, like Heat" says it better)
GENRE_KEYWORDS = frozenset(
    """action adventure animation children comedy crime documentary drama fantasy horror musical
    mystery romance thriller war western""".split()
)


def forms(word: str) -> tuple[str, ...]:
    """A word and its singular candidates ("comedies" -> "comedies", "comedie", "comedy")."""
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        out.append(word[:-2])
    if word.endswith("s") and len(word) > 3:
        out.append(word[:-1])
    return tuple(out)


class ReasonWords:
    """The descriptive-word rule over one catalogue's film vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(vocabulary) | DESCRIPTIVE_WORDS

    @classmethod
    def from_items(cls, items: ItemTable) -> ReasonWords:
        """The vocabulary of a catalogue: one-word keywords of ``MIN_ITEMS`` movies or more, and the
        words of its genre names."""
        counts = Counter(k for row in items.rows.values() for k in row.keywords if " " not in k)
        genres = {w for row in items.rows.values() for g in row.genres for w in _WORD.findall(g.lower())}
        return cls({k for k, n in counts.items() if n >= MIN_ITEMS} | genres)

    def descriptive(self, word: str) -> bool:
        """Whether a word says something about films (see the module's rule)."""
        word = word.lower().strip("'")
        if not word.isalpha() or any(f in FILLER_WORDS or f in FILLER_KEYWORDS for f in forms(word)):
            return False
        return any(f in self.vocabulary for f in forms(word))

    def quotable(self, phrase: str) -> bool:
        """Whether a reason may quote a word or a keyword phrase: one word must be descriptive, a
        phrase is a keyword (``keyword_shown``)."""
        words = _WORD.findall(phrase.lower())
        if len(words) == 1 and words[0] == phrase.lower().strip().strip("'"):
            return self.descriptive(words[0])
        return keyword_shown(phrase)

    def shown(self, words: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
        """The descriptive ones of ``words``, in order, without those in ``exclude`` (the words of
        the titles the person named: "heat" in "I loved Heat" is a title, not a wish)."""
        left_out = {f for w in exclude for f in forms(w.lower())}
        return [w for w in dict.fromkeys(words) if self.descriptive(w) and not set(forms(w)) & left_out]


def keyword_shown(keyword: str) -> bool:
    """Whether a catalogue keyword may be quoted in a reason: not bookkeeping, not a genre's name,
    not all filler."""
    key = " ".join(_WORD.findall(keyword.lower()))
    words = key.split()
    if (
        not words
        or key != " ".join(keyword.lower().replace("-", " ").split())
        or key in FILLER_KEYWORDS | GENRE_KEYWORDS
    ):
        return False  # digits or symbols ("1970s", "3d"), or bookkeeping
    return not all(any(f in FILLER_WORDS for f in forms(w)) for w in words)


def title_words(titles: Iterable[str]) -> set[str]:
    """The words of some titles, lower case (left out of the words a reason shows)."""
    return {w for t in titles for w in _WORD.findall(t.lower())}
