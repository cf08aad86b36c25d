"""Parley tools package."""
