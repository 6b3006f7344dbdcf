"""Writing results so that nothing in outputs/ is ever left half-written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ROOT / "outputs"
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "dask", "distributed", "SALib", "matplotlib", "pyabc")


def output_dir(name: str) -> Path:
    """``outputs/<name>``, or ``name`` itself when it is a path."""
    return Path(name) if os.sep in name else OUTPUTS / name


@contextmanager
def published(final: Path) -> Iterator[Path]:
    """A staging folder to write into; moved into place as ``final`` only if the block
    completes (replacing earlier results), and removed if it fails."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
