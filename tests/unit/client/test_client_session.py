"""ClientSession: request bytes out, reply bytes in, values or errors back."""

from __future__ import annotations

import pytest

from powerdown.client import calls
from powerdown.client.errors import (
    ReplyMismatch,
    ReplyParseError,
    ServerDisconnected,
    strerror,
)
from powerdown.client.session import (
    NEED_DATA,
    Answer,
    ClientSession,
    Line,
    ListAnswer,
    build_cmd,
    parse_err,
)
from powerdown.protocol.errors import (
    ErrToken,
    LocalProtocolError,
    NutError,
    RemoteProtocolError,
)


def feed(session: ClientSession, data: bytes, *, bytewise: bool = False) -> list[object]:
    """Feed ``data`` (whole or one byte at a time); every event that completes."""
    events: list[object] = []
    chunks = [data[i : i + 1] for i in range(len(data))] if bytewise else [data]
    for chunk in chunks:
        session.receive_data(chunk)
        while (event := session.next_event()) is not NEED_DATA:
            events.append(event)
    return events


@pytest.mark.parametrize("bytewise", [False, True])
def test_ClientSession_get_var_answer(bytewise: bool) -> None:
    s = ClientSession()
    assert s.send_get("VAR", "ups", "ups.status") == b"GET VAR ups ups.status\n"
    (event,) = feed(s, b'VAR ups ups.status "OL CHRG"\n', bytewise=bytewise)
    assert isinstance(event, Answer)
    assert event.args == ("VAR", "ups", "ups.status", "OL CHRG")
    assert event.value == "OL CHRG"
    assert s.pending == 0


def test_ClientSession_echo_is_compared_case_insensitively() -> None:
    s = ClientSession()
    s.send_get("VAR", "UPS", "ups.status")
    (event,) = feed(s, b'var ups UPS.STATUS "OL"\n')
    assert isinstance(event, Answer) and event.value == "OL"


def test_ClientSession_mismatched_echo_raises() -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "ups.status")
    with pytest.raises(ReplyMismatch) as info:
        feed(s, b'VAR other ups.status "OL"\n')
    assert strerror(info.value) == "Protocol error"
    assert s.pending == 0


def test_ClientSession_short_answer_is_a_mismatch() -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "ups.status")
    with pytest.raises(ReplyMismatch):
        feed(s, b"VAR ups\n")


@pytest.mark.parametrize(
    ("line", "token", "extra", "text"),
    [
        (b"ERR UNKNOWN-UPS\n", ErrToken.UNKNOWN_UPS, "", "Unknown UPS"),
        (
            b"ERR VAR-NOT-SUPPORTED\n",
            ErrToken.VAR_NOT_SUPPORTED,
            "",
            "Variable not supported by UPS",
        ),
        (b"ERR ACCESS-DENIED\n", ErrToken.ACCESS_DENIED, "", "Access denied"),
        (b"ERR DATA-STALE\n", ErrToken.DATA_STALE, "", "Data stale"),
        (b"ERR DRIVER-NOT-CONNECTED\n", ErrToken.DRIVER_NOT_CONNECTED, "", "Driver not connected"),
        (b"ERR UNKNOWN-COMMAND\n", ErrToken.UNKNOWN_COMMAND, "", "Unknown command"),
        # libupsclient does not know these tokens
        (b"ERR FEATURE-NOT-CONFIGURED\n", ErrToken.FEATURE_NOT_CONFIGURED, "", "Unknown error"),
        (b"ERR INVALID-ARGUMENT\n", ErrToken.INVALID_ARGUMENT, "", "Unknown error"),
        (b"ERR SOMETHING-NEW with words\n", "SOMETHING-NEW", "with words", "Unknown error"),
    ],
)
def test_ClientSession_err_reply_raises_NutError(
    line: bytes, token: str, extra: str, text: str
) -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "x.y")
    with pytest.raises(NutError) as info:
        feed(s, line)
    assert info.value.token == token
    assert info.value.extra == extra
    assert info.value.line == line.decode().rstrip("\n")
    assert strerror(info.value) == text


