"""Writing results so that nothing in outputs/ is ever left half-written, and nothing the
program did not write is ever replaced.

A results folder carries a marker file (:data:`MARKER`); only a folder with it may be
replaced. Results are written into a staging folder beside the final one and swapped in
under a lock on the folder that holds them, so two processes publishing the same folder do
not race; staging folders left
by processes that died are removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ROOT / "outputs"
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "dask", "distributed", "SALib", "matplotlib", "pyabc")
MARKER = ".probation-model-results"  # in every results folder this program writes


class OutputError(ValueError):
    """An output folder the program will not write to."""


def output_dir(name: str) -> Path:
    """Where ``--out name`` writes: ``outputs/<name>`` for a plain folder name, or ``name``
    itself when it is a path (it names a folder outside ``outputs/`` explicitly). Refused
    (:class:`OutputError`) unless the folder is new or holds results this program wrote."""
    if os.sep in name or (os.altsep and os.altsep in name):
        final = Path(name).expanduser().resolve()
        if not final.parent.is_dir():
            raise OutputError(f"--out {name}: the folder {final.parent} does not exist (results go in a new folder inside it)")
    elif not name or name.startswith(".") or name != name.strip():
        raise OutputError(f"--out '{name}': give a folder name under outputs/ (not empty, not starting with '.'), or a path")
    else:
        final = OUTPUTS / name
    check_replaceable(final)
    return final


def check_replaceable(final: Path) -> None:
    """Refuse a folder that exists but was not written by this program, and any folder
    holding the project or its outputs."""
    resolved = final.resolve()
    for protected in (ROOT.resolve(), OUTPUTS.resolve(), (OUTPUTS / ".cache").resolve()):
        if resolved == protected or resolved in protected.parents:
            raise OutputError(f"--out {final}: refusing to write over {protected}, which holds the project or its outputs")
    if resolved.exists() and not (resolved / MARKER).is_file() and not earlier_results(resolved):
        raise OutputError(f"--out {final}: the folder exists and was not written by this program (no {MARKER}); choose another")


RESULT_SUFFIXES = {".csv", ".parquet", ".md", ".json", ".png"}


def earlier_results(folder: Path) -> bool:
    """A results folder written before folders carried the marker: a ``metadata.json`` as
    the commands write it (with the git commit and package versions) and nothing but
    result files (tables, reports, figures) beside it."""
    try:
        metadata_file = json.loads((folder / "metadata.json").read_text())
        entries = list(folder.iterdir())
    except (OSError, ValueError):
        return False
    return (
        isinstance(metadata_file, dict) and {"git_commit", "versions"} <= metadata_file.keys()
        and all(p.is_file() and p.suffix in RESULT_SUFFIXES for p in entries)
    )


@contextmanager
def published(final: Path) -> Iterator[Path]:
    """A staging folder to write into; moved into place as ``final`` only if the block
    completes (replacing earlier results of this program only), and removed if it fails."""
    final.parent.mkdir(exist_ok=True)  # outputs/ on a fresh clone; an explicit path's folder exists
    _remove_stale(final)
    mine = f"{os.getpid()}-{secrets.token_hex(4)}"  # this process and this call (threads share a pid)
    staging = final.with_name(f".{final.name}.tmp-{mine}")
    staging.mkdir()
    try:
        (staging / MARKER).write_text("results written by the probation drugs model; this folder may be replaced\n")
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = final.with_name(f".{final.name}.old-{mine}")
    with _locked(final):
        try:
            check_replaceable(final)
        except OutputError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if final.exists():
            final.rename(old)
        staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _locked(final: Path) -> Iterator[None]:
    """An exclusive lock on publishing into ``final``'s folder (on the folder itself, so
    that no lock file is left behind)."""
    handle = os.open(final.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


def _remove_stale(final: Path) -> None:
    """Remove staging and replaced folders of ``final`` left by processes no longer running."""
    for path in final.parent.glob(f".{final.name}.*-*-*"):
        kind, pid, _ = path.name.rsplit("-", 2)
        if kind.endswith((".tmp", ".old")) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
