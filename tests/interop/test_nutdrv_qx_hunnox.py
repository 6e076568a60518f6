"""nutdrv_qx ``protocol = hunnox`` side by side with NUT's own driver.

No DDL dump comes from a UPS read with ``protocol = hunnox``.  Its table is
zinto's (``Q1``, ``F``, ``FW?``), so both drivers read ``sim_qx``'s zinto
device (the Fideltronik INIGO Viper 1200's values) through NUT's upsd, with
a long ``pollfreq``: only quick polls follow, which on Hunnox read the
measurements too.  Debian's ``upsc``, ``upsrw`` and ``upscmd -l`` must show
the same, apart from the lines each driver adds about itself, and a
shutdown must send the same bytes (Hunnox's default delays: no on delay).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fixtures import NutServerFactory
from tests.support.nutpeer import (
    NUT_UPSC,
    NUT_UPSCMD,
    NUT_UPSD,
    NUT_UPSRW,
    NutServer,
    Port,
    User,
    run,
    wait_until,
)
from tests.support.ptysim import PtySimulator

pytestmark = pytest.mark.interop

OUR_QX: tuple[str, ...] = (str(Path(sys.executable).parent / "nutdrv_qx"),)
NUT_QX: tuple[str, ...] = ("/lib/nut/nutdrv_qx",)
ADMIN = {"admin": User(password="s3cret", actions=("SET",), instcmds=("ALL",))}
LOGIN = ("-u", "admin", "-p", "s3cret")
OWN_LINES = ("driver.parameter.port:", "driver.version.usb:", "driver.state:")


@pytest.fixture
def sims() -> Iterator[list[PtySimulator]]:
    started: list[PtySimulator] = []
    yield started
    for sim in started:
        sim.stop()


def upsc(server: NutServer, *args: str) -> str:
    rc, out, err = run([NUT_UPSC, server.ups("qx"), *args], env=server.env)
    assert rc == 0, err
    return out


def _common(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(OWN_LINES)]


def test_ours_shows_and_sends_what_NUTs_nutdrv_qx_does(
    tmp_path: Path, sims: list[PtySimulator], nut_server_factory: NutServerFactory
) -> None:
    pair = []
    for driver in (NUT_QX, OUR_QX):
        sim = PtySimulator(
            "tests.support.sim_qx", tmp_path / f"sim{len(sims)}.log", protocol="zinto"
        )
        sims.append(sim)
        server = nut_server_factory(
            {"qx": Port(sim.port)},
            users=ADMIN,
            upsd_cmd=NUT_UPSD,
            driver_cmd=driver,
            driver_options={"qx": {"protocol": "hunnox", "pollinterval": "1", "pollfreq": "300"}},
            extra_upsd_conf="MAXAGE 5\n",
        )
        pair.append((server, sim))
    (nut, _), (ours, _) = pair
    mine = upsc(ours)
    assert _common(mine) == _common(upsc(nut))
    assert "driver.version.data: Hunnox 0.01\n" in mine
    assert "ups.delay.start: 0\n" in mine and "ups.delay.shutdown: 60\n" in mine
    for tool, args in ((NUT_UPSCMD, ["-l"]), (NUT_UPSRW, [])):
        assert (
            run([tool, *args, ours.ups("qx")], env=ours.env)[1]
            == run([tool, *args, nut.ups("qx")], env=nut.env)[1]
        )

    # quick polls only: the new voltages show all the same
    for _, sim in pair:
        sim.control(on_battery=True, set={"battery.voltage": "23.1", "input.voltage": "0.0"})

    def follows(server: NutServer) -> bool:
        out = upsc(server)
        return "battery.voltage: 23.10\n" in out and "input.voltage: 0.0\n" in out

    wait_until(lambda: follows(nut) and follows(ours), timeout=10, what="both follow")
    assert _common(upsc(ours)) == _common(upsc(nut))

    sent = []
    for server, sim in pair:
        before = len(sim.received())
        rc, _, err = run(
            [NUT_UPSCMD, *LOGIN, "-w", server.ups("qx"), "shutdown.return"], env=server.env
        )
        assert (rc, err) == (0, "SUCCESS\n")
        sent.append(sim.received()[before:].replace(b"Q1\r", b""))
    assert sent == [b"S01\r", b"S01\r"]
