"""The marquee.Error hierarchy: one class per status code, with Python bases."""
import pytest

import marquee

# (class name, code, extra built-in base or None)
CLASSES = [
    ("CancelledError", "CANCELLED", None),
    ("UnknownError", "UNKNOWN", None),
    ("InvalidArgumentError", "INVALID_ARGUMENT", ValueError),
    ("DeadlineExceededError", "DEADLINE_EXCEEDED", TimeoutError),
    ("NotFoundError", "NOT_FOUND", KeyError),
    ("AlreadyExistsError", "ALREADY_EXISTS", None),
    ("PermissionDeniedError", "PERMISSION_DENIED", PermissionError),
    ("ResourceExhaustedError", "RESOURCE_EXHAUSTED", None),
    ("FailedPreconditionError", "FAILED_PRECONDITION", None),
    ("AbortedError", "ABORTED", None),
    ("OutOfRangeError", "OUT_OF_RANGE", ValueError),
    ("UnimplementedError", "UNIMPLEMENTED", NotImplementedError),
    ("InternalError", "INTERNAL", None),
    ("UnavailableError", "UNAVAILABLE", None),
    ("DataLossError", "DATA_LOSS", None),
    ("UnauthenticatedError", "UNAUTHENTICATED", None),
]


@pytest.mark.parametrize("name,code,builtin", CLASSES)
def test_every_code_has_its_class(name, code, builtin):
    cls = getattr(marquee, name)
    assert issubclass(cls, marquee.Error)
    assert issubclass(cls, Exception)
    assert cls.code == code
    assert cls.__module__ == "marquee"
    if builtin is not None:
        assert issubclass(cls, builtin)


def test_classes_are_distinct():
    classes = {getattr(marquee, name) for name, _, _ in CLASSES}
    assert len(classes) == len(CLASSES)
    assert marquee.Error.code == "UNKNOWN"


def test_not_found_is_a_key_error_with_a_plain_message(store):
    with pytest.raises(KeyError) as caught:
        store.get("campaigns", "nope")
    error = caught.value
    assert isinstance(error, marquee.NotFoundError)
    assert error.code == "NOT_FOUND"
    assert "nope" in error.message
    # KeyError would print repr(arg); the status message prints as it is.
    assert str(error) == error.message == "'campaigns/nope' not found"


def test_invalid_argument_is_a_value_error(store):
    with pytest.raises(ValueError) as caught:
        store.get("bad collection name!", "x")
    assert isinstance(caught.value, marquee.InvalidArgumentError)
    assert caught.value.code == "INVALID_ARGUMENT"


def test_failed_precondition_from_a_stale_version(store):
    store.put("c", "a", {"n": 1}, expected_version=0)
    with pytest.raises(marquee.FailedPreconditionError) as caught:
        store.put("c", "a", {"n": 2}, expected_version=0)
    assert caught.value.code == "FAILED_PRECONDITION"
    assert not isinstance(caught.value, ValueError)


def test_already_exists_from_an_index_redefinition(store):
    store.define_index("c", "by_n", ["/n"])
    with pytest.raises(marquee.AlreadyExistsError):
        store.define_index("c", "by_n", ["/m"])


def test_error_is_catchable_as_base(store):
    with pytest.raises(marquee.Error):
        store.get("campaigns", "missing")
