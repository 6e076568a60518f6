"""The blocking and asyncio clients against Debian's upsd: same data as NUT's upsc shows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from powerdown.client.aio import AsyncNutClient
from powerdown.client.blocking import NutClient
from powerdown.client.errors import ConnectFailure, NoSuchHost, strerror
from powerdown.client.session import Answer, ListAnswer
from powerdown.protocol.errors import ErrToken, NutError
from tests.support.clients import DEVICES, nut_clients_available, run_nut
from tests.support.nutpeer import NutServer, User, free_port, wait_until

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not nut_clients_available(), reason="Debian's NUT is not installed"),
]

USERS = {
    "admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",)),
    "mon": User(password="m", upsmon="primary"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    root = tmp_path_factory.mktemp("nut-lib")
    with NutServer(DEVICES, users=USERS, root=root) as srv:
        yield srv


def upsc_vars(server: NutServer, ups: str) -> dict[str, str]:
    rc, out, _ = run_nut("upsc", [server.ups(ups)], server.env)
    assert rc == 0
    return dict(line.split(": ", 1) for line in out.splitlines())


@pytest.mark.parametrize("ups", sorted(DEVICES))
def test_blocking_list_var_matches_upsc(server: NutServer, ups: str) -> None:
    with NutClient(server.host, server.port) as client:
        assert client.list_var(ups) == upsc_vars(server, ups)


def test_aio_reads_the_same_as_blocking(server: NutServer) -> None:
    async def read_all() -> dict[str, dict[str, str]]:
        async with await AsyncNutClient.connect(server.host, server.port) as client:
            names = await client.list_ups()
            return {name: await client.list_var(name) for name in names}

    got = asyncio.run(read_all())
    assert sorted(got) == sorted(DEVICES)
    for ups in ("apc", "epdu"):
        assert got[ups] == upsc_vars(server, ups)


def test_blocking_get_and_describe(server: NutServer) -> None:
    with NutClient(server.host, server.port) as client:
        assert client.get_var("apc", "device.model") == "BK650M2-CH"
        assert client.get_desc("apc", "ups.status") == "UPS status"
        assert client.get_type("apc", "ups.status") == ("RW", "STRING:32")
        assert client.get_cmddesc("apc", "load.off") == "Turn off the load immediately"
        assert client.get_upsdesc("apc") == "Unavailable"  # upsd's word when ups.conf has no desc
        assert client.list_cmd("apc") == ["load.off"]
        assert client.list_enum("apc", "ups.status") == []
        assert client.list_range("apc", "ups.status") == []
        assert client.netver() == "1.3"
        assert client.ver().startswith("Network UPS Tools upsd 2.8.0")
        assert client.help().startswith("Commands: HELP VER GET LIST SET INSTCMD")


@pytest.mark.parametrize(
    ("call", "token", "text"),
    [
        (lambda c: c.get_var("nope", "ups.status"), ErrToken.UNKNOWN_UPS, "Unknown UPS"),
        (
            lambda c: c.get_var("apc", "no.such"),
            ErrToken.VAR_NOT_SUPPORTED,
            "Variable not supported by UPS",
        ),
        (lambda c: c.list_var("nope"), ErrToken.UNKNOWN_UPS, "Unknown UPS"),
        (lambda c: c.instcmd("apc", "load.off"), ErrToken.USERNAME_REQUIRED, "Username required"),
    ],
)
def test_blocking_errors(server: NutServer, call, token: ErrToken, text: str) -> None:  # type: ignore[no-untyped-def]
    with NutClient(server.host, server.port) as client:
        with pytest.raises(NutError) as info:
            call(client)
        assert info.value.token == token
        assert strerror(info.value) == text
        assert client.netver() == "1.3"  # the connection is still usable


def test_blocking_pipelined_requests(server: NutServer) -> None:
    """Several requests in one write; replies are matched to them in order."""
    with NutClient(server.host, server.port) as client:
        s = client.session
        client.send(
            s.send_get("VAR", "apc", "device.model")
            + s.send_list("UPS")
            + s.send_get("VAR", "nope", "x.y")
            + s.send_get("VAR", "eaton", "device.model")
        )
        first = client.receive()
        assert isinstance(first, Answer) and first.value == "BK650M2-CH"
        second = client.receive()
        assert isinstance(second, ListAnswer) and len(second.rows) == len(DEVICES)
        with pytest.raises(NutError):
            client.receive()
        fourth = client.receive()
        assert isinstance(fourth, Answer) and fourth.args[1] == "eaton"


def test_blocking_instcmd_with_tracking(server: NutServer) -> None:
    with NutClient(server.host, server.port) as client:
        client.username("admin")
        client.password("s3cret")
        assert client.instcmd("apc", "load.off") is None
        client.set_tracking(True)
        assert client.get_tracking() == "ON"
        assert client.get_tracking("no-such-id") == "ERR UNKNOWN"  # a result, not an error
        ident = client.set_var("apc", "ups.delay.shutdown", "40")
        assert ident is not None and len(ident) == 36
        results: list[str] = []
        wait_until(lambda: results.append(client.get_tracking(ident)) or results[-1] != "PENDING")
        assert results[-1] == "SUCCESS"
        assert client.get_var("apc", "ups.delay.shutdown") == "40"


def test_blocking_login_shows_in_list_client(server: NutServer) -> None:
    with NutClient(server.host, server.port) as watcher:
        assert watcher.get_numlogins("eaton") == 0
        with NutClient(server.host, server.port) as mon:
            mon.username("mon")
            mon.password("m")
            mon.login("eaton")
            assert watcher.list_client("eaton") == ["127.0.0.1"]
            assert watcher.get_numlogins("eaton") == 1
            mon.logout()
        wait_until(lambda: watcher.get_numlogins("eaton") == 0, what="logout")


def test_aio_commands(server: NutServer) -> None:
    async def scenario() -> tuple[str | None, str]:
        client = await AsyncNutClient.connect(server.host, server.port)
        try:
            await client.username("admin")
            await client.password("s3cret")
            await client.set_tracking(True)
            ident = await client.instcmd("apc", "load.off")
            assert ident is not None
            status = "PENDING"
            for _ in range(100):
                status = await client.get_tracking(ident)
                if status != "PENDING":
                    break
                await asyncio.sleep(0.05)
            # several tasks may share one client
            a, b = await asyncio.gather(
                client.get_var("apc", "device.model"), client.get_var("eaton", "ups.status")
            )
            assert a == "BK650M2-CH" and b
            return ident, status
        finally:
            await client.logout()

    ident, status = asyncio.run(scenario())
    assert status in ("SUCCESS", "ERR UNKNOWN")


def test_connect_errors() -> None:
    port = free_port()
    with pytest.raises(ConnectFailure) as info:
        NutClient("127.0.0.1", port)
    assert strerror(info.value) == "Connection failure: Connection refused"
    with pytest.raises(NoSuchHost):
        NutClient("nosuchhost.invalid", 3493)
    with pytest.raises(ConnectFailure):
        asyncio.run(AsyncNutClient.connect("127.0.0.1", port))


def test_ipv6_loopback(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("nut-v6")
    with NutServer({"apc": DEVICES["apc"]}, listen=("::1",), root=root) as v6:
        with NutClient("[::1]", v6.port) as client:
            assert client.get_var("apc", "device.model") == "BK650M2-CH"
        from tests.support.clients import run_ours

        args = [f"apc@[::1]:{v6.port}", "device.model"]
        assert run_ours("upsc", args, v6.env) == run_nut("upsc", args, v6.env)
