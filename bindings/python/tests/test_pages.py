"""marquee.Paginator: signed cursors, page iteration in both directions."""
import pytest

import marquee

SECRET = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def paged(store):
    store.define_index("items", "by_rank", [("/rank", "desc")])
    batch = marquee.WriteBatch()
    for i in range(23):
        batch.put("items", f"i{i:02}", {"rank": i, "kind": "odd" if i % 2 else "even",
                                        "name": f"item {i}"})
    store.write(batch)
    return marquee.Paginator(store, "k1", SECRET, default_limit=5, max_limit=10)


def test_pages_follow_next_cursors(paged):
    pages = list(paged.pages("items", "by_rank"))
    assert [len(p.items) for p in pages] == [5, 5, 5, 5, 3]
    ranks = [r.body["rank"] for p in pages for r in p.items]
    assert ranks == list(range(22, -1, -1))
    assert pages[0].prev is None and pages[0].next is not None
    assert pages[-1].next is None and not pages[-1].has_more
    assert all(p.limit == 5 for p in pages)


def test_items_with_filter_fields_and_clamped_limit(paged):
    items = list(paged.items("items", "by_rank", filter=[("/kind", "==", "odd")], limit=3,
                             fields=["/rank"]))
    assert [r.body for r in items] == [{"rank": r} for r in range(21, 0, -2)]
    page = paged.fetch("items", limit=50)
    assert page.limit == 10 and page.limit_clamped
    assert [r.id for r in page.items][:2] == ["i00", "i01"]


def test_fetch_forward_then_back(paged):
    first = paged.fetch("items", "by_rank", limit=4)
    second = paged.fetch("items", "by_rank", limit=4, after=first.next)
    assert [r.body["rank"] for r in second.items] == [18, 17, 16, 15]
    back = paged.fetch("items", "by_rank", limit=4, before=second.prev)
    assert [r.id for r in back.items] == [r.id for r in first.items]
    resumed = list(paged.pages("items", "by_rank", limit=10, after=first.next))
    assert sum(len(p.items) for p in resumed) == 19


def test_bad_cursors_are_refused(paged):
    first = paged.fetch("items", "by_rank", limit=4)
    tampered = first.next[:-2] + ("AA" if first.next[-2:] != "AA" else "BB")
    with pytest.raises(marquee.InvalidArgumentError, match="cursor"):
        paged.fetch("items", "by_rank", after=tampered)
    with pytest.raises(ValueError):
        paged.fetch("items", "", after=first.next)  # issued for another index
    with pytest.raises(marquee.InvalidArgumentError):
        paged.fetch("items", "by_rank", after=first.next, before=first.next)


def test_cursor_from_another_key_is_refused(store, paged):
    other = marquee.Paginator(store, "k2", "x" * 32)
    cursor = paged.fetch("items", "by_rank", limit=2).next
    with pytest.raises(marquee.InvalidArgumentError):
        other.fetch("items", "by_rank", after=cursor)


def test_bad_paginator_options(store):
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.Paginator(store, "k1", "short")
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.Paginator(store, "k1", SECRET, default_limit=0)
