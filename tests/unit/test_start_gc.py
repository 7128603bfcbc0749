"""local_runtime/start_gc.py: the collector is off while a process starts, then on, with the start's objects frozen."""

from __future__ import annotations

import gc

from local_runtime import start_gc


def test_collection_pauses_for_the_start_and_resumes_with_the_start_frozen():
    assert gc.isenabled()
    try:
        start_gc.pause()
        assert not gc.isenabled()
        built_while_starting = [[] for _ in range(1000)]
        start_gc.resume()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(built_while_starting)
    finally:
        gc.unfreeze()  # this test process goes on collecting as before
        gc.enable()
