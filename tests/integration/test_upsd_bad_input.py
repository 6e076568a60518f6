"""Bad input on a live upsd: each gets NUT's reply or a clean disconnect.

One upsd (ours) serves a real device dump through NUT's dummy-ups.  Every
test also keeps a well-behaved "bystander" client connected and checks that
its answers are exactly what they were before the abuse, and that upsd is
still running afterwards.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Iterator

import pytest

from tests.support.nutpeer import OUR_UPSD, NutServer, User, ddl

MAXCONN = 24


class Conn:
    """A raw protocol connection that reads whole reply lines."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> str:
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed by upsd")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def ask(self, request: str) -> str:
        self.send(request.encode() + b"\n")
        return self.line()

    def listing(self, request: str) -> list[str]:
        self.send(request.encode() + b"\n")
        lines = [self.line()]
        if not lines[0].startswith("BEGIN LIST"):
            return lines
        while not lines[-1].startswith("END LIST"):
            lines.append(self.line())
        return lines

    def closed_by_peer(self, within: float = 5.0) -> bool:
        self.sock.settimeout(within)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def upsd(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NutServer]:
    """Our upsd on each event loop it can run on (uvloop, and the stdlib's fallback)."""
    server = NutServer(
        {"ups": ddl("APC", "Back-UPS_BK650M2")},
        users={
            "admin": User(password="secret", actions=["SET", "FSD"], instcmds=["ALL"]),
            "viewer": User(password="look", upsmon="secondary"),
        },
        extra_upsd_conf=f"MAXCONN {MAXCONN}\n",
        upsd_cmd=("/usr/bin/env", f"POWERDOWN_LOOP={request.param}", *OUR_UPSD),
        root=tmp_path_factory.mktemp("upsd"),
    )
    try:
        yield server
    finally:
        server.stop()


def upsd_pid(server: NutServer) -> int:
    return next(p.popen.pid for p in server._procs if p.name == "upsd")


@pytest.fixture
def bystander(upsd: NutServer) -> Iterator[tuple[Conn, list[str]]]:
    conn = Conn(upsd.port)
    before = conn.listing("LIST VAR ups")
    assert before[0] == "BEGIN LIST VAR ups" and len(before) > 20
    yield conn, before
    assert conn.listing("LIST VAR ups") == before, "another client's answers changed"
    assert conn.ask("GET VAR ups ups.mfr") == 'VAR ups ups.mfr "American Power Conversion"'
    conn.close()
    os.kill(upsd_pid(upsd), 0)  # upsd is still running


def test_overlong_line_is_bounded_and_answered(upsd: NutServer, bystander: object) -> None:
    c = Conn(upsd.port)
    c.send(b"GET VAR ups " + b"x" * 200_000 + b"\n")
    assert c.line() == "ERR VAR-NOT-SUPPORTED"
    c.send(b"GET VAR ups ups.status " + b" extra" * 50_000 + b"\n")
    assert c.line().startswith('VAR ups ups.status "')
    c.close()


def test_unknown_commands_and_blank_lines(upsd: NutServer, bystander: object) -> None:
    c = Conn(upsd.port)
    assert c.ask("FROBNICATE now") == "ERR UNKNOWN-COMMAND"
    assert c.ask("") == "ERR UNKNOWN-COMMAND"
    assert c.ask("# just a comment") == "ERR UNKNOWN-COMMAND"
    assert c.ask("GET") == "ERR INVALID-ARGUMENT"
    assert c.ask("LIST VAR") == "ERR INVALID-ARGUMENT"
    assert c.ask("GET VAR nosuchups ups.status") == "ERR UNKNOWN-UPS"
    c.close()


def test_unbalanced_quotes(upsd: NutServer, bystander: object) -> None:
    c = Conn(upsd.port)
    # A '#' inside quotes is a parse error: NUT answers nothing for that line.
    c.send(b'GET VAR ups "ups#status"\n')
    assert c.ask("VER").startswith("Network UPS Tools upsd")
    # An open quote swallows newlines (NUT drops them inside quotes) until it closes.
    c.send(b'GET VAR ups "ups.\n')
    c.send(b'status"\n')
    assert c.line().startswith('VAR ups ups.status "')
    c.close()


