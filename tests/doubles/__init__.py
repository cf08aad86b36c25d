"""Test doubles (never shipped): the scripted LLM backend and its langchain chat model."""
