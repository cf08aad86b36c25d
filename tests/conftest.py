"""Shared pytest configuration."""

pytest_plugins = [
    "tests.fixtures.catalogue",
    "tests.fixtures.vectors",
    "tests.fixtures.graph",
    "tests.fixtures.tools",
    "tests.fixtures.bot",
    "tests.fixtures.artifacts",
    "tests.fixtures.llm",
]
