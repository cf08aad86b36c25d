"""Entity linking: free text to catalogue entities (items, people, genres, keywords), with its
normalisation, vocabularies and the index built from the graph.
"""

from tools.linking.extended import ExtendedTitles, OutsideFilm, OutsideMention
from tools.linking.kg_index import (
    index_from_catalogue,
    index_from_graph,
    linkable_names,
    names_from_catalogue,
    names_from_graph,
)
from tools.linking.lexicon import COMMON_WORDS, GENRE_SYNONYMS
from tools.linking.linker import EntityCandidate, EntityIndex, EntityKind, EntityMention
from tools.linking.normalize import fold, primary_key

__all__ = [
    "COMMON_WORDS",
    "GENRE_SYNONYMS",
    "EntityCandidate",
    "EntityIndex",
    "EntityKind",
    "EntityMention",
    "ExtendedTitles",
    "OutsideFilm",
    "OutsideMention",
    "fold",
    "index_from_catalogue",
    "index_from_graph",
    "linkable_names",
    "names_from_catalogue",
    "names_from_graph",
    "primary_key",
]
