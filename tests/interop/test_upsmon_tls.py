"""upsmon over STARTTLS to our upsd: FORCESSL, CERTVERIFY with CERTPATH, CERTHOST.

What an administrator sees: with the right CA the monitor logs in over TLS
and follows the UPS; with a CA that did not sign upsd's certificate it never
logs in (COMMBAD), rather than falling back to clear text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.nutpeer import OUR_DUMMY_UPS, OUR_UPSD, NutServer, run, wait_until
from tests.support.upsmonpeer import (
    OURS,
    Sandbox,
    UpsmonProcess,
    numlogins,
    secondary,
    upsmon_users,
)

pytestmark = pytest.mark.interop


def _selfsigned(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    rc, _, err = run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ]
    )  # fmt: skip
    assert rc == 0, err
    return key, cert


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def tls_server(sandbox: Sandbox) -> Iterator[tuple[NutServer, Path]]:
    key, cert = _selfsigned(sandbox.root, "upsd")
    both = sandbox.write("upsd-both.pem", cert.read_text() + key.read_text())
    dev = sandbox.write("ups.dev", "ups.status: OL\n")
    with NutServer(
        devices={"ups": dev},
        users=upsmon_users(),
        upsd_cmd=OUR_UPSD,
        driver_cmd=OUR_DUMMY_UPS,
        driver_options={"ups": {"pollinterval": "1"}},
        extra_upsd_conf=f"CERTFILE {both}\n",
    ) as srv:
        yield srv, cert


@pytest.mark.parametrize(
    "tls_conf",
    [
        "FORCESSL 1\nCERTVERIFY 1\nCERTPATH {ca}\n",
        "CERTPATH {ca}\nCERTHOST 127.0.0.1 localhost 1 1\n",
    ],
    ids=["CERTVERIFY", "CERTHOST"],
)
def test_upsmon_verifies_upsd_and_follows_the_ups(
    sandbox: Sandbox, tls_server: tuple[NutServer, Path], tls_conf: str
) -> None:
    server, ca = tls_server
    mon = UpsmonProcess(
        sandbox,
        "tls",
        [secondary(server.ups("ups"))],
        extra_conf=tls_conf.format(ca=ca),
        **OURS,
    )
    with mon:
        wait_until(lambda: numlogins(server, "ups") == 1, 20, "a TLS login")
        (server.dir / "ups.dev").write_text("ups.status: OB\n")
        mon.wait_event("ONBATT", timeout=15)
        assert "COMMBAD" not in [e.type for e in mon.events()]


def test_upsmon_refuses_upsd_signed_by_another_ca(
    sandbox: Sandbox, tls_server: tuple[NutServer, Path]
) -> None:
    server, _ca = tls_server
    _key, other = _selfsigned(sandbox.root, "other")
    mon = UpsmonProcess(
        sandbox,
        "tls",
        [secondary(server.ups("ups"))],
        extra_conf=f"FORCESSL 1\nCERTVERIFY 1\nCERTPATH {other}\n",
        **OURS,
    )
    with mon:
        mon.wait_event("COMMBAD", timeout=15)
        assert numlogins(server, "ups") == 0
        assert mon.shutdowns() == []
