"""The FSD sequence end to end, with real processes on loopback.

A simulated UPS (dummy-ups re-reading a ``.dev`` we rewrite) under upsd, one
primary upsmon and several secondaries, driven through OL -> OB -> OB LB.
What a user sees: who was told what, in which order; every secondary ran
SHUTDOWNCMD exactly once and before the primary; the primary left the
power-down flag that ``upsmon -K`` reports to the late shutdown script.

Mixed sets run NUT 2.8.0's upsmon (as ``nobody``, see upsmonpeer) beside
ours: NUT's as a secondary of our primary, and ours as a secondary of NUT's
upsd and NUT's primary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from tests.support.nutpeer import (
    NUT_DUMMY_UPS,
    NUT_UPSD,
    OUR_DUMMY_UPS,
    OUR_UPSD,
    NutServer,
    wait_until,
)
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


OL = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\n"
OB = "ups.status: OB DISCHRG\nbattery.charge: 60\nbattery.runtime: 900\n"
OB_LB = "ups.status: OB LB DISCHRG\nbattery.charge: 8\nbattery.runtime: 60\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def _server(box: Sandbox, *, nut: bool = False) -> NutServer:
    dev = box.write("ups.dev", OL)
    return NutServer(
        devices={"ups": dev},
        users=upsmon_users(),
        upsd_cmd=NUT_UPSD if nut else OUR_UPSD,
        driver_cmd=NUT_DUMMY_UPS if nut else OUR_DUMMY_UPS,
        driver_options={"ups": {"pollinterval": "1"}},
    )


def _set(server: NutServer, text: str, status: str) -> None:
    """Rewrite the driver's .dev and wait until upsd serves the new status.

    A primary may add FSD the moment it sees OB LB, so extra words are fine.
    """
    (server.dir / "ups.dev").write_text(text)
    want = set(status.split())

    def served() -> bool:
        reply = server.query("GET VAR ups ups.status")
        if not reply or not reply[0].startswith("VAR ups ups.status "):
            return False
        return want <= set(reply[0].split('"')[1].split())

    wait_until(served, 15, f"upsd to serve {status!r}")


def _types(p: UpsmonProcess) -> list[str]:
    return [e.type for e in p.events()]


def _in_order(p: UpsmonProcess, *texts: str) -> None:
    """``texts`` appear in this order in the program's log.

    NOTIFYCMD runs in the background (NUT forks it too), so two events
    raised in the same instant may land in the events file either way
    round; the log is written in the order upsmon raised them.
    """
    log = p.log()
    where = [log.find(t) for t in texts]
    assert -1 not in where and where == sorted(where), (texts, where, log[-3000:])


def _drill(server: NutServer, prim: UpsmonProcess, secs: Sequence[UpsmonProcess]) -> None:
    """Start everyone, wait for all logins, then cut the power."""
    for p in (prim, *secs):
        p.start()
    wait_until(lambda: numlogins(server, "ups") == 1 + len(secs), 20, "every upsmon to log in")
    _set(server, OB, "OB DISCHRG")
    for p in (prim, *secs):
        p.wait_event("ONBATT", timeout=15)
    _set(server, OB_LB, "OB LB DISCHRG")


def _assert_sequence(
    prim: UpsmonProcess,
    secs: Sequence[UpsmonProcess],
    *,
    primary_says_fsd: bool = True,
    outage: bool = True,
) -> None:
    before = ("on battery",) if outage else ()
    power = {"ONBATT", "LOWBATT"} if outage else set()
    last = prim.wait_shutdown(timeout=40)
    for s in secs:
        first = s.wait_shutdown(timeout=5)
        assert first < last, f"{s.name} shut down after the primary"
        assert len(s.shutdowns()) == 1
        types = _types(s)
        assert {*power, "FSD", "SHUTDOWN"} <= set(types), types
        assert types.count("SHUTDOWN") == 1 and types.count("FSD") == 1, types
        _in_order(s, *before, "forced shutdown in progress", "Auto logout and shutdown")
    prim.wait_gone(timeout=10)
    assert len(prim.shutdowns()) == 1
    types = _types(prim)
    assert types.count("SHUTDOWN") == 1
    if primary_says_fsd:
        # NUT since 2.8.1 (setfsd): the primary announces the FSD it set, once.
        assert types.count("FSD") == 1, types
        low = ("on battery", "battery is low") if outage else ()
        _in_order(prim, *low, "forced shutdown in progress", "Auto logout")
    else:
        # NUT 2.8.0's primary sets FSD without telling its own NOTIFYCMD.
        assert "FSD" not in types
        _in_order(prim, "on battery", "battery is low", "Auto logout")
    assert prim.powerdownflag.read_text() == "upsmon-shutdown-file"
    rc, _out, _err = prim.check_powerdownflag()
    assert rc == 0
    for s in secs:
        s.wait_gone(timeout=10)


def test_upsmon_primary_and_three_secondaries_ours(sandbox: Sandbox) -> None:
    with _server(sandbox) as server:
        ups = server.ups("ups")
        prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **OURS)  # type: ignore[arg-type]
        secs = [
            UpsmonProcess(sandbox, f"sec{i}", [secondary(ups)], finaldelay=1, **OURS)  # type: ignore[arg-type]
            for i in range(3)
        ]
        try:
            _drill(server, prim, secs)
            _assert_sequence(prim, secs)
            # The secondaries logged out before the primary gave up waiting:
            # it did not need HOSTSYNC (15 s) to run out.
            assert "Host sync timer expired" not in prim.log()
        finally:
            for p in (*secs, prim):
                p.stop()


def test_upsmon_nut_secondary_follows_our_primary(sandbox: Sandbox) -> None:
    """NUT's upsmon as a secondary of our primary, on our upsd."""
    with _server(sandbox) as server:
        ups = server.ups("ups")
        prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **OURS)  # type: ignore[arg-type]
        secs = [
            UpsmonProcess(sandbox, "nutsec", [secondary(ups)], finaldelay=1, **NUTS),  # type: ignore[arg-type]
            UpsmonProcess(sandbox, "oursec", [secondary(ups)], finaldelay=1, **OURS),  # type: ignore[arg-type]
        ]
        try:
            _drill(server, prim, secs)
            _assert_sequence(prim, secs)
        finally:
            for p in (*secs, prim):
                p.stop()


