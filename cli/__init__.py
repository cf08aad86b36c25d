"""The command-line shell, the outermost layer: ``parley`` (ingest, doctor, graph, bench, chat, serve,
eval) and ``parley-eval``. It may import ``bot`` and ``eval``; nothing of ours imports it.

Every command-line error ends as one line on stderr and a non-zero exit (``cli.errors``); ``--debug``
shows the traceback instead."""
