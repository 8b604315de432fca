"""Markdown for generated reports: tables and the code version that produced them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame``'s columns and rows (values as ``str``)."""
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def code_version(where: str | Path | None = None) -> str:
    """The git commit of the code: short hash, ``+dirty`` with uncommitted tracked changes.

    ``"unknown"`` outside a git checkout (an installed wheel).
    """
    folder = Path(where) if where is not None else Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit
