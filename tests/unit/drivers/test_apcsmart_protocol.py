"""The APC Smart protocol's pure rules: tables, conversions, status, a and ^Z, the byte stream."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from powerdown.drivers.apcsmart import protocol as p
from tests.support.nutpeer import ddl
from tests.support.sim_apcsmart import REAL_CAPS, raw_of, raw_values, read_dump, status_byte

# -- tables ----------------------------------------------------------------------


def test_VARTAB_maps_nut_names_to_apc_bytes() -> None:
    by_name = {(vt.name, vt.cmd) for vt in p.VARTAB}
    assert len(p.VARTAB) == 46
    for pair in [
        ("battery.charge", "f"),
        ("battery.runtime", "j"),
        ("ups.model", "\x01"),
        ("ups.display.language", "\x0c"),
        ("output.current", "/"),
        ("ups.firmware", "b"),
        ("ups.firmware", "V"),
        ("device.uptime", "T"),
        ("ambient.0.temperature", "T"),
    ]:
        assert pair in by_name
    polled = [vt.cmd for vt in p.VARTAB if vt.flags & p.VarFlag.POLL]
    # the order of a poll cycle: NUT's table order
    assert "".join(polled) == "CPXiLF9GMN/OhH{}tT[]fBjT"
    strings = [vt.name for vt in p.VARTAB if vt.flags & p.VarFlag.STRING]
    assert strings == ["ups.id", "battery.date"]


def test_CMDTAB_flags() -> None:
    nasty = {c.name for c in p.CMDTAB if c.nasty}
    twice = {c.name for c in p.CMDTAB if c.repeat}
    assert nasty == {"shutdown.return", "shutdown.stayoff", "load.off"}
    assert twice == {"shutdown.stayoff", "load.off", "load.on"}
    assert {c.name: c.cmd for c in p.CMDTAB}["test.battery.start"] == "W"


@pytest.mark.parametrize(
    ("name", "ext", "cmd"),
    [
        ("shutdown.return", None, "S"),
        ("shutdown.return", "", "S"),
        ("SHUTDOWN.RETURN", "cs", "S"),
        ("shutdown.return", "at:5", "@"),
        ("shutdown.return", "AT:123", "@"),
        ("calibrate.stop", None, "D"),
        ("bypass.start", None, "^"),
    ],
)
def test_find_command(name: str, ext: str | None, cmd: str) -> None:
    found = p.find_command(name, ext)
    assert found is not None and found.cmd == cmd


@pytest.mark.parametrize(
    ("name", "ext"),
    [("shutdown.return", "at:1234"), ("shutdown.return", "x"), ("load.off", "1"), ("beeper", None)],
)
def test_find_command_refuses(name: str, ext: str | None) -> None:
    assert p.find_command(name, ext) is None


# -- values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "base", "value"),
    [("08", 16, 8), ("50", 16, 0x50), ("SM", 16, 0), ("0327:", 10, 327), (" 12x", 10, 12)]
    + [("-5", 10, -5), ("", 10, 0), ("ON ", 10, 0), ("0x1F", 16, 31)],
)
def test_strtol(text: str, base: int, value: int) -> None:
    assert p.strtol(text, base) == value


@pytest.mark.parametrize(
    ("fmt", "raw", "value"),
    [
        (p.Fmt.HOURS, "336", "1209600"),
        (p.Fmt.HOURS, "OFF", "0"),
        (p.Fmt.MINUTES, "0329:", "19740"),
        (p.Fmt.MINUTES, "02", "120"),
        (p.Fmt.REASON, "O", "no transfers yet since turnon"),
        (p.Fmt.REASON, "S", "simulated power failure or UPS test"),
        (p.Fmt.REASON, "NA", "NA"),
        (p.Fmt.VOLT, "121.5", "121.5"),
        (p.Fmt.PERCENT, "000.0", "000.0"),
    ],
)
def test_convert(fmt: p.Fmt, raw: str, value: str) -> None:
    assert p.convert(fmt, raw) == value


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (0x08, ["OL"]),
        (0x10, ["OB"]),
        (0x50, ["OB", "LB"]),
        (0x0A, ["TRIM", "OL"]),
        (0x89, ["CAL", "OL", "RB"]),
        (0x00, ["OFF"]),
        (0xFF, ["CAL", "TRIM", "BOOST", "OL", "OB", "OVER", "LB", "RB"]),
    ],
)
def test_status_words(status: int, words: list[str]) -> None:
    assert p.status_words(status) == words


@pytest.mark.parametrize(
    ("before", "alert", "after"),
    [
        (0x08, "!", 0x10),
        (0x10, "$", 0x08),
        (0x10, "%", 0x50),
        (0x50, "+", 0x10),
        (0x08, "#", 0x88),
        (0x08, "?", 0x28),
        (0x28, "=", 0x08),
        (0x08, "|", 0x08),
        (0x08, "&", 0x08),
    ],
)
def test_apply_alert(before: int, alert: str, after: int) -> None:
    assert p.apply_alert(before, alert) == after


def test_packed_names_and_values() -> None:
    assert p.packed_name("ambient.0.temperature.high", 1) == "ambient.2.temperature.high"
    assert p.split_packed("NO,NO") == ["NO", "NO"]
    assert p.split_packed("1,2,3,4,5") == ["1", "2", "3", "4"]


def test_matches() -> None:
    vt = {vt.cmd + vt.name: vt for vt in p.VARTAB}
    uptime, ambient, fw = vt["Tdevice.uptime"], vt["Tambient.0.temperature"], vt["bups.firmware"]
    assert p.matches(uptime.regex, "123.4") and not p.matches(uptime.regex, "23.45")
    assert p.matches(ambient.regex, "23.45") and not p.matches(ambient.regex, "123.4")
    assert p.matches(fw.regex, "92.11.D") and not p.matches(fw.regex, "FF")
    assert p.matches(None, "anything")


# -- a and ^Z --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "cmds"),
    [
        ("3.!$%+?=#|.\x01\x0e\x1aABC", "\x01\x0e\x1aABC"),
        ("3.!$%+?=#|.ABC.extra", "ABC"),
        ("4..QY", "QY"),
        ("NA", None),
        ("SM", None),
        ("3.!$.", None),
        ("3.a.b.c.d", None),
    ],
)
def test_command_set(reply: str, cmds: str | None) -> None:
    assert p.command_set(reply) == cmds


def test_parse_caps_of_a_real_capture() -> None:
    groups = p.parse_caps(REAL_CAPS)
    assert [(g.cmd, g.locale) for g in groups][:4] == [
        ("u", "D"),
        ("u", "M"),
        ("u", "A"),
        ("u", "I"),
    ]
    table = {(g.cmd, g.locale): g.values for g in groups}
    assert table["u", "D"] == ("132", "135", "138", "129")
    assert table["o", "D"] == ("115",)
    assert table["s", "4"] == ("H", "M", "L", "L")
    assert table["E", "4"] == ("336", "168", "ON ", "OFF")
    assert len(groups) == 19


def test_parse_caps_matrix_form() -> None:
    groups = p.parse_caps("##uD43132135138129##s441HMLA")
    assert [(g.cmd, g.locale, g.values) for g in groups] == [
        ("u", "D", ("132", "135", "138", "129")),
        ("s", "4", ("H", "M", "L", "A")),
    ]


@pytest.mark.parametrize("reply", ["uD43132", "##", "#u", "#uD4/1", "#uD\x2f3"])
def test_parse_caps_refuses(reply: str) -> None:
    with pytest.raises(p.CapsError):
        p.parse_caps(reply)


@given(st.text(alphabet=st.characters(max_codepoint=255), max_size=80))
def test_parse_caps_never_fails_otherwise(reply: str) -> None:
    try:
        p.parse_caps(reply)
    except p.CapsError:
        pass


# -- the byte stream --------------------------------------------------------------


def _lines(chunks: list[bytes], ignore: str, alerts: str = "") -> tuple[list[str], str]:
    scanner = p.LineScanner()
    lines: list[str] = []
    seen = ""
    for chunk in chunks:
        scanner.feed(chunk)
        while True:
            scan = scanner.take(ignore, alerts)
            seen += scan.alerts
            if scan.line is None:
                break
            lines.append(scan.line)
    return lines, seen


STREAM = b"!08\r\n|046.8\r\n$%NA\r\n&+#100.0\r\npartial"


@pytest.mark.parametrize("split", ["whole", "bytes"])
def test_LineScanner_alert_aware(split: str) -> None:
    chunks = [STREAM] if split == "whole" else [bytes([b]) for b in STREAM]
    lines, alerts = _lines(chunks, p.IGN_AA, p.ALERT_CHARS)
    assert lines == ["08", "046.8", "NA", "100.0"]
    assert alerts == "!$%+#"


def test_LineScanner_plain_reads_drop_alerts() -> None:
    lines, alerts = _lines([STREAM], p.IGN_PLAIN)
    assert (lines, alerts) == (["08", "046.8", "NA", "100.0"], "")


def test_LineScanner_command_set_keeps_everything_but_cr() -> None:
    lines, _ = _lines([b"3.!$%+?=#|.\x01ABC\r\n"], p.IGN_CS)
    assert lines == ["3.!$%+?=#|.\x01ABC"]


def test_LineScanner_keeps_the_rest_for_the_next_read() -> None:
    scanner = p.LineScanner()
    scanner.feed(b"SM\r\nNA")
    assert scanner.take(p.IGN_PLAIN).line == "SM"
    assert scanner.take(p.IGN_PLAIN).line is None
    assert scanner.pending
    scanner.feed(b"\r\n")
    assert scanner.take(p.IGN_PLAIN).line == "NA"
    assert not scanner.pending


def test_LineScanner_asterisk_is_ok_only_for_shutdowns() -> None:
    scanner = p.LineScanner()
    scanner.feed(b"*")
    assert scanner.take(p.IGN_PLAIN, asterisk=True) == p.Scan(line="OK", asterisk=True)
    scanner.feed(b"*OK\r\n")
    assert scanner.take(p.IGN_PLAIN).line == "OK"


def test_LineScanner_overflow() -> None:
    scanner = p.LineScanner(limit=8)
    scanner.feed(b"123456789\r\n")
    assert scanner.take(p.IGN_PLAIN).overflow


# -- the simulator's view of the DDL dumps ------------------------------------------------

APCSMART_DUMPS = [
    "Smart-UPS_3000_RM__apcsmart__2.6.5",
    "Smart-UPS_RT_3000_XL__apcsmart__2.7.1",
    "Smart-UPS_RT_2000_XL__apcsmart__2.6.4",
]


@pytest.mark.parametrize("name", APCSMART_DUMPS)
def test_dump_values_survive_the_round_trip(name: str) -> None:
    """Raw replies made from a dump convert back to exactly the dump's values."""
    dump = read_dump(ddl("APC", name))
    raws = raw_values(dump)
    checked = 0
    for vt in p.VARTAB:
        if vt.cmd in raws and vt.name in dump and not vt.flags & p.VarFlag.MULTI:
            assert p.convert(vt.fmt, raws[vt.cmd]) == dump[vt.name], vt.name
            checked += 1
    assert checked >= 5
    assert p.status_words(status_byte(dump["ups.status"])) == dump["ups.status"].split()


def test_raw_of_units() -> None:
    table = {vt.name: vt for vt in p.VARTAB}
    assert raw_of(table["battery.runtime"], "19740") == "0329:"
    assert raw_of(table["battery.runtime.low"], "600") == "10"
    assert raw_of(table["ups.test.interval"], "1209600") == "336"
    assert raw_of(table["input.transfer.reason"], "no transfers yet since turnon") == "O"