def test_upsmon_ours_secondary_of_nut_upsd_and_nut_primary(sandbox: Sandbox) -> None:
    """Our upsmon as a secondary of NUT's upsd (NUT's dummy-ups) and NUT's primary."""
    with _server(sandbox, nut=True) as server:
        ups = server.ups("ups")
        # NUT 2.8.0's secondary logs out before its parent runs SHUTDOWNCMD;
        # a primary FINALDELAY (5 s by default, 1 s here) covers that gap.
        prim = UpsmonProcess(sandbox, "primary", [primary(ups)], finaldelay=1, **NUTS)  # type: ignore[arg-type]
        secs = [
            UpsmonProcess(sandbox, "oursec", [secondary(ups)], finaldelay=1, **OURS),  # type: ignore[arg-type]
            UpsmonProcess(sandbox, "nutsec", [secondary(ups)], finaldelay=1, **NUTS),  # type: ignore[arg-type]
        ]
        try:
            _drill(server, prim, secs)
            _assert_sequence(prim, secs, primary_says_fsd=False)
        finally:
            for p in (*secs, prim):
                p.stop()


def test_upsmon_power_back_before_lb_means_no_shutdown(sandbox: Sandbox) -> None:
    """OL -> OB -> OL: ONBATT then ONLINE everywhere, nobody shuts down."""
    with _server(sandbox) as server:
        ups = server.ups("ups")
        prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **OURS)  # type: ignore[arg-type]
        sec = UpsmonProcess(sandbox, "sec", [secondary(ups)], **OURS)  # type: ignore[arg-type]
        try:
            for p in (prim, sec):
                p.start()
            wait_until(lambda: numlogins(server, "ups") == 2, 20, "logins")
            _set(server, OB, "OB DISCHRG")
            for p in (prim, sec):
                p.wait_event("ONBATT", timeout=15)
            _set(server, OL, "OL")
            for p in (prim, sec):
                p.wait_event("ONLINE", timeout=15)
                assert p.shutdowns() == []
                assert p.alive()
                assert "FSD" not in _types(p)
            assert not prim.powerdownflag.exists()
            rc, _out, _err = prim.check_powerdownflag()
            assert rc == 1
        finally:
            for p in (sec, prim):
                p.stop()


def test_upsmon_c_fsd_on_the_primary_shuts_everyone_down(sandbox: Sandbox) -> None:
    """``upsmon -c fsd`` (SIGUSR1) on a primary while on line: the drill upsmon(8) suggests."""
    with _server(sandbox) as server:
        ups = server.ups("ups")
        prim = UpsmonProcess(sandbox, "primary", [primary(ups)], **OURS)  # type: ignore[arg-type]
        sec = UpsmonProcess(sandbox, "sec", [secondary(ups)], **NUTS)  # type: ignore[arg-type]
        try:
            for p in (prim, sec):
                p.start()
            wait_until(lambda: numlogins(server, "ups") == 2, 20, "logins")
            prim.wait_log("Logged into UPS", timeout=10)
            prim.fsd()
            _assert_sequence(prim, [sec], outage=False)
            # upsd keeps FSD latched until it restarts (upsmon(8) "FORCED SHUTDOWNS").
            assert server.query("GET VAR ups ups.status")[0].startswith('VAR ups ups.status "FSD')
        finally:
            for p in (sec, prim):
                p.stop()
