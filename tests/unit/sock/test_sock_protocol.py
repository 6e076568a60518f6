"""The driver socket protocol: words <-> messages <-> lines, both directions."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powerdown.protocol import sock
from powerdown.protocol.errors import LocalProtocolError, RemoteProtocolError
from powerdown.protocol.words import WORDLEN_LIMIT, Tokenizer, split_line
from powerdown.state.tree import DeviceState, Flag


def tokenize(data: bytes) -> list[tuple[str, ...]]:
    tok = Tokenizer()
    return [w.args for w in tok.feed(data) + tok.close()]


def wire(msg: sock.Message) -> tuple[str, ...]:
    """What the peer's tokenizer makes of the line we render."""
    (args,) = tokenize(sock.render(msg).encode("ascii") + b"\n")
    return args


def snapshot(state: DeviceState) -> tuple[object, ...]:
    return (
        tuple((v.name, v.value, v.flags, v.aux, tuple(v.enums), tuple(v.ranges)) for v in state),
        tuple(state.cmds()),
    )


# (line as NUT's senders write it, message)
DRIVER_CASES = [
    ('SETINFO ups.status "OB LB"', sock.SetInfo(name="ups.status", value="OB LB")),
    ('SETINFO ups.id ""', sock.SetInfo(name="ups.id", value="")),
    ("DELINFO ups.temperature", sock.DelInfo(name="ups.temperature")),
    ('ADDENUM input.transfer.low "95"', sock.AddEnum(name="input.transfer.low", value="95")),
    ('DELENUM input.transfer.low "98"', sock.DelEnum(name="input.transfer.low", value="98")),
    (
        "ADDRANGE input.transfer.low 95 100",
        sock.AddRange(name="input.transfer.low", low=95, high=100),
    ),
    (
        "DELRANGE input.transfer.low -5 100",
        sock.DelRange(name="input.transfer.low", low=-5, high=100),
    ),
    ("SETAUX ups.id 8", sock.SetAux(name="ups.id", aux=8)),
    ("SETFLAGS ups.id RW STRING", sock.SetFlags(name="ups.id", flags=("RW", "STRING"))),
    ("SETFLAGS ups.delay.start NUMBER", sock.SetFlags(name="ups.delay.start", flags=("NUMBER",))),
    ("ADDCMD load.off", sock.AddCmd(name="load.off")),
    ("DELCMD load.on", sock.DelCmd(name="load.on")),
    ("DUMPDONE", sock.DumpDone()),
    ("PONG", sock.Pong()),
    ("DATAOK", sock.DataOK()),
    ("DATASTALE", sock.DataStale()),
    (
        "TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2 0",
        sock.Tracking(id="1bd31808-cb49-4aec-9d75-d056e6f018d2", status=0),
    ),
    ("TRACKING abc -1", sock.Tracking(id="abc", status=-1)),
    ("PID 12345", sock.Pid(pid="12345")),
    ('PID "StrangeOS process identifier"', sock.Pid(pid="StrangeOS process identifier")),
    ("OK Goodbye", sock.Goodbye()),
]

SERVER_CASES = [
    ("PING", sock.Ping()),
    ("DUMPALL", sock.DumpAll()),
    ("DUMPVALUE driver.version", sock.DumpValue(name="driver.version")),
    ("DUMPSTATUS", sock.DumpStatus()),
    ("INSTCMD panel.test.start", sock.InstCmd(name="panel.test.start")),
    ("INSTCMD load.off 10", sock.InstCmd(name="load.off", param="10")),
    (
        "INSTCMD load.on 10 TRACKING 1bd31808-cb49-4aec-9d75-d056e6f018d2",
        sock.InstCmd(name="load.on", param="10", tracking="1bd31808-cb49-4aec-9d75-d056e6f018d2"),
    ),
    ("INSTCMD beeper.off TRACKING x1", sock.InstCmd(name="beeper.off", tracking="x1")),
    ('INSTCMD test.x "two words"', sock.InstCmd(name="test.x", param="two words")),
    ('SET ups.id "Data room"', sock.Set(name="ups.id", value="Data room")),
    (
        'SET ups.id "Data room" TRACKING 2dedb58a-3b91-4fab-831f-c8af4b90760a',
        sock.Set(name="ups.id", value="Data room", tracking="2dedb58a-3b91-4fab-831f-c8af4b90760a"),
    ),
    ("GETPID", sock.GetPid()),
    ("NOBROADCAST", sock.NoBroadcast()),
    ("BROADCAST", sock.Broadcast()),
    ("BROADCAST 0", sock.Broadcast(n=0)),
    ("BROADCAST -1", sock.Broadcast(n=-1)),
    ("LOGOUT", sock.Logout()),
]


