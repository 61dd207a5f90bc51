"""marquee.Client against a real marquee-server started on 127.0.0.1.

ctest passes the server binary in MARQUEE_SERVER (bindings/python/
CMakeLists.txt); run by hand, the default preset's build is used.
"""
import datetime
import os
import pathlib
import socket
import subprocess
import time

import pytest

import marquee

ADMIN_KEY = "python-tests-admin-key-0123456789"
ROOT = pathlib.Path(__file__).resolve().parents[3]


def server_binary():
    path = os.environ.get("MARQUEE_SERVER")
    if path:
        assert os.access(path, os.X_OK), f"MARQUEE_SERVER={path} is not executable"
        return path
    default = ROOT / "build" / "default" / "examples" / "marquee-server"
    if not default.exists():
        pytest.skip("no marquee-server: set MARQUEE_SERVER or build the default preset")
    return str(default)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("server")
    port_file = work / "port"
    process = subprocess.Popen(
        [server_binary(), "--data-dir", str(work / "data"), "--listen", "127.0.0.1:0",
         "--port-file", str(port_file), "--admin-key", ADMIN_KEY, "--threads", "2",
         "--access-log", "off"],
        stdout=subprocess.DEVNULL, stderr=open(work / "err", "w"))
    try:
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, (work / "err").read_text()
            assert time.monotonic() < deadline, "marquee-server wrote no port file in 60 s"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0


@pytest.fixture
def client(server):
    return marquee.Client(server, api_key=ADMIN_KEY)


def eventually(fetch, done, seconds=10):
    """fetch() until done(result) holds (the server applies some changes
    asynchronously); returns the last result."""
    deadline = time.monotonic() + seconds
    result = fetch()
    while not done(result) and time.monotonic() < deadline:
        time.sleep(0.05)
        result = fetch()
    return result


def campaign(cid, **overrides):
    body = {"id": cid, "name": f"Campaign {cid}", "status": "live", "priority": 1,
            "variants": [{"key": "a", "weight": 1, "content": {"text": cid}}]}
    body.update(overrides)
    return body


def test_campaigns_over_http(client):
    created = client.create_campaign(campaign("http-c1"))
    assert created["id"] == "http-c1" and created["version"] > 0
    assert client.get_campaign("http-c1") == created
    updated = client.update_campaign(dict(created, priority=7))
    assert updated["priority"] == 7
    with pytest.raises(marquee.FailedPreconditionError):
        client.update_campaign(dict(created, priority=8))  # stale If-Match
    with pytest.raises(marquee.AlreadyExistsError):
        client.create_campaign(campaign("http-c1"))
    with pytest.raises(marquee.InvalidArgumentError):
        client.create_campaign(campaign("http-bad", variants=[]))
    client.update_campaign(dict(client.get_campaign("http-c1"), status="ended"))
    client.delete_campaign("http-c1")
    with pytest.raises(KeyError):
        client.get_campaign("http-c1")


def test_list_campaigns_follows_cursors(client):
    for i in range(7):
        client.create_campaign(campaign(f"list-{i}", status="draft", tags=["listed"]))
    got = list(client.list_campaigns(tag="listed", page_size=3, sort="id"))
    assert [c["id"] for c in got] == [f"list-{i}" for i in range(7)]


def test_segments_features_polls(client):
    seg = client.create_segment({"id": "fr", "name": "France", "condition": {"country": "FR"}})
    assert client.get_segment("fr") == seg
    seg2 = client.update_segment(dict(seg, name="La France"))
    assert seg2["name"] == "La France"
    client.delete_segment("fr", version=seg2["version"])

    feature = client.create_feature("http-flag", {"defaultValue": 1})
    assert client.get_feature("http-flag")["definition"] == {"defaultValue": 1}
    replaced = client.replace_feature("http-flag", {"defaultValue": 2}, feature["version"])
    assert replaced["definition"] == {"defaultValue": 2}
    # The server serves features from a view that follows its change feed.
    assert eventually(lambda: client.features()["features"].get("http-flag"),
                      lambda f: f == {"defaultValue": 2})
    client.delete_feature("http-flag")

    poll = client.create_poll({"id": "http-poll", "question": "Q?",
                               "options": [{"key": "x", "label": "X"},
                                           {"key": "y", "label": "Y"}]})
    assert client.get_poll("http-poll") == poll
    poll = client.update_poll(dict(poll, question="Q2?"))
    assert client.vote("http-poll", "u1", "x") == "created"
    assert client.vote("http-poll", "u1", "x") == "unchanged"
    client.vote("http-poll", "u2", "y")
    results = client.poll_results("http-poll")
    assert results["counts"] == {"x": 1, "y": 1} and results["total"] == 2
    assert "closesAt" in client.close_poll("http-poll")
    client.delete_poll("http-poll")
    with pytest.raises(marquee.NotFoundError):
        client.get_poll("http-poll")


def test_profiles_decide_events_stats(client):
    client.put_profile("pu1", {"country": "FR"})
    assert client.patch_profile("pu1", {"plan": "pro"})["attributes"] == {
        "country": "FR", "plan": "pro"}
    assert client.get_profile("pu1")["attributes"]["plan"] == "pro"
    client.create_campaign(campaign("decided", placements=["top"]))
    decision = eventually(lambda: client.decide("pu1", {"page": "home"}, placement="top"),
                          lambda d: d["campaigns"])
    assert [c["id"] for c in decision["campaigns"]] == ["decided"]
    exported = client.export_user("pu1")
    assert exported["user"] == "pu1" and exported["profile"] is not None
    client.erase_user("pu1")
    with pytest.raises(marquee.NotFoundError):
        client.get_profile("pu1")

    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    events = [{"type": "impression", "campaign": "decided", "variant": "a", "time": now}] * 3
    assert client.send_events(events) == 3
    # Aggregates are written in the background.
    stats = eventually(lambda: client.campaign_stats("decided", "bucket=day"),
                       lambda s: s.get("variants"))
    assert stats["variants"][0]["variant"] == "a"


def test_send_any_request(client):
    reply = client.send("GET", "/healthz")
    assert reply["status"] == 200 and reply["body"] == '{"status":"ok"}'
    assert any(name.lower() == "content-type" for name, _ in reply["headers"])
    missing = client.send("GET", "/v1/segments/none")
    assert missing["status"] == 404 and not missing["from_cache"]
    posted = client.send("POST", "/v1/segments", {"id": "raw", "name": "Raw",
                                                  "condition": {}})
    assert posted["status"] == 201
    with pytest.raises(marquee.InvalidArgumentError):
        client.send("GET", "no-slash")


def test_http_errors_map_to_exceptions(server):
    anonymous = marquee.Client(server)
    with pytest.raises(marquee.UnauthenticatedError):
        anonymous.get_campaign("anything")
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.Client("not a url")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    nobody = marquee.Client(f"http://127.0.0.1:{closed_port}", max_attempts=1,
                            connect_timeout=1.0)
    with pytest.raises(marquee.UnavailableError):
        nobody.get_campaign("x")
