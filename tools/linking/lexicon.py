"""Small fixed vocabularies used by entity linking: genre synonyms and words never taken as titles."""

from __future__ import annotations

# folded phrase -> catalogue genres (MovieLens genre names)
GENRE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "action": ("Action",),
    "action movie": ("Action",),
    "adventure": ("Adventure",),
    "adventures": ("Adventure",),
    "animation": ("Animation",),
    "animated": ("Animation",),
    "cartoon": ("Animation",),
    "cartoons": ("Animation",),
    "anime": ("Animation",),
    "children": ("Children",),
    "kids": ("Children",),
    "kid": ("Children",),
    "family": ("Children",),
    "comedy": ("Comedy",),
    "comedies": ("Comedy",),
    "funny": ("Comedy",),
    "comedic": ("Comedy",),
    "rom com": ("Romance", "Comedy"),
    "romcom": ("Romance", "Comedy"),
    "romantic comedy": ("Romance", "Comedy"),
    "romantic comedies": ("Romance", "Comedy"),
    "crime": ("Crime",),
    "heist": ("Crime",),
    "gangster": ("Crime",),
    "gangsters": ("Crime",),
    "mafia": ("Crime",),
    "documentary": ("Documentary",),
    "documentaries": ("Documentary",),
    "drama": ("Drama",),
    "dramas": ("Drama",),
    "fantasy": ("Fantasy",),
    "film noir": ("Film-Noir",),
    "noir": ("Film-Noir",),
    "horror": ("Horror",),
    "scary": ("Horror",),
    "slasher": ("Horror",),
    "imax": ("IMAX",),
    "musical": ("Musical",),
    "musicals": ("Musical",),
    "mystery": ("Mystery",),
    "mysteries": ("Mystery",),
    "whodunit": ("Mystery",),
    "romance": ("Romance",),
    "romantic": ("Romance",),
    "love story": ("Romance",),
    "love stories": ("Romance",),
    "sci fi": ("Sci-Fi",),
    "scifi": ("Sci-Fi",),
    "science fiction": ("Sci-Fi",),
    "thriller": ("Thriller",),
    "thrillers": ("Thriller",),
    "suspense": ("Thriller",),
    "war": ("War",),
    "war movie": ("War",),
    "war movies": ("War",),
    "western": ("Western",),
    "westerns": ("Western",),
}

# Words that are never taken as a single-word title or keyword on their own (they are too common
# in ordinary sentences). Multi-word titles containing them still link.
COMMON_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all almost also am an and another any anything are as at
    awesome bad be because been before being best better between big both but by can cool could
    did do does doing done down during each else enjoy enjoyed ever every few film films fine for
    from fun funny get give go good great had has have having he her here hers him his how i if in
    into is it its just kind know last let like liked likes little lot love loved loves made make
    many maybe me mean more most movie movies much must my never new next nice no nor not nothing
    now of off ok okay old on once one only or other our out over please pretty really recommend
    same see seen she should show similar so some something sort sure than thank thanks that the
    their them then there these they thing things think this those though time to too two under
    until up us very want was watch watched way we well were what when where which while who why
    will with without would yes yet you your ok hi hello hey sorry again today tonight night
    day days year years man men woman women life world home story good bye goodbye true real
    """.split()
)
