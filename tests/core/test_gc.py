"""The collector pause around bulk work: what it leaves to the collections after it."""

from __future__ import annotations

import gc
import sys

import pytest

from paylink._gc import PROMOTE_FROM, collector_paused


def _generation_of(obj: object) -> int | None:
    for generation in range(3):
        if any(o is obj for o in gc.get_objects(generation)):
            return generation
    return None


# A real difference, measured on CPython 3.12.1: the interpreter starts with objects in the
# permanent generation (gc.get_freeze_count() is 375 before the program freezes anything;
# 0 on 3.11 and 3.13), so the pause reads it as "the program froze objects itself" and leaves
# the block's objects young, to be walked by the next collections (they end in generation 1
# after the first one). gc.unfreeze() itself moves objects to the oldest generation on 3.12
# too. Promoting anyway would unfreeze the interpreter's objects; 3.12 keeps the usual
# collections' cost instead.
@pytest.mark.xfail(
    sys.version_info[:2] == (3, 12),
    reason="CPython 3.12 starts with a non-empty permanent generation: nothing is promoted",
    strict=True,
)
def test_a_block_that_leaves_many_objects_sends_them_to_the_oldest_generation() -> None:
    gc.collect()
    with collector_paused():
        assert not gc.isenabled()
        kept = [[] for _ in range(PROMOTE_FROM + 10)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 100  # nothing young is left for the next collection to walk
    assert _generation_of(kept) == 2
    assert _generation_of(kept[0]) == 2


def test_a_small_block_leaves_its_objects_to_the_usual_collections() -> None:
    gc.collect()
    with collector_paused():
        kept = [[] for _ in range(10)]
    assert gc.isenabled()
    assert _generation_of(kept) == 0


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        with collector_paused():
            kept = [[] for _ in range(PROMOTE_FROM + 10)]
        assert gc.get_freeze_count() == frozen
        assert _generation_of(kept) in (0, 1)  # left young: moving it would unfreeze the rest
    finally:
        gc.unfreeze()


def test_cycles_made_in_a_block_are_still_collected() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.collect()
    with collector_paused():
        cycles = [Node() for _ in range(PROMOTE_FROM + 10)]
    del cycles
    assert gc.collect() >= PROMOTE_FROM  # a full collection finds them in the oldest generation


def _fail_after_bulk_work() -> None:
    with collector_paused():
        _kept = [[] for _ in range(PROMOTE_FROM + 10)]
        raise RuntimeError("bulk work failed")


def test_the_collector_comes_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError, match="bulk work failed"):
        _fail_after_bulk_work()
    assert gc.isenabled()
    assert gc.get_count()[0] < 100
