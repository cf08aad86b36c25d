"""Real movie-recommendation chats linked to the catalogue: which movies people named
(mentions) and the nearest chat dialogues to a conversation (dialogues).
"""

from retrieval.chats.dialogues import WORDS_FILE, ChatDialogues, DialogueMatch, chat_words
from retrieval.chats.mentions import ChatMentions, corpus_of, year_of

__all__ = [
    "WORDS_FILE",
    "ChatDialogues",
    "ChatMentions",
    "DialogueMatch",
    "chat_words",
    "corpus_of",
    "year_of",
]
