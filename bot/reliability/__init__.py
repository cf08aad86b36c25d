"""Reliability drills over the public APIs: a generated corpus of hostile inputs, its checks through the
Python and HTTP APIs, a concurrent load run over HTTP, and the loopback servers they run against (the web
app in a thread, a round-robin front before several workers). ``scripts/hostile.py`` and ``scripts/load.py``
run them in full, ``tests/reliability`` a sample."""
