"""Marquee from Python: the quick start of docs/python.md as a script.

Embedded (no server): a durable store in a temporary directory (or the one
given), records and a compare-and-set, a live campaign with two variants,
Decide for a user, a poll and its tally, events rolled into statistics, and
a GDPR export and erasure. Each step prints one line; a surprise raises, so
the script exits non-zero (ctest runs it: example.python.quickstart).

    PYTHONPATH=build/default/bindings/python python3 examples/python/quickstart.py [DATA_DIR]
"""
import datetime
import sys
import tempfile

import marquee


def main(data_dir: str) -> None:
    with marquee.open(data_dir, fsync="always") as store:
        # Records: JSON bodies, a store-wide version, create-only and CAS writes.
        version = store.put("notes", "hello", {"text": "hello"}, expected_version=0)
        store.put("notes", "hello", {"text": "hello, world"}, expected_version=version)
        try:
            store.put("notes", "hello", {"text": "stale"}, expected_version=version)
            raise AssertionError("a stale compare-and-set was accepted")
        except marquee.FailedPreconditionError as stale:
            print("store: stale write refused:", stale)
        print("store:", store.get("notes", "hello").body)

        # A live campaign with two variants, and what one user sees.
        campaigns = marquee.Campaigns(store)
        banner = campaigns.create({
            "name": "Welcome banner", "status": "live", "priority": 10,
            "placements": ["home.hero"],
            "targeting": {"condition": {"country": {"$in": ["FR", "BE"]}}},
            "variants": [{"key": "control", "weight": 0.5, "content": {"text": "Welcome"}},
                         {"key": "bold", "weight": 0.5, "content": {"text": "20% off!"}}]},
            id="welcome")
        banner = campaigns.update(dict(banner, priority=20))   # CAS on banner["version"]
        print("campaign:", banner["id"], "priority", banner["priority"], "version", banner["version"])

        marquee.Profiles(store).put("u42", {"country": "FR", "plan": "pro"})
        decision = marquee.Decider(store).decide("u42", placement="home.hero",
                                                 min_version=store.current_version)
        shown = decision["campaigns"]
        assert len(shown) == 1, decision
        variant = shown[0]["variant_key"]
        print("decide: u42 sees", shown[0]["campaign_id"], variant, shown[0]["content"])

        # A poll over the two variants; one vote per user.
        polls = marquee.Polls(store)
        polls.create({"question": "Which banner?",
                      "options": [{"key": "control", "label": "Welcome"},
                                  {"key": "bold", "label": "20% off"}]}, id="banner-poll")
        polls.vote("banner-poll", "u42", variant)
        tally = polls.tally("banner-poll")
        assert tally["total"] == 1 and tally["counts"][variant] == 1, tally
        print("poll:", tally["counts"], "total", tally["total"])

        # Events, rolled into per-variant aggregates.
        events = marquee.Events(store)
        now = datetime.datetime.now(datetime.timezone.utc)
        events.ingest([{"type": "impression", "campaign": "welcome", "variant": variant,
                        "user": "u42", "time": now},
                       {"type": "click", "campaign": "welcome", "variant": variant,
                        "user": "u42", "time": now}])
        events.flush()
        stats = marquee.campaign_stats(store, "welcome", now - datetime.timedelta(hours=1),
                                       now + datetime.timedelta(hours=1))
        totals = {v["variant"]: v["totals"] for v in stats["variants"]}
        assert totals[variant]["impression"]["count"] == 1, stats
        assert totals[variant]["click"]["count"] == 1, stats
        print("stats:", variant, "had 1 impression and 1 click")

        # GDPR: everything about the user, then erase it.
        profiles = marquee.Profiles(store)
        exported = profiles.export_user("u42")
        print("export: sections", sorted(exported))
        profiles.erase_user("u42")
        try:
            profiles.get("u42")
            raise AssertionError("the profile survived its erasure")
        except marquee.NotFoundError:
            print("erase: u42 is gone")

    # GrowthBook features, evaluated locally.
    features = marquee.FeatureSet({"dark-mode": {"defaultValue": False,
                                                 "rules": [{"condition": {"plan": "pro"},
                                                            "force": True}]}})
    assert features.evaluate("dark-mode", {"id": "u42", "plan": "pro"})["value"] is True
    print("features: dark-mode is on for pro users")
    print("quickstart: done")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory(prefix="marquee-quickstart-") as temp:
            main(temp + "/data")
