"""The draft validator: checks an LLM draft against the recommendations and their evidence (titles,
people, years, unsupported claims, films left out)."""

from __future__ import annotations

import re

from bot.types import Recommendation
from bot.writing.claims import unsupported_words
from tools.linking import EntityIndex, fold

MAX_UNSUPPORTED_WORDS = 4  # content words a draft may use beyond the evidence (opinions, phrasing)


class DraftValidator:
    """Checks an LLM draft against the recommendations and their evidence."""

    def __init__(self, index: EntityIndex) -> None:
        self.index = index

    def problems(
        self, text: str, recommendations: list[Recommendation], allowed_items: set[int], context: str = ""
    ) -> list[str]:
        """What is wrong with a draft ([] = fine). ``context`` is what the person said (the
        "understood" summary), which the draft may repeat."""
        allowed = allowed_items | {r.item_id for r in recommendations}
        evidence_text = fold(
            " ".join(f"{r.title} {r.year} {' '.join(r.genres)} {r.reasons!r}" for r in recommendations)
        )
        found: list[str] = []
        if not text.strip():
            return ["the draft is empty"]
        # where each recommended title is named: a person belongs to the film named last before it
        named_at = sorted(
            (m.start(), n)
            for n, r in enumerate(recommendations)
            for m in re.finditer(re.escape(r.title), text, re.I)
        )
        allowed_years: set[str] = set()  # the year of a film the person named ("Groundhog Day (1993)")
        for mention in self.index.find_mentions(text):
            if mention.kind == "item":
                known = [c for c in mention.candidates if c.item_id in allowed]
                if not known:
                    found.append(f"it names {mention.mention!r}, which is not one of the recommended movies")
                allowed_years.update(str(c.year) for c in known if c.year is not None)
            elif mention.kind == "person":
                name = fold(mention.best.name)
                if name not in evidence_text:
                    found.append(f"it names {mention.mention!r}, which is not in the evidence")
                    continue
                before = [n for at, n in named_at if at < mention.start]
                about = recommendations[before[-1]] if before else None
                if about is not None and name not in fold(f"{about.title} {about.reasons!r}"):
                    found.append(f"it ties {mention.mention!r} to {about.title}, which its reasons do not")
        for year in re.findall(r"\b(?:19|20)\d\d\b", text):
            if year not in evidence_text and year not in allowed_years:
                found.append(f"the year {year} is not in the evidence")
        found.extend(mislabelled_years(text, recommendations))
        invented = unsupported_words(text, f"{evidence_text} {context}")
        if len(invented) > MAX_UNSUPPORTED_WORDS:
            found.append("it claims things that are not in the reasons: " + ", ".join(invented[:6]))
        folded = fold(text)
        missing = [r.title for r in recommendations if fold(r.title) not in folded]
        if len(missing) > 1:
            found.append("it leaves out " + ", ".join(missing[:3]))
        return found


def mislabelled_years(text: str, recommendations: list[Recommendation]) -> list[str]:
    """ "Title (year)" where the year is another recommended film's ("Fight Club: The Godfather
    (1999)"): a draft that mixes the films up."""
    problems = []
    for match in re.finditer(r"\(((?:19|20)\d\d)\)", text):
        before = fold(text[max(0, match.start() - 80) : match.start()])
        named = [r for r in recommendations if r.year is not None and before.endswith(fold(r.title))]
        if named and all(str(r.year) != match.group(1) for r in named):
            problems.append(f"it gives {named[0].title} the year {match.group(1)}")
    return problems
