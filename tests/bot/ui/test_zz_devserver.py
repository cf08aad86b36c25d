import time
from pathlib import Path


def test_devserver(live_server) -> None:  # type: ignore[no-untyped-def]
    Path("/tmp/devserver.url").write_text(live_server.url)
    time.sleep(1500)
