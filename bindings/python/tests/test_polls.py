"""marquee.Polls: polls, one vote per user, tallies."""
import datetime

import pytest

import marquee

POLL = {"question": "Which colour?",
        "options": [{"key": "red", "label": "Red"}, {"key": "blue", "label": "Blue"}]}


@pytest.fixture
def polls(store):
    return marquee.Polls(store)


def test_poll_lifecycle(polls):
    created = polls.create(POLL, id="colour")
    assert created["id"] == "colour" and created["question"] == "Which colour?"
    assert polls.get("colour") == created
    updated = polls.update(dict(created, question="Which colour now?", allowVoteChange=True),
                           expected_version=created["version"])
    assert updated["question"] == "Which colour now?" and updated["allowVoteChange"] is True
    with pytest.raises(marquee.FailedPreconditionError):
        polls.update(created, expected_version=created["version"])
    with pytest.raises(marquee.AlreadyExistsError):
        polls.create(POLL, id="colour")
    closed = polls.close("colour")
    assert "closesAt" in closed
    with pytest.raises(marquee.FailedPreconditionError, match="closed"):
        polls.vote("colour", "u1", "red")
    polls.delete("colour")
    with pytest.raises(marquee.NotFoundError):
        polls.get("colour")


def test_votes_and_tally(polls):
    polls.create(POLL, id="p")
    first = polls.vote("p", "u1", "red")
    assert first["kind"] == "created"
    vote = first["vote"]
    assert (vote["poll"], vote["user"], vote["option"]) == ("p", "u1", "red")
    assert isinstance(vote["at"], datetime.datetime) and vote["version"] > 0
    assert polls.vote("p", "u1", "red")["kind"] == "unchanged"
    with pytest.raises(marquee.FailedPreconditionError, match="already voted"):
        polls.vote("p", "u1", "blue")
    polls.vote("p", "u2", "blue")
    polls.vote("p", "u3", "blue")
    tally = polls.tally("p")
    assert tally["counts"] == {"red": 1, "blue": 2} and tally["total"] == 3
    assert tally["poll"] == "p" and tally["version"] > 0
    assert polls.get_vote("p", "u2")["option"] == "blue"
    with pytest.raises(marquee.NotFoundError):
        polls.get_vote("p", "nobody")
    stats = polls.stats()
    assert stats["votes_committed"] == 3 and stats["votes_unchanged"] == 1


def test_vote_changes_and_targeting(polls):
    polls.create(dict(POLL, allowVoteChange=True, targeting={"condition": {"country": "FR"}}),
                 id="fr")
    assert polls.vote("fr", "u1", "red", {"country": "FR"})["kind"] == "created"
    assert polls.vote("fr", "u1", "blue", {"country": "FR"})["kind"] == "changed"
    assert polls.tally("fr")["counts"] == {"red": 0, "blue": 1}
    with pytest.raises(PermissionError):
        polls.vote("fr", "u2", "red", {"country": "DE"})
    with pytest.raises(marquee.InvalidArgumentError):
        polls.vote("fr", "u3", "green", {"country": "FR"})
    with pytest.raises(marquee.NotFoundError):
        polls.vote("missing", "u3", "red")
    with pytest.raises(TypeError):
        polls.vote("fr", "u3", "red", {"country": {"F", "R"}})


def test_bad_polls(store, polls):
    with pytest.raises(marquee.InvalidArgumentError):
        polls.create({"question": "one option", "options": [{"key": "a", "label": "A"}]},
                     id="bad")
    with pytest.raises(marquee.InvalidArgumentError, match="unknownMember"):
        polls.create(dict(POLL, unknownMember=1), id="bad2")
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.Polls(store, tally_shards=0)