def test_ClientSession_list_framing() -> None:
    s = ClientSession()
    assert s.send_list("VAR", "ups") == b"LIST VAR ups\n"
    data = (
        b"BEGIN LIST VAR ups\n"
        b'VAR ups battery.charge "100"\n'
        b'VAR ups ups.status "OL"\n'
        b"END LIST VAR ups\n"
    )
    for bytewise in (False, True):
        if bytewise:
            s.send_list("VAR", "ups")
        (event,) = feed(s, data, bytewise=bytewise)
        assert isinstance(event, ListAnswer)
        assert event.rows == (
            ("VAR", "ups", "battery.charge", "100"),
            ("VAR", "ups", "ups.status", "OL"),
        )


def test_ClientSession_empty_list() -> None:
    s = ClientSession()
    s.send_list("CMD", "ups")
    (event,) = feed(s, b"BEGIN LIST CMD ups\nEND LIST CMD ups\n")
    assert isinstance(event, ListAnswer) and event.rows == ()


def test_ClientSession_list_must_begin_with_its_query() -> None:
    s = ClientSession()
    s.send_list("VAR", "ups")
    with pytest.raises(ReplyMismatch):
        feed(s, b"BEGIN LIST VAR other\n")


def test_ClientSession_list_needs_BEGIN_LIST() -> None:
    s = ClientSession()
    s.send_list("VAR", "ups")
    with pytest.raises(ReplyMismatch):
        feed(s, b'VAR ups x "1"\n')


def test_ClientSession_list_row_must_echo_query() -> None:
    s = ClientSession()
    s.send_list("VAR", "ups")
    with pytest.raises(ReplyMismatch):
        feed(s, b'BEGIN LIST VAR ups\nRW ups x "1"\n')
    assert s.pending == 0


def test_ClientSession_error_instead_of_list() -> None:
    s = ClientSession()
    s.send_list("VAR", "nope")
    with pytest.raises(NutError) as info:
        feed(s, b"ERR UNKNOWN-UPS\n")
    assert info.value.token == ErrToken.UNKNOWN_UPS


def test_ClientSession_pipelined_replies_come_in_order() -> None:
    s = ClientSession()
    out = s.send_get("VAR", "a", "x.y") + s.send_list("UPS") + s.send_command("VER")
    assert out == b"GET VAR a x.y\nLIST UPS\nVER\n"
    events = feed(
        s,
        b'VAR a x.y "1"\nBEGIN LIST UPS\nUPS a "desc"\nEND LIST UPS\n'
        b"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\n",
    )
    assert [type(e) for e in events] == [Answer, ListAnswer, Line]
    assert isinstance(events[2], Line)
    assert events[2].line.startswith("Network UPS Tools upsd")


def test_ClientSession_command_replies() -> None:
    s = ClientSession()
    s.send_command("USERNAME", "admin")
    (ok,) = feed(s, b"OK\n")
    assert ok == Line(line="OK") and ok.ok
    s.send_command("PASSWORD", "x")
    with pytest.raises(NutError):
        feed(s, b"ERR ALREADY-SET-PASSWORD\n")
    s.send_command("INSTCMD", "ups", "load.off", raw=True)
    (raw,) = feed(s, b"ERR ACCESS-DENIED\n")
    assert raw == Line(line="ERR ACCESS-DENIED") and not raw.ok


def test_ClientSession_eof_with_pending_reply() -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "x.y")
    s.receive_data(b'VAR ups x.y "par')
    assert s.next_event() is NEED_DATA
    s.receive_data(b"")
    with pytest.raises(ServerDisconnected) as info:
        s.next_event()
    assert strerror(info.value) == "Server disconnected"


def test_ClientSession_eof_when_idle_is_quiet() -> None:
    s = ClientSession()
    s.receive_data(b"")
    assert s.next_event() is NEED_DATA


def test_ClientSession_unsolicited_reply() -> None:
    s = ClientSession()
    with pytest.raises(RemoteProtocolError):
        feed(s, b"OK\n")


def test_ClientSession_unparsable_reply() -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "x.y")
    with pytest.raises(ReplyParseError) as info:
        feed(s, b'VAR ups x.y "a # b"\n')
    assert strerror(info.value) == "Parse error: Unbalanced word due to unescaped # in quotes"


