"""marquee.Campaigns: campaigns and segments through the repository."""
import pytest

import marquee


def banner(**overrides):
    body = {"name": "Welcome banner", "status": "draft", "priority": 10,
            "placements": ["home.hero"],
            "variants": [{"key": "control", "weight": 0.5, "content": {"text": "Hi"}},
                         {"key": "bold", "weight": 0.5, "content": {"text": "20% off!"}}]}
    body.update(overrides)
    return body


@pytest.fixture
def campaigns(store):
    return marquee.Campaigns(store)


def test_create_get_update_delete(campaigns):
    created = campaigns.create(banner(), id="welcome")
    assert created["id"] == "welcome" and created["version"] > 0
    assert created["name"] == "Welcome banner" and created["status"] == "draft"
    assert created["variants"][1]["content"] == {"text": "20% off!"}
    assert campaigns.get("welcome") == created

    changed = dict(created, priority=20)
    updated = campaigns.update(changed)
    assert updated["priority"] == 20 and updated["version"] > created["version"]
    with pytest.raises(marquee.FailedPreconditionError):
        campaigns.update(changed)  # stale version

    live = campaigns.set_status("welcome", "live", expected_version=updated["version"])
    assert live["status"] == "live"
    weighted = campaigns.set_variant_weights("welcome", [0.25, 0.75])
    assert [v["weight"] for v in weighted["variants"]] == [0.25, 0.75]
    with pytest.raises(marquee.FailedPreconditionError):
        campaigns.delete("welcome")  # live: end it first
    campaigns.set_status("welcome", "ended")
    campaigns.delete("welcome")
    with pytest.raises(marquee.NotFoundError):
        campaigns.get("welcome")


def test_create_takes_the_id_from_the_dict(campaigns):
    created = campaigns.create(dict(banner(), id="from-dict"))
    assert created["id"] == "from-dict"
    with pytest.raises(marquee.AlreadyExistsError):
        campaigns.create(dict(banner(), id="from-dict"))


def test_validation_errors_name_the_field(campaigns):
    with pytest.raises(marquee.InvalidArgumentError, match="priorty"):
        campaigns.create(banner(priorty=3), id="typo")
    with pytest.raises(ValueError, match="weight"):
        campaigns.create(banner(variants=[{"key": "a", "weight": 0.3}]), id="sum")
    with pytest.raises(marquee.InvalidArgumentError):
        campaigns.set_status("x", "sideways")
    with pytest.raises(ValueError, match="id"):
        campaigns.create(banner())  # no id anywhere
    with pytest.raises(TypeError):
        campaigns.create(["not", "a", "dict"], id="x")
    with pytest.raises(TypeError):
        campaigns.create(banner(), id=5)


def test_refused_transition(campaigns):
    campaigns.create(banner(status="live"), id="c")
    with pytest.raises(marquee.FailedPreconditionError):
        campaigns.set_status("c", "draft")


def test_list_pages_through_everything(campaigns):
    for i in range(12):
        campaigns.create(banner(priority=i, status="live" if i % 2 else "draft"), id=f"c{i:02}")
    everything = list(campaigns.list(page_size=5))
    assert [c["id"] for c in everything] == [f"c{i:02}" for i in range(12)]
    live = list(campaigns.list("live", page_size=2))
    assert [c["priority"] for c in live] == [11, 9, 7, 5, 3, 1]
    assert isinstance(campaigns.list(), marquee.CampaignIterator)


def test_segments(campaigns):
    seg = campaigns.put_segment({"name": "French", "condition": {"country": "FR"}}, id="fr")
    assert seg == {"id": "fr", "version": seg["version"], "name": "French",
                   "condition": {"country": "FR"}}
    assert campaigns.get_segment("fr") == seg
    with pytest.raises(marquee.AlreadyExistsError):
        campaigns.put_segment({"id": "fr", "name": "x", "condition": {}}, expected_version=0)
    campaigns.create(banner(targeting={"segments": ["fr"]}), id="uses-fr")
    with pytest.raises(marquee.FailedPreconditionError, match="uses-fr"):
        campaigns.delete_segment("fr")
    with pytest.raises(marquee.NotFoundError):
        campaigns.create(banner(targeting={"segments": ["nope"]}), id="bad-seg")
    campaigns.delete("uses-fr")
    campaigns.delete_segment("fr")
    with pytest.raises(KeyError):
        campaigns.get_segment("fr")
