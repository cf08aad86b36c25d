"""``parley ingest`` / ``parley doctor`` end to end on a slice of the bundled catalogue, with real
stores (embedded ArcadeDB on free ports, on-disk Chroma, Surprise)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bot.settings import Settings, store_config
from cli.main import main
from retrieval.catalogue_types import Catalogue
from tools.stores import Stores

DATA = Path(__file__).resolve().parents[2] / "data"


def write_slice(target: Path, ids: set[int]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("items.csv", "ratings.csv", "facts.csv", "tags.csv"):
        frame = pd.read_csv(DATA / name, dtype=str, keep_default_na=False)
        frame[frame["item_id"].astype(int).isin(ids)].to_csv(target / name, index=False)


@pytest.fixture(scope="module")
def slice_env(
    tmp_path_factory: pytest.TempPathFactory, small_catalogue: Catalogue
) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("cli")
    write_slice(root / "catalogue", set(small_catalogue.items))
    env = {
        "PARLEY_DATA_DIR": str(root / "catalogue"),
        "PARLEY_STATE_DIR": str(root / "state"),
        "PARLEY_GRAPH_BOLT_PORT": "0",
        "PARLEY_GRAPH_HTTP_PORT": "0",
        "PARLEY_CF_SVD_EPOCHS": "10",
    }
    yield env
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        main(["graph", "stop"])


def _use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Stores:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Stores(store_config(Settings()))


def _counts(stores: Stores) -> tuple[dict[str, int], int]:
    try:
        return stores.graph().counts(), stores.vectors().count()
    finally:
        stores.close()


def test_ingest_twice_gives_the_same_counts_and_doctor_passes(
    slice_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    small_catalogue: Catalogue,
) -> None:
    stores = _use(monkeypatch, slice_env)
    assert main(["ingest"]) == 0
    first = _counts(stores)
    assert first[0]["Movie"] == len(small_catalogue.items)
    assert first[1] == len(small_catalogue.items)
    assert main(["ingest"]) == 0
    assert _counts(stores) == first
    out = capsys.readouterr().out
    assert "CF models are up to date" in out
    assert main(["doctor"]) == 0
    assert "all good" in capsys.readouterr().out


def test_broken_catalogue_is_refused_and_stores_are_unchanged(
    slice_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    stores = _use(monkeypatch, slice_env)
    assert main(["ingest"]) == 0
    before = _counts(stores)
    broken = tmp_path / "broken"
    shutil.copytree(slice_env["PARLEY_DATA_DIR"], broken)
    lines = (broken / "ratings.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[4].split(",")
    fields[2] = "9.5"
    lines[4] = ",".join(fields)
    (broken / "ratings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", "--data", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "ratings.csv:5" in err
    assert _counts(stores) == before


def test_doctor_names_the_fix_when_nothing_is_built(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    slice_env: dict[str, str],
) -> None:
    env = dict(slice_env, PARLEY_STATE_DIR=str(tmp_path / "empty-state"))
    _use(monkeypatch, env)
    try:
        assert main(["doctor"]) == 1
        out = capsys.readouterr().out
        assert "FAIL" in out
        assert "parley ingest" in out
    finally:
        main(["graph", "stop"])
