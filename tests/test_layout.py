"""The fixed layout's import rules, checked on the source (AST), plus style rules that can be read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools", "retrieval", "prompts", "eval")
ALLOWED = {
    "retrieval": {"retrieval"},
    "prompts": {"prompts"},
    "tools": {"tools", "retrieval"},
    "bot": {"bot", "tools", "prompts"},
    "eval": {"eval", "bot"},
}
UI_MODULES = {"bot/ui.py", "bot/ui"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package: str) -> None:
    offenders = []
    for path in _modules(package):
        ours = _imported_roots(path) & set(PACKAGES)
        bad = ours - ALLOWED[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_gradio_only_in_ui_module() -> None:
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            rel = path.relative_to(ROOT).as_posix()
            in_ui = any(rel == m or rel.startswith(m + "/") for m in UI_MODULES)
            if "gradio" in _imported_roots(path) and not in_ui:
                offenders.append(rel)
    assert offenders == []


def test_no_star_imports_and_no_assert_in_library_code() -> None:
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} star import")
                if isinstance(node, ast.Assert):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} assert")
    assert offenders == []


def test_library_files_stay_small() -> None:
    too_long = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for package in PACKAGES
        for p in _modules(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    ]
    assert too_long == []
