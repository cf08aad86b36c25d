"""Stores and data loading: catalogue, knowledge graph, collaborative filtering, vectors.

This package imports nothing else of Parley.
"""
