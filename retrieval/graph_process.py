"""Process-level helpers of the embedded graph server: the Java command line, ports, pids, files."""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from retrieval.errors import GraphServerError

SERVER_CLASS = "com.arcadedb.server.ArcadeDBServer"
ROOT_USER = "root"
LOOPBACK = "127.0.0.1"


def arcadedb_home() -> Path:
    """The installed ``arcadedb_embedded`` package directory (holds ``jre/`` and ``jars/``)."""
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or spec.origin is None:
        raise GraphServerError("the package arcadedb-embedded is not installed", fix="run scripts/setup.sh")
    return Path(spec.origin).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) still answers kill(0): look at its state
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def is_our_server(pid: int, root_dir: Path) -> bool:
    """True when ``pid`` is a live ArcadeDB server started on ``root_dir`` (guards against reused pids)."""
    if pid <= 0 or not pid_alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (not Linux): trust the pid file
    wanted = f"-Darcadedb.server.rootPath={root_dir}".encode()
    return SERVER_CLASS.encode() in args and wanted in args


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), without a trailing newline."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


def terminate_pid(pid: int, timeout_s: float) -> None:
    """SIGTERM a process we did not spawn, wait for it to go, then SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + 10
    while time.monotonic() < end and pid_alive(pid):
        time.sleep(0.05)


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` making the child receive SIGTERM when this process dies, even by
    ``kill -9`` (Linux ``PR_SET_PDEATHSIG``). None off Linux, or outside the main thread: the
    signal follows the thread that spawned the child, and a worker thread may end any time."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def probe(uri: str, auth: tuple[str, str], database: str, timeout_s: float) -> bool:
    """One readiness probe: ``RETURN 1`` with no driver retries. AuthError propagates."""
    driver = GraphDatabase.driver(
        uri,
        auth=auth,
        connection_timeout=timeout_s,
        connection_acquisition_timeout=timeout_s,
        max_transaction_retry_time=0,
    )
    try:
        records, _, _ = driver.execute_query("RETURN 1 AS ok", database_=database)
        return bool(records) and records[0]["ok"] == 1
    except AuthError:
        raise
    except (DriverError, Neo4jError, OSError):
        return False
    finally:
        driver.close()


def log_tail(path: Path, offset: int | None, lines: int = 30) -> str:
    """The last ``lines`` lines of ``path`` written after byte ``offset``."""
    try:
        with open(path, "rb") as f:
            if offset:
                f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def server_command(
    *,
    root_dir: Path,
    password_file: Path,
    databases: Sequence[str],
    bolt_port: int,
    http_port: int,
    heap_mb: int,
    command_timeout_s: float | None,
) -> list[str]:
    """The argv of an ArcadeDB server with Bolt, every listener on 127.0.0.1."""
    home = arcadedb_home()
    java = home / "jre" / "bin" / "java"
    if not java.exists():
        raise GraphServerError(f"no Java runtime at {java}", fix="reinstall arcadedb-embedded")
    return [
        str(java),
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",
        "-XX:+UseCompactObjectHeaders",
        "--add-modules=jdk.incubator.vector",
        "--enable-native-access=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
        "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "-Djava.awt.headless=true",
        "-Dfile.encoding=UTF8",
        "-Dpolyglot.engine.WarnInterpreterOnly=false",
        f"-Darcadedb.server.rootPath={root_dir}",
        # read at first start only (ArcadeDB then keeps a hash in config/server-users.jsonl);
        # a path, not the password itself, so it never shows in the process list
        f"-Darcadedb.server.rootPasswordPath={password_file}",
        # a server-side limit per statement: ArcadeDB ignores the Bolt transaction timeout
        f"-Darcadedb.command.timeout={int((command_timeout_s or 0) * 1000)}",
        "-Darcadedb.polyglotEngineEnabled=false",
        "-Darcadedb.opencypher.loadCsv.allowFileUrls=false",
        "-Darcadedb.opencypher.loadCsv.allowRemoteUrls=false",
        f"-Darcadedb.server.httpIncomingHost={LOOPBACK}",
        f"-Darcadedb.server.httpIncomingPort={http_port}",
        "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        f"-Darcadedb.bolt.host={LOOPBACK}",
        f"-Darcadedb.bolt.port={bolt_port}",
        "-Darcadedb.server.defaultDatabases=" + ";".join(f"{db}[{ROOT_USER}]" for db in databases),
        "-cp",
        str(home / "jars" / "*"),
        SERVER_CLASS,
    ]
