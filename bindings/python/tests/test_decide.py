"""marquee.Decider: campaigns, variants and flags for one user."""
import pytest

import marquee

BANNER = {"name": "Banner", "status": "live", "priority": 10, "placements": ["home.hero"],
          "targeting": {"condition": {"country": {"$in": ["FR", "BE"]}}},
          "variants": [{"key": "control", "weight": 0.5, "content": {"text": "Hello"}},
                       {"key": "bold", "weight": 0.5, "content": {"text": "Sale!"}}]}
SIDEBAR = {"name": "Sidebar", "status": "live", "priority": 1, "placements": ["side"],
           "variants": [{"key": "only", "weight": 1, "content": {"n": 1}}]}


@pytest.fixture
def seeded(store):
    campaigns = marquee.Campaigns(store)
    campaigns.create(BANNER, id="banner")
    campaigns.create(SIDEBAR, id="sidebar")
    features = marquee.Features(store)
    features.create("dark-mode", {"defaultValue": False,
                                  "rules": [{"condition": {"plan": "pro"}, "force": True}]})
    marquee.Profiles(store).put("u1", {"country": "FR", "plan": "pro"})
    return store


def test_decide_uses_profile_context_and_placement(seeded):
    decider = marquee.Decider(seeded)
    version = seeded.current_version
    decision = decider.decide("u1", min_version=version)
    assert decision["view_version"] >= version
    assert [c["campaign_id"] for c in decision["campaigns"]] == ["banner", "sidebar"]
    chosen = decision["campaigns"][0]
    assert chosen["variant_key"] in ("control", "bold")
    assert chosen["content"] == BANNER["variants"][chosen["variant_index"]]["content"]
    assert chosen["in_experiment"] is True and chosen["placements"] == ["home.hero"]
    assert decision["flags"]["dark-mode"] == {"value": True, "on": True, "source": "force",
                                              "rule_id": ""}
    # The same user always gets the same variant.
    assert all(decider.decide("u1")["campaigns"][0]["variant_key"] == chosen["variant_key"]
               for _ in range(5))

    german = decider.decide("u1", {"country": "DE", "plan": "free"}, placement="home.hero",
                            explain=True)
    assert german["campaigns"] == []
    assert german["flags"]["dark-mode"]["on"] is False
    reasons = {s["campaign_id"]: s["reason"] for s in german["skipped"]}
    assert "condition" in reasons["banner"] and "sidebar" in reasons

    side = decider.decide("anonymous", placement="side")
    assert [c["campaign_id"] for c in side["campaigns"]] == ["sidebar"]


def test_variants_split_users(seeded):
    decider = marquee.Decider(seeded)
    decider.wait_for_version(seeded.current_version)
    keys = [decider.decide(f"user{i}", {"country": "BE"}, placement="home.hero")
            ["campaigns"][0]["variant_key"] for i in range(200)]
    assert 60 < keys.count("bold") < 140


def test_decide_errors(seeded):
    decider = marquee.Decider(seeded, evaluate_flags=False)
    assert decider.decide("u1", min_version=seeded.current_version)["flags"] == {}
    with pytest.raises(marquee.InvalidArgumentError):
        decider.decide("bad/user")
    with pytest.raises(marquee.InvalidArgumentError):
        decider.decide("u1", [1, 2])  # context is not an object
    with pytest.raises(TimeoutError):
        decider.wait_for_version(seeded.current_version + 100, timeout=0.05)
    with pytest.raises(marquee.DeadlineExceededError):
        decider.decide("u1", min_version=seeded.current_version + 100, timeout=0.05)
    assert decider.view_version >= seeded.current_version
