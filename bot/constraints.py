"""Hard constraints from the person's words: runtime ("not too long", "under 90 minutes", "a long
epic"), recency ("something recent", "an old classic"), family viewing and original language ("in
French", "a Korean film").

Read from the message without the movies and people it names (``Mentions.leftover``), so titles are
never read as constraints ("The Long Goodbye", "Short Circuit", "Old Boy").

Defaults (the person gave no number):

* "not too long", "nothing too long", "not a long one" -> at most ``NOT_TOO_LONG`` (120) minutes, a
  feature of ordinary length; "short", "something quick" -> at most ``SHORT`` (100) minutes;
* "a long epic", "something long" -> at least ``LONG`` (150) minutes;
* "something recent", "new films" -> from ``RECENT_SPAN`` (5) years before the catalogue's newest
  year (not the clock: the bundled catalogue ends in 2018); "an old classic", "old movies" -> up to
  ``OLD_UNTIL`` (1979);
* "for kids", "family" link the genre Children (the lexicon); wanting it also excludes Horror (hard);
  "not animated", "no cartoons" exclude Animation (the lexicon and negation, ``bot.extract``).

Explicit numbers: "under 100 minutes", "less than 2 hours", "no more than an hour and a half",
"90 min or less", "over 3 hours", "at least two hours". "any length" / "length doesn't matter" and
"any language" lift the constraint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tools.languages import BY_WORD

if TYPE_CHECKING:
    from bot.extract import Extraction

NOT_TOO_LONG = 120
SHORT = 100
LONG = 150
RECENT_SPAN = 5
RECENT_FALLBACK = 2010  # the earliest year of "recent" when the catalogue has no years
OLD_UNTIL = 1979

_NUM_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "one hundred": 100,
}
_NUM = r"(\d+(?:\.\d+)?|an?|one|two|three|four|five|ninety|(?:a |one )?hundred)"
DURATION = re.compile(
    rf"\b{_NUM}(?:\s+and\s+(a\s+half|a\s+quarter))?\s*[- ]?\s*(hours?|hrs?|h|minutes?|mins?|m)\b"
    rf"(?:\s+and\s+(a\s+half|\d+\s*(?:minutes?|mins?)))?",
    re.I,
)
AT_MOST = re.compile(
    r"\b(?:under|less than|shorter than|no more than|not more than|no longer than|not longer than|"
    r"at most|max(?:imum)?(?: of)?|below|within|up to|tops)\s*$",
    re.I,
)
AT_LEAST = re.compile(r"\b(?:over|more than|longer than|at least|minimum(?: of)?|a minimum of)\s*$", re.I)
NEGATED_BOUND = re.compile(
    r"(?:\b(?:nothing|none|never|no\s+(?:films?|movies?|ones?))\s+(?:\w+\s+){0,2}?|\bnot\s+)"
    r"(?:over|more than|longer than|under|less than|shorter than)\s*$",
    re.I,
)
OR_LESS = re.compile(r"^\s*(?:or (?:less|shorter|under)|max(?:imum)?|tops|at most)\b", re.I)
OR_MORE = re.compile(r"^\s*(?:or (?:more|longer)|plus|at least)\b", re.I)
NOT_LONG = re.compile(
    r"\b(?:not|nothing|isn'?t|no|never)\s+(?:a\s+|too\s+|very\s+|that\s+|so\s+|overly\s+)*"
    r"(?:long|lengthy)\b(?!\s+(?:ago|time))"
    r"|\b(?:too|overly)\s+long\s+(?:is|are)\s+(?:bad|a no)\b",
    re.I,
)
SHORTISH = re.compile(
    r"\b(?:something|anything|a|keep it|fairly|pretty|rather|quite|nice and)\s+(?:short|quick|brief)\b"
    r"(?!\s+(?:question|answer|list|version))"
    r"|\b(?:short|shorter|quick|brief)\s+(?:movies?|films?|ones?|watch)\b|\bquick watch\b",
    re.I,
)
LONGISH = re.compile(
    r"(?<!not )(?<!too )\b(?:a\s+|something\s+)(?:long|lengthy|epic)(?:\s+(?:epic|movie|film|one))?\b"
    r"(?!\s+(?:ago|time|day|week|way|story short))"
    r"|\b(?:long|lengthy)\s+(?:epics?|movies?|films?)\b|\bepic[- ]length\b",
    re.I,
)
ANY_LENGTH = re.compile(
    r"\b(?:any length|(?:length|runtime|running time|how long it is)\s+(?:doesn'?t|does not|don'?t) matter|"
    r"(?:long|longer) (?:ones |films |movies )?(?:are|is) (?:fine|ok|okay)|don'?t mind (?:a )?long)\b",
    re.I,
)
RECENT = re.compile(
    r"\b(?:recent|newer|modern)\s+(?:movies?|films?|ones?|releases?|stuff)\b"
    r"|\bnew\s+(?:movies?|films?|releases?)\b|\bsomething\s+(?:recent|new(?:er)?|modern)\b"
    r"|\b(?:last|past) (?:few|couple of|\d+|five|three) years\b|\brecently released\b",
    re.I,
)
OLD = re.compile(
    r"\b(?:old|older|classic|classics)\s+(?:movies?|films?|ones?)\b|\bclassics\b|\bold\s+classics?\b"
    r"|\bsomething\s+old(?:er)?\b(?!\s+(?:friend|pal|mate))|\boldies\b",
    re.I,
)
LANGUAGE_WORDS = "|".join(sorted(BY_WORD, key=len, reverse=True))
LANGUAGE = re.compile(
    rf"\bin\s+({LANGUAGE_WORDS})\b"
    rf"|\b({LANGUAGE_WORDS})(?:[- ]language)?\s+(?:movies?|films?|cinema|ones?|thrillers?|comedies|comedy|"
    rf"dramas?|horror|animation|anime|classics?)\b"
    rf"|\bsomething\s+({LANGUAGE_WORDS})\b|\b(?:movies?|films?|something|anything)\s+from\s+({LANGUAGE_WORDS})\b"
    rf"|\b({LANGUAGE_WORDS})(?=\s*(?:,|or|and)\s+(?:{LANGUAGE_WORDS})(?:[- ]language)?\s+(?:movies?|films?|cinema)\b)",
    re.I,
)
ANY_LANGUAGE = re.compile(
    r"\b(?:any language|(?:the )?language (?:doesn'?t|does not) matter|subtitles are (?:fine|ok|okay))\b",
    re.I,
)
NEGATED = re.compile(r"\b(?:no|not|nothing|never|without|avoid|except)\b[\w\s-]{0,12}$", re.I)


def _number(word: str) -> float:
    word = " ".join(word.lower().split())
    return float(word) if word[0].isdigit() else float(_NUM_WORDS[word])


def minutes(match: re.Match[str]) -> int:
    """The minutes a ``DURATION`` match states ("an hour and a half" -> 90, "2h" -> 120)."""
    amount, fraction, unit, extra = match.group(1), match.group(2), match.group(3), match.group(4)
    value = _number(amount)
    if fraction:
        value += 0.5 if "half" in fraction.lower() else 0.25
    total = value * 60 if unit.lower().startswith("h") else value
    if extra:
        total += 30 if "half" in extra.lower() else int(re.match(r"\d+", extra).group())  # type: ignore[union-attr]
    return round(total)


def runtime_bounds(text: str) -> tuple[int | None, int | None, bool]:
    """(runtime_min, runtime_max, clear) the words state; ``clear``: the person lifted the bound."""
    if ANY_LENGTH.search(text):
        return None, None, True
    low = high = None
    for match in DURATION.finditer(text):
        if match.group(3).lower() in ("m", "h") and not match.group(1)[0].isdigit():
            continue  # "a m", "an h": not a duration
        value = minutes(match)
        before, after = text[: match.start()], text[match.end() :]
        negated = bool(NEGATED_BOUND.search(before))  # "nothing over 2 hours" is an upper bound
        if AT_MOST.search(before) or OR_LESS.search(after):
            low, high = (value, high) if negated else (low, value)
        elif AT_LEAST.search(before) or OR_MORE.search(after):
            low, high = (low, value) if negated else (value, high)
    if high is None and low is None:
        if NOT_LONG.search(text):
            high = NOT_TOO_LONG
        elif SHORTISH.search(text):
            high = SHORT
        elif LONGISH.search(text):
            low = LONG
    return low, high, False


def language_spans(text: str, titles: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """(start, end, ISO code) of each wanted language: "in French", "a Korean film", "something
    Japanese"; not inside a title (``titles``: the linked movies' spans, "The French Connection")
    and not negated ("nothing French"). The extractor reads no person name in these spans (the
    surname French is not the French language)."""
    found = []
    for match in LANGUAGE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in titles):
            continue
        if NEGATED.search(text[: match.start()]):
            continue
        group = next(n for n in range(1, 6) if match.group(n))
        found.append((match.start(group), match.end(group), BY_WORD[match.group(group).lower()]))
    return found


def languages(text: str) -> tuple[list[str], bool]:
    """(the wanted languages' ISO codes, in the order said; clear: "any language")."""
    if ANY_LANGUAGE.search(text):
        return [], True
    return list(dict.fromkeys(code for _, _, code in language_spans(text))), False


def apply_constraints(
    text: str, out: Extraction, latest_year: int | None, wanted_languages: Sequence[str] = ()
) -> None:
    """Fill ``out``'s runtime, recency and language constraints from ``text`` (the message without
    its titles and names) and the languages found in the whole message (``language_spans``); a
    year range the message states explicitly wins over "recent" / "old"."""
    out.runtime_min, out.runtime_max, out.clear_runtime = runtime_bounds(text)
    out.clear_languages = bool(ANY_LANGUAGE.search(text))
    out.languages = [] if out.clear_languages else list(dict.fromkeys(wanted_languages))
    if out.year_min is None and out.year_max is None and not out.clear_year_range:
        if RECENT.search(text):
            out.year_min = (latest_year - RECENT_SPAN) if latest_year else RECENT_FALLBACK
        elif OLD.search(text):
            out.year_max = OLD_UNTIL
    if "Children" in out.genres_in and "Horror" not in out.genres_in and "Horror" not in out.genres_out:
        out.genres_out.append("Horror")
