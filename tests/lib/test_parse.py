"""vecdot.parse(text): comma-separated numbers, each read exactly as float() reads it."""

import decimal
import math
import random
import struct
from array import array

import pytest
import vecdot
from hypothesis import given, settings
from hypothesis import strategies as st
from probes import peak_bytes


def bits(values):
    """Compare floats by their bytes: -0.0 vs 0.0 and nan payload signs count."""
    return [struct.pack("<d", v) for v in values]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("1,2,3", [1.0, 2.0, 3.0]),
        (" 1.5 , -2e3,\t+.25 ", [1.5, -2000.0, 0.25]),
        ("1_000,0.000_1", [1000.0, 0.0001]),
        ("-0", [-0.0]),
        ("inf,-Infinity,1e999", [math.inf, -math.inf, math.inf]),
        ("0.1,0.2", [0.1, 0.2]),
        ("\u0663.\u0665", [3.5]),  # Arabic-Indic digits: float() accepts them
        ("\u20031\u2003", [1.0]),  # Unicode whitespace, likewise
        (b"4,5.5", [4.0, 5.5]),
        (bytearray(b"6"), [6.0]),
        (memoryview(b"7,8"), [7.0, 8.0]),
    ],
)
def test_parses_like_float(impl, text, expected):
    result = impl.parse(text)
    assert type(result) is array and result.typecode == "d"
    assert bits(result) == bits(expected)


def test_nan_is_parsed_with_its_sign(impl):
    values = impl.parse("nan,-nan")
    assert all(math.isnan(v) for v in values)
    assert bits(values) == bits([float("nan"), float("-nan")])


@pytest.mark.parametrize(
    "text, index, shown",
    [
        ("1,abc,3", 1, "'abc'"),
        ("1,,3", 1, "''"),
        ("1,2,", 2, "''"),
        (",", 0, "''"),
        ("1 2", 0, "'1 2'"),
        ("0x10", 0, "'0x10'"),
        ("1__0", 0, "'1__0'"),
        ("1e5_", 0, "'1e5_'"),
        ("1\x00", 0, r"'1\\x00'"),
        (b"1,x", 1, "b'x'"),
        ("1,\ud800", 1, r"'\\ud800'"),  # a lone surrogate: no UTF-8 form
        ("2\udfff3,1", 0, r"'2\\udfff3'"),
        ("1," + "9" * 50 + "z", 1, "'" + "9" * 40 + r"' \(truncated\)"),
    ],
)
def test_bad_field_names_its_index_and_shows_it(impl, text, index, shown):
    with pytest.raises(ValueError, match=rf"^parse\(\) item {index} is not a number: {shown}$"):
        impl.parse(text)


@pytest.mark.parametrize("text", [None, 1.5, ["1"], {"1": 1}])
def test_non_text_is_a_type_error(impl, text):
    with pytest.raises(TypeError, match=r"^parse\(\) argument must be str or bytes, not "):
        impl.parse(text)


def parse_failing(text):
    def call():
        with pytest.raises(ValueError):
            vecdot.parse(text)
    return call


@pytest.mark.c_only  # the C binding's allocations (the reference splits the text)
@pytest.mark.parametrize("text", ["," * 1_000_000, "1" + "," * 1_000_000, "1,2,3,x" + ",4" * 500_000])
def test_text_that_fails_early_allocates_little(text):
    # The values grow as fields parse, at most to the field count: 1,000,000
    # commas used to allocate 8 MB of results before the first field failed.
    assert peak_bytes(parse_failing(text)) < 64 * 1024


@pytest.mark.c_only
def test_values_take_about_eight_bytes_each():
    text = ",".join(["1.5"] * 100_000)
    assert 8 * 100_000 <= peak_bytes(lambda: vecdot.parse(text)) <= 3 * 8 * 100_000 + 64 * 1024


# ---- float() is the oracle, on generated text ---------------------------------

