"""The agent's tools (``kg_lookup``, ``cf_score``, ``vector_search``: ``base`` and ``registry``), the
stores they open and ingest, entity linking, the candidate sources and the ranker. Imports ``retrieval`` only."""
