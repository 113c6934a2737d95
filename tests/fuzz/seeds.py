"""Write the checked-in seed corpora for the fuzz harnesses (tests/fuzz/corpus/).

Run it again after changing the input format of a harness:

    python3 tests/fuzz/seeds.py

Seeds are small, named for what they exercise, and each starts the fuzzer in
a regime it would take long to find by itself: every spelling parse.h
documents, and for the kernels every value mode, stride, type and the
heavy-cancellation and overflow cases that send vd_dot_exact down its slow path.
"""

import math
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent

PARSE_SEEDS = {
    "empty": b"",
    "one": b"1",
    "list": b"1.5,2,-3e4",
    "spaces": b" \t1.25\n, -0.5\r\x0b,\x0c+7 ",
    "underscores": b"1_000,0.000_1,1_0e1_0",
    "bad-underscores": b"1__0,_1,1_,1._5,1e_5",
    "specials": b"inf,-Infinity,NaN,+nan,-INF,infinit,nan0",
    "fast-path-edges": b"9007199254740992,9007199254740993,1e22,1e23,1e-22,123456789e-22",
    "slow-path": b"0.1000000000000000055511151231257827021181583404541015625",
    "halfway": b"2.2250738585072011e-308,4.9406564584124654e-324,2.4703282292062328e-324",
    "extremes": b"1.7976931348623157e308,1.7976931348623159e308,1e-400,1e99999999999",
    "long-exponent": b"1e0000000000000000000000000000001,1e-000000000000000000000000000009",
    "many-digits": b"0." + b"0" * 300 + b"1e300," + b"9" * 400,
    "leading-zeros": b"0000000000000000000000000000001.5,-00.0,.0,0.",
    "no-digits": b".,e5,+,-,.e1,1e,1e+,,",
    "commas": b",,,",
    "nul-and-high-bytes": b"1\x00,2\xff,\xc3\xa9,3",
    "unicode-digits": "１２,٣".encode(),
    "ties": b"9007199254740993,18014398509481986,9223372036854776832,4503599627370496.5",
    "truncated-19": b"9007199254740993000000000000000000000001e-24,12345678901234567890123",
    "table-ends": b"1e-342,9999999999999999999e-343,1e308,0.001e311,1e309,5e-324,2e-324",
    "huge-exponent-oracle": b"0.0000000000000000000000000000000001e-4999" + b"0" * 75 + b"1,1e" + b"9" * 30,
    "eight-digit-runs": b"-0.54588900965815193,1234567812345678.1234567_8,00000000000000001",
}


def f64(x):
    return struct.pack("<d", x)


def kernel_seed(layout, mode, scale, pairs):
    """layout: byte 0; mode: byte 1 (value mode | threads - 1 << 2 | 0xF0 to tile); scale: int8."""
    head = bytes([layout, mode, scale & 0xFF])
    if mode & 3 == 1:
        body = b"".join(struct.pack("<bBbB", *p) for p in pairs)
    else:
        body = b"".join(f64(x) + f64(y) for x, y in pairs)
    return head + body


def layout(a_f32=0, b_f32=0, a_stride=0, b_stride=0, misalign=0, tile=0):
    return a_f32 | b_f32 << 1 | a_stride << 2 | b_stride << 4 | misalign << 6 | tile << 7


RAW = [(1.0, 4.0), (2.0, 5.0), (3.0, 6.0)]
CANCEL = [(2.0**60, 1.0), (1.0, 1.0), (-(2.0**60), 1.0)]
# sum = 1e-30-ish after cancellation of terms near 1e30: condition number ~1e60
ILL = [(1e30, 1e30), (1.0, 1.0), (-1e30, 1e30), (3.0, 2.0**-60)]
TIE = [(1.0, 1.0), (2.0**-53, 1.0)]  # exactly halfway: ties to even gives 1.0
SPECIALS = [(math.inf, 1.0), (1.0, math.nan), (math.inf, 0.0), (-math.inf, 2.0)]
OVERFLOW = [(1e300, 1e300), (-1e300, 1e300), (1.0, 1.0)]  # products overflow, sum is 1
UNDERFLOW = [(2.0**-1074, 0.5), (2.0**-1060, 2.0**-20), (-(2.0**-1074), 2.0**-1)]
SUBNORMAL_RESULT = [(2.0**-600, 2.0**-460), (-(2.0**-600), 2.0**-470)]

KERNEL_SEEDS = {
    "empty": bytes([0, 0, 0]),
    "raw-small-ints": kernel_seed(layout(), 0, 0, RAW),
    "raw-cancel": kernel_seed(layout(), 0, 3, CANCEL),
    "raw-ill-conditioned": kernel_seed(layout(), 0, -5, ILL),
    "raw-tie": kernel_seed(layout(), 0, 1, TIE),
    "raw-specials": kernel_seed(layout(), 0, 0, SPECIALS),
    "raw-overflow": kernel_seed(layout(), 0, 0, OVERFLOW),
    "raw-underflow": kernel_seed(layout(), 0, 0, UNDERFLOW),
    "raw-subnormal-result": kernel_seed(layout(), 0, 0, SUBNORMAL_RESULT),
    "f32-both": kernel_seed(layout(1, 1), 0, 2, RAW * 7),
    "f32-a-strided": kernel_seed(layout(1, 0, 1, 0), 0, 0, RAW * 6),
    "reversed-misaligned": kernel_seed(layout(0, 0, 2, 3, misalign=1), 0, 0, RAW * 11),
    "all-strides": kernel_seed(layout(1, 0, 3, 1, misalign=1), 0, -1, ILL * 5),
    "tiled-threads": kernel_seed(layout(tile=1), 1 | 1 << 2 | 0xF0, 0, [(3, 70, -5, 66), (7, 64, 1, 60)]),
    "tiled-f32-strided": kernel_seed(layout(1, 1, 2, 1, tile=1), 2 | 3 << 2 | 0xF0, 0, RAW),
    "small-ints": kernel_seed(layout(), 1, 4, [(m, 64 + (m % 5), -m, 64) for m in range(-40, 40)]),
    "small-cancel-wide": kernel_seed(layout(), 1, 0,
                                     [(1, 127, 1, 127), (1, 0, 1, 0), (-1, 127, 1, 127)] * 3),
    "moderate-block-boundary": kernel_seed(layout(), 2, 7,
                                           [(1.0 + i / 1024, 1.0 - i / 2048) for i in range(520)]),
    "edges-lanes": kernel_seed(layout(0, 1), 3, 0, [(2.0**-1070 * (i + 1), 3.0**i) for i in range(33)]),
}


def write(folder, seeds):
    target = HERE / "corpus" / folder
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        old.unlink()
    for name, data in seeds.items():
        (target / name).write_bytes(data)
    print(f"{target.relative_to(HERE.parents[1])}: {len(seeds)} seeds")


if __name__ == "__main__":
    write("parse", PARSE_SEEDS)
    write("kernel", KERNEL_SEEDS)