def test_binary_garbage(upsd: NutServer, bystander: object) -> None:
    rng = random.Random(1234)
    for _ in range(5):
        c = Conn(upsd.port, timeout=2.0)
        c.send(bytes(rng.randrange(256) for _ in range(20_000)))
        c.send(b'"\n\nVER\n')  # close any quote the garbage opened, then ask
        lines = []
        try:
            while not lines or not lines[-1].startswith("Network UPS Tools"):
                lines.append(c.line())
        except (ConnectionError, TimeoutError):
            pytest.fail(f"garbage killed the connection after {lines!r}")
        assert all(line.startswith(("ERR ", "Network UPS Tools", "VAR ", "OK")) for line in lines)
        c.close()


def test_half_a_line_then_stall(upsd: NutServer, bystander: tuple[Conn, list[str]]) -> None:
    staller = Conn(upsd.port)
    staller.send(b"GET VAR ups ups.sta")
    other, _ = bystander
    t0 = time.monotonic()
    assert other.ask("GET VAR ups ups.load").startswith('VAR ups ups.load "')
    assert time.monotonic() - t0 < 2.0
    staller.send(b"tus\n")
    assert staller.line().startswith('VAR ups ups.status "')
    staller.close()


def test_maxconn_plus_100(upsd: NutServer, bystander: object) -> None:
    conns = []
    try:
        for _ in range(MAXCONN + 100):
            conns.append(Conn(upsd.port))
        served = refused = 0
        for c in conns:
            try:
                reply = c.ask("NETVER")
            except (ConnectionError, OSError):
                refused += 1
                continue
            assert reply == "1.3"
            served += 1
        # The bystander holds one of the MAXCONN places.
        assert served == MAXCONN - 1
        assert refused == 100 + 1
    finally:
        for c in conns:
            c.close()
    # Places come back once clients leave.
    deadline = time.monotonic() + 5
    while True:
        c = Conn(upsd.port)
        try:
            assert c.ask("NETVER") == "1.3"
            c.close()
            break
        except (ConnectionError, OSError):
            c.close()
            assert time.monotonic() < deadline, "connection places were not given back"
            time.sleep(0.05)


def test_wrong_passwords_and_missing_permissions(upsd: NutServer, bystander: object) -> None:
    c = Conn(upsd.port)
    assert c.ask("USERNAME viewer") == "OK"
    assert c.ask("PASSWORD wrong") == "OK"
    assert c.ask("LOGIN ups") == "ERR ACCESS-DENIED"
    assert c.ask("SET VAR ups ups.delay.shutdown 30") == "ERR ACCESS-DENIED"
    assert c.ask("PASSWORD look") == "ERR ALREADY-SET-PASSWORD"
    c.close()
    c = Conn(upsd.port)
    assert c.ask("USERNAME viewer") == "OK"
    assert c.ask("PASSWORD look") == "OK"
    assert c.ask("LOGIN ups") == "OK"
    assert c.ask("SET VAR ups ups.delay.shutdown 30") == "ERR ACCESS-DENIED"
    assert c.ask("INSTCMD ups beeper.enable") in ("ERR ACCESS-DENIED", "ERR CMD-NOT-SUPPORTED")
    assert c.ask("FSD ups") == "ERR ACCESS-DENIED"
    assert c.ask("GET NUMLOGINS ups") == "NUMLOGINS ups 1"
    c.close()
    c = Conn(upsd.port)
    deadline = time.monotonic() + 5
    while c.ask("GET NUMLOGINS ups") != "NUMLOGINS ups 0":
        assert time.monotonic() < deadline, "a closed connection kept its LOGIN"
        time.sleep(0.05)
    c.close()


def test_logout_closes_the_connection(upsd: NutServer, bystander: object) -> None:
    c = Conn(upsd.port)
    assert c.ask("LOGOUT") == "OK Goodbye"
    assert c.closed_by_peer()
    c.close()


def test_client_that_vanishes_mid_reply(upsd: NutServer, bystander: object) -> None:
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", upsd.port))
        s.sendall(b"LIST VAR ups\n" * 200)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # RST while upsd is writing
