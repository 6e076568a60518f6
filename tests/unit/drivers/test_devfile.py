"""dummy-ups definition files: NUT's reading rules, case by case, and the DDL corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerdown.drivers.dummy.devfile import (
    NUT_VALUE_LIMIT,
    TIMER_MAX,
    Alarm,
    DevFile,
    Instruction,
    SetStatus,
    SetVar,
    Timer,
    parse,
)
from powerdown.protocol.words import ARG_LIMIT, WORDLEN_LIMIT

PATH = "t.dev"


def _ddl_root() -> Path:
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "shared" / "ddl", here.parents[4] / "shared" / "ddl"):
        if candidate.is_dir():
            return candidate
    return Path("/work/shared/ddl")


DDL = _ddl_root()
DDL_FILES = sorted(p for p in DDL.rglob("*") if p.suffix in (".dev", ".seq") and p.is_file())


def V(name: str, value: str, lineno: int = 1) -> SetVar:
    return SetVar(name=name, value=value, lineno=lineno)


def S(*tokens: str, lineno: int = 1) -> SetStatus:
    return SetStatus(tokens=tokens, lineno=lineno)


def T(seconds: int, lineno: int = 1) -> Timer:
    return Timer(seconds=seconds, lineno=lineno)


def A(text: str | None, lineno: int = 1) -> Alarm:
    return Alarm(text=text, lineno=lineno)


def check(
    data: bytes | str,
    instructions: list[Instruction],
    warnings: list[tuple[int, str]] = [],  # noqa: B006 - never mutated
) -> DevFile:
    """Parse ``data`` and compare instructions exactly, warnings by line and fragment."""
    found = parse(data, PATH)
    assert list(found.instructions) == instructions
    got = [(w.line, w.message) for w in found.warnings]
    assert len(got) == len(warnings), got
    for (line, message), (want_line, fragment) in zip(got, warnings, strict=True):
        assert line == want_line, got
        assert fragment in message, got
    for w in found.warnings:
        assert str(w) == f"{PATH}:{w.line}: {w.message}"
    return found


# -- variables ---------------------------------------------------------------------

VARIABLE_CASES: list[tuple[str, bytes, list[Instruction], list[tuple[int, str]]]] = [
    ("plain", b"ups.mfr: APC\n", [V("ups.mfr", "APC")], []),
    (
        "words joined by one space",
        b"ups.model: Smart    UPS\t 750\n",
        [V("ups.model", "Smart UPS 750")],
        [],
    ),
    (
        "quoted value keeps its spaces",
        b'ups.model: "Smart  UPS"\n',
        [V("ups.model", "Smart  UPS")],
        [],
    ),
    (
        "quoted and bare words",
        b'ups.model: "Smart UPS" 750\n',
        [V("ups.model", "Smart UPS 750")],
        [],
    ),
    ("escaped quote", b'ups.id: "My \\"big\\" UPS"\n', [V("ups.id", 'My "big" UPS')], []),
    # Powerware__PW5110 in the DDL: a doubled backslash is one backslash ...
    (
        "double backslash",
        b"device.model: POWERWARE UPS \\\\ 500i\n",
        [V("device.model", "POWERWARE UPS \\ 500i")],
        [],
    ),
    # ... and a single one escapes the blank after it, which joins the next word.
    (
        "backslash before a blank",
        b"ups.model: POWERWARE UPS \\ 500i\n",
        [V("ups.model", "POWERWARE UPS  500i")],
        [],
    ),
    (
        "trailing #BAD comment",
        b"battery.charge: 100\t#BAD: wrong\n",
        [V("battery.charge", "100")],
        [],
    ),
    ("comment glued to the value", b"battery.charge: 100#BAD\n", [V("battery.charge", "100")], []),
    ("escaped # is kept", b"ups.id: a\\#1\n", [V("ups.id", "a#1")], []),
    ("escaped # inside quotes", b'ups.id: "a \\# b"\n', [V("ups.id", "a # b")], []),
    (
        "comment and blank lines",
        b"# header\n\n   \n\t# indented\nups.mfr: APC\n",
        [V("ups.mfr", "APC", 5)],
        [],
    ),
    (
        "CRLF line ends",
        b"ups.mfr: APC\r\nups.model: X Y\r\n",
        [V("ups.mfr", "APC"), V("ups.model", "X Y", 2)],
        [],
    ),
    (
        "no final newline",
        b"ups.mfr: APC\nups.model: X",
        [V("ups.mfr", "APC"), V("ups.model", "X", 2)],
        [],
    ),
    ("server.* is not skipped (NUT does not)", b"server.info: x\n", [V("server.info", "x")], []),
    ("name of a colon-free word keeps its case", b"UPS.MFR: APC\n", [V("UPS.MFR", "APC")], []),
    # '=' is a word of its own for parseconf, so this is name "ups.mfr" without ':'.
    (
        "'=' instead of ':'",
        b"ups.mfr = APC\n",
        [V("ups.mfr", "= APC")],
        [(1, "no ':' after the name")],
    ),
    (
        "'=' glued to a name",
        b"ups.mfr=APC\n",
        [V("ups.mfr", "= APC")],
        [(1, "NUT reads this line as 'ups.mfr = APC'"), (1, "no ':' after the name")],
    ),
    # APC__Smart-UPS_750 in the DDL (and NUT's dummy-ups shows "ID = 18").
    (
        "'=' inside a value gets blanks around it",
        b"ups.firmware: UPS 08.8 / ID=18\n",
        [V("ups.firmware", "UPS 08.8 / ID = 18")],
        [
            (
                1,
                "'=' is a word of its own to NUT's parser, so NUT reads this line as"
                " 'ups.firmware: UPS 08.8 / ID = 18'",
            )
        ],
    ),
    ("'=' with blanks already", b"ups.id: a = b\n", [V("ups.id", "a = b")], []),
    ("'=' inside quotes", b'ups.id: "a=b"\n', [V("ups.id", "a=b")], []),
    ("'=' in a comment", b"ups.id: a # x=y\n", [V("ups.id", "a")], []),
    (
        "name without ':' is read as a name (NUT does), with a warning",
        b"battery.charge 55\n",
        [V("battery.charge", "55")],
        [(1, "no ':' after the name 'battery.charge'")],
    ),
    (
        "stray word: an empty value",
        b"stray\n",
        [V("stray", "")],
        [(1, "no ':' after the name 'stray'")],
    ),
    (
        "text glued after ':' is ignored, as NUT ignores it",
        b"ups.serial:XYZ\n",
        [V("ups.serial", "")],
        [(1, "'XYZ' right after the ':' is ignored")],
    ),
    ("empty name is skipped", b": value\n", [], [(1, "not a valid variable name: ''")]),
    ("name with a quote is skipped", b'bad\\"name: x\n', [], [(1, "not a valid variable name")]),
    (
        "lower-case timer is a variable",
        b"timer 5\n",
        [V("timer", "5")],
        [(1, "TIMER is an instruction only in capitals")],
    ),
    (
        "long value kept whole, with NUT's cut announced",
        b"ups.load: " + b"9" * 200 + b"\n",
        [V("ups.load", "9" * 200)],
        [
            (
                1,
                f"200 characters long: kept whole, but NUT's dummy-ups would cut it"
                f" to {NUT_VALUE_LIMIT}",
            )
        ],
    ),
    (
        "value of exactly 127 characters",
        b"ups.id: " + b"x" * 127 + b"\n",
        [V("ups.id", "x" * 127)],
        [],
    ),
]


@pytest.mark.parametrize(
    "data, instructions, warnings",
    [case[1:] for case in VARIABLE_CASES],
    ids=[case[0] for case in VARIABLE_CASES],
)
def test_parse_variables(
    data: bytes, instructions: list[Instruction], warnings: list[tuple[int, str]]
) -> None:
    check(data, instructions, warnings)


def test_parse_empty_value_removes_the_variable_as_documented_not_as_nut_2_8_0_does() -> None:
    """``ups.model:`` with nothing after it removes ``ups.model``.

    That is the rule of dummy-ups(8) ("simply update these by setting an empty
    value. As a result, they will get removed"), so it is what we do.  NUT
    2.8.0's code, by a bug, sets ``ups.model`` to the previous line's value
    (here "APC") instead; we do not copy that, and do not warn about it.
    """
    check(
        b"ups.mfr: APC\nups.model:\nups.alarm: \n",
        [
            V("ups.mfr", "APC"),
            V("ups.model", "", 2),
            V("ups.alarm", "", 3),
        ],
    )


def test_parse_driver_collection_is_skipped_and_counted_not_warned() -> None:
    found = check(
        b"driver.name: usbhid-ups\ndriver.parameter.port: auto\nups.mfr: APC\ndriver.version:\n",
        [V("ups.mfr", "APC", 3)],
    )
    assert found.driver_vars_skipped == 3


def test_parse_driver_skip_wins_over_name_complaints() -> None:
    """NUT drops a driver.* line before looking any further, so nothing to warn about."""
    found = check(b"driver.name:x\ndriver.flag.x\n", [])
    assert found.driver_vars_skipped == 2


# -- ups.status --------------------------------------------------------------------

STATUS_CASES: list[tuple[str, bytes, list[Instruction], list[tuple[int, str]]]] = [
    ("tokens", b"ups.status: OL CHRG\n", [S("OL", "CHRG")], []),
    ("one token", b"ups.status: OB\n", [S("OB")], []),
    ("no token: empty status", b"ups.status:\n", [S()], []),
    ("blank and tab then comment", b"ups.status: \t#BAD: always empty\n", [S()], []),
    ("comment after tokens", b"ups.status: ALARM OL FSD #BAD\n", [S("ALARM", "OL", "FSD")], []),
    ("a quoted word stays one token", b'ups.status: "OB LB"\n', [S("OB LB")], []),
    (
        "prefix match, as NUT's strncmp",
        b"ups.statusx: OL LB\n",
        [S("OL", "LB")],
        [(1, "'ups.statusx' is read as ups.status")],
    ),
    ("ups.status without ':'", b"ups.status OL\n", [S("OL")], [(1, "no ':' after the name")]),
]


@pytest.mark.parametrize(
    "data, instructions, warnings",
    [case[1:] for case in STATUS_CASES],
    ids=[case[0] for case in STATUS_CASES],
)
def test_parse_status(
    data: bytes, instructions: list[Instruction], warnings: list[tuple[int, str]]
) -> None:
    check(data, instructions, warnings)


# -- TIMER and ALARM ---------------------------------------------------------------

NEED = "TIMER needs a whole number of seconds"

TIMER_CASES: list[tuple[str, bytes, list[Instruction], list[tuple[int, str]]]] = [
    ("seconds", b"TIMER 60\n", [T(60)], []),
    ("zero", b"TIMER 0\n", [T(0)], []),
    ("leading zeros", b"TIMER 007\n", [T(7)], []),
    ("TIMERS is TIMER", b"TIMERS 5\n", [T(5)], [(1, "'TIMERS' is read as TIMER")]),
    ("TIMER: is TIMER", b"TIMER: 5\n", [T(5)], [(1, "'TIMER:' is read as TIMER")]),
    (
        "no number: 0, NUT would read a leftover word",
        b"TIMER\n",
        [T(0)],
        [(1, f"{NEED}, none given")],
    ),
    ("not a number: atoi gives 0", b"TIMER abc\n", [T(0)], [(1, f"{NEED}, not 'abc'")]),
    ("unit suffix: atoi reads the digits", b"TIMER 5s\n", [T(5)], [(1, f"{NEED}, not '5s'")]),
    ("decimal: atoi stops at the dot", b"TIMER 1.5\n", [T(1)], [(1, f"{NEED}, not '1.5'")]),
    ("plus sign", b"TIMER +5\n", [T(5)], [(1, f"{NEED}, not '+5'")]),
    ("negative: no pause", b"TIMER -3\n", [T(0)], [(1, "no pause")]),
    ("quoted blank first", b'TIMER " 9"\n', [T(9)], [(1, f"{NEED}, not ' 9'")]),
    ("empty word", b'TIMER ""\n', [T(0)], [(1, f"{NEED}, not ''")]),
    ("extra words ignored", b"TIMER 5 seconds\n", [T(5)], [(1, "words after the TIMER seconds")]),
    ("too big for an int", b"TIMER 99999999999\n", [T(TIMER_MAX)], [(1, "does not fit NUT's int")]),
    ("comment after", b"TIMER 60 # one minute\n", [T(60)], []),
    ("ALARM text", b"ALARM [UPS too warm to charge]\n", [A("[UPS too warm to charge]")], []),
    ("ALARM quoted", b'ALARM "UPS  too warm"\n', [A("UPS  too warm")], []),
    ("bare ALARM clears", b"ALARM\n", [A(None)], []),
    ("ALARM with a comment clears", b"ALARM # clear\n", [A(None)], []),
    ("ALARM with an empty word clears", b'ALARM ""\n', [A(None)], []),
    # NUT checks the joined text: two empty words join to one blank, not empty.
    ("ALARM with two empty words is a blank", b'ALARM "" ""\n', [A(" ")], []),
    ("ALARMS is ALARM", b"ALARMS x\n", [A("x")], [(1, "'ALARMS' is read as ALARM")]),
    (
        "long ALARM kept whole",
        b"ALARM " + b"w" * 130 + b"\n",
        [A("w" * 130)],
        [(1, "alarm text is 130 characters long")],
    ),
    (
        "man page sequence",
        b"ALARM [UPS too warm to charge]\nALARM [UPS circuit is overheating]\nTIMER 5\n"
        b"ALARM\nTIMER 5\nALARM [UPS too cold to charge]\n",
        [
            A("[UPS too warm to charge]", 1),
            A("[UPS circuit is overheating]", 2),
            T(5, 3),
            A(None, 4),
            T(5, 5),
            A("[UPS too cold to charge]", 6),
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    "data, instructions, warnings",
    [case[1:] for case in TIMER_CASES],
    ids=[case[0] for case in TIMER_CASES],
)
def test_parse_timer_and_alarm(
    data: bytes, instructions: list[Instruction], warnings: list[tuple[int, str]]
) -> None:
    check(data, instructions, warnings)


# -- what the tokenizer does to lines ----------------------------------------------

TOKENIZER_CASES: list[tuple[str, bytes | str, list[Instruction], list[tuple[int, str]]]] = [
    (
        "# inside quotes: parse error, line skipped",
        b'device.part: "a # b"\nups.mfr: APC\n',
        [V("ups.mfr", "APC", 2)],
        [(1, "parse error: Unbalanced word due to unescaped # in quotes; line skipped")],
    ),
    # APC__Matrix-UPS_3000 in the DDL: a value ending in a backslash.
    (
        "final backslash joins the next line",
        b"ups.id: 79/\\\nups.load: 049.4\nups.mfr: APC\n",
        [V("ups.id", "79/ups.load: 049.4"), V("ups.mfr", "APC", 3)],
        [(1, "line ends with a backslash: NUT reads lines 1-2 as one line")],
    ),
    # Exide__NetUPS_SE_PRC2400a in the DDL: the quote closes lines later.
    (
        "unterminated quote runs on to the next quote",
        b'ups.mfr: "Exide\nups.model: X\nups.serial: "Y\nups.status: OL\n',
        [V("ups.mfr", "Exideups.model: Xups.serial:  Y"), S("OL", lineno=4)],
        [(1, "line leaves a quote open: NUT reads lines 1-3 as one line")],
    ),
    (
        "unterminated quote runs on to the end of the file",
        b'ups.mfr: "APC\nups.model: X\n',
        [V("ups.mfr", "APCups.model: X")],
        [(1, "NUT reads lines 1-2 as one line")],
    ),
    # Tripp_Lite__SU1500RTXLCD2U in the DDL: UTF-8 no-break spaces.
    (
        "non-ASCII bytes dropped from words",
        b"ups.mfr: TRIPPLITE\xc2\xa0 \xc2\xa0\n",
        [V("ups.mfr", "TRIPPLITE ")],
        [(1, "characters outside printable ASCII dropped")],
    ),
    ("non-ASCII in a comment is fine", b"ups.mfr: APC # caf\xc3\xa9\n", [V("ups.mfr", "APC")], []),
    (
        "text input is read as UTF-8",
        "ups.mfr: Café\n",
        [V("ups.mfr", "Caf")],
        [(1, "outside printable")],
    ),
    (
        "control character dropped",
        b"ups.mfr: A\x01PC\n",
        [V("ups.mfr", "APC")],
        [(1, "outside printable")],
    ),
    (
        "dropped character on the second physical line",
        b'ups.mfr: "A\nB\xff"\n',
        [V("ups.mfr", "AB")],
        [(1, "quote open"), (2, "outside printable")],
    ),
    (
        f"more than {ARG_LIMIT} words",
        b"ups.id:" + b" w" * 40 + b"\n",
        [V("ups.id", " ".join(["w"] * (ARG_LIMIT - 1)))],
        [(1, f"NUT keeps only the first {ARG_LIMIT}")],
    ),
    (
        f"exactly {ARG_LIMIT} words",
        b"ups.id:" + b" w" * (ARG_LIMIT - 1) + b"\n",
        [V("ups.id", " ".join(["w"] * (ARG_LIMIT - 1)))],
        [],
    ),
    (
        f"word over {WORDLEN_LIMIT} characters",
        b"ups.id: " + b"y" * 600 + b"\n",
        [V("ups.id", "y" * WORDLEN_LIMIT)],
        [(1, f"only its first {WORDLEN_LIMIT}"), (1, "would cut it to 127")],
    ),
]


@pytest.mark.parametrize(
    "data, instructions, warnings",
    [case[1:] for case in TOKENIZER_CASES],
    ids=[case[0] for case in TOKENIZER_CASES],
)
def test_parse_tokenizer_rules(
    data: bytes | str, instructions: list[Instruction], warnings: list[tuple[int, str]]
) -> None:
    check(data, instructions, warnings)


def test_parse_lineno_is_where_the_logical_line_starts() -> None:
    check(
        b"# c\n\nups.id: a\\\nb\nups.mfr: APC\n",
        [V("ups.id", "ab", 3), V("ups.mfr", "APC", 5)],
        [(3, "NUT reads lines 3-4 as one line")],
    )


def test_parse_empty_file() -> None:
    assert parse(b"", PATH) == DevFile(instructions=(), warnings=())
    assert parse("", PATH) == DevFile(instructions=(), warnings=())


def _lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


GARBAGE = [
    b"\x00\xff\xfe\n\n\x00",
    b'"\\',
    b"\\",
    b'"#',
    b"TIMER",
    b"ALARM",
    b":::\n:\n",
    bytes(range(256)) * 3,
    b'TIMER "\n\n\n',
]


@pytest.mark.parametrize("data", GARBAGE)
def test_parse_garbage_gives_warnings_with_real_lines(data: bytes) -> None:
    found = parse(data, PATH)
    for w in found.warnings:
        assert w.path == PATH
        assert w.line is not None and 1 <= w.line <= max(_lines(data), 1)


_PIECES = st.sampled_from(
    [
        "ups.mfr:",
        "ups.status:",
        "driver.x:",
        "TIMER",
        "ALARM",
        " ",
        "\t",
        "\n",
        "\r\n",
        "#",
        '"',
        "\\",
        ":",
        "=",
        "x",
        "5",
        "-1",
        "\xff",
        "\x00",
        "OL",
    ]
)


@given(st.one_of(st.binary(), st.lists(_PIECES).map(lambda p: "".join(p).encode("latin-1"))))
def test_parse_never_raises(data: bytes) -> None:
    found = parse(data, PATH)
    for w in found.warnings:
        assert w.path == PATH
        assert w.line is not None and 1 <= w.line <= max(_lines(data), 1)
    for i in found.instructions:
        assert 1 <= i.lineno <= max(_lines(data), 1)
        if isinstance(i, Timer):
            assert 0 <= i.seconds <= TIMER_MAX


# -- the sample sequence and the DDL corpus -----------------------------------------


def test_parse_evolution500_sample_sequence() -> None:
    """NUT's own sample .seq: a dump with the power going away in three steps."""
    path = DDL / "_nut-samples" / "evolution500.seq"
    if not path.is_file():
        pytest.skip(f"no DDL corpus at {DDL}")
    found = parse(path.read_bytes(), str(path))
    assert found.warnings == ()
    assert found.driver_vars_skipped == 5
    assert found.instructions[:4] == (
        V("battery.charge", "90", 8),
        V("battery.charge.low", "30", 9),
        V("battery.runtime", "3690", 10),
        V("battery.voltage", "230.0", 11),
    )
    # The driver.* lines 12-16 are skipped.
    assert found.instructions[4] == V("input.frequency", "49.0", 17)
    assert found.instructions[-9:] == (
        V("ups.serial", "AV2G3300L", 50),
        S("OL", "CHRG", lineno=51),
        V("ups.test.interval", "604800", 52),
        V("ups.test.result", "Done and passed", 53),
        T(300, 54),
        S("OB", "DISCHRG", lineno=55),
        T(300, 56),
        S("OB", "LB", "DISCHRG", lineno=57),
        T(60, 58),
    )
    assert len(found.instructions) == 46
    assert V("outlet.1.desc", "PowerShare Outlet 1", 29) in found.instructions


_NAIVE_SKIP = re.compile(r"\s*(#|$|TIMER|ALARM)")


def naive_read(text: str) -> dict[int, tuple[str, str]]:
    """What a reader who never heard of parseconf sees: ``name: value # comment``."""
    seen: dict[int, tuple[str, str]] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if _NAIVE_SKIP.match(line) or ":" not in line:
            continue
        name, _, value = line.partition(":")
        seen[lineno] = (name.strip(), " ".join(value.split("#")[0].split()))
    return seen


@pytest.mark.skipif(not DDL_FILES, reason=f"no DDL corpus at {DDL}")
@pytest.mark.parametrize("path", DDL_FILES, ids=[str(p.relative_to(DDL)) for p in DDL_FILES])
def test_parse_ddl_corpus(path: Path) -> None:
    """Every real dump parses; when nothing is odd, we read what a person reads."""
    data = path.read_bytes()
    found = parse(data, str(path))
    for w in found.warnings:
        assert w.path == str(path)
        assert w.line is not None and 1 <= w.line <= _lines(data)
    if found.warnings:
        return
    naive = naive_read(data.decode("latin-1"))
    expected = {name for name, _ in naive.values() if not name.startswith("driver.")}
    names = {i.name for i in found.instructions if isinstance(i, SetVar)}
    names |= {"ups.status" for i in found.instructions if isinstance(i, SetStatus)}
    assert names == expected
    assert found.driver_vars_skipped == sum(1 for n, _ in naive.values() if n.startswith("driver."))
    # Values too, where the line has nothing parseconf would interpret.
    for i in found.instructions:
        if isinstance(i, SetVar) and not re.search(
            r'["\\]', data.decode("latin-1").split("\n")[i.lineno - 1]
        ):
            assert naive[i.lineno] == (i.name, i.value)
