"""Parley eval package."""
