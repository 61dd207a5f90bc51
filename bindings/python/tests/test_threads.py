"""Several Python threads calling at once: exact results, and the GIL is
released while Marquee blocks, so other threads keep running."""
import threading
import time

import pytest

import marquee

THREADS = 8


def run_threads(target, count=THREADS):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []


def test_concurrent_writes_reads_and_cas_counter(durable_store):
    store = durable_store
    store.put("counters", "hits", {"n": 0})
    per_thread = 100

    def work(i):
        for j in range(per_thread):
            store.put("docs", f"t{i}-{j}", {"thread": i, "j": j}, expected_version=0)
            assert store.get("docs", f"t{i}-{j}").body == {"thread": i, "j": j}
            while True:  # compare-and-set increment, retried on conflict
                current = store.get("counters", "hits")
                try:
                    store.put("counters", "hits", {"n": current.body["n"] + 1},
                              expected_version=current.version)
                    break
                except marquee.FailedPreconditionError:
                    continue

    run_threads(work)
    assert store.get("counters", "hits").body["n"] == THREADS * per_thread
    assert len(list(store.scan_iter("docs", page_size=64))) == THREADS * per_thread
    assert store.stats()["records"] == THREADS * per_thread + 1


def test_concurrent_decide_matches_single_threaded(store):
    campaigns = marquee.Campaigns(store)
    campaigns.create({"name": "AB", "status": "live",
                      "variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.5}]},
                     id="ab")
    decider = marquee.Decider(store)
    decider.wait_for_version(store.current_version)
    users = [f"user-{i}" for i in range(50)]
    expected = {u: decider.decide(u)["campaigns"][0]["variant_key"] for u in users}
    assert set(expected.values()) == {"a", "b"}
    seen = [dict() for _ in range(THREADS)]

    def work(i):
        for _ in range(5):
            for u in users:
                seen[i][u] = decider.decide(u)["campaigns"][0]["variant_key"]

    run_threads(work)
    assert all(s == expected for s in seen)


def test_concurrent_votes_are_counted_exactly(store):
    polls = marquee.Polls(store)
    polls.create({"question": "?", "options": [{"key": "x", "label": "X"},
                                               {"key": "y", "label": "Y"}]}, id="p")
    per_thread = 40

    def work(i):
        for j in range(per_thread):
            result = polls.vote("p", f"u{i}-{j}", "x" if j % 4 else "y")
            assert result["kind"] == "created"

    run_threads(work)
    tally = polls.tally("p")
    assert tally["total"] == THREADS * per_thread
    assert tally["counts"] == {"x": THREADS * 30, "y": THREADS * 10}
    assert polls.stats()["votes_committed"] == THREADS * per_thread


def test_the_gil_is_released_while_blocking(store):
    """One thread blocks in C++ for a second; the main thread keeps running
    Python code the whole time. Were the GIL held, the main loop would stall
    for the full second."""
    decider = marquee.Decider(store)
    started = threading.Event()
    outcome = {}

    def block():
        started.set()
        begin = time.monotonic()
        try:
            decider.wait_for_version(store.current_version + 1000, timeout=1.0)
        except marquee.DeadlineExceededError:
            outcome["blocked_for"] = time.monotonic() - begin

    blocker = threading.Thread(target=block)
    blocker.start()
    started.wait()
    iterations = 0
    largest_gap = 0.0
    last = time.monotonic()
    while blocker.is_alive():
        iterations += 1
        now = time.monotonic()
        largest_gap = max(largest_gap, now - last)
        last = now
    blocker.join()
    assert outcome["blocked_for"] >= 0.9
    assert iterations > 1000
    assert largest_gap < 0.5


def test_python_thread_progresses_while_writers_fsync(durable_store):
    """Writers fsync every write (fsync='always'); a pure-Python thread
    still makes steady progress meanwhile. (That a call releases the GIL
    while it blocks is shown by the Decider wait test above, whose one call
    blocks for a second.)"""
    stop = threading.Event()
    ticks = []

    def python_loop():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    ticker = threading.Thread(target=python_loop)
    ticker.start()
    try:
        run_threads(lambda i: [durable_store.put("w", f"{i}-{j}", {"j": j})
                               for j in range(30)], count=4)
    finally:
        stop.set()
        ticker.join()
    assert durable_store.stats()["records"] == 120
    assert len(ticks) > 10


def test_closing_while_other_threads_call(tmp_path):
    store = marquee.open(str(tmp_path / "d"))
    store.put("c", "a", {"n": 1})
    outcomes = []

    def reader(_):
        for _ in range(2000):
            try:
                assert store.get("c", "a").body == {"n": 1}
            except marquee.FailedPreconditionError:
                outcomes.append("closed")
                return
        outcomes.append("done")

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    store.close()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 4 and set(outcomes) <= {"closed", "done"}
    with pytest.raises(marquee.FailedPreconditionError):
        store.get("c", "a")
