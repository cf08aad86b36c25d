"""What a worker reads from files instead of holding it, for a catalogue above ``items_in_memory_max``.

Under ``<state_dir>/items/``: the item store (rows and card facts, ``tools.item_store``), the entity
index's names (``tools.linking.disk_names``), the CF arrays memory-mapped (``retrieval.cf.mapped``,
one directory per ratings fingerprint) and ``manifest.json`` last, naming the catalogue fingerprint
they were built from. ``parley ingest`` writes them (or the first worker that needs them does); a
worker whose catalogue files have that fingerprint opens them without loading the catalogue.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from retrieval.catalogue_types import Catalogue
from retrieval.cf.mapped import load_mapped, save_mapped
from retrieval.cf.models import CFModels
from tools.card_facts import CatalogueCardFacts
from tools.item_store import DiskCardFacts, DiskItemTable, write_item_store
from tools.item_table import ItemTable
from tools.linking.disk_names import DiskNames, write_names
from tools.linking.names import MemoryNames

MANIFEST = "manifest.json"


class DiskManifest(BaseModel):
    """What the files under ``<state_dir>/items/`` were built from."""

    catalogue: str | None  # the catalogue files' fingerprint (None: a catalogue handed over in memory)
    ratings: str  # the ratings fingerprint of the CF model (its directory under cf/)
    items: int
    genres: list[str]


@dataclass
class OnDisk:
    """The opened files: the item table, the mapped CF model, the names and the card facts."""

    manifest: DiskManifest
    items: DiskItemTable
    cf: CFModels
    names: DiskNames
    cards: DiskCardFacts


def write_on_disk(
    root: Path,
    catalogue: Catalogue,
    table: ItemTable,
    models: CFModels,
    names: MemoryNames,
    fingerprint: str | None,
) -> DiskManifest:
    """Write every file for ``catalogue`` under ``root`` (each atomically, the manifest last)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).unlink(missing_ok=True)  # a reader never pairs old files with a new manifest
    cards = CatalogueCardFacts(catalogue)
    facts = ((i, found) for i in table.rows if (found := cards.get(i)) is not None)
    write_item_store(table.rows.values(), root / "items.sqlite3", table.latest_year, cards=facts)
    write_names(names, root / "names.sqlite3")
    mapped = root / "cf" / models.fingerprint
    if not (mapped / "manifest.json").is_file():
        tmp = save_mapped(models, root / "cf" / f".{models.fingerprint}.{os.getpid()}")
        try:
            os.rename(tmp, mapped)
        except OSError:  # another worker of this host wrote it first
            shutil.rmtree(tmp, ignore_errors=True)
    manifest = DiskManifest(
        catalogue=fingerprint,
        ratings=models.fingerprint,
        items=len(table.rows),
        genres=sorted({g for row in table.rows.values() for g in row.genres}),
    )
    tmp_manifest = root / f".{MANIFEST}.{os.getpid()}"
    tmp_manifest.write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp_manifest, root / MANIFEST)
    return manifest


def read_manifest(root: Path) -> DiskManifest | None:
    """The manifest under ``root``; None when there is none (or it is unreadable)."""
    try:
        return DiskManifest.model_validate(json.loads((root / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def open_on_disk(root: Path, fingerprint: str | None, cache_rows: int) -> OnDisk | None:
    """The files under ``root`` when they were built from the catalogue of ``fingerprint``; None
    when there are none or they are another catalogue's."""
    manifest = read_manifest(root)
    if manifest is None or manifest.catalogue != fingerprint:
        return None
    items = DiskItemTable(root / "items.sqlite3", cache_rows)
    return OnDisk(
        manifest=manifest,
        items=items,
        cf=load_mapped(root / "cf" / manifest.ratings),
        names=DiskNames(root / "names.sqlite3"),
        cards=DiskCardFacts(items),
    )
