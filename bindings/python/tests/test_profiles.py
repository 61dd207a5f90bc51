"""marquee.Profiles: put, patch, get, delete; GDPR erase and export."""
import datetime

import pytest

import marquee


@pytest.fixture
def profiles(store):
    return marquee.Profiles(store)


def test_put_patch_get_delete(profiles):
    put = profiles.put("u1", {"plan": "free", "country": "FR"}, expected_version=0)
    assert put["id"] == "u1" and put["attributes"] == {"plan": "free", "country": "FR"}
    assert isinstance(put["created"], datetime.datetime)
    patched = profiles.patch("u1", {"plan": "pro", "country": None})
    assert patched["attributes"] == {"plan": "pro"}
    assert patched["version"] > put["version"]
    assert profiles.get("u1") == patched
    with pytest.raises(marquee.FailedPreconditionError):
        profiles.put("u1", {}, expected_version=put["version"])
    with pytest.raises(marquee.AlreadyExistsError):
        profiles.patch("u1", {"a": 1}, expected_version=0)
    profiles.delete("u1")
    with pytest.raises(marquee.NotFoundError):
        profiles.get("u1")
    assert profiles.patch("u2", {"new": True})["attributes"] == {"new": True}


def test_bad_profiles(profiles):
    with pytest.raises(marquee.InvalidArgumentError):
        profiles.put("a/b", {})  # '/' is not allowed in a user id
    with pytest.raises(marquee.InvalidArgumentError):
        profiles.put("u", [1, 2])  # not an object
    with pytest.raises(TypeError):
        profiles.put("u", {"s": {1}})


def test_export_then_erase_everything_about_a_user(store, profiles):
    polls = marquee.Polls(store)
    polls.create({"question": "Q?", "options": [{"key": "a", "label": "A"},
                                                {"key": "b", "label": "B"}]}, id="p1")
    profiles.put("u1", {"plan": "pro"})
    polls.vote("p1", "u1", "a")
    polls.vote("p1", "u2", "a")
    store.define_index("orders", "by_user", ["/user"])
    store.put("orders", "o1", {"user": "u1", "total": 5})

    exported = profiles.export_user("u1", extra_collections=[("orders", "by_user")])
    assert exported["user"] == "u1"
    assert exported["profile"]["body"] == {"attributes": {"plan": "pro"}}
    assert [v["id"] for v in exported["votes"]] == ["p1/u1"]
    assert [o["id"] for o in exported["orders"]] == ["o1"]

    report = profiles.erase_user("u1", extra_collections=[("orders", "by_user")])
    assert report["removed"] == {"profiles": ["u1"], "votes": ["p1/u1"], "orders": ["o1"]}
    assert report["tally_decrements"] == {"p1": 1}
    assert report["total"] == 3 and report["batches"] >= 1
    assert polls.tally("p1")["counts"] == {"a": 1, "b": 0}
    with pytest.raises(KeyError):
        profiles.get("u1")
    again = profiles.erase_user("u1", extra_collections=[("orders", "by_user")])
    assert again["total"] == 0 and again["removed"] == {}
    assert profiles.export_user("u1")["profile"] is None
    with pytest.raises(TypeError):
        profiles.erase_user("u1", extra_collections=[1])
