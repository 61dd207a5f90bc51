"""marquee.Events and marquee.campaign_stats: aggregates and A/B results."""
import datetime

import pytest

import marquee

UTC = datetime.timezone.utc


def test_ingest_flush_and_stats(store):
    events = marquee.Events(store, flush_interval=0.01)
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    batch = []
    for variant, impressions, conversions in (("control", 200, 20), ("bold", 200, 40)):
        batch += [{"type": "impression", "campaign": "spring", "variant": variant,
                   "user": f"u{i}", "time": now} for i in range(impressions)]
        batch += [{"type": "conversion", "campaign": "spring", "variant": variant,
                   "time": now.isoformat(), "value": 2.5} for _ in range(conversions)]
    batch.append({"type": "click", "campaign": "spring", "variant": "bold",
                  "time": now.timestamp()})
    assert events.ingest(batch) == len(batch)
    events.flush()
    stats = events.stats()
    assert stats["accepted_events"] == len(batch) == stats["written_events"]
    assert stats["pending_events"] == 0 and stats["last_error"] == "OK"

    result = marquee.campaign_stats(store, "spring", now - datetime.timedelta(hours=1),
                                    now + datetime.timedelta(hours=1), bucket="hour",
                                    control_variant="control")
    assert result["campaign"] == "spring" and result["bucket"] == "hour"
    by_variant = {v["variant"]: v for v in result["variants"]}
    bold, control = by_variant["bold"], by_variant["control"]
    assert bold["totals"]["impression"]["count"] == 200
    assert bold["totals"]["conversion"] == {"count": 40, "value_sum": 100.0}
    assert bold["totals"]["click"]["count"] == 1
    assert bold["conversion_rate"] == pytest.approx(0.2)
    assert control["test"] is None and control["no_test_reason"] == "control"
    assert bold["test"]["z"] > 2 and bold["test"]["p_value"] < 0.05
    assert len(bold["series"]) == 1 and bold["series"][0]["start"] <= now


def test_bad_events(store):
    events = marquee.Events(store)
    now = datetime.datetime.now(UTC)
    good = {"campaign": "c", "variant": "v", "time": now}
    with pytest.raises(marquee.InvalidArgumentError):
        events.ingest([dict(good, variant="a|b")])
    with pytest.raises(marquee.InvalidArgumentError):
        events.ingest([dict(good, type="purchase")])
    with pytest.raises(marquee.InvalidArgumentError, match="future|lead"):
        events.ingest([dict(good, time=now + datetime.timedelta(days=3))])
    with pytest.raises(ValueError, match="naive"):
        events.ingest([dict(good, time=datetime.datetime.now())])
    with pytest.raises(ValueError, match="time"):
        events.ingest([{"campaign": "c", "variant": "v"}])
    with pytest.raises(ValueError, match="colour"):
        events.ingest([dict(good, colour="red")])
    with pytest.raises(TypeError):
        events.ingest([42])
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.campaign_stats(store, "c", now, now - datetime.timedelta(hours=1))
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.campaign_stats(store, "c", now, now, bucket="week")
    assert events.stats()["accepted_events"] == 0


def test_queue_full_is_resource_exhausted(store):
    events = marquee.Events(store, queue_capacity=3, flush_interval=60)
    now = datetime.datetime.now(UTC)
    with pytest.raises(marquee.ResourceExhaustedError):
        events.ingest([{"campaign": "c", "variant": "v", "time": now}] * 4)


def test_events_are_written_without_a_flush(store):
    """The background thread writes a small batch within flush_interval (an
    idle ingestor used to sleep until a flush or a half-full queue)."""
    import time
    events = marquee.Events(store, flush_interval=0.02)
    events.ingest([{"campaign": "c", "variant": "v",
                    "time": datetime.datetime.now(UTC)}])
    deadline = time.monotonic() + 10
    while events.stats()["written_events"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events.stats()["written_events"] == 1
