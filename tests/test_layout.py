"""The fixed layout's import rules, checked on the source (AST), plus style rules that can be read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools", "retrieval", "prompts", "eval", "cli")
# who may import whom (the layers, inner to outer); nothing imports ``cli``
ALLOWED = {
    "retrieval": {"retrieval"},
    "prompts": {"prompts"},
    "tools": {"tools", "retrieval"},
    "bot": {"bot", "tools", "prompts"},
    "eval": {"eval", "bot"},  # the evaluation drives the bot through its public API
    # the command-line shell, the outermost layer: its commands run bot (chat, serve, doctor, bench),
    # tools (ingest, the graph server) and eval (parley eval, parley-eval)
    "cli": {"cli", "bot", "tools", "eval"},
}
# scripts and benchmarks may import any of our packages, never the tests
STANDALONE = ("scripts", "benchmarks")
UI_MODULES = {"bot/ui.py", "bot/ui"}
# calls that import a module named by a string (``importlib.import_module("eval.cli")``,
# ``__import__``, ``runpy.run_module``, ``importlib.util.find_spec``): none may name our packages
DYNAMIC_IMPORTS = {"import_module", "__import__", "run_module", "run_path", "find_spec", "find_loader"}


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


MAX_LINES = 360  # "files under ~350 lines": a file that outgrows it is split by job


def test_library_files_stay_small() -> None:
    too_long = [
        f"{p.relative_to(ROOT)} ({n} lines)"
        for package in PACKAGES
        for p in _modules(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert too_long == []


def _dynamic_imports(path: Path) -> list[str]:
    """``runpy`` imported at all, or a dynamic import whose name is one of our packages (or the tests)."""
    ours = {*PACKAGES, "tests"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(name.split(".")[0] == "runpy" for name in names):
                found.append(f"{node.lineno}: imports runpy")
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                name in DYNAMIC_IMPORTS
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.split(".")[0] in ours
            ):
                found.append(f"{node.lineno}: {name}({first.value!r})")
    return found


def _standalone_files() -> list[Path]:
    return sorted(p for folder in STANDALONE for p in (ROOT / folder).rglob("*.py"))


def test_scripts_and_benchmarks_never_import_the_tests() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports tests"
        for path in _standalone_files()
        if "tests" in _imported_roots(path)
    ]
    assert offenders == []


def test_no_import_by_name_of_our_packages() -> None:
    """The one-way rule holds for imports that name a module in a string too (no runpy dodge)."""
    files = [p for package in PACKAGES for p in _modules(package)] + _standalone_files()
    offenders = [f"{path.relative_to(ROOT)}:{hit}" for path in files for hit in _dynamic_imports(path)]
    assert offenders == []


def test_the_checks_catch_the_dodges(tmp_path: Path) -> None:
    sample = tmp_path / "dodge.py"
    sample.write_text(
        "import runpy\nimport importlib\nfrom tests.reliability import x\n"
        "runpy.run_module('eval.cli')\nimportlib.import_module('eval.cli')\n__import__('bot')\n"
        "importlib.import_module('llama_cpp')\n",
        encoding="utf-8",
    )
    assert _dynamic_imports(sample) == [
        "1: imports runpy",
        "4: run_module('eval.cli')",
        "5: import_module('eval.cli')",
        "6: __import__('bot')",
    ]
    assert "tests" in _imported_roots(sample)
