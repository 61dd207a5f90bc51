"""Shared fixtures of the marquee pytest suite.

The module under test is the one CMake built: ctest puts its directory on
PYTHONPATH (bindings/python/CMakeLists.txt).
"""
import pytest

import marquee


@pytest.fixture
def store():
    """A memory-only store, closed after the test."""
    s = marquee.open()
    yield s
    s.close()


@pytest.fixture
def durable_store(tmp_path):
    """A store with a data dir (fsync 'always'), closed after the test."""
    s = marquee.open(str(tmp_path / "data"), fsync="always")
    yield s
    s.close()
