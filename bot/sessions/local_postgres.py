"""A throwaway PostgreSQL cluster on loopback, for the multi-worker tests and ``scripts/workers.py``.

Uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``, or
``initdb`` on PATH). ``initdb`` refuses to run as root: as root the cluster belongs to the ``postgres``
system user (``runuser``). Trust authentication on 127.0.0.1 only; the data lives in a temporary
directory that ``stop()`` removes."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tools.errors import StoreUnavailableError


def server_bin_dir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl`` (the newest Debian version first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPostgres:
    """``start()`` a cluster, ``database(name)`` for a fresh database URL, ``stop()`` removes it all."""

    def __init__(self, fsync: bool = False, user: str = "parley") -> None:
        bin_dir = server_bin_dir()
        if bin_dir is None:
            raise StoreUnavailableError(
                "sessions", "no PostgreSQL server binaries (initdb)", "apt-get install postgresql"
            )
        self.bin_dir = bin_dir
        self.user = user
        self.fsync = fsync
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.root / "data"
        self._owner: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: the cluster runs as the postgres system user
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as error:
                raise StoreUnavailableError(
                    "sessions", "running as root and no 'postgres' user", "apt-get install postgresql"
                ) from error
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._owner = "postgres"

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{name}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._owner:
            command = ["runuser", "-u", self._owner, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
        if done.returncode != 0:
            raise StoreUnavailableError(
                "sessions", f"{args[0]} failed: {(done.stderr or done.stdout)[-1500:]}", "see the message"
            )
        return done

    def start(self) -> LocalPostgres:
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.fsync:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start"
        )
        return self

    def database(self, name: str) -> str:
        """Create database ``name`` (dropped first if it exists); its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(StoreUnavailableError):  # never started, or already gone
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
