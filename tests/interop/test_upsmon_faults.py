"""upsmon when things break: upsd dies, comes back, or the network between goes dark.

upsmon(8) "DEAD UPSES": a UPS upsmon cannot reach is declared dead after
DEADTIME; if it was last known on battery it is assumed to be critical (no
shutdown is ever spurious, none is missed for want of data). A UPS last
seen on line is never critical for silence alone. NUT's own upsmon runs as
a secondary beside ours in the same scenarios.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.nutpeer import OUR_DUMMY_UPS, OUR_UPSD, NutServer, wait_until
from tests.support.tcpproxy import TcpProxy
from tests.support.upsmonpeer import (
    NUTS,
    OURS,
    Sandbox,
    UpsmonProcess,
    numlogins,
    primary,
    secondary,
    upsmon_users,
)

pytestmark = pytest.mark.interop

FAST = {"deadtime": 3, "hostsync": 3, "finaldelay": 0}

OL = "ups.status: OL\nbattery.charge: 100\n"
OB = "ups.status: OB DISCHRG\nbattery.charge: 60\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def server(sandbox: Sandbox) -> Iterator[NutServer]:
    dev = sandbox.write("ups.dev", OL)
    with NutServer(
        devices={"ups": dev},
        users=upsmon_users(),
        upsd_cmd=OUR_UPSD,
        driver_cmd=OUR_DUMMY_UPS,
        driver_options={"ups": {"pollinterval": "1"}},
    ) as srv:
        yield srv


def _status(server: NutServer, text: str, word: str) -> None:
    (server.dir / "ups.dev").write_text(text)

    def served() -> bool:
        reply = server.query("GET VAR ups ups.status")
        return bool(reply) and word in reply[0]

    wait_until(served, 15, f"upsd to serve {word}")


def _start_all(server: NutServer, *procs: UpsmonProcess) -> None:
    for p in procs:
        p.start()
    wait_until(lambda: numlogins(server, "ups") == len(procs), 20, "every upsmon to log in")


def test_upsmon_upsd_dies_on_battery_then_dead_ups_rule(
    sandbox: Sandbox, server: NutServer
) -> None:
    """upsd killed while OB: nobody shuts down before DEADTIME, everybody does after."""
    ups = server.ups("ups")
    prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **FAST, **OURS)  # type: ignore[arg-type]
    ours = UpsmonProcess(sandbox, "oursec", [secondary(ups)], **FAST, **OURS)  # type: ignore[arg-type]
    nuts = UpsmonProcess(sandbox, "nutsec", [secondary(ups)], **FAST, **NUTS)  # type: ignore[arg-type]
    procs = (prim, ours, nuts)
    try:
        _start_all(server, *procs)
        _status(server, OB, "OB")
        for p in procs:
            p.wait_event("ONBATT", timeout=15)
        killed = time.time()
        server.stop_process("upsd")
        for p in procs:
            p.wait_event("COMMBAD", timeout=15)
        for p in procs:
            when = p.wait_shutdown(timeout=30)
            # Not before DEADTIME (3 s) has passed since the last good poll.
            assert when - killed >= 2.0, (p.name, when - killed)
            assert len(p.shutdowns()) == 1
        assert "Too few UPS(es) are healthy (0<1)" in prim.log()
        assert prim.powerdownflag.exists()
    finally:
        for p in procs:
            p.stop()


def test_upsmon_upsd_restarts_while_on_line_no_shutdown(
    sandbox: Sandbox, server: NutServer
) -> None:
    """upsd gone for longer than DEADTIME while OL, then back: COMMBAD, COMMOK, nothing else."""
    ups = server.ups("ups")
    prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **FAST, **OURS)  # type: ignore[arg-type]
    ours = UpsmonProcess(sandbox, "oursec", [secondary(ups)], **FAST, **OURS)  # type: ignore[arg-type]
    nuts = UpsmonProcess(sandbox, "nutsec", [secondary(ups)], **FAST, **NUTS)  # type: ignore[arg-type]
    procs = (prim, ours, nuts)
    try:
        _start_all(server, *procs)
        server.stop_process("upsd")
        for p in procs:
            p.wait_event("COMMBAD", timeout=15)
        # Stay away well past DEADTIME and HOSTSYNC.
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            assert all(p.shutdowns() == [] for p in procs)
            time.sleep(0.2)
        server.start_upsd()
        for p in procs:
            p.wait_event("COMMOK", timeout=20)
        wait_until(lambda: numlogins(server, "ups") == 3, 20, "every upsmon to log in again")
        for p in procs:
            assert p.shutdowns() == [], p.log()
            assert p.alive()
            assert "SHUTDOWN" not in [e.type for e in p.events()]
    finally:
        for p in procs:
            p.stop()


@pytest.mark.parametrize("impl", ["ours", "nut"])
def test_upsmon_network_cut_to_secondary(sandbox: Sandbox, server: NutServer, impl: str) -> None:
    """A secondary whose link to upsd goes dark (packets dropped, no RST).

    On line: COMMBAD, no shutdown; back: COMMOK. On battery: it must assume
    the worst after DEADTIME and shut down, while the primary (still
    connected, UPS still OB without LB) stays up.
    """
    kind = OURS if impl == "ours" else NUTS
    with TcpProxy(server.host, server.port) as proxy:
        via = f"ups@127.0.0.1:{proxy.port}"
        prim = UpsmonProcess(sandbox, "primary", [primary(server.ups("ups"))], **FAST, **OURS)  # type: ignore[arg-type]
        sec = UpsmonProcess(sandbox, "sec", [secondary(via)], **FAST, **kind)  # type: ignore[arg-type]
        try:
            _start_all(server, prim, sec)
            proxy.blackhole()
            sec.wait_event("COMMBAD", timeout=30)
            assert sec.shutdowns() == []
            proxy.restore()
            sec.wait_event("COMMOK", timeout=40)
            assert sec.shutdowns() == [] and prim.shutdowns() == []

            _status(server, OB, "OB")
            sec.wait_event("ONBATT", timeout=15)
            proxy.blackhole()
            sec.wait_shutdown(timeout=60)
            assert prim.shutdowns() == [] and prim.alive()
        finally:
            sec.stop()
            prim.stop()
