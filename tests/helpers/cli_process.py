"""The real `kutip` command in a child process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_kutip(
    argv: list[str], env: Mapping[str, str], cwd: Path, stdin: str = "", timeout: float = 400
) -> subprocess.CompletedProcess[str]:
    """`kutip ARGV...` with `env` over the test's environment; asserts that it exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done
