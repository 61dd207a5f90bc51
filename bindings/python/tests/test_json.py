"""Python objects <-> JSON bodies: exact ints, floats, unicode; bad input raises."""
import math

import pytest

import marquee


def roundtrip(store, body):
    store.put("docs", "d", body)
    return store.get("docs", "d")


def test_scalars_and_containers(store):
    body = {"s": "x", "i": 3, "f": 0.5, "t": True, "n": None, "l": [1, [2, {}]],
            "o": {"k": []}, "tuple": (1, 2)}
    record = roundtrip(store, body)
    expected = dict(body, tuple=[1, 2])
    assert record.body == expected
    assert record.body_json == (
        '{"s":"x","i":3,"f":0.5,"t":true,"n":null,"l":[1,[2,{}]],"o":{"k":[]},'
        '"tuple":[1,2]}')


def test_big_ints_stay_exact(store):
    big = 123456789012345678901234567890
    record = roundtrip(store, {"big": big, "neg": -big, "max": 2**64 + 1})
    assert record.body["big"] == big
    assert record.body["neg"] == -big
    assert record.body["max"] == 2**64 + 1
    assert isinstance(record.body["big"], int)


def test_floats_round_trip_exactly(store):
    values = [0.1, 1e16, 1e-300, 2.5e300, -0.0, 1.0, 123.456]
    record = roundtrip(store, values)
    assert record.body == values
    assert all(isinstance(v, float) for v in record.body)


def test_unicode_round_trips(store):
    text = "héllo \u2603 \U0001F600 \"quoted\" back\\slash \n\t\x01 \x7f"
    record = roundtrip(store, {text: text})
    assert record.body == {text: text}


def test_bool_is_not_an_int_and_int_enum_is_a_number(store):
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    record = roundtrip(store, [True, False, Level.HIGH])
    assert record.body == [True, False, 3]
    assert record.body_json == "[true,false,3]"


@pytest.mark.parametrize("bad", [{1, 2}, b"bytes", object(), {"k": {1}}, [1, 2j]])
def test_unsupported_types_raise_type_error(store, bad):
    with pytest.raises(TypeError):
        store.put("docs", "d", bad)


def test_non_string_keys_raise_type_error(store):
    with pytest.raises(TypeError):
        store.put("docs", "d", {1: "one"})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, {"x": [math.nan]}])
def test_nan_and_infinity_raise_value_error(store, bad):
    with pytest.raises(ValueError):
        store.put("docs", "d", bad)


def test_lone_surrogate_raises_unicode_error(store):
    with pytest.raises(UnicodeError):
        store.put("docs", "d", {"s": "\ud800"})


def test_cycles_and_deep_nesting_raise_value_error(store):
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError):
        store.put("docs", "d", loop)
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError):
        store.put("docs", "d", deep)


def test_nothing_written_after_a_conversion_error(store):
    with pytest.raises(TypeError):
        store.put("docs", "d", {"s": {1}})
    with pytest.raises(marquee.NotFoundError):
        store.get("docs", "d")
    assert store.current_version == 0
