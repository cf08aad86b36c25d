"""The LLM fixtures live in ``tests/fixtures/llm.py`` (shared with the browser tests)."""
