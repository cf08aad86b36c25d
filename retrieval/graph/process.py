"""Process-level helpers of the embedded graph server: the Java command line, ports, pids, files."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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


def pick_ports(asked: tuple[int, int], current: tuple[int, int]) -> tuple[int, int]:
    """The (bolt, http) ports to start on: the asked ones (refused when busy), else the current ones
    while they are free (a restart keeps its ports), else free ones the kernel picks (0 = pick)."""
    for port in asked:
        if port and not port_is_free(port):
            raise GraphServerError(
                f"port {port} on {LOOPBACK} is in use", fix="choose another port, or 0 to pick a free one"
            )
    bolt, http = asked
    if not bolt:
        bolt = current[0] if current[0] and port_is_free(current[0]) else free_port()
    if not http:
        http = current[1] if current[1] and current[1] != bolt and port_is_free(current[1]) else free_port()
        while http == bolt:
            http = free_port()
    return bolt, http


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


def load_or_create_password(root_dir: Path, password_file: Path, min_length: int) -> str:
    """The root password stored in ``password_file``, or a new random one stored there (0600).
    Refuses to invent one for a server that already has a root password (its hash in ``config/``)."""
    if password_file.exists():
        text = password_file.read_text(encoding="utf-8").strip()
        if len(text) >= min_length:
            return text
    if (root_dir / "config" / "server-users.jsonl").exists():
        raise GraphServerError(
            f"the graph server of {root_dir} already has a root password, and it is not stored "
            f"in {password_file}",
            fix="pass the password it was created with, or use a fresh root_dir",
        )
    root_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    write_private(password_file, password)
    return password


@contextlib.contextmanager
def file_lock(path: Path, deadline: float) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (waiting until ``deadline``, a monotonic time)."""
    with open(path, "a+b") as f:
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GraphServerError(
                        f"another process keeps the lock {path} (starting the server?)",
                        fix="wait for it, or stop the other Parley process",
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def read_state(port_file: Path) -> dict[str, Any] | None:
    """The running server's ``server.json`` (pid, ports, databases), or None."""
    try:
        state = json.loads(port_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def write_state(port_file: Path, state: dict[str, Any]) -> None:
    """Replace ``server.json`` at once: a reader never sees half of it."""
    tmp = port_file.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(port_file)


def remove_state_files(port_file: Path, pid_file: Path, pid: int) -> None:
    """Remove the state and pid files of server ``pid`` (or of a dead server), never a live other's."""
    state = read_state(port_file)
    if state is None or int(state.get("pid", 0)) in (pid, 0) or not pid_alive(int(state["pid"])):
        port_file.unlink(missing_ok=True)
    try:
        recorded = int(pid_file.read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        recorded = 0
    if recorded in (pid, 0) or not pid_alive(recorded):
        pid_file.unlink(missing_ok=True)


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


def spawn_server(command: list[str], root_dir: Path, log_file: Path, stop_on_exit: bool) -> subprocess.Popen[bytes]:
    """Run the server ``command`` in ``root_dir`` with its output appended to ``log_file``. It runs
    in its own session (a Ctrl-C in the terminal is for Python, not the JVM); with ``stop_on_exit``
    it also dies with a crashed or killed parent."""
    with open(log_file, "ab") as log:
        log.write(f"\n--- parley: starting graph server at {time.strftime('%F %T')}\n".encode())
        log.flush()
        try:
            return subprocess.Popen(
                command,
                cwd=root_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent() if stop_on_exit else None,
            )
        except OSError as exc:
            raise GraphServerError(f"could not run {command[0]}: {exc}") from exc
