"""Parley bot: agent, dialogue state, LLM backends, UI, CLI."""
