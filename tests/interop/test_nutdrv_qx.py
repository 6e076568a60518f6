"""nutdrv_qx against a simulated serial UPS, side by side with NUT's own driver.

NUT's ``/lib/nut/nutdrv_qx`` runs against the same simulator (``sim_qx``,
a pty) as ours: what Debian's ``upsc`` shows through NUT's upsd must be the
same for both, except for the lines each driver adds about itself
(``driver.version.usb`` from NUT's USB build, ``driver.state`` from ours,
and each its own pty in ``driver.parameter.port``).  That checks the
simulator and our driver at once.  Then our driver end to end through our
upsd and NUT's: commands reach the device as the right bytes, and silence,
garbage and slow answers are handled as NUT does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    OUR_UPSD,
    NutServer,
    Port,
    nut_env,
    run,
    wait_until,
)
from tests.support.ptysim import PtySimulator
from tests.support.qxpeer import ADMIN, LOGIN, NUT_QX, OUR_QX, OWN_LINES, agree, common

pytestmark = pytest.mark.interop

UPSDS = {"our-upsd": OUR_UPSD, "nut-upsd": NUT_UPSD}
PROTOCOLS = ("megatec", "mustek", "megatec/old", "zinto", "q1", "voltronic-qs")
#: Lines that differ by construction (see the module docstring).


def _sim(sims: list[PtySimulator], tmp: Path, protocol: str) -> PtySimulator:
    sim = PtySimulator("tests.support.sim_qx", tmp / f"sim{len(sims)}.log", protocol=protocol)
    sims.append(sim)
    return sim


def upsc(server: NutServer, ups: str = "qx", *args: str) -> tuple[int, str, str]:
    rc, out, err = run([NUT_UPSC, server.ups(ups), *args], env=server.env)
    return rc, out, err.replace("Init SSL without certificate database\n", "")


def _serve(
    factory: NutServerFactory,
    sim: PtySimulator,
    driver: tuple[str, ...],
    upsd: tuple[str, ...],
    **options: str,
) -> NutServer:
    return factory(
        {"qx": Port(sim.port)},
        users=ADMIN,
        upsd_cmd=upsd,
        driver_cmd=driver,
        driver_options={"qx": options},
        extra_upsd_conf="MAXAGE 5\n",
    )


@pytest.mark.parametrize("protocol", [*PROTOCOLS, "auto"])
def test_ours_shows_what_NUTs_nutdrv_qx_shows(
    protocol: str, tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    """``auto``: no ``protocol`` set, a megatec UPS; both drivers detect it."""
    options = {"pollinterval": "1", "pollfreq": "1"}
    if protocol != "auto":
        options["protocol"] = protocol
    device = "megatec" if protocol == "auto" else protocol
    nut_sim, our_sim = _sim(sims, tmp_path, device), _sim(sims, tmp_path, device)
    nut = _serve(nut_server_factory, nut_sim, NUT_QX, NUT_UPSD, **options)
    ours = _serve(nut_server_factory, our_sim, OUR_QX, NUT_UPSD, **options)
    _, theirs, _ = upsc(nut)
    rc, mine, err = upsc(ours)
    assert (rc, err) == (0, "")
    assert common(mine) == common(theirs)
    assert [line for line in mine.splitlines() if line.startswith(OWN_LINES)] == [
        f"driver.parameter.port: {our_sim.port}",
        "driver.state: quiet",
    ]
    assert any(line.startswith("driver.version.usb: ") for line in theirs.splitlines())
    assert "ups.status: OL\n" in mine
    if protocol == "auto":
        assert "driver.version.data: Megatec 0.06\n" in mine

    # On battery, low, a new battery voltage: both follow, and still agree.
    low_volts = "11.0" if protocol == "voltronic-qs" else "22.0"
    for sim in (nut_sim, our_sim):
        sim.control(on_battery=True, low_battery=True, set={"battery.voltage": low_volts})

    def follows(server: NutServer) -> bool:
        out = upsc(server)[1]
        return "ups.status: OB LB\n" in out and f"battery.voltage: {low_volts}0\n" in out

    wait_until(lambda: follows(nut) and follows(ours), timeout=10, what="both on battery")
    agree(nut, ours, lambda server: upsc(server)[1])


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_commands_reach_the_ups_as_NUTs_bytes(
    upsd: str, tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    sim = _sim(sims, tmp_path, "megatec")
    server = _serve(nut_server_factory, sim, OUR_QX, UPSDS[upsd], pollinterval="1")
    rc, out, _ = run([NUT_UPSCMD, "-l", server.ups("qx")], env=server.env)
    assert rc == 0
    listed = sorted(line.split(" - ")[0] for line in out.splitlines()[2:] if line)
    assert listed == [
        "beeper.toggle",
        "load.off",
        "load.on",
        "shutdown.return",
        "shutdown.stayoff",
        "shutdown.stop",
        "test.battery.start",
        "test.battery.start.deep",
        "test.battery.start.quick",
        "test.battery.stop",
    ]

    def command(*args: str) -> bytes:
        before = len(sim.received())
        rc, out, err = run([NUT_UPSCMD, *LOGIN, "-w", server.ups("qx"), *args], env=server.env)
        assert (rc, out, err) == (0, "", "SUCCESS\n")
        return sim.received()[before:].replace(b"Q1\r", b"")

    assert command("test.battery.start.quick") == b"T\r"
    assert command("test.battery.start", "120") == b"T02\r"
    assert command("test.battery.stop") == b"CT\r"
    assert command("shutdown.return") == b"S.5R0003\r"
    assert command("shutdown.stop") == b"C\r"
    rc, out, err = run(
        [NUT_UPSRW, *LOGIN, "-w", "-s", "ups.delay.shutdown=125", server.ups("qx")],
        env=server.env,
    )
    assert (rc, out, err) == (0, "", "SUCCESS\n")
    assert upsc(server, "qx", "ups.delay.shutdown") == (0, "120\n", "")
    assert command("shutdown.stayoff") == b"S02R0000\r"
    assert command("beeper.toggle") == b"Q\r"
    # a command makes the next poll a full one: the beeper bit shows at once
    wait_until(
        lambda: upsc(server, "qx", "ups.beeper.status")[1] == "disabled\n",
        timeout=5,
        what="the beeper off",
    )


def _stale(server: NutServer) -> bool:
    rc, out, err = upsc(server, "qx", "ups.status")
    return rc == 1 and "Data stale" in err


def _fresh(server: NutServer) -> bool:
    return upsc(server, "qx", "ups.status") == (0, "OL\n", "")


@pytest.mark.parametrize("upsd", sorted(UPSDS))
def test_silence_goes_stale_then_recovers(
    upsd: str, tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    sim = _sim(sims, tmp_path, "q1")
    server = _serve(nut_server_factory, sim, OUR_QX, UPSDS[upsd], pollinterval="1")
    assert _fresh(server)
    sim.control(mode="silent")
    # NUT: four failed polls are retried, the fifth marks the data stale; a
    # quick poll of a silent UPS costs the one-second reply timeout.
    wait_until(lambda: _stale(server), timeout=16, what="data stale")
    sim.control(mode="normal")
    wait_until(lambda: _fresh(server), timeout=6, what="recovery")


def test_garbage_goes_stale_then_recovers(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    sim = _sim(sims, tmp_path, "megatec")
    server = _serve(nut_server_factory, sim, OUR_QX, OUR_UPSD, pollinterval="1")
    assert _fresh(server)
    sim.control(mode="garbage")
    wait_until(lambda: _stale(server), timeout=16, what="data stale")
    sim.control(mode="normal")
    wait_until(lambda: _fresh(server), timeout=6, what="recovery")


def test_slow_answers_within_a_second_are_read(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    sim = _sim(sims, tmp_path, "megatec")
    server = _serve(nut_server_factory, sim, OUR_QX, OUR_UPSD, pollinterval="1")
    sim.control(delay=0.6)
    sim.control(on_battery=True)
    wait_until(lambda: upsc(server, "qx", "ups.status") == (0, "OB\n", ""), timeout=8, what="OB")


@pytest.mark.parametrize("stayoff", [False, True])
def test_kill_power_sends_what_NUTs_driver_sends(
    stayoff: bool, tmp_path: Path, sims: list[PtySimulator]
) -> None:
    sent = {}
    for name, driver in (("nut", NUT_QX), ("ours", OUR_QX)):
        sim = _sim(sims, tmp_path, "megatec")
        argv = [*driver, "-s", "qx", "-x", f"port={sim.port}", "-x", "protocol=megatec"]
        argv += ["-x", "offdelay=60", "-x", "ondelay=300"]
        if stayoff:
            argv += ["-x", "stayoff"]
        argv += ["-u", "root"] if os.geteuid() == 0 else []
        argv.append("-k")
        done = subprocess.run(
            argv, env=nut_env(tmp_path), capture_output=True, text=True, timeout=20
        )
        assert done.returncode == 0, done.stderr
        assert "Shutting down in 60 seconds" in done.stderr
        sent[name] = sim.received()
    assert sent["ours"] == sent["nut"]
    last = b"S01R0000\r" if stayoff else b"S01R0005\r"
    assert sent["ours"] == b"Q1\rI\rC\r" + last
