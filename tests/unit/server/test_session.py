"""upsd's per-client session: words in, NUT's replies out, no sockets.

The expected replies were read off Debian's NUT 2.8.0 upsd (the interop
tests check the same requests against it over real sockets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

import pytest

from powerdown.config.users import parse as parse_users
from powerdown.protocol.errors import ErrToken
from powerdown.protocol.sock import render
from powerdown.protocol.words import Tokenizer
from powerdown.server.effects import Close, StartTLS, ToDriver
from powerdown.server.session import IDLE_TIMEOUT, ClientSession
from powerdown.server.state import ServerState, Ups
from powerdown.state.tree import DeviceState, Flag

USERS = """
[admin]
  password = secret
  actions = SET FSD
  instcmds = ALL
  upsmon primary
[mon]
  password = pw
  upsmon secondary
[setter]
  password = s
  actions = set
  instcmds = beeper.enable
"""


@dataclass
class Link:
    """The driver link as sessions see it (the real one is server.driverlink)."""

    device: DeviceState = field(default_factory=DeviceState)
    connected: bool = True
    stale: bool = False

    def availability(self, now: float) -> ErrToken | None:
        if not self.connected:
            return ErrToken.DRIVER_NOT_CONNECTED
        return ErrToken.DATA_STALE if self.stale else None


class Tracking:
    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def add(self, tracking_id: str, now: float) -> None:
        self.ids[tracking_id] = "PENDING"

    def reply(self, tracking_id: str) -> str:
        return self.ids.get(tracking_id, "ERR UNKNOWN")


def make_server() -> tuple[ServerState, Link]:
    ids = count(1)
    server = ServerState(
        users=parse_users(USERS, "upsd.users"),
        tracking=Tracking(),
        new_tracking_id=lambda: f"id-{next(ids)}",
        describe=lambda kind, name: (
            {"ups.status": "UPS status"}.get(name) if kind == "VAR" else None
        ),
    )
    link = Link()
    st = link.device
    st.set_info("ups.status", "OL")
    st.set_info("ups.mfr", 'Big "Q" Corp')
    st.set_info("ups.id", "rack")
    st.set_flags("ups.id", Flag.RW | Flag.STRING)
    st.set_aux("ups.id", 8)
    st.set_info("input.transfer.low", "100")
    st.set_flags("input.transfer.low", Flag.RW)
    st.add_enum("input.transfer.low", "100")
    st.add_enum("input.transfer.low", "103")
    st.set_info("battery.charge.low", "10")
    st.set_flags("battery.charge.low", Flag.RW)
    st.add_range("battery.charge.low", 5, 50)
    st.add_cmd("test.battery.start")
    st.add_cmd("beeper.enable")
    server.add_ups(Ups(name="su700", driver="dummy-ups", port="x.dev", desc="Dev box", link=link))
    other = Link()
    other.device.set_info("ups.status", "OB")
    server.add_ups(Ups(name="other", driver="dummy-ups", port="y.dev", desc=None, link=other))
    return server, link


def talk(session: ClientSession, text: str, now: float = 0.0) -> str:
    tok = Tokenizer(emit_empty=True)
    out = []
    for words in tok.feed(text.encode()):
        assert words.error is None
        out.append(session.handle(words.args, now))
    return "".join(out)


@pytest.fixture
def server() -> ServerState:
    return make_server()[0]


@pytest.fixture
def session(server: ServerState) -> ClientSession:
    return ClientSession(server, "127.0.0.1", 0.0)


TABLE = [
    ("\n", "ERR UNKNOWN-COMMAND\n"),
    ("FOO\n", "ERR UNKNOWN-COMMAND\n"),
    ("get var SU700 UPS.STATUS\n", 'VAR SU700 UPS.STATUS "OL"\n'),
    ("GET VAR su700 ups.status extra\n", 'VAR su700 ups.status "OL"\n'),
    ("GET VAR su700 ups.mfr\n", 'VAR su700 ups.mfr "Big \\"Q\\" Corp"\n'),
    ("GET VAR su700 nope\n", "ERR VAR-NOT-SUPPORTED\n"),
    ("GET VAR nope ups.status\n", "ERR UNKNOWN-UPS\n"),
    ("GET VAR nope server.version\n", 'VAR nope server.version "2.8.0"\n'),
    ("GET VAR su700 server.nope\n", "ERR VAR-NOT-SUPPORTED\n"),
    ("GET\n", "ERR INVALID-ARGUMENT\n"),
    ("GET VAR su700\n", "ERR INVALID-ARGUMENT\n"),
    ("GET FOO a b\n", "ERR INVALID-ARGUMENT\n"),
    ("GET TYPE su700 ups.status\n", "TYPE su700 ups.status NUMBER\n"),
    ("GET TYPE su700 ups.id\n", "TYPE su700 ups.id RW STRING:8\n"),
    ("GET TYPE su700 input.transfer.low\n", "TYPE su700 input.transfer.low RW ENUM NUMBER\n"),
    ("GET TYPE su700 battery.charge.low\n", "TYPE su700 battery.charge.low RW RANGE NUMBER\n"),
    ("GET DESC su700 ups.status\n", 'DESC su700 ups.status "UPS status"\n'),
    ("GET DESC su700 foo.bar\n", 'DESC su700 foo.bar "Description unavailable"\n'),
    ("GET CMDDESC su700 foo\n", 'CMDDESC su700 foo "Description unavailable"\n'),
    ("GET UPSDESC su700\n", 'UPSDESC su700 "Dev box"\n'),
    ("GET UPSDESC other\n", 'UPSDESC other "Unavailable"\n'),
    ("GET NUMLOGINS su700\n", "NUMLOGINS su700 0\n"),
    ("GET TRACKING\n", "OFF\n"),
    ("GET TRACKING abc\n", "ERR FEATURE-NOT-CONFIGURED\n"),
    (
        "LIST UPS\n",
        'BEGIN LIST UPS\nUPS other "Description unavailable"\nUPS su700 "Dev box"\nEND LIST UPS\n',
    ),
    (
        "LIST RW su700\n",
        "BEGIN LIST RW su700\n"
        'RW su700 battery.charge.low "10"\n'
        'RW su700 input.transfer.low "100"\n'
        'RW su700 ups.id "rack"\n'
        "END LIST RW su700\n",
    ),
    (
        "LIST CMD su700\n",
        "BEGIN LIST CMD su700\nCMD su700 beeper.enable\nCMD su700 test.battery.start\n"
        "END LIST CMD su700\n",
    ),
    (
        "LIST ENUM su700 input.transfer.low\n",
        "BEGIN LIST ENUM su700 input.transfer.low\n"
        'ENUM su700 input.transfer.low "100"\nENUM su700 input.transfer.low "103"\n'
        "END LIST ENUM su700 input.transfer.low\n",
    ),
    (
        "LIST RANGE su700 battery.charge.low\n",
        "BEGIN LIST RANGE su700 battery.charge.low\n"
        'RANGE su700 battery.charge.low "5" "50"\n'
        "END LIST RANGE su700 battery.charge.low\n",
    ),
    ("LIST ENUM su700 nope\n", "ERR VAR-NOT-SUPPORTED\n"),
    ("LIST ENUM su700\n", "ERR INVALID-ARGUMENT\n"),
    ("LIST FOO su700\n", "ERR INVALID-ARGUMENT\n"),
    ("LIST VAR nope\n", "ERR UNKNOWN-UPS\n"),
    ("LIST CLIENT su700\n", "BEGIN LIST CLIENT su700\nEND LIST CLIENT su700\n"),
    ("NETVER\nPROTVER\n", "1.3\n1.3\n"),
    (
        "HELP\n",
        "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS\n",
    ),
    ("VER x\n", "ERR INVALID-ARGUMENT\n"),
    ("STARTTLS\n", "ERR FEATURE-NOT-CONFIGURED\n"),
    ("LOGIN su700\n", "ERR USERNAME-REQUIRED\n"),
    ("USERNAME mon\nLOGIN su700\n", "OK\nERR PASSWORD-REQUIRED\n"),
    ("USERNAME a b\n", "ERR INVALID-ARGUMENT\n"),
    ("USERNAME a\nUSERNAME b\n", "OK\nERR ALREADY-SET-USERNAME\n"),
    ("PASSWORD a\nPASSWORD b\n", "OK\nERR ALREADY-SET-PASSWORD\n"),
    ("USERNAME mon\nPASSWORD bad\nLOGIN su700\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    ("USERNAME nobody\nPASSWORD pw\nLOGIN su700\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    ("USERNAME mon\nPASSWORD pw\nLOGIN nope\n", "OK\nOK\nERR UNKNOWN-UPS\n"),
    ("USERNAME mon\nPASSWORD pw\nPRIMARY su700\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    ("USERNAME mon\nPASSWORD pw\nFSD su700\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    ("USERNAME admin\nPASSWORD secret\nPRIMARY su700\n", "OK\nOK\nOK PRIMARY-GRANTED\n"),
    ("USERNAME admin\nPASSWORD secret\nMASTER su700\n", "OK\nOK\nOK MASTER-GRANTED\n"),
    ("USERNAME mon\nPASSWORD pw\nSET VAR su700 ups.id x\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    ("USERNAME admin\nPASSWORD secret\nSET VAR su700 ups.status x\n", "OK\nOK\nERR READONLY\n"),
    ("USERNAME admin\nPASSWORD secret\nSET VAR su700 nope x\n", "OK\nOK\nERR VAR-NOT-SUPPORTED\n"),
    (
        "USERNAME admin\nPASSWORD secret\nSET VAR su700 ups.id waytoolong\n",
        "OK\nOK\nERR TOO-LONG\n",
    ),
    (
        "USERNAME admin\nPASSWORD secret\nSET VAR su700 input.transfer.low 101\n",
        "OK\nOK\nERR INVALID-VALUE\n",
    ),
    (
        "USERNAME admin\nPASSWORD secret\nSET VAR su700 battery.charge.low 51\n",
        "OK\nOK\nERR INVALID-VALUE\n",
    ),
    ("USERNAME admin\nPASSWORD secret\nSET VAR su700 ups.id\n", "OK\nOK\nERR INVALID-ARGUMENT\n"),
    ("USERNAME admin\nPASSWORD secret\nSET TRACKING maybe\n", "OK\nOK\nERR INVALID-ARGUMENT\n"),
    ("USERNAME admin\nPASSWORD secret\nINSTCMD su700 foo\n", "OK\nOK\nERR CMD-NOT-SUPPORTED\n"),
    ("USERNAME mon\nPASSWORD pw\nINSTCMD su700 beeper.enable\n", "OK\nOK\nERR ACCESS-DENIED\n"),
    (
        "USERNAME setter\nPASSWORD s\nINSTCMD su700 test.battery.start\n",
        "OK\nOK\nERR ACCESS-DENIED\n",
    ),
    ("USERNAME admin\nPASSWORD secret\nINSTCMD su700\n", "OK\nOK\nERR INVALID-ARGUMENT\n"),
]


@pytest.mark.parametrize("request_text,reply", TABLE)
def test_ClientSession_replies_as_nut(
    session: ClientSession, request_text: str, reply: str
) -> None:
    assert talk(session, request_text) == reply


def test_ClientSession_login_counts_and_logout(server: ServerState) -> None:
    a = ClientSession(server, "10.0.0.1", 0.0)
    b = ClientSession(server, "::1", 0.0)
    assert talk(a, "USERNAME mon\nPASSWORD pw\nLOGIN su700\nLOGIN su700\n") == (
        "OK\nOK\nOK\nERR ALREADY-LOGGED-IN\n"
    )
    assert talk(b, "USERNAME admin\nPASSWORD secret\nLOGIN SU700\n") == "OK\nOK\nOK\n"
    assert talk(a, "GET NUMLOGINS su700\n") == "NUMLOGINS su700 2\n"
    assert talk(a, "LIST CLIENT su700\n") == (
        "BEGIN LIST CLIENT su700\nCLIENT su700 ::1\nCLIENT su700 10.0.0.1\nEND LIST CLIENT su700\n"
    )
    assert talk(b, "LOGOUT\n") == "OK Goodbye\n"
    assert b.effects == [Close()]
    b.logout()
    assert talk(a, "GET NUMLOGINS su700\n") == "NUMLOGINS su700 1\n"
    a.logout()
    a.logout()  # twice is harmless
    assert server.ups("su700").numlogins == 0  # type: ignore[union-attr]


def test_ClientSession_fsd_latches_into_status(server: ServerState) -> None:
    s = ClientSession(server, "127.0.0.1", 0.0)
    assert talk(s, "USERNAME admin\nPASSWORD secret\nFSD su700\n") == "OK\nOK\nOK FSD-SET\n"
    assert talk(s, "GET VAR su700 ups.status\n") == 'VAR su700 ups.status "FSD OL"\n'
    listing = talk(s, "LIST VAR su700\n")
    assert 'VAR su700 ups.status "FSD OL"\n' in listing
    assert talk(s, "LIST RW su700\n").count("FSD") == 0


def test_ClientSession_set_and_instcmd_go_to_the_driver(session: ClientSession) -> None:
    talk(session, "USERNAME admin\nPASSWORD secret\n")
    assert talk(session, 'SET VAR su700 ups.id "a \\"b"\n') == "OK\n"
    assert talk(session, "INSTCMD su700 beeper.enable\n") == "OK\n"
    assert talk(session, "INSTCMD su700 test.battery.start 10\n") == "OK\n"
    lines = [render(e.request) for e in session.effects if isinstance(e, ToDriver)]
    assert lines == [
        'SET ups.id "a \\"b"',
        "INSTCMD beeper.enable",
        "INSTCMD test.battery.start 10",
    ]


def test_ClientSession_tracking_ids(session: ClientSession) -> None:
    talk(session, "USERNAME admin\nPASSWORD secret\n")
    assert talk(session, "SET TRACKING ON\nGET TRACKING\n") == "OK\nON\n"
    assert talk(session, "INSTCMD su700 beeper.enable\n") == "OK TRACKING id-1\n"
    assert talk(session, "SET VAR su700 ups.id ok\n") == "OK TRACKING id-2\n"
    assert [render(e.request) for e in session.effects if isinstance(e, ToDriver)] == [
        "INSTCMD beeper.enable TRACKING id-1",
        'SET ups.id "ok" TRACKING id-2',
    ]
    assert talk(session, "GET TRACKING id-1\nGET TRACKING zzz\n") == "PENDING\nERR UNKNOWN\n"


def test_ClientSession_stale_and_missing_driver(server: ServerState) -> None:
    s = ClientSession(server, "127.0.0.1", 0.0)
    ups = server.ups("su700")
    assert ups is not None
    link = ups.link
    assert isinstance(link, Link)
    link.stale = True
    assert talk(s, "GET VAR su700 ups.status\n") == "ERR DATA-STALE\n"
    assert talk(s, "LIST VAR su700\n") == "ERR DATA-STALE\n"
    assert talk(s, "GET UPSDESC su700\n") == 'UPSDESC su700 "Dev box"\n'
    link.connected = False
    assert talk(s, "GET VAR su700 ups.status\n") == "ERR DRIVER-NOT-CONNECTED\n"
    assert talk(s, "LIST CLIENT su700\n").startswith("BEGIN LIST CLIENT su700\n")


def test_ClientSession_starttls_when_configured(server: ServerState) -> None:
    server.tls_configured = True
    s = ClientSession(server, "127.0.0.1", 0.0)
    assert talk(s, "STARTTLS\n") == "OK STARTTLS\n"
    assert s.effects == [StartTLS()]
    s.tls = True
    assert talk(s, "STARTTLS\n") == "ERR ALREADY-SSL-MODE\n"


def test_ClientSession_idle_timeout_is_nuts_minute(session: ClientSession) -> None:
    talk(session, "VER\n", now=100.0)
    assert not session.idle_expired(100.0 + IDLE_TIMEOUT)
    assert session.idle_expired(100.0 + IDLE_TIMEOUT + 0.5)
