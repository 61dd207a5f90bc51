"""marquee.Features (stored definitions) and marquee.FeatureSet (evaluation)."""
import pytest

import marquee

FEATURES = {
    "dark-mode": {"defaultValue": False,
                  "rules": [{"id": "beta", "condition": {"beta": True}, "force": True}]},
    "button": {"defaultValue": "blue",
               "rules": [{"key": "button-test", "variations": ["blue", "green"],
                          "weights": [0.5, 0.5], "hashAttribute": "id"}]},
    "limit": {"defaultValue": 10},
}


def test_stored_features(store):
    features = marquee.Features(store)
    created = features.create("dark-mode", FEATURES["dark-mode"])
    assert created["key"] == "dark-mode" and created["definition"] == FEATURES["dark-mode"]
    assert features.get("dark-mode") == created
    replaced = features.replace("dark-mode", {"defaultValue": True},
                                expected_version=created["version"])
    assert replaced["definition"] == {"defaultValue": True}
    with pytest.raises(marquee.FailedPreconditionError):
        features.replace("dark-mode", {"defaultValue": 1}, expected_version=created["version"])
    with pytest.raises(marquee.AlreadyExistsError):
        features.create("dark-mode", {})
    with pytest.raises(marquee.InvalidArgumentError, match="coverage"):
        features.create("bad", {"rules": [{"force": 1, "coverage": "all"}]})
    with pytest.raises(marquee.InvalidArgumentError):
        features.create("bad key!", {})
    features.delete("dark-mode")
    with pytest.raises(KeyError):
        features.get("dark-mode")


def test_feature_set_evaluates():
    fs = marquee.FeatureSet(FEATURES)
    assert len(fs) == 3 and "button" in fs and "nope" not in fs
    assert fs.keys() == ["button", "dark-mode", "limit"]
    assert fs.to_dict() == FEATURES
    on = fs.evaluate("dark-mode", {"id": "u1", "beta": True})
    assert on["value"] is True and on["on"] is True and on["source"] == "force"
    assert on["ruleId"] == "beta"
    assert fs.evaluate("dark-mode", {"id": "u1"})["source"] == "defaultValue"
    assert fs.evaluate("limit")["value"] == 10
    assert fs.evaluate("missing")["source"] == "unknownFeature"

    button = fs.evaluate("button", {"id": "u42"})
    assert button["source"] == "experiment" and button["value"] in ("blue", "green")
    assert button["experimentResult"]["inExperiment"] is True
    assert fs.evaluate("button", {"id": "u42"})["value"] == button["value"]
    forced = fs.evaluate("button", {"id": "u42"}, forced_variations={"button-test": 1})
    assert forced["value"] == "green"
    assert fs.evaluate("button", {"id": "u42"}, enabled=False)["value"] == "blue"


def test_run_inline_experiment():
    fs = marquee.FeatureSet({})
    result = fs.run({"key": "exp", "variations": ["a", "b", "c"]}, {"id": "u7"})
    assert result["inExperiment"] is True and result["value"] in ("a", "b", "c")
    assert fs.run({"key": "exp", "variations": ["a", "b"]}, {"id": "u7"},
                  url="https://x.test/?exp=1")["value"] == "b"
    with pytest.raises(marquee.InvalidArgumentError):
        fs.run({"variations": "not a list"})


def test_bad_feature_sets():
    with pytest.raises(marquee.InvalidArgumentError):
        marquee.FeatureSet({"f": {"rules": "nope"}})
    with pytest.raises(ValueError):
        marquee.FeatureSet({"f": {"defaultValue": float("nan")}})
    with pytest.raises(TypeError):
        marquee.FeatureSet({"f": {"defaultValue": {1, 2}}})