digits = st.text("0123456789", min_size=1, max_size=25)
number_text = st.one_of(
    st.floats().map(repr),
    st.floats().map(lambda v: f"{v:.25e}"),
    st.floats(allow_nan=False).map(lambda v: format(v, "f")),
    st.builds(
        lambda sign, whole, frac, exp, pad: f"{pad}{sign}{whole}.{frac}e{exp}{pad}",
        st.sampled_from(["", "+", "-"]),
        digits,
        digits,
        st.integers(-400, 400),
        st.sampled_from(["", " ", "\t", "\n "]),
    ),
    st.builds(lambda d: "_".join(d), st.lists(digits, min_size=1, max_size=4)),
    # 16 to 20 digits with exponents around the 128-bit path's range (10^-21..10^19)
    st.builds(
        lambda w, point, exp: f"{str(w)[:point]}.{str(w)[point:]}e{exp}",
        st.integers(10**15, 10**20),
        st.integers(0, 20),
        st.integers(-45, 45),
    ),
    st.text("0123456789._eE+-infatyINFATY \t", max_size=12),
    st.text(max_size=8),
)


def float_or_none(text):
    try:
        return float(text)
    except ValueError:
        return None


def check_against_float(text):
    expected = float_or_none(text)
    if expected is None:
        with pytest.raises(ValueError):
            vecdot.parse(text)
    else:
        assert bits(vecdot.parse(text)) == bits([expected])


@settings(max_examples=3000, deadline=None)
@given(number_text)
def test_single_field_agrees_with_float(text):
    if "," in text or not text:
        return  # commas split fields and "" is an empty list: tested above
    check_against_float(text)
    if text.isascii():
        check_against_float(text.encode())  # float(bytes) has its own whitespace rules


@settings(max_examples=500, deadline=None)
@given(st.lists(st.floats(), min_size=1, max_size=50))
def test_a_list_of_reprs_round_trips_exactly(values):
    text = ",".join(map(repr, values))
    # repr() drops a nan's sign and payload; float(repr(v)) is what comes back.
    assert bits(vecdot.parse(text)) == bits([float(repr(v)) for v in values])


# ---- float() is the oracle, on many random numbers at once --------------------

def random_double(rng):
    """Any finite double, its bits drawn uniformly: subnormals and huge ones as often as 1.5."""
    while not math.isfinite(x := struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]):
        pass
    return x


def near_midpoint(rng):
    """The midpoint of a double and the next, exactly (a tie) or with 16 to 19 digits."""
    x = abs(random_double(rng))
    mid = (decimal.Decimal(x) + decimal.Decimal(math.nextafter(x, math.inf))) / 2
    return str(mid) if rng.random() < 0.1 else format(mid, f".{rng.randint(15, 18)}e")


RANDOM_SHAPES = {
    "repr": lambda rng: repr(random_double(rng)),
    "17 digits": lambda rng: f"{rng.choice('-+')}{rng.randrange(10**16, 10**17)}e{rng.randint(-345, 312)}",
    "any length": lambda rng: (f"{rng.randrange(10 ** rng.randint(1, 25))}.{rng.randrange(10 ** rng.randint(1, 25))}"
                               f"e{rng.randint(-400, 400)}"),
    "near a midpoint": near_midpoint,
}


@pytest.mark.parametrize("shape", RANDOM_SHAPES)
def test_random_numbers_agree_with_float(shape):
    # Each field is checked in one call of 20,000: the fast paths, 20+ digits and
    # the exact fallback alike (the C tests run millions against strtod).
    rng = random.Random(shape)
    with decimal.localcontext(decimal.Context(prec=1200)):
        fields = [RANDOM_SHAPES[shape](rng) for _ in range(20_000)]
    got = vecdot.parse(",".join(fields))
    wrong = [(f, g, w) for f, g, w in zip(fields, bits(got), bits(map(float, fields)), strict=True) if g != w]
    assert not wrong, f"{len(wrong)} differ from float(), the first: {wrong[0]}"
