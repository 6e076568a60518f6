"""STARTTLS against Debian's (NSS-built) upsd: upsc's messages, and our clients encrypted."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator

import pytest

from powerdown.client.aio import AsyncNutClient
from powerdown.client.blocking import NutClient
from powerdown.client.errors import SslUnavailable
from tests.support.clients import DEVICES, nut_clients_available, run_nut, run_ours
from tests.support.nutpeer import NutServer, make_nss_certdb

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(not nut_clients_available(), reason="Debian's NUT is not installed"),
    pytest.mark.skipif(shutil.which("certutil") is None, reason="needs libnss3-tools"),
]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NutServer]:
    root = tmp_path_factory.mktemp("nut-tls")
    conf = make_nss_certdb(root / "certdb")
    devices = {"apc": DEVICES["apc"], "eaton": DEVICES["eaton"]}
    with NutServer(devices, extra_upsd_conf=conf, root=root / "sandbox") as srv:
        yield srv


SSL_NOTES = (
    "Init SSL without certificate database\n"
    "Connecting in SSL to '127.0.0.1' (no certificate name specified)\n"
    "Do not intend to authenticate server 127.0.0.1\n"
    "SSL handshake done successfully with server 127.0.0.1\n"
    "Connected to NUT server 127.0.0.1 in SSL\n"
    "Certificate verification is disabled\n"
)


@pytest.mark.parametrize(
    "args",
    [("{apc}",), ("{apc}", "ups.status"), ("-L", "{hp}"), ("{nope}",)],
)
def test_upsc_over_tls_prints_what_nut_prints(tls_server: NutServer, args: tuple[str, ...]) -> None:
    argv = [
        a.format(apc=tls_server.ups("apc"), nope=tls_server.ups("nope"), hp=tls_server.hostport)
        for a in args
    ]
    theirs = run_nut("upsc", argv, tls_server.env)
    assert theirs[2].startswith(SSL_NOTES)
    assert run_ours("upsc", argv, tls_server.env) == theirs


def test_blocking_client_starttls(tls_server: NutServer) -> None:
    with NutClient(tls_server.host, tls_server.port, tls="require") as client:
        assert client.tls_active
        assert client.get_var("apc", "device.model") == "BK650M2-CH"
        assert sorted(client.list_ups()) == ["apc", "eaton"]


def test_aio_client_starttls(tls_server: NutServer) -> None:
    async def scenario() -> tuple[bool, str, list[str]]:
        client = await AsyncNutClient.connect(tls_server.host, tls_server.port, tls="require")
        async with client:
            return (
                client.tls_active,
                await client.get_var("apc", "device.model"),
                sorted(await client.list_ups()),
            )

    assert asyncio.run(scenario()) == (True, "BK650M2-CH", ["apc", "eaton"])


def test_tls_required_but_not_offered(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("nut-plain")
    with NutServer({"apc": DEVICES["apc"]}, root=root) as plain:
        with pytest.raises(SslUnavailable) as info:
            NutClient(plain.host, plain.port, tls="require")
        assert str(info.value) == "SSL is not available"
        with NutClient(plain.host, plain.port, tls="try") as client:
            assert not client.tls_active
            assert client.get_var("apc", "device.model") == "BK650M2-CH"
