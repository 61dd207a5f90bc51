"""marquee.open and Store: get, writes and batches, scans, indexes, durability."""
import datetime

import pytest

import marquee


def test_put_get_and_record_fields(store):
    version = store.put("campaigns", "spring", {"name": "Spring", "priority": 5})
    assert version == 1
    record = store.get("campaigns", "spring")
    assert isinstance(record, marquee.Record)
    assert (record.collection, record.id, record.version, record.schema) == (
        "campaigns", "spring", 1, 1)
    assert record.body == {"name": "Spring", "priority": 5}
    assert record.created.tzinfo == datetime.timezone.utc
    assert record.updated >= record.created
    assert abs(record.updated - datetime.datetime.now(datetime.timezone.utc)) < \
        datetime.timedelta(minutes=5)
    assert "campaigns/spring v1" in repr(record)
    assert record == store.get("campaigns", "spring")
    assert store.current_version == 1


def test_write_batch_is_atomic(store):
    batch = marquee.WriteBatch()
    assert not batch and len(batch) == 0
    batch.put("c", "a", {"n": 1}).put("c", "b", {"n": 2}, expected_version=0, schema=3)
    batch.erase("c", "zzz")
    assert len(batch) == 3 and "3 ops" in repr(batch)
    version = store.write(batch)
    assert store.get("c", "a").version == version
    assert store.get("c", "b").schema == 3

    failing = marquee.WriteBatch()
    failing.put("c", "new", {"n": 3})
    failing.put("c", "a", {"n": 9}, expected_version=0)  # a exists: the whole batch fails
    with pytest.raises(marquee.FailedPreconditionError):
        store.write(failing)
    with pytest.raises(marquee.NotFoundError):
        store.get("c", "new")
    assert store.get("c", "a").body == {"n": 1}
    batch.clear()
    assert len(batch) == 0
    with pytest.raises(marquee.InvalidArgumentError):
        store.write(batch)  # empty


def test_compare_and_set_and_erase(store):
    v1 = store.put("c", "a", {"n": 1}, expected_version=0)
    v2 = store.put("c", "a", {"n": 2}, expected_version=v1)
    with pytest.raises(marquee.FailedPreconditionError):
        store.put("c", "a", {"n": 3}, expected_version=v1)
    with pytest.raises(marquee.FailedPreconditionError):
        store.erase("c", "a", expected_version=v1)
    store.erase("c", "a", expected_version=v2, sync=True)
    with pytest.raises(KeyError):
        store.get("c", "a")


def test_define_index_and_indexes(store):
    store.define_index("c", "by_prio", [("/priority", "desc"), "/name"])
    store.define_index("c", "by_prio", [("/priority", "desc"), "/name"])  # no-op
    assert store.indexes("c") == [("by_prio", [("/priority", "desc"), ("/name", "asc")])]
    with pytest.raises(ValueError):
        store.define_index("c", "bad", [("/x", "sideways")])
    with pytest.raises(TypeError):
        store.define_index("c", "bad", 5)
    with pytest.raises(marquee.InvalidArgumentError):
        store.define_index("c", "bad", ["no-slash"])


def fill(store, n):
    store.define_index("c", "by_n", ["/n"])
    batch = marquee.WriteBatch()
    for i in range(n):
        batch.put("c", f"id{i:03}", {"n": i, "even": i % 2 == 0, "tag": f"t{i % 3}"})
    store.write(batch)


def test_scan_ranges_filters_and_continuation(store):
    fill(store, 30)
    result = store.scan("c", "by_n", lower=10, upper=20, upper_inclusive=False, limit=4)
    assert isinstance(result, marquee.ScanResult)
    assert [r.body["n"] for r in result.records] == [10, 11, 12, 13]
    assert result.more and result.scanned == 4
    assert isinstance(result.end, marquee.ScanPosition)
    assert result.end.id == "id013" and result.end.values == [13.0]
    rest = store.scan("c", "by_n", lower=10, upper=20, upper_inclusive=False, limit=100,
                      after=result.end)
    assert [r.body["n"] for r in rest.records] == list(range(14, 20))
    assert not rest.more

    evens = store.scan("c", "by_n", filter=[("/even", "==", True), ("/n", "<", 7)])
    assert [r.body["n"] for r in evens.records] == [0, 2, 4, 6]
    in_tags = store.scan("c", filter=[("/tag", "in", ["t1"]), ("/n", ">=", 20)])
    assert [r.id for r in in_tags.records] == ["id022", "id025", "id028"]
    prefix = store.scan("c", filter=[("/tag", "prefix", "t2"), ("/n", "exists")], limit=2)
    assert [r.id for r in prefix.records] == ["id002", "id005"]
    backwards = store.scan("c", "by_n", limit=3, before=result.end)
    assert [r.body["n"] for r in backwards.records] == [10, 11, 12]


