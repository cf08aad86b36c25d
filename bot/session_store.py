"""Where sessions live: conversations, dialogue states and feedback events (see ``bot.sessions``).

``SessionStore`` is the interface; ``SqliteSessionStore`` the embedded default; the PostgreSQL store
(``bot.sessions.postgres``) is shared by several app workers. ``session_store_from_settings`` picks one.
"""

from bot.sessions import (
    SessionStore,
    SqliteSessionStore,
    StoredMessage,
    session_store_from_settings,
)

__all__ = ["SessionStore", "SqliteSessionStore", "StoredMessage", "session_store_from_settings"]
