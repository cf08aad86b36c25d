"""Normalisation of titles and names for entity linking (case, accents, punctuation, articles)."""

from __future__ import annotations

import re
import unicodedata

ARTICLES = ("the", "a", "an", "les", "la", "le", "l", "il", "das", "die", "der", "el", "los", "las", "lo")
_ARTICLE_TAIL = re.compile(
    r"^(?P<body>.+?),\s*(?P<art>the|a|an|les|la|le|l'|il|das|die|der|el|los|las|lo)$", re.I
)
_PARENS = re.compile(r"\s*\(([^()]*)\)")
_YEAR_TAIL = re.compile(r"\s*[\(\[]?\b(1[89]\d\d|20\d\d)\b[\)\]]?\s*$")
_AKA = re.compile(r"^(a\.k\.a\.|aka)\s+", re.I)


def fold(text: str) -> str:
    """ASCII-fold, lowercase, ``&`` -> ``and``, punctuation -> spaces, collapse whitespace."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def move_trailing_article(title: str) -> str:
    """``"Graduate, The"`` -> ``"The Graduate"``; other titles unchanged."""
    match = _ARTICLE_TAIL.match(title.strip())
    if not match:
        return title.strip()
    article = match.group("art")
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{match.group('body')}"


def strip_year(text: str) -> tuple[str, int | None]:
    """``"Heat (1995)"`` -> ``("Heat", 1995)``; ``"Heat 1995"`` -> ``("Heat", 1995)``."""
    match = _YEAR_TAIL.search(text)
    if match and match.start() > 0:
        return text[: match.start()].strip(), int(match.group(1))
    return text.strip(), None


def title_variants(title: str) -> list[str]:
    """Every folded key under which a catalogue title may be mentioned.

    ``"Léon: The Professional (a.k.a. The Professional) (Léon)"`` gives the main title, its
    article-less form, each parenthesised alternative (a.k.a. included) and the part before ``:``.
    """
    main = _PARENS.sub("", title).strip()
    alternatives = [_AKA.sub("", alt).strip() for alt in _PARENS.findall(title)]
    names = [main, *alternatives]
    for name in list(names):
        for sep in (": ", " - "):
            if sep in name:
                names.append(name.split(sep, 1)[0])
    keys: list[str] = []
    for name in names:
        natural = move_trailing_article(name)
        for candidate in (natural, name):
            key = fold(candidate)
            if not key:
                continue
            keys.append(key)
            first, _, rest = key.partition(" ")
            if first in ARTICLES and rest:
                keys.append(rest)
    return list(dict.fromkeys(keys))


def primary_key(title: str) -> str:
    """The folded key of the main title, article moved to the front (no alternatives)."""
    return fold(move_trailing_article(_PARENS.sub("", title).strip()))
