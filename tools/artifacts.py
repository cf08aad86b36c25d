"""Artifacts built once: ``parley ingest`` publishes the CF models and the catalogue, graph and vector
fingerprints under one version to a shared directory (``PARLEY_ARTIFACTS_DIR``); every worker loads
that published version instead of training or reading models of its own.

Layout of the directory (several workers, on several hosts through a shared volume, only read it)::

    releases/<version>/cf/            the CF models (manifest.json, arrays.npz; retrieval.cf.models)
    releases/<version>/release.json   what the version is: fingerprints, counts, when it was built
    current.json                      {"version": ...}: the published version, replaced atomically

A version is named by what it holds (a hash of the fingerprints and the CF parameters), so publishing
the same catalogue again changes nothing. A release directory is complete before ``current.json``
names it; a worker reading at the same time sees the old version or the new one, never half of one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.catalogue_types import Catalogue
from retrieval.cf.models import CFModels
from retrieval.errors import StoreUnavailableError
from retrieval.vectors import catalogue_documents, content_key, documents_fingerprint

CURRENT = "current.json"
RELEASE = "release.json"
RELEASES = "releases"
FIX = "run `parley ingest` once with the workers' PARLEY_ARTIFACTS_DIR"


def vectors_fingerprint(catalogue: Catalogue, model_name: str) -> str:
    """sha256 over the vector documents' ids and content keys (``documents_fingerprint``): the value
    ``VectorStore.build`` records in the collection it makes from this catalogue."""
    docs = catalogue_documents(catalogue)
    return documents_fingerprint({doc.id: content_key(doc.text, model_name).hex() for doc in docs})


@dataclass(frozen=True)
class Release:
    """One published version: what ``parley ingest`` built, and the fingerprints a worker checks."""

    version: str
    catalogue: str  # catalogue_fingerprint of the files ingested (also in the graph's Meta node)
    ratings: str  # the CF models' ratings fingerprint
    vectors: str  # vectors_fingerprint
    vector_count: int
    graph_counts: dict[str, int] = field(default_factory=dict)
    created: str = ""
    directory: Path = Path()

    @property
    def cf_dir(self) -> Path:
        return self.directory / "cf"

    def summary(self) -> str:
        return f"version {self.version} (catalogue {self.catalogue[:12]}, built {self.created})"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("directory")
        return data

    @classmethod
    def read(cls, directory: Path) -> Release:
        path = directory / RELEASE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                version=str(data["version"]),
                catalogue=str(data["catalogue"]),
                ratings=str(data["ratings"]),
                vectors=str(data["vectors"]),
                vector_count=int(data["vector_count"]),
                graph_counts={str(k): int(v) for k, v in dict(data.get("graph_counts", {})).items()},
                created=str(data.get("created", "")),
                directory=directory,
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StoreUnavailableError("artifacts", f"unreadable {path}: {error}", FIX) from error


def _version(catalogue: str, vectors: str, models: CFModels) -> str:
    params = json.dumps(models.manifest.params.to_dict(), sort_keys=True)
    return hashlib.sha256(f"{catalogue}\n{models.fingerprint}\n{vectors}\n{params}".encode()).hexdigest()[:16]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def publish(
    root: Path,
    models: CFModels,
    *,
    catalogue: str,
    vectors: str,
    vector_count: int,
    graph_counts: dict[str, int] | None = None,
) -> tuple[Release, bool]:
    """Publish ``models`` and the fingerprints as the current version of ``root``; (the release,
    whether anything was written: False when that version was already the published one)."""
    root = Path(root)
    version = _version(catalogue, vectors, models)
    target = root / RELEASES / version
    try:
        if published(root).version == version:
            return published(root), False
    except StoreUnavailableError:
        pass  # nothing (readable) published yet
    if not (target / RELEASE).is_file():
        (root / RELEASES).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=root / RELEASES))
        release = Release(
            version=version,
            catalogue=catalogue,
            ratings=models.fingerprint,
            vectors=vectors,
            vector_count=vector_count,
            graph_counts=dict(graph_counts or {}),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            directory=target,
        )
        models.save(staging / "cf")
        _write_json(staging / RELEASE, release.to_json())
        staging.chmod(0o755)
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier attempt
        os.replace(staging, target)
    _write_json(root / CURRENT, {"version": version})
    return Release.read(target), True


def published(root: Path) -> Release:
    """The version ``current.json`` names; StoreUnavailableError when nothing is published."""
    path = Path(root) / CURRENT
    if not path.is_file():
        raise StoreUnavailableError("artifacts", f"nothing published in {root} (no {CURRENT})", FIX)
    try:
        version = str(json.loads(path.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise StoreUnavailableError("artifacts", f"unreadable {path}: {error}", FIX) from error
    return Release.read(Path(root) / RELEASES / version)


def load_models(release: Release) -> CFModels:
    """The release's CF models, checked against its manifest and its ratings fingerprint."""
    return CFModels.load(release.cf_dir, expect_fingerprint=release.ratings)
