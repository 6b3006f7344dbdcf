"""Where the compiled kernels are kept between runs: one folder per version of their source.

Numba recompiles a cached function when its own file changes, but not when a function it
calls in another file changes: the old machine code then runs, giving wrong results or a
crash. The kernels here call across modules (the compiled week calls every process's
rules), so the cache folder is named by a hash of every module of the package that compiles
functions (``numba.njit`` or ``every_core``: where the kernels, and the constants they use,
live): an edit to any of them starts a fresh folder, and the folders of earlier versions are
removed. An edit elsewhere (economics, reports, ensembles) keeps the cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numba

PACKAGE = Path(__file__).resolve().parent
CACHE_ROOT = PACKAGE / "__pycache__" / "kernels"


def kernel_source_hash(package: Path = PACKAGE) -> str:
    """A hash of the modules in ``package`` that compile functions."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        source = path.read_bytes()
        if b"numba.njit" in source or b"@every_core" in source:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + source)
    return digest.hexdigest()[:16]


def use_kernel_cache() -> None:
    """Point Numba's cache at this source's folder (unless ``NUMBA_CACHE_DIR`` says where, or
    the package's folder cannot be written, as in a read-only installation whose source
    does not change: Numba's own choice of folder then serves); must run before the modules
    with kernels are imported."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    folder = CACHE_ROOT / kernel_source_hash()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if not os.access(folder, os.W_OK):
        return
    numba.config.CACHE_DIR = str(folder)
    if CACHE_ROOT.is_dir():
        for earlier in CACHE_ROOT.iterdir():
            if earlier != folder:
                shutil.rmtree(earlier, ignore_errors=True)


def kernels_cached() -> bool:
    """Whether this source's kernels are compiled and cached already (a first run compiles
    them, which takes a minute or two before the first result)."""
    folder = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else CACHE_ROOT / kernel_source_hash()
    return folder.is_dir() and any(folder.rglob("*.nbi"))
