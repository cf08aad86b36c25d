"""Every command-line error of the shell is one line on stderr and a non-zero exit; ``--debug`` shows the
traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.errors import describe, run_guarded
from cli.main import main
from tools.errors import StoreUnavailableError

ROOT = Path(__file__).resolve().parents[2]


def _parley(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(PARLEY_STATE_DIR=str(state), PARLEY_DATA_DIR=str(state / "data"), PARLEY_LLM="none")
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_missing_data_directory_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-catalogue"
    done = _parley("ingest", "--data", str(missing), state=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("parley ingest: ") and str(missing) in lines[0] and "fix:" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    debug = _parley("--debug", "ingest", "--data", str(missing), state=tmp_path)
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "CatalogueError" in debug.stderr
    after = _parley("ingest", "--data", str(missing), "--debug", state=tmp_path)  # after the command too
    assert after.returncode != 0 and "Traceback" in after.stderr


def test_an_invalid_setting_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_LLM", "gpt-17")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("parley doctor: invalid setting PARLEY_LLM='gpt-17'")
    assert "fix:" in err[0]


def test_the_line_says_what_where_and_what_to_do() -> None:
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "crosswalks/inspired.tsv")
    assert describe(missing) == "No such file or directory: crosswalks/inspired.tsv (fix: check the path)"
    store = StoreUnavailableError("vectors", "the collection is empty\nor missing")
    assert describe(store) == "vectors: the collection is empty or missing (fix: run `parley ingest`)"
    assert describe(ValueError("bad\n  value")) == "bad value"
    assert "a bug: run again with --debug" in describe(KeyError("x"))


def test_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(error: BaseException) -> int:
        raise error

    assert run_guarded("parley x", lambda: 0) == 0
    assert run_guarded("parley x", lambda: fail(OSError(errno.EACCES, "Permission denied", "/x"))) == 2
    assert run_guarded("parley x", lambda: fail(RuntimeError("boom"))) == 1
    assert run_guarded("parley x", lambda: fail(KeyboardInterrupt())) == 130
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "parley x: Permission denied: /x (fix: check the permissions)",
        "parley x: unexpected RuntimeError: boom (a bug: run again with --debug for the traceback and report it)",
        "parley x: interrupted",
    ]
    with pytest.raises(RuntimeError, match="boom"):
        run_guarded("parley x", lambda: fail(RuntimeError("boom")), debug=True)
