"""Text helpers for ``prepare_data.py``: MovieLens titles, value cleaning, damaged HetRec names."""

from __future__ import annotations

import ast
import json
import re
import unicodedata

# Articles MovieLens moves to the end of a title ("Graduate, The"); checked on ml-latest-small.
ARTICLES = frozenset("The A An Les La Le L' Il I Lo Gli Das Der Die Den Det El Los Las Da".split())
_TRAILING_ARTICLE = re.compile(r"^(?P<body>.+?), (?P<art>[A-Z][a-z]*'?)$")
_YEAR = re.compile(r"\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_AKA = re.compile(r"^(a\.k\.a\.|aka) ")
_UMLAUT = {"ae": "ä", "oe": "ö", "ue": "ü"}
LOST = "\ufffd"  # the replacement character HetRec has where an accented letter was
NO_GENRES = "(no genres listed)"  # MovieLens's genres of a film it gives none


def clean(text: object) -> str:
    """Whitespace collapsed (no newline survives); ``None``/``"nan"`` -> empty string."""
    if text is None:
        return ""
    value = re.sub(r"\s+", " ", str(text)).strip()
    return "" if value.lower() == "nan" else value


def fold(text: str) -> str:
    """Matching key: ASCII-folded, lowercase, ``&`` -> ``and``, words of letters and digits."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    folded = folded.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def natural_order(name: str) -> str:
    """``"Graduate, The"`` -> ``"The Graduate"``; ``"Avventura, L'"`` -> ``"L'Avventura"``."""
    match = _TRAILING_ARTICLE.match(name.strip())
    if not match or match.group("art") not in ARTICLES:
        return name.strip()
    article = match.group("art")
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{match.group('body')}"


def split_title(raw: str) -> tuple[str, int | None, list[str]]:
    """A MovieLens title -> (title in natural order, year, [main name, *alternative names]).

    ``"Cercle Rouge, Le (Red Circle, The) (1970)"`` -> ``("Le Cercle Rouge (The Red Circle)", 1970,
    ["Le Cercle Rouge", "The Red Circle"])``. Alternative titles stay in parentheses (a.k.a.
    kept); a title without a year gets ``None``; a year range "(2006–2007)" gives its first year.
    """
    text = clean(raw)
    year = None
    match = _YEAR.search(text)
    if match and match.start() > 0:
        year = int(match.group("year"))
        text = text[: match.start()].strip()
    main = natural_order(_PARENS.sub("", text).strip() or text)
    display, names = [main], [main]
    for alt in _PARENS.findall(text):
        aka = _AKA.match(alt)
        name = natural_order(alt[aka.end() :] if aka else alt)
        if name:
            names.append(name)
            display.append(f"({'a.k.a. ' if aka else ''}{name})")
    return " ".join(display), year, names


def py_list(text: str) -> list[str]:
    """A Python list literal from the IMDb extract (``"['A', 'B']"``) -> cleaned, non-empty names."""
    raw = clean(text)
    try:
        values = ast.literal_eval(raw) if raw else []
    except (ValueError, SyntaxError):
        return []
    return [v for v in (clean(x) for x in values) if v] if isinstance(values, list) else []


def json_names(text: str) -> list[str]:
    """The ``name`` of each object in a TMDB JSON list (keywords, countries)."""
    raw = clean(text)
    return [clean(d.get("name")) for d in json.loads(raw)] if raw else []


def repair_hetrec_name(name: str, director_id: str, pool: dict[str, list[str]]) -> str | None:
    """Undo HetRec's damage to a director's name; ``None`` where it cannot be restored.

    The file has U+FFFD where an accented letter was ("Pedro Almod\ufffdvar"). The letter is
    restored from an IMDb spelling of the same name (``pool``: non-ASCII names by the first three
    characters of their folded form), else from HetRec's ASCII ``directorID`` ("aki_kaurismaeki"
    -> "Kaurismäki"; a letter whose accent is unknown keeps its base letter: "Etienne").
    Suffixes such as " (II)" and a "Director " prefix are dropped.
    """
    name = re.sub(r"^Director\s+|\s+\([IVX]+\)$", "", clean(name))
    if LOST not in name:
        return name
    pieces = name.split(LOST)
    pattern = re.compile("[^\\x00-\\x7f]".join(re.escape(p) for p in pieces))
    hits = {p for p in pool.get(fold(pieces[0])[:3], []) if pattern.fullmatch(p)}
    if len(hits) == 1:
        return hits.pop()
    ident = re.sub(r"[_\-]+", " ", director_id).strip().lower()
    parts = [re.escape(re.sub(r"[^a-z0-9]+", " ", p.lower())) for p in pieces]
    match = re.fullmatch("([a-z]{1,2}?)".join(parts), ident)
    if not match or any(len(g) == 2 and g not in _UMLAUT for g in match.groups()):
        return None
    restored = pieces[0]
    for letters, piece in zip(match.groups(), pieces[1:], strict=True):
        letter = _UMLAUT.get(letters, letters)
        restored += (letter.upper() if restored[-1:] in ("", " ") else letter) + piece
    return restored


def runtime_minutes(text: str) -> int | None:
    """Minutes from "142", "142 min", "1h 46min" or "3h"; None for empty, zero or unreadable text."""
    text = clean(text).lower().replace("min", "").strip()
    hours, _, minutes = text.partition("h") if "h" in text else ("0", "", text)
    try:
        total = int(float(hours or 0)) * 60 + int(float(minutes.strip() or 0))
    except ValueError:
        return None
    return total if 1 <= total <= 1000 else None


def movielens_genres(raw: str) -> str:
    """A MovieLens genre list ("Crime|Drama"), "(no genres listed)" dropped."""
    return "|".join(g for g in clean(raw).split("|") if g and g != NO_GENRES)


def link_ids(row: dict[str, str]) -> tuple[str, int | None]:
    """A MovieLens ``links.csv`` row -> (IMDb id "tt0000000" or "", TMDB id or None)."""
    imdb, tmdb = clean(row.get("imdbId", "")), clean(row.get("tmdbId", ""))
    return (f"tt{int(imdb):07d}" if imdb else ""), (int(tmdb) if tmdb else None)
