"""The one exception tree of Parley.

It lives in the lowest layer (``retrieval``) so that every other package can extend it
without breaking the one-way import rule (retrieval <- tools <- bot).
"""

from __future__ import annotations


class ParleyError(Exception):
    """Root of every error Parley raises on purpose."""


class ConfigurationError(ParleyError):
    """A setting is missing or inconsistent."""


class CatalogueError(ParleyError):
    """A catalogue file is malformed. Names the file, the line and the problem."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")


class StoreUnavailableError(ParleyError):
    """A store (graph, vector, CF model) cannot be reached or is not built.

    ``fix`` tells the person what to do (for example: run `parley ingest`).
    """

    def __init__(self, store: str, problem: str, fix: str = "run `parley ingest`") -> None:
        self.store = store
        self.problem = problem
        self.fix = fix
        super().__init__(f"{store}: {problem} (fix: {fix})")


class GraphServerError(StoreUnavailableError):
    """The embedded graph server could not be started or stopped."""

    def __init__(self, problem: str, fix: str = "check the Java runtime of arcadedb-embedded") -> None:
        super().__init__("graph", problem, fix)


class CannotScoreError(ParleyError):
    """A scorer cannot score an item for a profile (unknown item, no signal).

    Handled in one place by the caller, with a marked fallback.
    """


class GraphQueryError(ParleyError):
    """A graph query was refused or failed: a write through the read-only path, a syntax error,
    a timeout. The graph itself is reachable (that case is ``StoreUnavailableError``)."""
