"""vecdot.hello(name="world", /): a greeting built in C."""

import pytest


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), "Hello, world, from C!"),
        (("Ann",), "Hello, Ann, from C!"),
        (("",), "Hello, , from C!"),
        (("Zoë 🙂",), "Hello, Zoë 🙂, from C!"),  # non-ASCII passes through intact
    ],
)
def test_greets_by_name(impl, args, expected):
    assert impl.hello(*args) == expected


@pytest.mark.parametrize("name", [None, 1, b"Ann", ["Ann"]])
def test_non_str_name_is_a_type_error_naming_the_type(impl, name):
    with pytest.raises(TypeError, match=rf"hello\(\) argument must be str, not {type(name).__name__}"):
        impl.hello(name)


def test_takes_at_most_one_argument(impl):
    with pytest.raises(TypeError):
        impl.hello("a", "b")


def test_name_is_positional_only(impl):
    with pytest.raises(TypeError):
        impl.hello(name="Ann")