def test_ClientSession_escaped_values() -> None:
    s = ClientSession()
    s.send_get("VAR", "ups", "x.y")
    (event,) = feed(s, b'VAR ups x.y "say \\"hi\\" \\\\ \\# now"\r\n')
    assert isinstance(event, Answer) and event.value == 'say "hi" \\ # now'


def test_ClientSession_overlong_line() -> None:
    s = ClientSession(max_line=64)
    s.send_get("VAR", "ups", "x.y")
    with pytest.raises(RemoteProtocolError):
        s.receive_data(b"x" * 100)


@pytest.mark.parametrize(
    ("args", "wire"),
    [
        (("VAR", "ups", "x.y"), b"GET VAR ups x.y\n"),
        (("VAR", "my ups", "x.y"), b'GET VAR "my ups" x.y\n'),
        (("VAR", 'a"b', "x.y"), b'GET VAR a\\"b x.y\n'),
        (("VAR", "a b\\c", "x"), b'GET VAR "a b\\\\c" x\n'),
        (("VAR", "ups", ""), b"GET VAR ups \n"),  # libupsclient leaves an empty word empty
    ],
)
def test_build_cmd_quotes_like_libupsclient(args: tuple[str, ...], wire: bytes) -> None:
    assert build_cmd("GET", *args) == wire


def test_build_cmd_refuses_line_breaks() -> None:
    with pytest.raises(LocalProtocolError):
        build_cmd("GET", "VAR", "ups\nLOGOUT")
    with pytest.raises(LocalProtocolError):
        ClientSession().send_line("USERNAME a\nb")


def test_parse_err() -> None:
    err = parse_err("ERR ACCESS-DENIED")
    assert err.token == ErrToken.ACCESS_DENIED and err.extra == ""


# -- calls: request + reading of the reply ---------------------------------------------


def run_call(call: calls.Call[object], reply: bytes) -> object:
    s = ClientSession()
    sent = call.send(s)
    assert sent.endswith(b"\n")
    (event,) = feed(s, reply)
    return call.convert(event)  # type: ignore[arg-type]


def test_calls_readers() -> None:
    assert run_call(calls.get_var("u", "x.y"), b'VAR u x.y "5"\n') == "5"
    assert run_call(calls.get_type("u", "x.y"), b"TYPE u x.y RW STRING:32\n") == (
        "RW",
        "STRING:32",
    )
    assert run_call(calls.get_numlogins("u"), b"NUMLOGINS u 2\n") == 2
    assert run_call(calls.get_upsdesc("u"), b'UPSDESC u "Rack 1"\n') == "Rack 1"
    assert run_call(calls.list_ups(), b'BEGIN LIST UPS\nUPS u "d"\nEND LIST UPS\n') == {"u": "d"}
    assert run_call(
        calls.list_range("u", "x.y"),
        b'BEGIN LIST RANGE u x.y\nRANGE u x.y "1" "10"\nEND LIST RANGE u x.y\n',
    ) == [("1", "10")]
    assert run_call(
        calls.list_enum("u", "x.y"),
        b'BEGIN LIST ENUM u x.y\nENUM u x.y "a"\nENUM u x.y "b"\nEND LIST ENUM u x.y\n',
    ) == ["a", "b"]
    assert run_call(calls.instcmd("u", "load.off"), b"OK\n") is None
    tid = "2DDC5036-F665-4D29-BE4C-0374D091D263"
    assert run_call(calls.set_var("u", "x.y", "1"), f"OK TRACKING {tid}\n".encode()) == tid
    assert run_call(calls.get_tracking(tid), b"PENDING\n") == "PENDING"


def test_calls_set_var_always_quotes() -> None:
    s = ClientSession()
    assert calls.set_var("u", "x.y", "").send(s) == b'SET VAR u x.y ""\n'
    assert calls.set_var("u", "x.y", 'a "b"').send(s) == b'SET VAR u x.y "a \\"b\\""\n'


def test_calls_short_row_is_a_mismatch() -> None:
    with pytest.raises(ReplyMismatch):
        run_call(calls.list_var("u"), b"BEGIN LIST VAR u\nVAR u x.y\nEND LIST VAR u\n")


def test_calls_commands_must_answer_OK() -> None:
    with pytest.raises(ReplyMismatch):
        run_call(calls.username("a"), b"HUH\n")