@pytest.mark.parametrize(("line", "msg"), DRIVER_CASES)
def test_driver_message_parse_and_render(line: str, msg: sock.DriverMessage) -> None:
    assert sock.parse_driver_message(tuple(split_line(line))) == msg
    assert sock.render(msg) == line


@pytest.mark.parametrize(("line", "msg"), SERVER_CASES)
def test_server_message_parse_and_render(line: str, msg: sock.ServerMessage) -> None:
    assert sock.parse_server_message(tuple(split_line(line))) == msg
    assert sock.render(msg) == line


def test_every_message_type_has_a_case() -> None:
    covered = {type(m) for _, m in DRIVER_CASES + SERVER_CASES}
    public = {getattr(sock, n) for n in sock.__all__}
    classes = {c for c in public if dataclasses.is_dataclass(c)}
    assert covered == classes


def test_directions_do_not_mix() -> None:
    """A driver does not send PING, and upsd does not send SETINFO."""
    with pytest.raises(RemoteProtocolError):
        sock.parse_driver_message(("PING",))
    with pytest.raises(RemoteProtocolError):
        sock.parse_server_message(("SETINFO", "ups.status", "OL"))


def test_keywords_are_case_insensitive_like_strcasecmp() -> None:
    assert sock.parse_driver_message(("setinfo", "x", "1")) == sock.SetInfo(name="x", value="1")
    assert sock.parse_driver_message(("DumpDone",)) == sock.DumpDone()
    assert sock.parse_driver_message(("ok", "goodbye")) == sock.Goodbye()
    assert sock.parse_server_message(("instcmd", "a", "tracking", "i")) == sock.InstCmd(
        name="a", tracking="i"
    )


def test_driver_extra_words_are_ignored_as_upsd_ignores_them() -> None:
    """An unquoted multi-word value: upsd keeps the first word."""
    args = tuple(split_line("SETINFO ups.model Smart UPS 1500"))
    assert sock.parse_driver_message(args) == sock.SetInfo(name="ups.model", value="Smart")
    assert sock.parse_driver_message(("DUMPDONE", "now")) == sock.DumpDone()


MALFORMED_DRIVER = [
    (),
    ("",),
    ("HELLO",),
    ("SETINFO",),
    ("SETINFO", "ups.status"),
    ("SETINFO", "two words", "x"),
    ("SETINFO", "", "x"),
    ("DELINFO",),
    ("ADDENUM", "x"),
    ("DELENUM", "x"),
    ("ADDRANGE", "x", "1"),
    ("ADDRANGE", "x", "1", "ten"),
    ("ADDRANGE", "x", "1.5", "2"),
    ("DELRANGE", "x", "a", "2"),
    ("SETAUX", "x"),
    ("SETAUX", "x", "abc"),
    ("SETAUX", "x", ""),
    ("SETFLAGS", "x"),
    ("SETFLAGS", "x", ""),
    ("ADDCMD",),
    ("DELCMD",),
    ("TRACKING", "id"),
    ("TRACKING", "id", "PENDING"),
    ("TRACKING", "id", "1_0"),
    ("PID",),
    ("OK",),
    ("OK", "Sure"),
]


@pytest.mark.parametrize("args", MALFORMED_DRIVER)
def test_malformed_driver_lines_raise_RemoteProtocolError(args: tuple[str, ...]) -> None:
    with pytest.raises(RemoteProtocolError):
        sock.parse_driver_message(args)


MALFORMED_SERVER = [
    (),
    ("PONG",),
    ("PING", "now"),
    ("DUMPALL", "please"),
    ("DUMPVALUE",),
    ("DUMPVALUE", "a", "b"),
    ("INSTCMD",),
    ("INSTCMD", "a", "b", "c"),
    ("INSTCMD", "a", "b", "c", "d"),
    ("INSTCMD", "a", "b", "TRACKING", "d", "e"),
    ("SET", "x"),
    ("SET", "x", "1", "TRACKING"),
    ("SET", "x", "1", "NOTRACK", "id"),
    ("SET", "x", "1", "TRACKING", ""),
    ("BROADCAST", "yes"),
    ("BROADCAST", "1", "2"),
    ("LOGOUT", "now"),
]


