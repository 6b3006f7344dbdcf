"""The compiled kernels' cache folder follows every module they are compiled from, so an edit
to a function called from another file cannot leave stale machine code running."""

import os
import shutil

import numba
import pytest

from model.kernel_cache import PACKAGE, kernel_source_hash


def _copy_of_package(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return copy


def test_an_edit_to_any_module_with_kernels_gives_a_new_cache_folder(tmp_path):
    copy = _copy_of_package(tmp_path)
    before = kernel_source_hash(copy)
    assert before == kernel_source_hash(PACKAGE)
    exits = copy / "processes" / "exits.py"
    exits.write_text(exits.read_text().replace("custody_until[i] <= week", "custody_until[i] < week"))
    assert kernel_source_hash(copy) != before


def test_an_edit_to_a_module_without_kernels_keeps_the_cache(tmp_path):
    copy = _copy_of_package(tmp_path)
    before = kernel_source_hash(copy)
    economics = copy / "appraisal" / "economics.py"
    economics.write_text(economics.read_text() + "\n# a comment\n")
    assert kernel_source_hash(copy) == before


@pytest.mark.skipif(bool(os.environ.get("NUMBA_CACHE_DIR")), reason="NUMBA_CACHE_DIR chooses the folder")
def test_the_model_caches_its_kernels_in_the_folder_of_their_source():
    assert numba.config.CACHE_DIR.endswith(kernel_source_hash())


def test_a_package_folder_that_cannot_be_written_leaves_numba_its_own_cache(tmp_path, monkeypatch):
    import model.kernel_cache as kernel_cache

    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setattr(kernel_cache, "CACHE_ROOT", blocked / "kernels")  # no folder can be made inside a file
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", "numba's own")
    kernel_cache.use_kernel_cache()
    assert numba.config.CACHE_DIR == "numba's own"