def test_scan_iter_walks_every_page(store):
    fill(store, 25)
    rows = list(store.scan_iter("c", "by_n", page_size=4))
    assert [r.body["n"] for r in rows] == list(range(25))
    filtered = list(store.scan_iter("c", "by_n", filter=[("/n", ">", 20)], page_size=2))
    assert [r.body["n"] for r in filtered] == [21, 22, 23, 24]
    assert list(store.scan_iter("empty")) == []


def test_scan_errors(store):
    fill(store, 3)
    with pytest.raises(marquee.InvalidArgumentError):
        store.scan("c", "no_such_index")
    with pytest.raises(marquee.InvalidArgumentError):
        store.scan("c", limit=0)
    with pytest.raises(ValueError):
        store.scan("c", filter=[("/n", "~", 1)])
    with pytest.raises(TypeError):
        store.scan("c", filter=["/n"])
    with pytest.raises(TypeError):
        store.scan("c", "by_n", lower={1, 2})


def test_durable_store_recovers(tmp_path):
    data = str(tmp_path / "data")
    with marquee.open(data, fsync="always", indexes=[("c", "by_n", ["/n"])]) as s:
        s.put("c", "a", {"n": 1})
        s.put("c", "b", {"n": 2})
        s.checkpoint()
        s.put("c", "c", {"n": 3})
        s.sync()
        stats = s.stats()
        assert stats["records"] == 3 and stats["version"] == 3
        assert stats["snapshots_written"] >= 1
        assert s.recovery["snapshot_version"] == 0
    assert s.closed
    # Indexes are declarations of the running store, not stored: declare again.
    reopened = marquee.open(data, indexes=[("c", "by_n", ["/n"])])
    try:
        assert reopened.get("c", "c").body == {"n": 3}
        assert reopened.recovery["snapshot_version"] == 2
        assert reopened.recovery["replayed_batches"] == 1
        assert [r.id for r in reopened.scan_iter("c", "by_n")] == ["a", "b", "c"]
    finally:
        reopened.close()


def test_a_locked_data_dir_is_refused(tmp_path):
    data = str(tmp_path / "data")
    first = marquee.open(data)
    try:
        with pytest.raises(marquee.FailedPreconditionError):
            marquee.open(data)
    finally:
        first.close()
    marquee.open(data).close()  # the lock is gone once closed


def test_bad_open_options():
    with pytest.raises(ValueError):
        marquee.open(fsync="sometimes")
    with pytest.raises(TypeError):
        marquee.open(indexes=[("c", "by_n")])
    with pytest.raises(TypeError):
        marquee.open(42)


def test_closed_store_raises(store):
    store.put("c", "a", {})
    iterator = store.scan_iter("c")
    store.close()
    store.close()  # idempotent
    assert store.closed and repr(store) == "Store(closed)"
    for call in (lambda: store.get("c", "a"), lambda: store.put("c", "b", {}),
                 lambda: store.scan("c"), lambda: store.current_version,
                 lambda: store.stats(), lambda: next(iterator)):
        with pytest.raises(marquee.FailedPreconditionError, match="store is closed"):
            call()


def test_wrong_argument_types_raise_type_error(store):
    with pytest.raises(TypeError):
        store.get(1, 2)
    with pytest.raises(TypeError):
        store.write("not a batch")
    with pytest.raises(TypeError):
        store.put("c", "a", {}, expected_version="one")
    with pytest.raises(TypeError):
        store.put("c", "a", {}, expected_version=-1)
