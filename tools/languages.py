"""Film languages: the words a person uses for them ("French", "Korean"), their ISO 639-1 codes and
the production countries they are the language of.

The rule for a wanted language (``speaks``): a film fits when its original language
(``Item.language``) is one of the wanted ones. Original language is what "in French" and "a Korean
film" mean to most people, but the catalogue knows it for only about a third of its films, so a film
whose language is unknown fits when it was made in a country of that language (graph ``country``
facts: "France" for French, "South Korea" for Korean) and in no English-speaking one (a USA/France
co-production of unknown language is most likely in English). A film whose language is known and
different never fits, whatever its country.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, as in Item.language
    name: str  # as the person is told ("French")
    words: tuple[str, ...]  # lower-case words that name it ("french", "france")
    countries: tuple[str, ...]  # production countries, as the graph names them
    also: tuple[str, ...] = ()  # other codes the catalogue uses for it (TMDB "cn" for Cantonese)


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", ("english",), ("USA", "UK", "Ireland", "Canada", "Australia", "New Zealand")),
    Language("fr", "French", ("french", "france"), ("France",)),
    Language(
        "es", "Spanish", ("spanish", "spain", "mexican", "argentinian"), ("Spain", "Mexico", "Argentina")
    ),
    Language("it", "Italian", ("italian", "italy"), ("Italy",)),
    Language("de", "German", ("german", "germany"), ("Germany", "West Germany", "Austria")),
    Language("ja", "Japanese", ("japanese", "japan"), ("Japan",)),
    Language("ko", "Korean", ("korean", "korea"), ("South Korea",)),
    Language(
        "zh",
        "Chinese",
        ("chinese", "china", "mandarin", "cantonese"),
        ("China", "Hong Kong", "Taiwan"),
        ("cn",),
    ),
    Language("hi", "Hindi", ("hindi", "bollywood", "indian"), ("India",)),
    Language("ru", "Russian", ("russian", "russia", "soviet"), ("Russia", "Soviet Union")),
    Language("sv", "Swedish", ("swedish", "sweden"), ("Sweden",)),
    Language("da", "Danish", ("danish", "denmark"), ("Denmark",)),
    Language("no", "Norwegian", ("norwegian", "norway"), ("Norway",)),
    Language("pt", "Portuguese", ("portuguese", "brazilian", "portugal", "brazil"), ("Brazil", "Portugal")),
    Language("fa", "Persian", ("persian", "iranian", "farsi"), ("Iran",)),
    Language("nl", "Dutch", ("dutch",), ("Netherlands",)),
    Language("pl", "Polish", ("polish",), ("Poland",)),
    Language("th", "Thai", ("thai",), ("Thailand",)),
    Language("tr", "Turkish", ("turkish",), ("Turkey",)),
)
BY_CODE = {language.code: language for language in LANGUAGES}
BY_WORD = {word: language.code for language in LANGUAGES for word in language.words}
ENGLISH_COUNTRIES = frozenset(BY_CODE["en"].countries)


def language_name(code: str) -> str:
    """The language's name ("fr" -> "French"); the code itself when it is not listed."""
    found = BY_CODE.get(code)
    return found.name if found else code


def speaks(language: str, countries: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether a film of original ``language`` ("" = unknown) made in ``countries`` is in one of the
    ``wanted`` languages (the rule in the module docstring)."""
    codes = {c for code in wanted for c in (code, *(BY_CODE[code].also if code in BY_CODE else ()))}
    if language:
        return language in codes
    made_in = set(countries)
    if not made_in:
        return False
    for code in wanted:
        home = BY_CODE.get(code)
        if home is None or not made_in & set(home.countries):
            continue
        if code == "en" or not made_in & ENGLISH_COUNTRIES:
            return True
    return False
