"""Reliability drills over the public APIs: a generated corpus of hostile inputs, its checks through the
Python and HTTP APIs, and a concurrent load run over HTTP. ``scripts/hostile.py`` and ``scripts/load.py``
run them in full, ``tests/reliability`` a sample."""
