"""The project's lint and format rules (pyproject.toml [tool.ruff]) hold on every file, sqlfluff's (.sqlfluff)
on every query of sql/ and mypy's on the pipeline's code: CI runs the tests only, so a rule broken here (an
over-long line, an unused import, SQL built from strings: S608, a function without types) fails the suite."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing_to_report():
    check = ruff("check", "--no-cache", ".")
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_file_is_formatted_as_ruff_formats_it():
    form = ruff("format", "--no-cache", "--check", ".")
    assert form.returncode == 0, form.stdout + form.stderr


@pytest.mark.slow  # about 20 s of CPU; `make check` runs sqlfluff itself
def test_sqlfluff_finds_nothing_to_report_in_sql():
    # in one process: sqlfluff's pool of processes waits for ever for a worker that died (seen once, with the
    # suite running beside it: a worker gone, the test held until its timeout)
    lint = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "sql"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.slow  # about 20 s of CPU; `make check` runs mypy itself
def test_the_pipelines_code_passes_the_type_checker():
    """mypy with pyproject.toml [tool.mypy]: every function of assets, checks, pipelines and reports typed."""
    typed = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert typed.returncode == 0, typed.stdout + typed.stderr