@pytest.mark.parametrize("args", MALFORMED_SERVER)
def test_malformed_server_lines_raise_RemoteProtocolError(args: tuple[str, ...]) -> None:
    with pytest.raises(RemoteProtocolError):
        sock.parse_server_message(args)


ODD_VALUES = [
    "",
    " ",
    "two words",
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "# not a comment",
    "a#b",
    "x=y",
    "=",
    '"',
    '\\"',
    "'single'",
    "tab\tinside",
    "x" * WORDLEN_LIMIT,
    ('"\\#' * 200)[:WORDLEN_LIMIT],
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_survive_the_trip(value: str) -> None:
    """Values reach the other end as sent, minus what NUT never carries (tabs)."""
    expected = value.replace("\t", "")
    for msg, back in [
        (sock.SetInfo(name="ups.id", value=value), sock.SetInfo(name="ups.id", value=expected)),
        (sock.AddEnum(name="x.y", value=value), sock.AddEnum(name="x.y", value=expected)),
        (sock.DelEnum(name="x.y", value=value), sock.DelEnum(name="x.y", value=expected)),
        (sock.Pid(pid=value), sock.Pid(pid=expected)),
    ]:
        assert sock.parse_driver_message(wire(msg)) == back
    for smsg, sback in [
        (
            sock.Set(name="ups.id", value=value, tracking="t-1"),
            sock.Set(name="ups.id", value=expected, tracking="t-1"),
        ),
        (
            sock.InstCmd(name="load.off", param=value, tracking="t-2"),
            sock.InstCmd(name="load.off", param=expected, tracking="t-2"),
        ),
    ]:
        assert sock.parse_server_message(wire(smsg)) == sback


def test_value_escaping_matches_pconf_encode() -> None:
    line = sock.render(sock.SetInfo(name="ups.id", value='a "b" \\c #d'))
    assert line == 'SETINFO ups.id "a \\"b\\" \\\\c \\#d"'


def test_values_longer_than_NUTs_word_limit_are_cut_by_the_receiver() -> None:
    msg = sock.SetInfo(name="ups.id", value="v" * (WORDLEN_LIMIT + 100))
    assert sock.parse_driver_message(wire(msg)) == sock.SetInfo(
        name="ups.id", value="v" * WORDLEN_LIMIT
    )


def test_control_characters_never_break_the_line() -> None:
    """A newline in a value must not let a value inject a second command."""
    msg = sock.SetInfo(name="ups.id", value="x\nDELINFO ups.status\r")
    line = sock.render(msg)
    assert "\n" not in line and "\r" not in line
    assert len(tokenize(line.encode() + b"\n")) == 1


def test_names_with_parser_characters_are_quoted_on_the_wire() -> None:
    for name in ['a"b', "a\\b", "a#b", "a=b"]:
        msg = sock.SetInfo(name=name, value="1")
        assert sock.parse_driver_message(wire(msg)) == msg


def test_messages_are_frozen_keyword_only_values() -> None:
    msg = sock.SetInfo(name="ups.status", value="OL")
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.value = "OB"  # type: ignore[misc]
    with pytest.raises(TypeError):
        sock.SetInfo("ups.status", "OL")  # type: ignore[misc]
    assert not hasattr(msg, "__dict__")
    assert hash(msg) == hash(sock.SetInfo(name="ups.status", value="OL"))


@pytest.mark.parametrize(
    "make",
    [
        lambda: sock.SetInfo(name="", value="x"),
        lambda: sock.SetInfo(name="two words", value="x"),
        lambda: sock.SetInfo(name="x\n", value="x"),
        lambda: sock.SetInfo(name="x", value=3),
        lambda: sock.AddRange(name="x", low="1", high=2),
        lambda: sock.AddRange(name="x", low=True, high=2),
        lambda: sock.SetFlags(name="x", flags=()),
        lambda: sock.SetFlags(name="x", flags="RW"),
        lambda: sock.SetFlags(name="x", flags=("RW", "")),
        lambda: sock.Tracking(id="a b", status=0),
        lambda: sock.InstCmd(name="x", tracking=""),
        lambda: sock.Set(name="x", value="1", tracking="has space"),
        lambda: sock.Broadcast(n="1"),
    ],
)
def test_invalid_messages_are_refused_on_construction(make: object) -> None:
    with pytest.raises(LocalProtocolError):
        make()  # type: ignore[operator]


def test_setflags_takes_any_sequence_and_stores_a_tuple() -> None:
    msg = sock.SetFlags(name="ups.id", flags=["RW", "STRING"])  # type: ignore[arg-type]
    assert msg.flags == ("RW", "STRING")


def test_render_refuses_what_is_not_a_message() -> None:
    with pytest.raises(LocalProtocolError):
        sock.render("SETINFO x y")  # type: ignore[arg-type]


# -- apply --------------------------------------------------------------------


def test_apply_builds_the_tree_and_reports_changes() -> None:
    state = DeviceState()
    steps: list[tuple[sock.DriverMessage, bool]] = [
        (sock.SetInfo(name="ups.status", value="OL"), True),
        (sock.SetInfo(name="ups.status", value="OL"), False),
        (sock.SetInfo(name="ups.status", value="OB LB"), True),
        (sock.SetInfo(name="input.transfer.low", value="95"), True),
        (sock.AddEnum(name="input.transfer.low", value="95"), True),
        (sock.AddEnum(name="input.transfer.low", value="98"), True),
        (sock.AddEnum(name="input.transfer.low", value="98"), False),
        (sock.DelEnum(name="input.transfer.low", value="95"), True),
        (sock.AddRange(name="input.transfer.low", low=90, high=100), True),
        (sock.AddRange(name="input.transfer.low", low=90, high=100), False),
        (sock.AddRange(name="nonexistent", low=1, high=2), False),
        (sock.SetAux(name="input.transfer.low", aux=3), True),
        (sock.SetFlags(name="input.transfer.low", flags=("RW", "NUMBER", "FANCY")), True),
        (sock.SetFlags(name="input.transfer.low", flags=("NUMBER", "RW")), False),
        (sock.AddCmd(name="load.off"), True),
        (sock.AddCmd(name="load.on"), True),
        (sock.DelCmd(name="load.on"), True),
        (sock.DelCmd(name="load.on"), False),
        (sock.SetInfo(name="ups.temperature", value="30"), True),
        (sock.DelInfo(name="ups.temperature"), True),
        (sock.DelInfo(name="ups.temperature"), False),
        (sock.DumpDone(), False),
        (sock.DataOK(), False),
        (sock.DataStale(), False),
        (sock.Pong(), False),
        (sock.Tracking(id="x", status=0), False),
        (sock.Pid(pid="1"), False),
        (sock.Goodbye(), False),
    ]
    for msg, changed in steps:
        assert sock.apply(state, msg) is changed, msg
    var = state.get("input.transfer.low")
    assert var is not None
    assert (var.value, var.enums, var.ranges, var.aux) == ("95", ["98"], [(90, 100)], 3)
    assert var.flags == Flag.RW | Flag.NUMBER
    assert state.value("ups.status") == "OB LB"
    assert "ups.temperature" not in state
    assert state.cmds() == ["load.off"]
    sock.apply(state, sock.DelRange(name="input.transfer.low", low=90, high=100))
    assert var.ranges == []


# -- a whole dump -------------------------------------------------------------


def big_dump(n: int) -> bytes:
    """A DUMPALL answer shaped as dstate.c sends it, with n variables."""
    lines = ["DATASTALE"]
    for i in range(n):
        name = f"test.var{i:04d}"
        value = f'value {i} with "quotes", \\ and # {"z" * (i % 300)}'
        lines.append(sock.render(sock.SetInfo(name=name, value=value)))
        if i % 7 == 0:
            lines.append(sock.render(sock.AddEnum(name=name, value=f"e{i}")))
            lines.append(sock.render(sock.AddEnum(name=name, value="")))
        if i % 11 == 0:
            lines.append(sock.render(sock.AddRange(name=name, low=-i, high=i)))
        if i % 5 == 0:
            lines.append(sock.render(sock.SetAux(name=name, aux=i)))
            lines.append(sock.render(sock.SetFlags(name=name, flags=("RW", "STRING"))))
    lines += [sock.render(sock.AddCmd(name=f"test.cmd{i}")) for i in range(50)]
    lines += ["DATAOK", "DUMPDONE"]
    return ("\n".join(lines) + "\n").encode("ascii")


def replay(chunks: list[bytes]) -> tuple[DeviceState, list[sock.DriverMessage]]:
    tok = Tokenizer()
    state = DeviceState()
    msgs: list[sock.DriverMessage] = []
    for chunk in chunks:
        for words in tok.feed(chunk):
            assert words.error is None
            msg = sock.parse_driver_message(words.args)
            sock.apply(state, msg)
            msgs.append(msg)
    assert tok.close() == []
    return state, msgs


def test_a_1000_variable_dump_parses_the_same_whole_or_byte_by_byte() -> None:
    data = big_dump(1000)
    whole, whole_msgs = replay([data])
    single, single_msgs = replay([data[i : i + 1] for i in range(len(data))])
    uneven, _ = replay([data[i : i + 97] for i in range(0, len(data), 97)])
    assert len(whole) == 1000
    assert len(whole.cmds()) == 50
    assert whole_msgs == single_msgs
    assert snapshot(whole) == snapshot(single) == snapshot(uneven)
    assert whole_msgs[-1] == sock.DumpDone()
    var = whole.get("test.var0385")  # 385 = 5 * 7 * 11: it has everything
    assert var is not None
    assert var.value == 'value 385 with "quotes", \\ and # ' + "z" * 85
    assert var.enums == ["e385", ""]
    assert var.ranges == [(-385, 385)]
    assert var.aux == 385 and var.flags == Flag.RW | Flag.STRING


# -- properties ---------------------------------------------------------------

words = st.text(st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=12)
keywords = st.sampled_from(
    sorted({line.split()[0] for line, _ in DRIVER_CASES + SERVER_CASES} | {"ok", "setinfo"})
)
arg_tuples = st.one_of(
    st.lists(words, max_size=7).map(tuple),
    st.tuples(keywords, st.lists(words, max_size=6)).map(lambda t: (t[0], *t[1])),
)


@given(arg_tuples)
@settings(max_examples=1000)
def test_parsers_raise_only_RemoteProtocolError(args: tuple[str, ...]) -> None:
    for parse in (sock.parse_driver_message, sock.parse_server_message):
        try:
            msg = parse(args)
        except RemoteProtocolError:
            continue
        if all(" " <= c <= "\x7f" for a in args for c in a):
            # What can come off the wire renders to a line that parses back the same.
            assert parse(wire(msg)) == msg
        else:
            sock.render(msg)  # and anything else still renders


@given(st.binary(max_size=200))
@settings(max_examples=500)
def test_any_bytes_through_the_tokenizer_parse_or_raise_RemoteProtocolError(data: bytes) -> None:
    for args in tokenize(data):
        for parse in (sock.parse_driver_message, sock.parse_server_message):
            try:
                parse(args)
            except RemoteProtocolError:
                pass


names = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7F), max_size=60)
ints = st.integers(min_value=-(2**31), max_value=2**31 - 1)
driver_messages = st.one_of(
    st.builds(sock.SetInfo, name=names, value=values),
    st.builds(sock.DelInfo, name=names),
    st.builds(sock.AddEnum, name=names, value=values),
    st.builds(sock.DelEnum, name=names, value=values),
    st.builds(sock.AddRange, name=names, low=ints, high=ints),
    st.builds(sock.DelRange, name=names, low=ints, high=ints),
    st.builds(sock.SetAux, name=names, aux=ints),
    st.builds(sock.SetFlags, name=names, flags=st.lists(names, min_size=1, max_size=5).map(tuple)),
    st.builds(sock.AddCmd, name=names),
    st.builds(sock.DelCmd, name=names),
    st.builds(sock.Tracking, id=names, status=ints),
    st.builds(sock.Pid, pid=values),
)
server_messages = st.one_of(
    st.builds(sock.DumpValue, name=names),
    st.builds(
        sock.InstCmd,
        name=names,
        param=st.none() | values,
        tracking=st.none() | names,
    ),
    st.builds(sock.Set, name=names, value=values, tracking=st.none() | names),
    st.builds(sock.Broadcast, n=st.none() | ints),
)


@given(driver_messages)
@settings(max_examples=1000)
def test_driver_messages_round_trip(msg: sock.DriverMessage) -> None:
    assert sock.parse_driver_message(wire(msg)) == msg


@given(server_messages)
@settings(max_examples=1000)
def test_server_messages_round_trip(msg: sock.ServerMessage) -> None:
    assert sock.parse_server_message(wire(msg)) == msg
